//! Security Hub findings (`SECURITY_HUB_FINDINGS`): every alert is also imported as a finding of
//! the account it concerns, before the alert is published, so that the alert can say when the
//! finding was not imported. A finding that cannot be imported never stops the alert.

use crate::{Guard, Responder};
use std::time::{SystemTime, UNIX_EPOCH};
use trailwarden_alerts::{Alert, FindingError, FindingTarget, finding, import_finding};
use trailwarden_events::EventTime;

/// The function's own Security Hub client (made once per cold start) and the region it imports
/// into: the function's.
#[derive(Clone)]
pub struct Findings {
    client: aws_sdk_securityhub::Client,
    region: String,
}

impl Findings {
    pub fn new(client: aws_sdk_securityhub::Client) -> Findings {
        let region = client
            .config()
            .region()
            .map(ToString::to_string)
            .unwrap_or_default();
        Findings { client, region }
    }
}

/// Now in RFC 3339 with milliseconds: Security Hub takes an update of a finding only when its
/// `UpdatedAt` is later than the finding's, so a duplicate a second later must not tie.
fn now_rfc3339() -> String {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = EventTime::from_epoch_seconds(since.as_secs() as i64).to_string();
    format!(
        "{}.{:03}Z",
        seconds.trim_end_matches('Z'),
        since.subsec_millis()
    )
}

impl<G: Guard + ?Sized> Responder<G> {
    /// Imports `alert` as a finding when `SECURITY_HUB_FINDINGS` is on; `Err` says why it was not.
    /// The finding goes to the event's account only: the function's own with its own role, any
    /// other through that account's member role, never with the function's credentials.
    pub(crate) async fn import_finding(&self, alert: &Alert) -> Result<(), FindingError> {
        let Some(findings) = &self.findings else {
            return Ok(());
        };
        let account = alert
            .event
            .account
            .clone()
            .unwrap_or_else(|| self.home.clone());
        let no_access = |detail: String| FindingError::NoAccess {
            account: account.clone(),
            detail,
        };
        let client = if account == self.home {
            findings.client.clone()
        } else if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(no_access("not an AWS account id".into()));
        } else {
            match &self.members {
                Some(members) => {
                    let sdk = members
                        .sdk_in(&account)
                        .await
                        .map_err(|e| no_access(e.to_string()))?;
                    aws_sdk_securityhub::Client::new(&sdk)
                }
                None => {
                    return Err(no_access(format!(
                        "{} has no member role there (account mode, or a function that acts in no other account)",
                        self.function().name()
                    )));
                }
            }
        };
        let target = FindingTarget {
            account: account.clone(),
            region: findings.region.clone(),
            partition: self.config.alert_topic.partition.clone(),
        };
        import_finding(&client, finding(alert, &target, &now_rfc3339())).await
    }

    /// The alert to publish: `alert`, with a note when its finding was not imported.
    pub(crate) async fn with_finding(&self, alert: &Alert) -> Option<Alert> {
        // Boxed: the SDK's future inside every publish is otherwise too deep for the compiler.
        let why = Box::pin(self.import_finding(alert)).await.err()?;
        tracing::warn!(event_id = %alert.event.id, %why, "finding not imported");
        let mut noted = alert.clone();
        noted
            .notes
            .push(trailwarden_events::redact::redact_text(&format!(
                "The Security Hub finding was not imported: {why}."
            )));
        Some(noted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_has_milliseconds_and_is_rfc3339() {
        let now = now_rfc3339();
        // 2026-12-07T15:40:12.345Z
        assert_eq!(now.len(), 24, "{now}");
        assert_eq!(&now[10..11], "T");
        assert_eq!(&now[19..20], ".");
        assert!(now.ends_with('Z'));
        assert!(EventTime::parse(&now).is_ok(), "{now}");
    }
}
