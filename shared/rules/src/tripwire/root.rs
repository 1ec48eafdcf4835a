//! The root user: an access key made for it, and any use of it.

use super::signin::{is_console_login, login_result, mfa_used};
use super::{Finding, Seen, account_of, finding};
use serde_json::Value;
use trailwarden_events::IdentityKind;

pub(super) fn root_access_key_created(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    // Only root can create root's keys: a CreateAccessKey by root naming no user.
    (actor.kind == IdentityKind::Root
        && source == "iam.amazonaws.com"
        && name == "CreateAccessKey"
        && record.request_str("userName").is_none())
    .then_some(())?;
    let key = record
        .response_elements
        .as_ref()
        .and_then(|r| r.get("accessKey"))
        .and_then(|k| k.get("accessKeyId"))
        .and_then(Value::as_str)
        .unwrap_or("(id not in the record)");
    finding(
        format!("Access key {key} created for the root user"),
        format!("root user of {}", account_of(record)),
        &[
            "Delete the root access key unless there is a written need for it: no IAM policy can restrict root.",
            "Find out who holds the root password and MFA device, and rotate both if in doubt.",
        ],
    )
}

pub(super) fn root_activity(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        name,
        ..
    } = *seen;
    (actor.kind == IdentityKind::Root
        && record.event_type.as_deref() != Some("AwsServiceEvent")
        && actor.invoked_by.is_none())
    .then_some(())?;
    let summary = if is_console_login(record) {
        match login_result(record) {
            Some("Failure") => "Failed console sign-in as the root user".to_string(),
            _ => format!(
                "Root user signed in to the console (MFA {})",
                match mfa_used(record) {
                    Some("Yes") => "yes",
                    Some("No") => "NO",
                    _ => "unknown",
                }
            ),
        }
    } else {
        format!("Root user called {}:{name}", record.service())
    };
    finding(
        summary,
        account_of(record),
        &[
            "Confirm with the account owner that this was them and why root was needed.",
            "If nobody claims it: reset the root password, check its MFA device, and review what root did since (CloudTrail, user identity type Root).",
        ],
    )
}
