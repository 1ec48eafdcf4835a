//! Work a function hands back to itself through an SQS queue of its own. iam-guard's look-again: a
//! change it could neither undo nor contain (its previous state unknown, no one who holds it
//! quarantinable) comes back with a delay, until event history answers or an hour after the event
//! has passed; then it is a failure: alerted critical, and the event ends in the dead-letter queue.
//! trail-guard's organization check: the schedule's check of each member account, one message an
//! account, so that no invocation checks more accounts than its timeout allows.

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
        send(&self.sqs, &self.url, "retry", body, delay).await
    }
}

/// trail-guard's check queue (`CHECK_QUEUE_URL`): one message per member account to check.
#[derive(Clone)]
pub struct CheckQueue {
    sqs: aws_sdk_sqs::Client,
    url: String,
}

impl CheckQueue {
    pub fn new(sqs: aws_sdk_sqs::Client, url: String) -> CheckQueue {
        CheckQueue { sqs, url }
    }

    /// Hands the schedule's `event` back to the function once for each of `accounts`, ten to a
    /// call. Returns the accounts that could not be handed on, each with why.
    pub(crate) async fn send_all(
        &self,
        event: &Value,
        accounts: &[String],
    ) -> Vec<(String, String)> {
        use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
        let mut failed = Vec::new();
        for chunk in accounts.chunks(10) {
            let entries: Vec<_> = chunk
                .iter()
                .enumerate()
                .filter_map(|(n, account)| {
                    let body = json!({"trailwarden_check": {"account": account}, "event": event});
                    SendMessageBatchRequestEntry::builder()
                        .id(n.to_string())
                        .message_body(body.to_string())
                        .build()
                        .ok()
                })
                .collect();
            match self
                .sqs
                .send_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
            {
                Ok(out) => failed.extend(out.failed().iter().filter_map(|f| {
                    let account = chunk.get(f.id().parse::<usize>().ok()?)?;
                    Some((
                        account.clone(),
                        format!(
                            "sqs:SendMessageBatch to the check queue failed: {} ({})",
                            f.message().unwrap_or("no message"),
                            f.code()
                        ),
                    ))
                })),
                Err(e) => failed.extend(chunk.iter().map(|account| {
                    (
                        account.clone(),
                        format!(
                            "sqs:SendMessageBatch to the check queue failed: {}",
                            aws_smithy_types::error::display::DisplayErrorContext(&e)
                        ),
                    )
                })),
            }
        }
        failed
    }
}

async fn send(
    sqs: &aws_sdk_sqs::Client,
    url: &str,
    queue: &str,
    body: Value,
    delay: i64,
) -> Result<(), String> {
    sqs.send_message()
        .queue_url(url)
        .message_body(body.to_string())
        .delay_seconds(delay.clamp(0, DELAY_SECONDS) as i32)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            format!(
                "sqs:SendMessage to the {queue} queue failed: {}",
                aws_smithy_types::error::display::DisplayErrorContext(&e)
            )
        })
}

/// What a message of one of trailwarden's queues asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Queued {
    /// Look again at an event, the `attempt`th time.
    LookAgain { attempt: u32 },
    /// The scheduled check of one member account.
    CheckAccount { account: String },
}

/// The events an SQS delivery of one of trailwarden's queues carries, each with what it asks for;
/// `None` when `event` is not an SQS delivery.
pub(crate) fn from_queue(event: &Value) -> Result<Option<Vec<(Value, Queued)>>, EventError> {
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
                .and_then(Value::as_u64);
            let account = body
                .get("trailwarden_check")
                .and_then(|c| c.get("account"))
                .and_then(Value::as_str);
            let queued = match (attempt, account) {
                (Some(attempt), None) => Queued::LookAgain {
                    attempt: u32::try_from(attempt).unwrap_or(u32::MAX),
                },
                (None, Some(account)) if is_account_id(account) => Queued::CheckAccount {
                    account: account.to_string(),
                },
                _ => {
                    return Err(EventError::Shape(
                        "an SQS message that is not one of trailwarden's retries or checks".into(),
                    ));
                }
            };
            let inner = body
                .get("event")
                .cloned()
                .ok_or(EventError::Missing { field: "event" })?;
            Ok((inner, queued))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}
