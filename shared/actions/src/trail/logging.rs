//! A stopped trail logging again.

use super::home;
use super::state::{LoggingStatus, logging_status};
use crate::error::FromSdk;
use crate::remediation::{Remediation, Standing, StepReport, remediate};
use crate::{ActionError, TrailClients};
use trailwarden_events::EventTime;
use trailwarden_rules::{Mode, TrailRef};

/// A stopped trail logging again, unless it was stopped again after the event.
struct StartLogging<'a> {
    clients: &'a TrailClients,
    trail: &'a TrailRef,
    stopped_at: Option<EventTime>,
}

impl Remediation for StartLogging<'_> {
    type State = LoggingStatus;

    async fn read(&self) -> Result<LoggingStatus, ActionError> {
        logging_status(self.clients, self.trail).await
    }

    fn standing(&self, status: &LoggingStatus) -> Standing {
        if status.logging {
            return Standing::InEffect;
        }
        match (self.stopped_at, status.stopped_at) {
            (Some(event), Some(latest)) if latest > event => Standing::Superseded(format!(
                "{} was stopped again at {latest}, after this event's stop at {event}; left as it is",
                self.trail
            )),
            _ => Standing::Needed,
        }
    }

    fn describe(&self, status: &LoggingStatus) -> String {
        if status.logging {
            format!("{} is logging", self.trail)
        } else {
            format!("{} is not logging", self.trail)
        }
    }

    async fn act(&self) -> Result<(), ActionError> {
        let trail = self.trail;
        self.clients
            .cloudtrail
            .get(&trail.region)
            .start_logging()
            .name(trail.api_name())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                home(
                    ActionError::from_sdk("cloudtrail:StartLogging", trail.to_string(), &e),
                    trail,
                )
            })
    }

    fn not_in_effect(&self, _: &LoggingStatus) -> ActionError {
        ActionError::not_in_effect(
            "cloudtrail:StartLogging",
            self.trail.to_string(),
            "StartLogging succeeded but the trail still reports that it is not logging",
        )
    }
}

/// Check, start, read back: three calls, and only one when the trail is already logging or was
/// stopped again after the event (`stopped_at`, at CloudTrail's one-second precision).
pub(crate) async fn start_logging(
    clients: &TrailClients,
    trail: &TrailRef,
    stopped_at: &Option<EventTime>,
    mode: Mode,
) -> StepReport {
    remediate(
        &StartLogging {
            clients,
            trail,
            stopped_at: *stopped_at,
        },
        mode,
    )
    .await
}
