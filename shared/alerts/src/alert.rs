//! [`Alert`]: what trailwarden tells people about one event — what happened, what was done, each
//! step and the state read back — built once and rendered for every channel (`render`).

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use trailwarden_events::{Insight, Record};
use trailwarden_rules::{FailureKind, Outcome, StepResult, StepStatus};
use trailwarden_rules::{Incident, Mode, Severity};

/// The version of the JSON document sent to machine subscribers (SQS, Lambda, HTTP), described by
/// `docs/alert.schema.json`. A field is only ever added within a version; a change of meaning or
/// type makes a new version.
pub const SCHEMA_VERSION: &str = "1";

/// One alert: what happened, who did it, what trailwarden did, what a person should do.
#[derive(Debug, Clone, Serialize)]
pub struct Alert {
    pub schema_version: &'static str,
    /// The function that raised it (`trail-guard`, `iam-guard`, `tripwire`).
    pub function: String,
    pub mode: String,
    pub outcome: Outcome,
    pub severity: Severity,
    /// "CloudTrail logging stopped on trail audit by user mallory"
    pub summary: String,
    pub resource: String,
    /// The detection rule that raised the alert (tripwire), with its short explanation.
    pub rule: Option<AlertRule>,
    pub event: AlertEvent,
    pub actor: AlertActor,
    pub actions: Vec<AlertAction>,
    /// For a failed remediation: the error that stopped it.
    pub error: Option<String>,
    pub next_steps: Vec<String>,
    /// Where the state a revert put back came from (iam-guard: the journal or event history).
    pub previous_state: Option<String>,
    /// The CloudTrail record as received; when the alert would pass SNS's size limit, only the
    /// fields trailwarden used, long strings cut (`record_complete` false, `notes` say what).
    pub record: Value,
    pub record_complete: bool,
    /// SHA-256 (hex) of the record as received, serialized as compact JSON: identifies it even
    /// when it was cut.
    pub record_sha256: String,
    /// Size of that serialization in bytes.
    pub record_bytes: usize,
    /// What was left out or cut to keep the message within SNS's limit.
    pub notes: Vec<String>,
    /// The subject names the account (organization mode: one topic hears of every account).
    #[serde(skip)]
    pub account_in_subject: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AlertRule {
    pub id: String,
    pub explanation: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertEvent {
    pub id: String,
    pub name: String,
    pub source: String,
    pub time: String,
    pub region: String,
    pub account: Option<String>,
    /// The account's name in the organization, where it could be read (organization mode).
    pub account_name: Option<String>,
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
    /// `done`, `already-in-effect`, `would-do`, `superseded`, `failed`, `not-attempted`.
    pub status: &'static str,
    pub state_after: Option<String>,
    pub error: Option<String>,
}

/// The digest and size of a record as received.
pub(crate) fn digest(record: &Value) -> (String, usize) {
    let bytes = serde_json::to_vec(record).unwrap_or_default();
    let hash = Sha256::digest(&bytes);
    let hex = hash.iter().map(|b| format!("{b:02x}")).collect();
    (hex, bytes.len())
}

impl Alert {
    /// The alert for a record and what was done about it, redacted (see [`Alert::redacted`]).
    pub fn new(
        function: &str,
        mode: Mode,
        record: &Record,
        incident: &Incident,
        steps: &[StepResult],
        outcome: Outcome,
    ) -> Alert {
        Self::unredacted(function, mode, record, incident, steps, outcome).redacted()
    }

    fn unredacted(
        function: &str,
        mode: Mode,
        record: &Record,
        incident: &Incident,
        steps: &[StepResult],
        outcome: Outcome,
    ) -> Alert {
        let failed = outcome == Outcome::Failed;
        let mut next_steps = Vec::new();
        let mut error = None;
        if failed {
            // A failed remediation is the most important alert: say what a person must do by hand.
            for step in steps {
                match &step.status {
                    StepStatus::Failed(e) if e.kind == FailureKind::AccessDenied => {
                        // Say which permission is missing, so the fix is one line in the role.
                        error.get_or_insert_with(|| {
                            format!("the function's role lacks {}: {e}", e.call)
                        });
                        next_steps.push(format!(
                            "By hand: {} (the function's role lacks {}: {})",
                            step.action, e.call, e.message
                        ));
                        next_steps.push(format!(
                            "Grant {} to the function's role (trailwarden's template does; was the role edited?).",
                            e.call
                        ));
                    }
                    StepStatus::Failed(e) => {
                        error.get_or_insert_with(|| e.to_string());
                        next_steps.push(format!(
                            "By hand: {} (trailwarden's {} failed: {})",
                            step.action, e.call, e.message
                        ));
                    }
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
        let (record_sha256, record_bytes) = digest(&record.raw);
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
            rule: None,
            event: AlertEvent {
                id: record.event_id.clone(),
                name: record.event_name.clone(),
                source: record.event_source.clone(),
                time: record.event_time.to_string(),
                region: record.aws_region.clone(),
                account: record.account().map(String::from),
                account_name: None,
                console_link: console_link(record),
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
            error,
            next_steps,
            previous_state: incident.previous_state.clone(),
            record: record.raw.clone(),
            record_complete: true,
            record_sha256,
            record_bytes,
            notes: Vec::new(),
            account_in_subject: false,
        }
    }

    /// An alert for a CloudTrail Insights event: no single actor, nothing done.
    pub fn for_insight(
        function: &str,
        mode: Mode,
        insight: &Insight,
        incident: &Incident,
    ) -> Alert {
        let (record_sha256, record_bytes) = digest(&insight.raw);
        let details = insight.raw.get("insightDetails");
        let source = details
            .and_then(|d| d.get("eventSource"))
            .and_then(Value::as_str)
            .unwrap_or("cloudtrail.amazonaws.com");
        let console_link = trailwarden_events::Region::parse("awsRegion", &insight.aws_region)
            .ok()
            .map(|region| {
                format!(
                    "https://{region}.console.aws.amazon.com/cloudtrailv2/home?region={region}#/insights"
                )
            });
        Alert {
            schema_version: SCHEMA_VERSION,
            function: function.to_string(),
            mode: mode.to_string(),
            outcome: Outcome::AlertOnly,
            severity: incident.severity,
            summary: incident.summary.clone(),
            resource: incident.resource.clone(),
            rule: None,
            event: AlertEvent {
                id: insight.event_id.clone(),
                name: insight
                    .insight_type
                    .clone()
                    .unwrap_or_else(|| "CloudTrailInsight".into()),
                source: source.to_string(),
                time: insight.event_time.to_string(),
                region: insight.aws_region.clone(),
                account: insight.recipient_account_id.clone(),
                account_name: None,
                console_link,
            },
            actor: AlertActor {
                description: "CloudTrail Insights (a rate, not one caller)".into(),
                kind: "CloudTrailInsight".into(),
                arn: None,
                role_arn: None,
                access_key_id: None,
                source_ip: None,
                user_agent: None,
                console: false,
                mfa: None,
            },
            actions: Vec::new(),
            error: None,
            next_steps: incident.next_steps.clone(),
            previous_state: None,
            record: insight.raw.clone(),
            record_complete: true,
            record_sha256,
            record_bytes,
            notes: Vec::new(),
            account_in_subject: false,
        }
        .redacted()
    }

    /// The one place where an alert loses what must not leave trailwarden: secrets in the record
    /// (passwords, secret keys, session tokens, authorization headers) are replaced, and access key
    /// ids are cut to their prefix and last four characters, in the record and in every text
    /// (`trailwarden_events::redact`). The digest and size still describe the record as received.
    pub fn redacted(mut self) -> Alert {
        use trailwarden_events::redact::{redact_text, redact_value};
        let text = |s: &mut String| *s = redact_text(s);
        let opt = |s: &mut Option<String>| {
            if let Some(s) = s {
                *s = redact_text(s);
            }
        };
        text(&mut self.summary);
        text(&mut self.resource);
        text(&mut self.actor.description);
        opt(&mut self.actor.arn);
        opt(&mut self.actor.access_key_id);
        opt(&mut self.actor.user_agent);
        opt(&mut self.error);
        for action in &mut self.actions {
            text(&mut action.action);
            opt(&mut action.state_after);
            opt(&mut action.error);
        }
        self.next_steps.iter_mut().for_each(text);
        self.notes.iter_mut().for_each(text);
        self.record = redact_value(&self.record);
        self
    }

    /// Names the detection rule that raised the alert.
    pub fn with_rule(mut self, id: &str, explanation: &str) -> Alert {
        self.rule = Some(AlertRule {
            id: id.to_string(),
            explanation: explanation.to_string(),
        });
        self
    }
}

/// A link to the event in the CloudTrail console, when the region is a real one.
pub fn console_link(record: &Record) -> Option<String> {
    let region = record.region().ok()?;
    // Event ids are UUIDs; anything else is not put in a URL.
    let id_ok = record
        .event_id
        .bytes()
        .all(|b| b.is_ascii_hexdigit() || b == b'-');
    id_ok.then(|| {
        format!(
            "https://{region}.console.aws.amazon.com/cloudtrailv2/home?region={region}#/events/{}",
            record.event_id
        )
    })
}
