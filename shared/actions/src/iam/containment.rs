//! Containment: the deny-all quarantine of a user or role, and the denial of a role's sessions
//! (those older than now, or those issued since its trust policy was backdoored).

use super::inline::{EnsureInline, inline_policy, put_inline};
use crate::remediation::{Step, StepReport, remediate};
use crate::{ActionError, IamClients, StepStatus};
use trailwarden_events::EventTime;
use trailwarden_rules::{
    DENY_SESSIONS_SINCE_POLICY_NAME, Mode, Principal, PrincipalKind, QUARANTINE_POLICY_NAME,
    REVOKE_SESSIONS_POLICY_NAME,
};

/// The inline policy that quarantines a user or role: deny everything.
pub const QUARANTINE_DOCUMENT: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"TrailwardenQuarantine","Effect":"Deny","Action":"*","Resource":"*"}]}"#;

/// The inline policy that denies a role's sessions issued before `issued_before` (and, with
/// `issued_after`, only those issued after it).
pub(crate) fn revoke_sessions_document(
    issued_before: EventTime,
    issued_after: Option<EventTime>,
) -> String {
    let mut condition = serde_json::json!({
        "DateLessThan": {"aws:TokenIssueTime": issued_before.to_string()}
    });
    if let Some(after) = issued_after {
        condition["DateGreaterThan"] = serde_json::json!({"aws:TokenIssueTime": after.to_string()});
    }
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": if issued_after.is_some() { "TrailwardenDenySessionsSince" } else { "TrailwardenRevokeOlderSessions" },
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": condition
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
    deny_sessions(c, role, None, mode).await
}

/// The sessions of `role` issued since `since` (when its trust policy was backdoored) and before
/// now denied; the role's other sessions keep working.
pub(crate) async fn deny_role_sessions_since(
    c: &IamClients,
    role: &str,
    since: &EventTime,
    mode: Mode,
) -> StepReport {
    deny_sessions(c, role, Some(*since), mode).await
}

async fn deny_sessions(
    c: &IamClients,
    role: &str,
    since: Option<EventTime>,
    mode: Mode,
) -> StepReport {
    let now = EventTime::now();
    let principal = Principal::role(role);
    let (name, which) = match since {
        None => (REVOKE_SESSIONS_POLICY_NAME, format!("issued before {now}")),
        Some(since) => (
            DENY_SESSIONS_SINCE_POLICY_NAME,
            format!("issued between {since} and {now}"),
        ),
    };
    if mode == Mode::DryRun {
        return Ok(Step {
            status: StepStatus::WouldDo,
            before: None,
            after: Some(format!(
                "sessions of role {role} {which} are not yet denied"
            )),
        });
    }
    put_inline(c, &principal, name, &revoke_sessions_document(now, since)).await?;
    match inline_policy(c, &principal, name).await? {
        Some(_) => Ok(Step {
            status: StepStatus::Done,
            before: Some(format!("sessions of role {role} {which} are not denied")),
            after: Some(format!("sessions of role {role} {which} are denied")),
        }),
        None => Err(ActionError::not_in_effect(
            "iam:PutRolePolicy",
            format!("role {role}"),
            "the put succeeded but the policy is missing",
        )),
    }
}
