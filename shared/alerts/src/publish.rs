use crate::{Alert, subject, text};
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

/// The `MessageStructure=json` message, kept under SNS's size limit: when too large, the original
/// record is replaced by a note (the fields people filter on are never cut).
pub fn message(alert: &Alert) -> String {
    let body = |alert: &Alert| {
        json!({"default": document(alert).to_string(), "email": text(alert)})
            .to_string()
    };
    let full = body(alert);
    if full.len() <= MAX_MESSAGE_BYTES {
        return full;
    }
    let mut cut = alert.clone();
    let record_bytes = alert.record.to_string().len();
    cut.record = json!({
        "omitted": format!("the CloudTrail record ({record_bytes} bytes) was left out to keep the alert under SNS's 256 KiB limit; find it by event id"),
        "eventID": alert.event.id,
    });
    body(&cut)
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
