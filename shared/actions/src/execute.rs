use crate::iam;
use crate::{ActionError, AwsClients};
use serde::Serialize;
use std::fmt;
use trailwarden_events::redact::redact_text;
use trailwarden_rules::{Action, FactQuery, Facts, Mode};

/// What became of one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepStatus {
    /// Carried out and verified.
    Done,
    /// The state was already the intended one (a duplicate event, or someone was faster).
    AlreadyInEffect,
    /// Dry-run: the state was checked and this would have been done.
    WouldDo,
    /// Left alone: the resource was changed again after the event, and that later change is not
    /// this event's to undo (it has its own event). The state says what the later change was.
    Superseded,
    Failed(ActionError),
    /// Not tried, because an earlier step failed.
    NotAttempted,
}

impl StepStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            StepStatus::Done => "done",
            StepStatus::AlreadyInEffect => "already-in-effect",
            StepStatus::WouldDo => "would-do",
            StepStatus::Superseded => "superseded",
            StepStatus::Failed(_) => "failed",
            StepStatus::NotAttempted => "not-attempted",
        }
    }
}

/// One action of the plan and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepResult {
    pub action: Action,
    pub status: StepStatus,
    /// The state read back after the step, as a person reads it ("trail audit is logging").
    pub state_after: Option<String>,
}

/// The alert's `outcome`: what trailwarden did about the event as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Reverted,
    WouldRevert,
    Allowed,
    Failed,
    AlreadyReverted,
    /// Not reverted: the resource was changed again after the event (a later change, with its
    /// own event), so putting it back would undo that later change.
    Superseded,
    AlertOnly,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Reverted => "reverted",
            Outcome::WouldRevert => "would-revert",
            Outcome::Allowed => "allowed",
            Outcome::Failed => "failed",
            Outcome::AlreadyReverted => "already-reverted",
            Outcome::Superseded => "superseded",
            Outcome::AlertOnly => "alert-only",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of a whole plan from its steps. `superseded`: the decision already found the
/// event's change replaced by a later one (so its plan holds no revert, only containment).
pub fn outcome(steps: &[StepResult], superseded: bool) -> Outcome {
    let any = |f: fn(&StepStatus) -> bool| steps.iter().any(|s| f(&s.status));
    if any(|s| matches!(s, StepStatus::Failed(_) | StepStatus::NotAttempted)) {
        Outcome::Failed
    } else if superseded {
        Outcome::Superseded
    } else if steps.is_empty() {
        Outcome::AlertOnly
    } else if any(|s| matches!(s, StepStatus::WouldDo)) {
        Outcome::WouldRevert
    } else if any(|s| matches!(s, StepStatus::Done)) {
        Outcome::Reverted
    } else if any(|s| matches!(s, StepStatus::Superseded)) {
        Outcome::Superseded
    } else {
        Outcome::AlreadyReverted
    }
}

/// Carries out plans with the cold start's clients.
#[derive(Clone)]
pub struct Executor {
    pub clients: AwsClients,
}

/// What one action's check-act-verify returns.
pub(crate) type StepReport = Result<(StepStatus, Option<String>), ActionError>;

impl Executor {
    pub fn new(clients: AwsClients) -> Self {
        Executor { clients }
    }

    /// Carries out the plan in order; after a failure the remaining steps are not attempted, so the
    /// alert can say exactly what was and was not done.
    pub async fn execute(&self, plan: &[Action], mode: Mode) -> Vec<StepResult> {
        let mut results = Vec::with_capacity(plan.len());
        let mut failed = false;
        for action in plan {
            let (status, state_after) = if failed {
                (StepStatus::NotAttempted, None)
            } else {
                // Boxed: the futures of every action kind are large; boxing keeps callers' small.
                match Box::pin(self.run(action, mode)).await {
                    Ok(report) => report,
                    Err(error) => {
                        failed = true;
                        (StepStatus::Failed(error), None)
                    }
                }
            };
            // Logged through the one redaction of trailwarden_events: no whole access key id in a log line.
            tracing::info!(
                action = %redact_text(&action.to_string()),
                status = status.as_str(),
                state_after = state_after.as_deref().map(redact_text),
                "step"
            );
            results.push(StepResult {
                action: action.clone(),
                status,
                state_after,
            });
        }
        results
    }

    /// Gathers the facts a decision asks for (see `trailwarden_rules::iam::facts_needed` and
    /// `trailwarden_rules::trail::facts_needed`).
    pub async fn gather(&self, queries: &[FactQuery]) -> Facts {
        Box::pin(crate::facts::gather(&self.clients, queries)).await
    }

