use serde::Serialize;
use serde_json::Value;
use trailwarden_actions::{Outcome, StepResult, StepStatus};
use trailwarden_events::Record;
use trailwarden_rules::{Incident, Mode, Severity};

/// The version of the JSON document sent to machine subscribers (SQS, Lambda, HTTPS).
pub const SCHEMA_VERSION: &str = "1";

/// One alert: what happened, who did it, what trailwarden did, what a person should do.
#[derive(Debug, Clone, Serialize)]
pub struct Alert {
    pub schema_version: &'static str,
    /// The function that raised it (`trail-guard`).
    pub function: String,
    pub mode: String,
    pub outcome: Outcome,
    pub severity: Severity,
    /// "CloudTrail logging stopped on trail audit by user mallory"
    pub summary: String,
    pub resource: String,
    pub event: AlertEvent,
    pub actor: AlertActor,
    pub actions: Vec<AlertAction>,
    pub next_steps: Vec<String>,
    /// The CloudTrail record as received.
    pub record: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertEvent {
    pub id: String,
    pub name: String,
    pub source: String,
    pub time: String,
    pub region: String,
    pub account: Option<String>,
    /// The event in the CloudTrail console, when the region is a real one.
    pub console_link: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertActor {
    /// As a person names it: "user mallory", "role Ops (session bob)".
    pub description: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub arn: Option<String>,
    pub role_arn: Option<String>,
    pub access_key_id: Option<String>,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    /// true: console; false: API.
    pub console: bool,
    pub mfa: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertAction {
    /// "start logging on trail audit (us-east-1)"
    pub action: String,
    pub kind: &'static str,
    /// `done`, `already-in-effect`, `would-do`, `failed`, `not-attempted`.
    pub status: &'static str,
    pub state_after: Option<String>,
    pub error: Option<String>,
}

impl Alert {
    pub fn new(
        function: &str,
        mode: Mode,
        record: &Record,
        incident: &Incident,
        steps: &[StepResult],
        outcome: Outcome,
    ) -> Alert {
        let failed = outcome == Outcome::Failed;
        let mut next_steps = Vec::new();
        if failed {
            // A failed remediation is the most important alert: say what a person must do by hand.
            for step in steps {
                match &step.status {
                    StepStatus::Failed(error) => next_steps.push(format!(
                        "By hand: {} (trailwarden's {} failed: {})",
                        step.action, error.call, error.message
                    )),
                    StepStatus::NotAttempted => next_steps.push(format!(
                        "By hand: {} (not attempted after the failure)",
                        step.action
                    )),
                    _ => {}
                }
            }
        }
        next_steps.extend(incident.next_steps.iter().cloned());
        let actor = &record.actor;
        Alert {
            schema_version: SCHEMA_VERSION,
            function: function.to_string(),
            mode: mode.to_string(),
            outcome,
            severity: if failed {
                Severity::Critical
            } else {
                incident.severity
            },
            summary: incident.summary.clone(),
            resource: incident.resource.clone(),
            event: AlertEvent {
                id: record.event_id.clone(),
                name: record.event_name.clone(),
                source: record.event_source.clone(),
                time: record.event_time.to_string(),
                region: record.aws_region.clone(),
                account: record.account().map(String::from),
                console_link: crate::console_link(record),
            },
            actor: AlertActor {
                description: actor.to_string(),
                kind: actor.kind.as_str().to_string(),
                arn: actor.arn.as_ref().map(ToString::to_string),
                role_arn: actor.role_arn.as_ref().map(ToString::to_string),
                access_key_id: actor.access_key_id.clone(),
                source_ip: actor.source_ip.clone(),
                user_agent: actor.user_agent.clone(),
                console: actor.console,
                mfa: actor.mfa,
            },
            actions: steps
                .iter()
                .map(|step| AlertAction {
                    action: step.action.to_string(),
                    kind: step.action.kind().as_str(),
                    status: step.status.as_str(),
                    state_after: step.state_after.clone(),
                    error: match &step.status {
                        StepStatus::Failed(e) => Some(e.to_string()),
                        _ => None,
                    },
                })
                .collect(),
            next_steps,
            record: record.raw.clone(),
        }
    }
}
