//! iam-guard's look-again: a change it could neither undo nor contain (its previous state unknown,
//! no one who holds it quarantinable) is handed back to it through an SQS queue, with a delay,
//! until event history answers or an hour after the event has passed. Then it is a failure: alerted
//! critical, and the event ends in the dead-letter queue.

use serde_json::{Value, json};
use trailwarden_events::EventError;

/// How long after the event trailwarden keeps looking.
pub(crate) const WINDOW_SECONDS: i64 = 3600;
/// SQS's longest delay: the time between two looks.
pub(crate) const DELAY_SECONDS: i64 = 900;
/// The most looks an event gets, whatever its time says: the window's worth, and one to spare.
pub(crate) const MAX_LOOKS: u32 = (WINDOW_SECONDS / DELAY_SECONDS) as u32 + 2;

/// The retry queue (`RETRY_QUEUE_URL`).
#[derive(Clone)]
pub struct RetryQueue {
    sqs: aws_sdk_sqs::Client,
    url: String,
}

impl RetryQueue {
    pub fn new(sqs: aws_sdk_sqs::Client, url: String) -> RetryQueue {
        RetryQueue { sqs, url }
    }

    /// Hands `event` back to the function in `delay` seconds, as attempt `attempt`.
    pub(crate) async fn send(&self, event: &Value, attempt: u32, delay: i64) -> Result<(), String> {
        let body = json!({"trailwarden_retry": {"attempt": attempt}, "event": event});
        self.sqs
            .send_message()
            .queue_url(&self.url)
            .message_body(body.to_string())
            .delay_seconds(delay.clamp(0, DELAY_SECONDS) as i32)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                format!(
                    "sqs:SendMessage to the retry queue failed: {}",
                    aws_smithy_types::error::display::DisplayErrorContext(&e)
                )
            })
    }
}

/// The events an SQS delivery of the retry queue carries, each with its attempt; `None` when
/// `event` is not an SQS delivery.
pub(crate) fn from_queue(event: &Value) -> Result<Option<Vec<(Value, u32)>>, EventError> {
    let Some(Value::Array(records)) = event.get("Records") else {
        return Ok(None);
    };
    let from_sqs = |r: &Value| r.get("eventSource").and_then(Value::as_str) == Some("aws:sqs");
    if !records.first().is_some_and(from_sqs) {
        return Ok(None);
    }
    records
        .iter()
        .map(|r| {
            let body = r
                .get("body")
                .and_then(Value::as_str)
                .ok_or(EventError::Missing {
                    field: "Records[].body",
                })?;
            let body: Value =
                serde_json::from_str(body).map_err(|e| EventError::NotJson(e.to_string()))?;
            let attempt = body
                .get("trailwarden_retry")
                .and_then(|r| r.get("attempt"))
                .and_then(Value::as_u64)
                .ok_or_else(|| {
                    EventError::Shape(
                        "an SQS message that is not one of trailwarden's retries".into(),
                    )
                })?;
            let inner = body
                .get("event")
                .cloned()
                .ok_or(EventError::Missing { field: "event" })?;
            Ok((inner, u32::try_from(attempt).unwrap_or(u32::MAX)))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}
