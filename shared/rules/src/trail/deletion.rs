//! A protected trail deleted: created again in its desired state.

use super::{TrailNamed, TrailResponse, ask_why, protected_trail, recreate};
use crate::{Config, Decision};
use trailwarden_events::{EventError, Record};

pub(super) const RESPONSE: TrailResponse = TrailResponse {
    source: "cloudtrail.amazonaws.com",
    events: &["DeleteTrail"],
    facts: |_| vec![],
    decide: |r, config, _| delete_trail(r, config),
};

fn delete_trail(record: &Record, config: &Config) -> Result<Decision, EventError> {
    let trail = match protected_trail(record, config, &record.request::<TrailNamed>()?.name)? {
        Ok(trail) => trail,
        Err(decision) => return Ok(decision),
    };
    let summary = format!("Trail {} deleted by {}", trail.name, record.actor);
    Ok(recreate(
        trail,
        summary,
        &config.desired_trail,
        ask_why(record, "deleted the trail"),
    ))
}
