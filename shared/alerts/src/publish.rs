//! [`AlertPublisher`]: the one SNS publish of an alert, with the message attributes subscribers
//! filter on; apart from the alert so that building and rendering need no network.

use crate::render::clip;
use crate::{Alert, chat, subject, text};
use aws_sdk_sns::types::MessageAttributeValue;
use aws_smithy_types::error::display::DisplayErrorContext;
use serde_json::json;
use thiserror::Error;

/// SNS takes 256 KiB for the message and its attributes together; this leaves room for the attributes.
pub const MAX_MESSAGE_BYTES: usize = 250 * 1024;

#[derive(Debug, Error)]
pub enum AlertError {
    #[error("publishing the alert to {topic} failed: {message}")]
    PublishFailed { topic: String, message: String },
}

/// Publishes alerts to the configured topic.
#[derive(Clone)]
pub struct AlertPublisher {
    sns: aws_sdk_sns::Client,
    topic_arn: String,
}

impl AlertPublisher {
    pub fn new(sns: aws_sdk_sns::Client, topic_arn: String) -> Self {
        AlertPublisher { sns, topic_arn }
    }

    /// One SNS message for every kind of subscriber (`MessageStructure=json`): email gets the text,
    /// every other protocol the JSON document. Returns the SNS message id.
    pub async fn publish(&self, alert: &Alert) -> Result<String, AlertError> {
        let attribute = |value: &str| {
            MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
        };
        let mut request = self
            .sns
            .publish()
            .topic_arn(&self.topic_arn)
            .subject(subject(alert))
            .message_structure("json")
            .message(message(alert));
        let account = alert
            .event
            .account
            .clone()
            .unwrap_or_else(|| "unknown".into());
        for (name, value) in [
            ("event_id", alert.event.id.as_str()),
            ("event_name", alert.event.name.as_str()),
            ("outcome", alert.outcome.as_str()),
            ("severity", alert.severity.as_str()),
            ("account", account.as_str()),
            ("function", alert.function.as_str()),
        ] {
            let value = attribute(value).map_err(|e| AlertError::PublishFailed {
                topic: self.topic_arn.clone(),
                message: e.to_string(),
            })?;
            request = request.message_attributes(name, value);
        }
        let output = request
            .send()
            .await
            .map_err(|e| AlertError::PublishFailed {
                topic: self.topic_arn.clone(),
                message: DisplayErrorContext(&e).to_string(),
            })?;
        Ok(output.message_id().unwrap_or_default().to_string())
    }
}

/// The `MessageStructure=json` message, kept under SNS's size limit.
///
/// - `email`: the text a person reads;
/// - `https`: AWS Chatbot's custom notification ([`chat`]). Chatbot subscribes to SNS over HTTPS and
///   SNS cannot tell it from another HTTPS endpoint, so every HTTPS subscriber gets this body; it
///   carries the fields people filter on in `metadata.additionalContext`. A webhook that wants the
///   whole document subscribes over plain `http`, or through SQS or Lambda;
/// - `default` (SQS, Lambda, HTTP, email-json and every other protocol): the versioned document.
///
/// When too large, the record is cut first (long strings, then request and response), then the
/// free text; the fields people filter on, and the message attributes, are never cut.
pub fn message(alert: &Alert) -> String {
    fit(alert).0
}

