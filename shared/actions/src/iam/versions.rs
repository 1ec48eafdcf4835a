//! Managed policy versions: the previous default made default again, a created version deleted.

use crate::error::FromSdk;
use crate::remediation::{Remediation, Standing, StepReport, WhenGone, remediate};
use crate::{ActionError, FailureKind, IamClients};
use trailwarden_events::Arn;
use trailwarden_rules::Mode;

/// A managed policy's default version id.
pub(crate) async fn default_version(
    c: &IamClients,
    policy: &Arn,
) -> Result<Option<String>, ActionError> {
    let out = call!(
        "iam:GetPolicy",
        policy,
        c.iam.get_policy().policy_arn(policy.to_string())
    )?;
    Ok(out
        .policy()
        .and_then(|p| p.default_version_id())
        .map(String::from))
}

struct SetDefault<'a> {
    c: &'a IamClients,
    policy: &'a Arn,
    version: &'a str,
}

impl Remediation for SetDefault<'_> {
    type State = Option<String>;

    async fn read(&self) -> Result<Option<String>, ActionError> {
        default_version(self.c, self.policy).await
    }

    fn standing(&self, default: &Option<String>) -> Standing {
        if default.as_deref() == Some(self.version) {
            Standing::InEffect
        } else {
            Standing::Needed
        }
    }

    fn describe(&self, default: &Option<String>) -> String {
        let (version, policy) = (self.version, self.policy);
        match self.standing(default) {
            Standing::InEffect => format!("{version} is the default version of {policy}"),
            _ => format!("{version} is not the default version of {policy}"),
        }
    }

    async fn act(&self) -> Result<(), ActionError> {
        call!(
            "iam:SetDefaultPolicyVersion",
            self.policy,
            self.c
                .iam
                .set_default_policy_version()
                .policy_arn(self.policy.to_string())
                .version_id(self.version)
        )
        .map(|_| ())
    }

    fn not_in_effect(&self, _: &Option<String>) -> ActionError {
        ActionError::not_in_effect(
            "iam:SetDefaultPolicyVersion",
            self.policy.to_string(),
            format!("the call succeeded but {} is not the default", self.version),
        )
    }
}

pub(crate) async fn set_default_policy_version(
    c: &IamClients,
    policy: &Arn,
    version: &str,
    mode: Mode,
) -> StepReport {
    remediate(&SetDefault { c, policy, version }, mode).await
}

/// `Some(is_default)` when the version exists.
async fn version_exists(
    c: &IamClients,
    policy: &Arn,
    version: &str,
) -> Result<Option<bool>, ActionError> {
    let result = call!(
        "iam:GetPolicyVersion",
        policy,
        c.iam
            .get_policy_version()
            .policy_arn(policy.to_string())
            .version_id(version)
    );
    match result {
        Ok(out) => Ok(Some(
            out.policy_version().is_some_and(|v| v.is_default_version()),
        )),
        Err(e) if e.kind == FailureKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

struct DeleteVersion<'a> {
    c: &'a IamClients,
    policy: &'a Arn,
    version: &'a str,
}

impl Remediation for DeleteVersion<'_> {
    /// `Some(is_default)` when the version exists.
    type State = Option<bool>;

    async fn read(&self) -> Result<Option<bool>, ActionError> {
        version_exists(self.c, self.policy, self.version).await
    }

    fn standing(&self, exists: &Option<bool>) -> Standing {
        match exists {
            None => Standing::InEffect,
            Some(true) => Standing::Refused(ActionError::not_in_effect(
                "iam:DeletePolicyVersion",
                self.policy.to_string(),
                format!(
                    "{} is the default version, which IAM does not delete",
                    self.version
                ),
            )),
            Some(false) => Standing::Needed,
        }
    }

    fn describe(&self, exists: &Option<bool>) -> String {
        let (version, policy) = (self.version, self.policy);
        match exists {
            None => format!("{policy} has no version {version}"),
            Some(_) => format!("{policy} has version {version}"),
        }
    }

    async fn act(&self) -> Result<(), ActionError> {
        call!(
            "iam:DeletePolicyVersion",
            self.policy,
            self.c
                .iam
                .delete_policy_version()
                .policy_arn(self.policy.to_string())
                .version_id(self.version)
        )
        .map(|_| ())
    }

    fn when_gone(&self) -> WhenGone {
        WhenGone::InEffect(self.describe(&None))
    }

    fn not_in_effect(&self, _: &Option<bool>) -> ActionError {
        ActionError::not_in_effect(
            "iam:DeletePolicyVersion",
            self.policy.to_string(),
            "the delete succeeded but the version is still there",
        )
    }
}

pub(crate) async fn delete_policy_version(
    c: &IamClients,
    policy: &Arn,
    version: &str,
    mode: Mode,
) -> StepReport {
    remediate(&DeleteVersion { c, policy, version }, mode).await
}
