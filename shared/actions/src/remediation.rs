//! The one skeleton of every remediation: read the state, stop if it is already as intended (or
//! was changed again after the event), stop in dry-run, act, tolerate "already gone", read back.
//! Each action says only what is particular to it ([`Remediation`]); [`remediate`] does the rest.

use crate::{ActionError, FailureKind, StepStatus};
use trailwarden_rules::Mode;

/// What one action's check-act-verify returns: its status, the state read before acting (when it
/// acted: the action log's) and the state read back.
pub(crate) type StepReport = Result<Step, ActionError>;

pub(crate) struct Step {
    pub status: StepStatus,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Step {
    fn checked(status: StepStatus, state: Option<String>) -> Step {
        Step {
            status,
            before: None,
            after: state,
        }
    }
}

/// Where a state stands against the one the action intends.
pub(crate) enum Standing {
    /// As intended: nothing to do.
    InEffect,
    /// Not as intended: the action is needed.
    Needed,
    /// Changed again after the event: left as it is, with what a person reads about it.
    Superseded(String),
    /// The action cannot reach the intended state from here.
    Refused(ActionError),
}

/// What a "not found" from the act means.
pub(crate) enum WhenGone {
    /// A failure, like any other error.
    Fails,
    /// Someone was faster (it was gone between the check and the call): already in effect, with
    /// this state.
    InEffect(String),
}

/// One remediation's particulars.
pub(crate) trait Remediation: Sync {
    type State: Send;

    /// Reads the current state (one call, or the few one reading needs).
    async fn read(&self) -> Result<Self::State, ActionError>;

    fn standing(&self, state: &Self::State) -> Standing;

    /// The state as a person reads it in the alert's `state_after`.
    fn describe(&self, state: &Self::State) -> String;

    /// The change.
    async fn act(&self) -> Result<(), ActionError>;

    fn when_gone(&self) -> WhenGone {
        WhenGone::Fails
    }

    /// Whether the state read back after acting is the intended one.
    fn holds(&self, after: &Self::State) -> bool {
        matches!(self.standing(after), Standing::InEffect)
    }

    /// The error when the state read back is not the intended one.
    fn not_in_effect(&self, after: &Self::State) -> ActionError;
}

/// Check → act unless dry-run → tolerate "already" → read back.
pub(crate) async fn remediate<R: Remediation>(r: &R, mode: Mode) -> StepReport {
    let before = r.read().await?;
    match r.standing(&before) {
        Standing::InEffect => {
            return Ok(Step::checked(
                StepStatus::AlreadyInEffect,
                Some(r.describe(&before)),
            ));
        }
        Standing::Superseded(why) => return Ok(Step::checked(StepStatus::Superseded, Some(why))),
        Standing::Refused(error) => return Err(error),
        Standing::Needed if mode == Mode::DryRun => {
            return Ok(Step::checked(
                StepStatus::WouldDo,
                Some(r.describe(&before)),
            ));
        }
        Standing::Needed => {}
    }
    match (r.act().await, r.when_gone()) {
        (Ok(()), _) => {}
        (Err(e), WhenGone::InEffect(state)) if e.kind == FailureKind::NotFound => {
            return Ok(Step::checked(StepStatus::AlreadyInEffect, Some(state)));
        }
        (Err(e), _) => return Err(e),
    }
    let after = r.read().await?;
    if r.holds(&after) {
        Ok(Step {
            status: StepStatus::Done,
            before: Some(r.describe(&before)),
            after: Some(r.describe(&after)),
        })
    } else {
        Err(r.not_in_effect(&after))
    }
}