    async fn run(&self, action: &Action, mode: Mode) -> StepReport {
        let c = &self.clients;
        match action {
            Action::StartLogging { trail, stopped_at } => {
                crate::trail::start_logging(c, trail, *stopped_at, mode).await
            }
            Action::DetachPolicy { principal, policy } => {
                iam::detach_policy(c, principal, policy, mode).await
            }
            Action::AttachPolicy { principal, policy } => {
                iam::attach_policy(c, principal, policy, mode).await
            }
            Action::PutInlinePolicy {
                principal,
                name,
                document,
            } => iam::put_inline_policy(c, principal, name, document, mode).await,
            Action::DeleteInlinePolicy {
                principal,
                name,
                document,
            } => iam::delete_inline_policy(c, principal, name, document, mode).await,
            Action::SetDefaultPolicyVersion { policy, version } => {
                iam::set_default_policy_version(c, policy, version, mode).await
            }
            Action::DeletePolicyVersion { policy, version } => {
                iam::delete_policy_version(c, policy, version, mode).await
            }
            Action::RemoveUserFromGroup { user, group } => {
                iam::remove_user_from_group(c, user, group, mode).await
            }
            Action::PutTrustPolicy { role, document } => {
                iam::put_trust_policy(c, role, document, mode).await
            }
            Action::PutPermissionsBoundary { principal, policy } => {
                iam::put_permissions_boundary(c, principal, policy, mode).await
            }
            Action::DeletePermissionsBoundary { principal } => {
                iam::delete_permissions_boundary(c, principal, mode).await
            }
            Action::DeactivateAccessKey {
                user,
                access_key_id,
            } => iam::deactivate_access_key(c, user, access_key_id, mode).await,
            Action::DeleteLoginProfile { user } => iam::delete_login_profile(c, user, mode).await,
            Action::Quarantine { principal } => iam::quarantine(c, principal, mode).await,
            Action::RevokeRoleSessions { role } => iam::revoke_role_sessions(c, role, mode).await,
            Action::UpdateTrail { trail, changes } => {
                crate::trail::update_trail(c, trail, changes, mode).await
            }
            Action::PutEventSelectors { trail, selectors } => {
                crate::trail::put_event_selectors(c, trail, selectors, mode).await
            }
            Action::PutInsightSelectors {
                trail,
                insight_types,
            } => crate::trail::put_insight_selectors(c, trail, insight_types, mode).await,
            Action::CreateTrail { trail, desired } => {
                crate::trail::create_trail(c, trail, desired, mode).await
            }
            Action::CancelKeyDeletion { key, region } => {
                crate::kms::cancel_key_deletion(c, key, region, mode).await
            }
            Action::EnableKey { key, region } => crate::kms::enable_key(c, key, region, mode).await,
            Action::EnableBucketVersioning { bucket, region } => {
                crate::s3::enable_bucket_versioning(c, bucket, region, mode).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trailwarden_rules::Principal;

    fn step(status: StepStatus) -> StepResult {
        StepResult {
            action: Action::Quarantine {
                principal: Principal::user("mallory"),
            },
            status,
            state_after: None,
        }
    }

    #[test]
    fn a_superseded_step_or_incident_is_the_outcome_superseded_unless_something_failed() {
        use StepStatus::*;
        let of = |statuses: Vec<StepStatus>, superseded| {
            outcome(
                &statuses.into_iter().map(step).collect::<Vec<_>>(),
                superseded,
            )
        };
        assert_eq!(of(vec![Superseded], false), Outcome::Superseded);
        assert_eq!(
            of(vec![Superseded, AlreadyInEffect], false),
            Outcome::Superseded
        );
        assert_eq!(of(vec![Superseded, Done], false), Outcome::Reverted);
        // The decision found the change superseded; only containment ran.
        assert_eq!(of(vec![], true), Outcome::Superseded);
        assert_eq!(of(vec![Done], true), Outcome::Superseded);
        assert_eq!(of(vec![WouldDo], true), Outcome::Superseded);
        assert_eq!(of(vec![NotAttempted], true), Outcome::Failed);
        assert_eq!(of(vec![], false), Outcome::AlertOnly);
        assert_eq!(of(vec![AlreadyInEffect], false), Outcome::AlreadyReverted);
        assert_eq!(of(vec![WouldDo, Done], false), Outcome::WouldRevert);
    }
}
