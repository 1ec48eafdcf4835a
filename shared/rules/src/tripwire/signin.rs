//! Console sign-ins: failed ones, and passwords used without MFA.

use super::{Finding, Seen, account_of, finding};
use trailwarden_events::{IdentityKind, Record};

pub(super) fn console_login_failed(seen: &Seen<'_>) -> Option<Finding> {
    let Seen { record, actor, .. } = *seen;
    (is_console_login(record) && login_result(record) == Some("Failure")).then_some(())?;
    let reason = record.error_message.as_deref().unwrap_or("no reason given");
    finding(
        format!("Failed console sign-in for {actor} ({reason})"),
        actor
            .arn
            .as_ref()
            .map_or_else(|| account_of(record), ToString::to_string),
        &[
            "One failure is a typo; many from one IP are password guessing: look for more from the same source IP.",
            "If the user did not try to sign in, reset their password and make sure MFA is on.",
        ],
    )
}

pub(super) fn console_login_without_mfa(seen: &Seen<'_>) -> Option<Finding> {
    let Seen { record, actor, .. } = *seen;
    (is_console_login(record)
        && login_result(record) == Some("Success")
        && actor.kind == IdentityKind::IamUser
        && mfa_used(record) == Some("No"))
    .then_some(())?;
    finding(
        format!("{actor} signed in to the console without MFA"),
        actor
            .arn
            .as_ref()
            .map_or_else(|| account_of(record), ToString::to_string),
        &[
            "Ask the user to confirm the sign-in; then enable MFA for them.",
            "Consider a policy that denies everything without aws:MultiFactorAuthPresent for console users.",
        ],
    )
}

pub(super) fn is_console_login(record: &Record) -> bool {
    record.event_source == "signin.amazonaws.com" && record.event_name == "ConsoleLogin"
}

/// `responseElements.ConsoleLogin`: `Success` or `Failure`.
pub(super) fn login_result(record: &Record) -> Option<&str> {
    record.response_str("ConsoleLogin")
}

pub(super) fn mfa_used(record: &Record) -> Option<&str> {
    record
        .additional_event_data
        .as_ref()?
        .get("MFAUsed")?
        .as_str()
}
