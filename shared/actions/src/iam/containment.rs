//! Containment: the deny-all quarantine of a user or role, and the denial of a role's older sessions.

use super::inline::{EnsureInline, inline_policy, put_inline};
use crate::remediation::{StepReport, remediate};
use crate::{ActionError, IamClients, StepStatus};
use trailwarden_events::EventTime;
use trailwarden_rules::{
    Mode, Principal, PrincipalKind, QUARANTINE_POLICY_NAME, REVOKE_SESSIONS_POLICY_NAME,
};

/// The inline policy that quarantines a user or role: deny everything.
pub const QUARANTINE_DOCUMENT: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"TrailwardenQuarantine","Effect":"Deny","Action":"*","Resource":"*"}]}"#;

/// The inline policy that denies a role's sessions issued before `issued_before`.
pub(crate) fn revoke_sessions_document(issued_before: EventTime) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "TrailwardenRevokeOlderSessions",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"DateLessThan": {"aws:TokenIssueTime": issued_before.to_string()}}
        }]
    })
    .to_string()
}

pub(crate) async fn quarantine(c: &IamClients, p: &Principal, mode: Mode) -> StepReport {
    if p.kind == PrincipalKind::Group {
        return Err(ActionError::not_in_effect(
            "iam:PutPolicy",
            p.to_string(),
            "a group cannot be quarantined",
        ));
    }
    let what = format!("the deny-all policy {QUARANTINE_POLICY_NAME}");
    remediate(
        &EnsureInline {
            c,
            p,
            name: QUARANTINE_POLICY_NAME,
            document: QUARANTINE_DOCUMENT,
            what,
        },
        mode,
    )
    .await
}

/// Not the common skeleton: there is nothing to check first, since a deny of the sessions issued
/// before now is always more than one of an earlier time (two calls: put, read back).
pub(crate) async fn revoke_role_sessions(c: &IamClients, role: &str, mode: Mode) -> StepReport {
    let now = EventTime::now();
    let principal = Principal::role(role);
    if mode == Mode::DryRun {
        return Ok((
            StepStatus::WouldDo,
            Some(format!(
                "sessions of role {role} issued before {now} are not yet denied"
            )),
        ));
    }
    put_inline(
        c,
        &principal,
        REVOKE_SESSIONS_POLICY_NAME,
        &revoke_sessions_document(now),
    )
    .await?;
    match inline_policy(c, &principal, REVOKE_SESSIONS_POLICY_NAME).await? {
        Some(_) => Ok((
            StepStatus::Done,
            Some(format!(
                "sessions of role {role} issued before {now} are denied"
            )),
        )),
        None => Err(ActionError::not_in_effect(
            "iam:PutRolePolicy",
            format!("role {role}"),
            "the put succeeded but the policy is missing",
        )),
    }
}
