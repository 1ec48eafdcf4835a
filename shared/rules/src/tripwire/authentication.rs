//! Sign-in defences removed: MFA devices taken from another user or from the root user, the
//! account's password policy deleted or set below the CIS benchmark's baseline.

use super::{Finding, Seen, account_of, finding};
use serde_json::Value;
use trailwarden_events::IdentityKind;

/// The root user's MFA device's name in its serial number (`arn:aws:iam::ACCOUNT:mfa/root-account-mfa-device`).
const ROOT_MFA: &str = "root-account-mfa-device";

/// CIS AWS Foundations Benchmark 1.8 and 1.9: passwords of at least 14 characters, none of the
/// last 24 reused.
const CIS_MINIMUM_LENGTH: u64 = 14;
const CIS_REUSE_PREVENTION: u64 = 24;

pub(super) fn mfa_removed(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    (source == "iam.amazonaws.com"
        && matches!(name, "DeactivateMFADevice" | "DeleteVirtualMFADevice"))
    .then_some(())?;
    let serial = record.request_str("serialNumber").unwrap_or("?");
    let device_name = serial.rsplit('/').next().unwrap_or(serial);
    let by_root = actor.kind == IdentityKind::Root;
    let own_name = actor
        .user_name
        .as_deref()
        .filter(|_| actor.kind == IdentityKind::IamUser);
    // Whose device: the request names the user for a deactivation; a deletion names only the
    // device, so its name stands in for its owner (the console suggests the user's name).
    let owner = match name {
        "DeactivateMFADevice" => record
            .request_str("userName")
            .map(String::from)
            .or_else(|| own_name.map(String::from)),
        _ => None,
    };
    let of_root = by_root && owner.is_none() || device_name == ROOT_MFA;
    let of_another = match (&owner, own_name) {
        (Some(owner), Some(own)) => owner != own,
        (Some(_), None) => !by_root,
        (None, Some(own)) => device_name != own,
        (None, None) => !by_root,
    };
    (of_root || of_another).then_some(())?;
    let whose = if of_root {
        "the root user".to_string()
    } else {
        owner.map_or_else(|| format!("device {device_name}"), |u| format!("user {u}"))
    };
    let (verb, revert) = if name == "DeactivateMFADevice" {
        (
            "deactivated",
            if of_root {
                "Sign in as root and assign an MFA device again (console: Security credentials, Assign MFA device); until then the root password alone opens the account.".to_string()
            } else {
                format!(
                    "Have the user enrol a device again: aws iam enable-mfa-device --user-name {} --serial-number SERIAL --authentication-code1 CODE1 --authentication-code2 CODE2 (it needs the device's codes, so trailwarden cannot put it back).",
                    record.request_str("userName").unwrap_or("USER")
                )
            },
        )
    } else {
        (
            "deleted",
            "Create and assign a new virtual MFA device for its owner: aws iam create-virtual-mfa-device, then aws iam enable-mfa-device (the deleted device's secret is gone).".to_string(),
        )
    };
    Some(Finding {
        summary: format!("MFA device {serial} of {whose} {verb} by {actor}"),
        resource: format!("MFA device {serial}"),
        next_steps: vec![
            revert,
            "Removing someone else's MFA is the step before taking over their sign-in: check their password and access keys for changes by the same actor.".into(),
        ],
    })
}

pub(super) fn password_policy_weakened(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    (source == "iam.amazonaws.com").then_some(())?;
    let restore = format!(
        "Put the baseline back: aws iam update-account-password-policy --minimum-password-length {CIS_MINIMUM_LENGTH} --password-reuse-prevention {CIS_REUSE_PREVENTION} (with the other settings the account had: each one left out is reset to its default)."
    );
    let summary = match name {
        "DeleteAccountPasswordPolicy" => {
            format!(
                "The account's password policy was deleted by {actor}: IAM passwords of any length are accepted"
            )
        }
        "UpdateAccountPasswordPolicy" => {
            let number = |key: &str| {
                record
                    .request_parameters
                    .as_ref()
                    .and_then(|p| p.get(key))
                    .and_then(Value::as_u64)
            };
            // A setting left out of the call is reset to its default (8 characters, reuse allowed).
            let length = number("minimumPasswordLength").unwrap_or(8);
            let reuse = number("passwordReusePrevention").unwrap_or(0);
            let mut weaker = vec![];
            if length < CIS_MINIMUM_LENGTH {
                weaker.push(format!(
                    "minimum length {length} (baseline {CIS_MINIMUM_LENGTH})"
                ));
            }
            if reuse < CIS_REUSE_PREVENTION {
                weaker.push(format!(
                    "reuse prevention {reuse} (baseline {CIS_REUSE_PREVENTION})"
                ));
            }
            (!weaker.is_empty()).then_some(())?;
            format!(
                "The account's password policy was set below the CIS baseline by {actor}: {}",
                weaker.join(", ")
            )
        }
        _ => return None,
    };
    finding(
        summary,
        format!("password policy of {}", account_of(record)),
        &[
            restore.as_str(),
            "Passwords set while the policy was weaker stay weak: ask the account's users to change theirs.",
        ],
    )
}
