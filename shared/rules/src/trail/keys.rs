//! A protected trail's KMS key disabled or scheduled for deletion: enabled again, the deletion
//! cancelled.

use super::{TrailResponse, ask_why, is_protected, respond, trails_in, trails_of_the_region};
use crate::desired::{ObservedTrail, key_region, same_key};
use crate::{Action, Config, Decision, Facts, Ignored, Severity};
use serde::Deserialize;
use trailwarden_events::{EventError, Record};

// A trail's key: the trails visible from the event's region say whether it is one.
pub(super) const RESPONSE: TrailResponse = TrailResponse {
    source: "kms.amazonaws.com",
    events: &["DisableKey", "ScheduleKeyDeletion"],
    facts: trails_of_the_region,
    decide: key_changed,
};

fn key_changed(record: &Record, config: &Config, facts: &Facts) -> Result<Decision, EventError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct KeyNamed {
        key_id: String,
    }
    let key_id = record.request::<KeyNamed>()?.key_id;
    let region = record.region()?;
    let account = record.account();
    let declared = config
        .desired_trail
        .kms_key_id
        .as_ref()
        .filter(|d| same_key(Some(&key_id), d) || same_key(Some(d), &key_id));
    let known = trails_in(facts, &region, false);
    let using: Vec<ObservedTrail> = known
        .as_ref()
        .map(|trails| {
            trails
                .iter()
                .filter(|t| is_protected(&t.trail, account, config))
                .filter(|t| same_key(t.settings.kms_key_id.as_deref(), &key_id))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let resource = format!("KMS key {key_id}");
    if using.is_empty() && declared.is_none() {
        return Ok(match known {
            Ok(_) => Decision::Ignore(Ignored::UnrelatedResource { resource }),
            Err(why) => respond(
                format!(
                    "{} on {resource} by {}; whether a protected trail uses it is unknown",
                    record.event_name, record.actor
                ),
                resource,
                Severity::Medium,
                vec![],
                vec![format!(
                    "Check whether a trail uses the key: the trails could not be read ({why})."
                )],
            ),
        });
    }
    // Act on the key as the trail names it (its ARN) when known.
    let key = using
        .iter()
        .find_map(|t| t.settings.kms_key_id.clone())
        .or_else(|| declared.cloned())
        .unwrap_or_else(|| key_id.clone());
    let key_region = key_region(&key, &region);
    let names: Vec<String> = using.iter().map(|t| t.trail.name.clone()).collect();
    let whose = if names.is_empty() {
        "the declared trail key (TRAIL_KMS_KEY_ID)".to_string()
    } else {
        format!("the key of trail {}", names.join(", "))
    };
    let (what, severity) = match record.event_name.as_str() {
        "ScheduleKeyDeletion" => ("scheduled for deletion", Severity::Critical),
        _ => ("disabled", Severity::High),
    };
    Ok(respond(
        format!("KMS key {key_id}, {whose}, {what} by {}", record.actor),
        format!("KMS key {key} ({key_region})"),
        severity,
        vec![
            Action::CancelKeyDeletion {
                key: key.clone(),
                region: key_region.clone(),
            },
            Action::EnableKey {
                key,
                region: key_region,
            },
        ],
        vec![
            ask_why(record, &format!("{what} the trail's key")),
            "While the key is disabled CloudTrail cannot encrypt, so it delivers no log files: check the trail's delivery errors (GetTrailStatus).".into(),
        ],
    ))
}
