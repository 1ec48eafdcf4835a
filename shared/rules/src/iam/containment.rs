//! trailwarden's containment undone by someone who is not allowed: the quarantine or the denial of
//! a role's older sessions deleted, or a deactivated access key made active again. Each is put
//! back at once, critical: releasing a principal is for an allowed principal to do.

use super::{Answer, Case, RevertRow, RowPlan, no_previous, optional_param, param, principal_of};
use crate::{
    Action, DENY_SESSIONS_SINCE_POLICY_NAME, PrincipalKind, QUARANTINE_POLICY_NAME,
    REVOKE_SESSIONS_POLICY_NAME, Severity, Subject,
};
use trailwarden_events::{EventError, IdentityKind, Record};

/// trailwarden's containment policy a `Delete*Policy` record names, if it is one (IAM compares
/// policy names regardless of case).
pub(super) fn containment_policy(r: &Record) -> Result<Option<&'static str>, EventError> {
    let name = param(r, "policyName")?;
    Ok([
        QUARANTINE_POLICY_NAME,
        REVOKE_SESSIONS_POLICY_NAME,
        DENY_SESSIONS_SINCE_POLICY_NAME,
    ]
    .into_iter()
    .find(|ours| ours.eq_ignore_ascii_case(&name)))
}

pub(super) const KEY_ACTIVATED: RevertRow = RevertRow {
    events: &["UpdateAccessKey"],
    subject: |r, _| {
        if !activates(r) {
            return Ok(None);
        }
        let (user, access_key_id) = updated_key(r)?;
        Ok(Some(Subject::AccessKey {
            user,
            access_key_id,
        }))
    },
    previous: no_previous,
    decide: |case| {
        if !activates(case.record) {
            // A key made inactive takes access away.
            return Ok(Answer::Respond(case.alert_only()));
        }
        case.key_activated().map(Answer::Respond)
    },
};

fn activates(r: &Record) -> bool {
    optional_param(r, "status").is_some_and(|s| s.eq_ignore_ascii_case("Active"))
}

/// The user and id of the key an `UpdateAccessKey` record changed: without `userName`, the
/// caller's own key.
fn updated_key(r: &Record) -> Result<(String, String), EventError> {
    let access_key_id = param(r, "accessKeyId")?;
    let user = optional_param(r, "userName")
        .or_else(|| {
            (r.actor.kind == IdentityKind::IamUser)
                .then(|| r.actor.user_name.clone())
                .flatten()
        })
        .ok_or_else(|| EventError::Request {
            event_name: r.event_name.clone(),
            reason: "userName is missing and the caller is not an IAM user".into(),
        })?;
    Ok((user, access_key_id))
}

impl Case<'_> {
    fn key_activated(&self) -> Result<RowPlan, EventError> {
        let (user, access_key_id) = updated_key(self.record)?;
        let mut row = self.revert(
            format!(
                "access key {access_key_id} of user {user} made active by {}",
                self.actor()
            ),
            format!("user {user} (access key {access_key_id})"),
            Severity::Critical,
            vec![Action::DeactivateAccessKey {
                user,
                access_key_id,
            }],
        );
        row.next_steps.push(
            "A key trailwarden deactivated is evidence: only an allowed principal makes it active again.".into(),
        );
        Ok(row)
    }

    /// `Delete*Policy` of trailwarden's containment policy `ours`: put back.
    pub(super) fn containment_removed(&self, ours: &'static str) -> Result<RowPlan, EventError> {
        let principal = principal_of(self.record)?;
        let summary = format!(
            "trailwarden's policy {ours} deleted from {principal} by {}",
            self.actor()
        );
        let resource = format!("{principal} (inline policy {ours})");
        let action = match (ours, principal.kind) {
            (QUARANTINE_POLICY_NAME, PrincipalKind::User | PrincipalKind::Role) => {
                Action::Quarantine {
                    principal: principal.clone(),
                }
            }
            // The window of the denial is not known again: every session older than now is denied.
            (
                REVOKE_SESSIONS_POLICY_NAME | DENY_SESSIONS_SINCE_POLICY_NAME,
                PrincipalKind::Role,
            ) => Action::RevokeRoleSessions {
                role: principal.name.clone(),
            },
            // trailwarden never puts these on a group (or the session denial on a user).
            _ => return Ok(self.revert(summary, resource, Severity::Critical, vec![])),
        };
        let mut row = match self.quarantine_refusal(&principal, None) {
            None => self.revert(summary, resource, Severity::Critical, vec![action]),
            Some(why) => {
                let mut row = self.revert(summary, resource, Severity::Critical, vec![]);
                row.next_steps
                    .push(format!("{ours} is not put back on {principal}: {why}."));
                row
            }
        };
        row.next_steps.push(format!(
            "Only an allowed principal (ALLOWED_PRINCIPALS) releases {principal}."
        ));
        Ok(row)
    }
}
