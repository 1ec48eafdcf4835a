//! Permissions boundaries: the previous one put back, or one that was not there removed.

use crate::error::FromSdk;
use crate::remediation::{Remediation, Standing, StepReport, remediate};
use crate::{ActionError, IamClients};
use trailwarden_events::Arn;
use trailwarden_rules::{Mode, Principal, PrincipalKind};

/// A user's or role's permissions boundary ARN, or `None`.
pub(crate) async fn boundary(c: &IamClients, p: &Principal) -> Result<Option<String>, ActionError> {
    let iam = &c.iam;
    Ok(match p.kind {
        PrincipalKind::User => call!("iam:GetUser", p, iam.get_user().user_name(&p.name))?
            .user()
            .and_then(|u| u.permissions_boundary())
            .and_then(|b| b.permissions_boundary_arn())
            .map(String::from),
        PrincipalKind::Role => call!("iam:GetRole", p, iam.get_role().role_name(&p.name))?
            .role()
            .and_then(|r| r.permissions_boundary())
            .and_then(|b| b.permissions_boundary_arn())
            .map(String::from),
        PrincipalKind::Group => {
            return Err(ActionError::not_in_effect(
                "iam:GetGroup",
                p.to_string(),
                "a group has no permissions boundary",
            ));
        }
    })
}

struct PutBoundary<'a> {
    c: &'a IamClients,
    p: &'a Principal,
    arn: String,
}

impl Remediation for PutBoundary<'_> {
    type State = Option<String>;

    async fn read(&self) -> Result<Option<String>, ActionError> {
        boundary(self.c, self.p).await
    }

    fn standing(&self, current: &Option<String>) -> Standing {
        if current.as_deref() == Some(self.arn.as_str()) {
            Standing::InEffect
        } else {
            Standing::Needed
        }
    }

    fn describe(&self, current: &Option<String>) -> String {
        let (p, arn) = (self.p, &self.arn);
        match self.standing(current) {
            Standing::InEffect => format!("the permissions boundary of {p} is {arn}"),
            _ => format!("the permissions boundary of {p} is not {arn}"),
        }
    }

    async fn act(&self) -> Result<(), ActionError> {
        let (iam, p, arn) = (&self.c.iam, self.p, &self.arn);
        match p.kind {
            PrincipalKind::User => call!(
                "iam:PutUserPermissionsBoundary",
                p,
                iam.put_user_permissions_boundary()
                    .user_name(&p.name)
                    .permissions_boundary(arn)
            )
            .map(|_| ()),
            _ => call!(
                "iam:PutRolePermissionsBoundary",
                p,
                iam.put_role_permissions_boundary()
                    .role_name(&p.name)
                    .permissions_boundary(arn)
            )
            .map(|_| ()),
        }
    }

    fn not_in_effect(&self, _: &Option<String>) -> ActionError {
        ActionError::not_in_effect(
            "iam:PutPermissionsBoundary",
            self.p.to_string(),
            "the call succeeded but the boundary read back differs",
        )
    }
}

pub(crate) async fn put_permissions_boundary(
    c: &IamClients,
    p: &Principal,
    policy: &Arn,
    mode: Mode,
) -> StepReport {
    let arn = policy.to_string();
    remediate(&PutBoundary { c, p, arn }, mode).await
}
