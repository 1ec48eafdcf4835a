//! A protected trail stopped: started again.

use super::{TrailNamed, TrailResponse, protected_trail, respond};
use crate::{Action, Config, Decision, Severity};
use trailwarden_events::{EventError, Record};

pub(super) const RESPONSE: TrailResponse = TrailResponse {
    source: "cloudtrail.amazonaws.com",
    events: &["StopLogging"],
    facts: |_| vec![],
    decide: |r, config, _| stop_logging(r, config),
};

fn stop_logging(record: &Record, config: &Config) -> Result<Decision, EventError> {
    let trail = match protected_trail(record, config, &record.request::<TrailNamed>()?.name)? {
        Ok(trail) => trail,
        Err(decision) => return Ok(decision),
    };
    let actor = &record.actor;
    Ok(respond(
        format!("CloudTrail logging stopped on trail {} by {actor}", trail.name),
        trail.to_string(),
        Severity::High,
        vec![Action::StartLogging {
            trail,
            stopped_at: Some(record.event_time),
        }],
        vec![
            format!("Ask why {actor} stopped the trail; it is not in ALLOWED_PRINCIPALS."),
            "Review what was done while logging was off: CloudTrail event history keeps management events without a trail.".into(),
        ],
    ))
}
