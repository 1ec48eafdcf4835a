//! Trust policies: a role's previous trust policy put back.

use super::same_document;
use crate::error::FromSdk;
use crate::remediation::{Remediation, Standing, StepReport, remediate};
use crate::{ActionError, IamClients};
use trailwarden_rules::Mode;

/// A role's trust policy (URL-encoded as IAM returns it).
pub(crate) async fn trust_policy(
    c: &IamClients,
    role: &str,
) -> Result<Option<String>, ActionError> {
    let out = call!(
        "iam:GetRole",
        format!("role {role}"),
        c.iam.get_role().role_name(role)
    )?;
    Ok(out
        .role()
        .and_then(|r| r.assume_role_policy_document())
        .map(String::from))
}

struct PutTrust<'a> {
    c: &'a IamClients,
    role: &'a str,
    document: &'a str,
}

impl Remediation for PutTrust<'_> {
    type State = Option<String>;

    async fn read(&self) -> Result<Option<String>, ActionError> {
        trust_policy(self.c, self.role).await
    }

    fn standing(&self, current: &Option<String>) -> Standing {
        if current
            .as_deref()
            .is_some_and(|d| same_document(d, self.document))
        {
            Standing::InEffect
        } else {
            Standing::Needed
        }
    }

    fn describe(&self, current: &Option<String>) -> String {
        match self.standing(current) {
            Standing::InEffect => format!("role {} has its previous trust policy", self.role),
            _ => format!("role {} has another trust policy", self.role),
        }
    }

    async fn act(&self) -> Result<(), ActionError> {
        call!(
            "iam:UpdateAssumeRolePolicy",
            format!("role {}", self.role),
            self.c
                .iam
                .update_assume_role_policy()
                .role_name(self.role)
                .policy_document(self.document)
        )
        .map(|_| ())
    }

    fn not_in_effect(&self, _: &Option<String>) -> ActionError {
        ActionError::not_in_effect(
            "iam:UpdateAssumeRolePolicy",
            format!("role {}", self.role),
            "the call succeeded but the trust policy read back differs",
        )
    }
}

pub(crate) async fn put_trust_policy(
    c: &IamClients,
    role: &str,
    document: &str,
    mode: Mode,
) -> StepReport {
    remediate(&PutTrust { c, role, document }, mode).await
}