/// The message and the alert as it was sent (with whatever was cut), for tests and logs.
pub fn fit(alert: &Alert) -> (String, Alert) {
    let body = |alert: &Alert| {
        json!({
            "default": document(alert).to_string(),
            "email": text(alert),
            "https": chat(alert).to_string(),
        })
        .to_string()
    };
    let full = body(alert);
    if full.len() <= MAX_MESSAGE_BYTES {
        return (full, alert.clone());
    }
    // 1. Only the fields of the record trailwarden used, long strings (policy documents) cut.
    let mut cut = alert.clone();
    let (fields, notes) = record_fields(&alert.record, RECORD_STRING_MAX);
    cut.record = fields;
    cut.record_complete = false;
    cut.notes.push(format!(
        "The CloudTrail record ({} bytes, SHA-256 {}) was too large for SNS: only the fields trailwarden used are kept; find the whole record by event id.",
        alert.record_bytes, alert.record_sha256
    ));
    cut.notes.extend(notes);
    let message = body(&cut);
    if message.len() <= MAX_MESSAGE_BYTES {
        return (message, cut);
    }
    // 2. Without request and response.
    if let Some(map) = cut.record.as_object_mut() {
        for key in [
            "requestParameters",
            "responseElements",
            "additionalEventData",
        ] {
            if map.remove(key).is_some() {
                cut.notes.push(format!("{key} was left out for size."));
            }
        }
    }
    let message = body(&cut);
    if message.len() <= MAX_MESSAGE_BYTES {
        return (message, cut);
    }
    // 3. Free text cut too: every string bounded, so the message is bounded.
    cut.summary = clip(&cut.summary, 500);
    cut.resource = clip(&cut.resource, 500);
    cut.error = cut.error.map(|e| clip(&e, 2000));
    cut.next_steps = cut
        .next_steps
        .iter()
        .take(20)
        .map(|s| clip(s, 500))
        .collect();
    cut.actions.truncate(20);
    for action in &mut cut.actions {
        action.action = clip(&action.action, 500);
        action.state_after = action.state_after.as_deref().map(|s| clip(s, 500));
        action.error = action.error.as_deref().map(|s| clip(s, 1000));
    }
    cut.actor.user_agent = cut.actor.user_agent.as_deref().map(|s| clip(s, 500));
    let (fields, _) = record_fields(&cut.record, 200);
    cut.record = fields;
    cut.notes.push("Long texts were cut for size.".into());
    (body(&cut), cut)
}

/// A string of the record longer than this is cut when the record does not fit.
pub const RECORD_STRING_MAX: usize = 2048;

/// The fields of a CloudTrail record that trailwarden's decisions and alerts use.
const RECORD_FIELDS: &[&str] = &[
    "eventVersion",
    "eventTime",
    "eventSource",
    "eventName",
    "eventType",
    "eventID",
    "awsRegion",
    "recipientAccountId",
    "userIdentity",
    "sourceIPAddress",
    "userAgent",
    "errorCode",
    "errorMessage",
    "readOnly",
    "sessionCredentialFromConsole",
    "insightDetails",
    "requestParameters",
    "responseElements",
    "additionalEventData",
];

/// The used fields of `record`, each string longer than `max` bytes cut, and a note per cut.
fn record_fields(record: &serde_json::Value, max: usize) -> (serde_json::Value, Vec<String>) {
    let mut notes = Vec::new();
    let mut out = serde_json::Map::new();
    if let Some(map) = record.as_object() {
        for key in RECORD_FIELDS {
            if let Some(value) = map.get(*key) {
                out.insert(key.to_string(), cut_strings(value, max, key, &mut notes));
            }
        }
    }
    (serde_json::Value::Object(out), notes)
}

fn cut_strings(
    value: &serde_json::Value,
    max: usize,
    path: &str,
    notes: &mut Vec<String>,
) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) if s.len() > max => {
            notes.push(format!("{path} was cut from {} to {max} bytes.", s.len()));
            Value::String(format!(
                "{} [cut by trailwarden: {} bytes in all]",
                clip(s, max),
                s.len()
            ))
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| cut_strings(v, max, &format!("{path}[{i}]"), notes))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        cut_strings(v, max, &format!("{path}.{k}"), notes),
                    )
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The JSON document for machine subscribers: every field of the alert, plus the subject and the
/// email text, so a queue consumer can forward it to a ticket or a chat as it is.
pub fn document(alert: &Alert) -> serde_json::Value {
    let mut doc = serde_json::to_value(alert).unwrap_or_default();
    if let Some(map) = doc.as_object_mut() {
        map.insert("subject".into(), subject(alert).into());
        map.insert("text".into(), text(alert).into());
    }
    doc
}
