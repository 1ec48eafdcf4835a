//! What became of a plan: each action's [`StepStatus`] and the [`Outcome`] of the whole, and the
//! [`ActionError`] of a failed AWS call. Below both the executors and the alerts, which read them.

use crate::Action;
use serde::Serialize;
use std::fmt;
use thiserror::Error;

/// What kind of failure an AWS call met: decides the alert's advice and whether a retry can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The function's role lacks a permission: a person must grant it or act by hand.
    AccessDenied,
    /// The resource is gone.
    NotFound,
    /// Throttled beyond the SDK's retries, timed out, or AWS failed (5xx): a retry can help.
    Transient,
    /// The action ran but the state read back is not the intended one.
    NotInEffect,
    Other,
}

/// One AWS call that failed, with what a person needs to act on it.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("{call} on {resource}: {message}")]
pub struct ActionError {
    /// The API call, as IAM names its permission (`cloudtrail:StartLogging`).
    pub call: &'static str,
    pub resource: String,
    pub kind: FailureKind,
    /// The AWS error code, when AWS gave one.
    pub code: Option<String>,
    pub message: String,
}

impl ActionError {
    /// `function` has no dispatch for `action`: refused, never dropped.
    pub fn refused(action: &Action, function: &str) -> ActionError {
        ActionError {
            call: action.kind().as_str(),
            resource: action.to_string(),
            kind: FailureKind::Other,
            code: None,
            message: format!("{function} does not carry out this action"),
        }
    }

    pub fn not_in_effect(
        call: &'static str,
        resource: impl Into<String>,
        message: impl Into<String>,
    ) -> ActionError {
        ActionError {
            call,
            resource: resource.into(),
            kind: FailureKind::NotInEffect,
            code: None,
            message: message.into(),
        }
    }
}

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
    /// The state read before the step, as a person reads it (`None`: not read; the action log's).
    pub state_before: Option<String>,
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

/// The steps of a plan handed to a function that has none of its actions: each one failed (so the
/// outcome is `failed` and the event is kept), none carried out.
pub fn refuse_all(plan: &[Action], function: &str) -> Vec<StepResult> {
    plan.iter()
        .map(|action| StepResult {
            action: action.clone(),
            status: StepStatus::Failed(ActionError::refused(action, function)),
            state_before: None,
            state_after: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Principal;

    fn step(status: StepStatus) -> StepResult {
        StepResult {
            action: Action::Quarantine {
                principal: Principal::user("mallory"),
            },
            status,
            state_before: None,
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
