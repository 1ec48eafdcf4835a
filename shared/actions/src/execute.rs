//! The one way a plan is carried out: in order, each step logged, and after a failure the rest not
//! attempted (so the alert says exactly what was and was not done). [`Executor`] carries out any
//! action with every client, for tests and tools; a function uses its own guard (`guards`).

use crate::guards::{IamGuard, TrailGuard};
use crate::{ActionError, AwsClients};
use trailwarden_events::redact::redact_text;
use trailwarden_rules::outcome::{StepResult, StepStatus, refuse_all};
use trailwarden_rules::{Action, FactQuery, Facts, Function, Mode, Work};

/// What one action's check-act-verify returns.
pub(crate) type StepReport = Result<(StepStatus, Option<String>), ActionError>;

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
        let (status, state_after) = if failed {
            (StepStatus::NotAttempted, None)
        } else {
            let report = match by.remediate(action, mode) {
                Some(work) => work.await,
                None => Err(refused(action, function)),
            };
            match report {
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

fn refused(action: &Action, function: &str) -> ActionError {
    match refuse_all(std::slice::from_ref(action), function)
        .remove(0)
        .status
    {
        StepStatus::Failed(error) => error,
        _ => unreachable!("refuse_all fails every step"),
    }
}

/// Carries out any plan with every client: for tests and tools. A function's `main` builds only
/// its own guard instead.
#[derive(Clone)]
pub struct Executor {
    pub clients: AwsClients,
    iam: IamGuard,
    trail: TrailGuard,
}

impl Executor {
    pub fn new(clients: AwsClients) -> Self {
        Executor {
            iam: IamGuard::from_clients(clients.for_iam_guard()),
            trail: TrailGuard::from_clients(clients.for_trail_guard()),
            clients,
        }
    }

    pub async fn execute(&self, plan: &[Action], mode: Mode) -> Vec<StepResult> {
        run_plan(self, "trailwarden", plan, mode).await
    }

    /// Gathers the facts a decision asks for, each from the guard whose fact it is.
    pub async fn gather(&self, queries: &[FactQuery]) -> Facts {
        let (trail, iam): (Vec<_>, Vec<_>) = queries
            .iter()
            .cloned()
            .partition(|q| matches!(q, FactQuery::Trail { .. } | FactQuery::TrailsIn { .. }));
        let mut facts = self.iam.gather(&iam).await;
        facts.extend(self.trail.gather(&trail).await);
        facts
    }
}

impl Remediate for Executor {
    fn remediate<'a>(&'a self, action: &'a Action, mode: Mode) -> Option<Work<'a, StepReport>> {
        if action.kind().function() == Function::IamGuard {
            self.iam.remediate(action, mode)
        } else {
            self.trail.remediate(action, mode)
        }
    }
}
