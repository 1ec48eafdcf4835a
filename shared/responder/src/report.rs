//! [`Report`]: what a function returns for an event it handled (ignored, responded, checked), the
//! one line a log reader or a test reads.

use serde::Serialize;
use trailwarden_alerts::Alert;
use trailwarden_rules::{Function, Ignored};

/// What the function returns for an event (shown by `cargo lambda invoke`, kept in Lambda's logs).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Report {
    pub event_id: String,
    pub function: String,
    /// `ignored` or an alert outcome (`reverted`, `would-revert`, `already-reverted`, `superseded`, `alert-only`).
    pub outcome: String,
    /// The alert's severity (the highest, for a scheduled check); none when nothing was alerted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    pub reason: Option<String>,
    pub actions: Vec<ReportedAction>,
    pub alert_message_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReportedAction {
    pub action: String,
    pub status: String,
    pub state_after: Option<String>,
}

impl Report {
    pub fn ignored(event_id: &str, function: Function, why: &Ignored) -> Report {
        Report {
            event_id: event_id.to_string(),
            function: function.name().to_string(),
            outcome: "ignored".into(),
            severity: None,
            reason: Some(why.to_string()),
            actions: vec![],
            alert_message_id: None,
        }
    }

    /// The scheduled check: how many protected trails were checked, and the alert of each one
    /// repaired (none when all is well).
    pub fn checked(
        event_id: &str,
        function: Function,
        checked: usize,
        alerted: &[(Alert, String)],
    ) -> Report {
        let with_drift: Vec<String> = alerted
            .iter()
            .map(|(a, _)| format!("{} ({})", a.resource, a.outcome.as_str()))
            .collect();
        // log-auditor's schedule validates logs; trail-guard's compares trails with their state.
        let (quiet, checked_how, found) = if function == Function::LogAuditor {
            ("logs-intact", "validated", "not intact")
        } else {
            ("no-drift", "checked", "drift")
        };
        Report {
            event_id: event_id.to_string(),
            function: function.name().to_string(),
            outcome: if alerted.is_empty() { quiet } else { "checked" }.into(),
            severity: alerted
                .iter()
                .map(|(a, _)| a.severity)
                .max()
                .map(|s| s.as_str().to_string()),
            reason: Some(format!(
                "{checked} protected trail(s) {checked_how}; {found} on {}: {}",
                alerted.len(),
                if with_drift.is_empty() {
                    "none".to_string()
                } else {
                    with_drift.join(", ")
                }
            )),
            actions: alerted
                .iter()
                .flat_map(|(a, _)| a.actions.iter())
                .map(|a| ReportedAction {
                    action: a.action.clone(),
                    status: a.status.to_string(),
                    state_after: a.state_after.clone(),
                })
                .collect(),
            alert_message_id: (!alerted.is_empty()).then(|| {
                alerted
                    .iter()
                    .map(|(_, id)| id.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            }),
        }
    }

    /// A change still not undone, handed back to look at again later; alerted at the first look.
    pub fn deferred(
        record: &trailwarden_events::Record,
        function: Function,
        pending: &str,
    ) -> Report {
        Report {
            event_id: record.event_id.clone(),
            function: function.name().to_string(),
            outcome: "deferred".into(),
            severity: None,
            reason: Some(pending.to_string()),
            actions: vec![],
            alert_message_id: None,
        }
    }

    pub fn responded(alert: &Alert, message_id: String) -> Report {
        Report {
            event_id: alert.event.id.clone(),
            function: alert.function.clone(),
            outcome: alert.outcome.as_str().to_string(),
            severity: Some(alert.severity.as_str().to_string()),
            reason: Some(alert.summary.clone()),
            actions: alert
                .actions
                .iter()
                .map(|a| ReportedAction {
                    action: a.action.clone(),
                    status: a.status.to_string(),
                    state_after: a.state_after.clone(),
                })
                .collect(),
            alert_message_id: Some(message_id),
        }
    }
}
