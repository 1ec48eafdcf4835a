//! Long-term credentials: an access key deactivated (kept as evidence), a console password deleted.

use crate::error::FromSdk;
use crate::remediation::{Remediation, Standing, StepReport, WhenGone, remediate};
use crate::{ActionError, FailureKind, IamClients};
use aws_sdk_iam::types::StatusType;
use trailwarden_rules::Mode;

/// The key's status (`Active`, `Inactive`), or `None` when the user has no such key.
async fn key_status(c: &IamClients, user: &str, key: &str) -> Result<Option<String>, ActionError> {
    let out = call!(
        "iam:ListAccessKeys",
        format!("user {user}"),
        c.iam.list_access_keys().user_name(user)
    )?;
    Ok(out
        .access_key_metadata()
        .iter()
        .find(|k| k.access_key_id() == Some(key))
        .map(|k| k.status().map_or("unknown", |s| s.as_str()).to_string()))
}

struct DeactivateKey<'a> {
    c: &'a IamClients,
    user: &'a str,
    key: &'a str,
}

impl Remediation for DeactivateKey<'_> {
    type State = Option<String>;

    async fn read(&self) -> Result<Option<String>, ActionError> {
        key_status(self.c, self.user, self.key).await
    }

    fn standing(&self, status: &Option<String>) -> Standing {
        match status.as_deref() {
            None | Some("Inactive") => Standing::InEffect,
            Some(_) => Standing::Needed,
        }
    }

    fn describe(&self, status: &Option<String>) -> String {
        let (user, key) = (self.user, self.key);
        match status.as_deref() {
            None => format!("user {user} has no access key {key} any more"),
            Some("Inactive") => format!("access key {key} of user {user} is inactive"),
            Some(_) => format!("access key {key} of user {user} is active"),
        }
    }

    async fn act(&self) -> Result<(), ActionError> {
        call!(
            "iam:UpdateAccessKey",
            format!("access key {} of user {}", self.key, self.user),
            self.c
                .iam
                .update_access_key()
                .user_name(self.user)
                .access_key_id(self.key)
                .status(StatusType::Inactive)
        )
        .map(|_| ())
    }

    // Read back, a key that is gone is not "inactive": only that status verifies the step.
    fn holds(&self, status: &Option<String>) -> bool {
        status.as_deref() == Some("Inactive")
    }

    fn not_in_effect(&self, _: &Option<String>) -> ActionError {
        ActionError::not_in_effect(
            "iam:UpdateAccessKey",
            format!("access key {} of user {}", self.key, self.user),
            "the call succeeded but the key is not inactive",
        )
    }
}

pub(crate) async fn deactivate_access_key(
    c: &IamClients,
    user: &str,
    key: &str,
    mode: Mode,
) -> StepReport {
    remediate(&DeactivateKey { c, user, key }, mode).await
}

async fn has_login_profile(c: &IamClients, user: &str) -> Result<bool, ActionError> {
    let result = call!(
        "iam:GetLoginProfile",
        format!("user {user}"),
        c.iam.get_login_profile().user_name(user)
    );
    match result {
        Ok(_) => Ok(true),
        Err(e) if e.kind == FailureKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

struct DeleteLoginProfile<'a> {
    c: &'a IamClients,
    user: &'a str,
}

impl Remediation for DeleteLoginProfile<'_> {
    type State = bool;

    async fn read(&self) -> Result<bool, ActionError> {
        has_login_profile(self.c, self.user).await
    }

    fn standing(&self, has: &bool) -> Standing {
        if *has {
            Standing::Needed
        } else {
            Standing::InEffect
        }
    }

    fn describe(&self, has: &bool) -> String {
        if *has {
            format!("user {} has a console password", self.user)
        } else {
            format!("user {} has no console password", self.user)
        }
    }

    async fn act(&self) -> Result<(), ActionError> {
        call!(
            "iam:DeleteLoginProfile",
            format!("user {}", self.user),
            self.c.iam.delete_login_profile().user_name(self.user)
        )
        .map(|_| ())
    }

    fn when_gone(&self) -> WhenGone {
        WhenGone::InEffect(self.describe(&false))
    }

    fn not_in_effect(&self, _: &bool) -> ActionError {
        ActionError::not_in_effect(
            "iam:DeleteLoginProfile",
            format!("user {}", self.user),
            "the call succeeded but the login profile is still there",
        )
    }
}

pub(crate) async fn delete_login_profile(c: &IamClients, user: &str, mode: Mode) -> StepReport {
    remediate(&DeleteLoginProfile { c, user }, mode).await
}
