//! The one way a plan is carried out: in order, each step logged, and after a failure the rest not
//! attempted (so the alert says exactly what was and was not done), each action by the dispatch
//! of the guard that owns it ([`Remediate`]).

use crate::ActionError;
use crate::remediation::StepReport;
use trailwarden_events::redact::redact_text;
use trailwarden_rules::outcome::{StepResult, StepStatus};
use trailwarden_rules::{Action, Mode, Work};

/// Carries out one action: what a guard's dispatch is.
pub(crate) trait Remediate: Sync {
    /// `None`: not this guard's action.
    fn remediate<'a>(&'a self, action: &'a Action, mode: Mode) -> Option<Work<'a, StepReport>>;
}

/// Carries out the plan in order; after a failure the remaining steps are not attempted. An action
/// that no dispatch knows is refused (failed), never dropped.
pub(crate) async fn run_plan(
    by: &(dyn Remediate + '_),
    function: &str,
    plan: &[Action],
    mode: Mode,
) -> Vec<StepResult> {
    let mut results = Vec::with_capacity(plan.len());
    let mut failed = false;
    for action in plan {
        let (status, state_before, state_after) = if failed {
            (StepStatus::NotAttempted, None, None)
        } else {
            let report = match by.remediate(action, mode) {
                Some(work) => work.await,
                None => Err(ActionError::refused(action, function)),
            };
            match report {
                Ok(step) => (step.status, step.before, step.after),
                Err(error) => {
                    failed = true;
                    (StepStatus::Failed(error), None, None)
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
            state_before,
            state_after,
        });
    }
    results
}
