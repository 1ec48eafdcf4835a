//! [`HandlerError`]: why a function returns an error for an event, each mapped to a Lambda
//! `Diagnostic` whose `error_type` says what went wrong.

use crate::MemberError;
use lambda_runtime::Diagnostic;
use thiserror::Error;
use trailwarden_alerts::AlertError;
use trailwarden_events::{EventError, Record};
use trailwarden_rules::{FailureKind, StepResult, StepStatus};

/// Why a function returns an error for an event. Each becomes a Lambda `Diagnostic` whose
/// `error_type` says what went wrong, never a bare "service error".
#[derive(Debug, Error)]
pub enum HandlerError {
    #[error("cannot read the event: {0}")]
    BadEvent(EventError),
    #[error("{0}; the event will be retried")]
    AlertNotPublished(AlertError),
    #[error("remediation of event {event_id} failed: {detail}")]
    RemediationFailed {
        event_id: String,
        kind: FailureKind,
        detail: String,
    },
    #[error("event {event_id} could not be undone within an hour: {detail}")]
    NotUndone { event_id: String, detail: String },
    #[error(
        "an event of account {account} reached the function of account {home}, which acts only in its own account (no MEMBER_ROLE_NAME): nothing changed"
    )]
    ForeignAccount { account: String, home: String },
    #[error("{0}: nothing changed in that account")]
    MemberRoleUnavailable(MemberError),
    #[error("the trails of account {account} could not be checked: {detail}")]
    AccountUnchecked { account: String, detail: String },
    #[error("the journal of IAM state could not be written for event {event_id}: {detail}")]
    JournalNotWritten { event_id: String, detail: String },
    #[error("the IAM snapshot of account {account} could not be taken: {detail}")]
    SnapshotNotTaken { account: String, detail: String },
}

impl HandlerError {
    pub(crate) fn remediation_failed(record: &Record, steps: &[StepResult]) -> HandlerError {
        let (kind, detail) = steps
            .iter()
            .find_map(|s| match &s.status {
                StepStatus::Failed(e) => Some((e.kind, e.to_string())),
                _ => None,
            })
            .unwrap_or((FailureKind::Other, "a step failed".into()));
        HandlerError::RemediationFailed {
            event_id: record.event_id.clone(),
            kind,
            detail,
        }
    }

    pub fn error_type(&self) -> String {
        match self {
            HandlerError::BadEvent(e) => format!("BadEvent.{}", e.kind()),
            HandlerError::AlertNotPublished(_) => "AlertNotPublished".into(),
            HandlerError::RemediationFailed { kind, .. } => format!("RemediationFailed.{kind:?}"),
            HandlerError::NotUndone { .. } => "NotUndone".into(),
            HandlerError::ForeignAccount { .. } => "ForeignAccount".into(),
            HandlerError::MemberRoleUnavailable(_) => "MemberRoleUnavailable".into(),
            HandlerError::AccountUnchecked { .. } => "AccountUnchecked".into(),
            HandlerError::JournalNotWritten { .. } => "JournalNotWritten".into(),
            HandlerError::SnapshotNotTaken { .. } => "SnapshotNotTaken".into(),
        }
    }
}

impl From<HandlerError> for Diagnostic {
    fn from(error: HandlerError) -> Diagnostic {
        Diagnostic {
            error_type: error.error_type(),
            error_message: error.to_string(),
        }
    }
}
