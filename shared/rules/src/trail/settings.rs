//! A protected trail's settings changed (`UpdateTrail`): its departing settings put back.

use super::{TrailNamed, TrailResponse, ask_why, protected_trail, respond, trail_ref};
use crate::desired::{DesiredTrail, TrailChanges, same_key, settings_drift};
use crate::{Action, Config, Decision, Fact, FactQuery, Facts, Ignored, Severity};
use serde::Deserialize;
use trailwarden_events::{EventError, Record};

// The trail as it is now: what the call changed is compared with it.
pub(super) const RESPONSE: TrailResponse = TrailResponse {
    source: "cloudtrail.amazonaws.com",
    events: &["UpdateTrail"],
    facts: |r| {
        r.request::<TrailNamed>()
            .ok()
            .and_then(|named| trail_ref(r, &named.name).ok())
            .map(|trail| vec![FactQuery::Trail { trail }])
            .unwrap_or_default()
    },
    decide: update_trail,
};

/// What `UpdateTrail` asked for, as CloudTrail records it.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct UpdateRequest {
    is_multi_region_trail: Option<bool>,
    include_global_service_events: Option<bool>,
    enable_log_file_validation: Option<bool>,
    s3_bucket_name: Option<String>,
    s3_key_prefix: Option<String>,
    kms_key_id: Option<String>,
    cloud_watch_logs_log_group_arn: Option<String>,
    sns_topic_name: Option<String>,
}

fn update_trail(record: &Record, config: &Config, facts: &Facts) -> Result<Decision, EventError> {
    let trail = match protected_trail(record, config, &record.request::<TrailNamed>()?.name)? {
        Ok(trail) => trail,
        Err(decision) => return Ok(decision),
    };
    let request: UpdateRequest = record.request()?;
    let desired = &config.desired_trail;
    let mut next_steps = vec![ask_why(record, "changed the trail")];
    // Settings the call changed that nothing declares: reported, not put back.
    let undeclared: Vec<String> = [
        (
            request.s3_bucket_name.as_ref(),
            desired.s3_bucket.is_none(),
            "S3 bucket",
            "TRAIL_S3_BUCKET",
        ),
        (
            request.s3_key_prefix.as_ref(),
            desired.s3_key_prefix.is_none(),
            "S3 key prefix",
            "TRAIL_S3_KEY_PREFIX",
        ),
        (
            request.kms_key_id.as_ref(),
            desired.kms_key_id.is_none(),
            "KMS key",
            "TRAIL_KMS_KEY_ID",
        ),
        (
            request.cloud_watch_logs_log_group_arn.as_ref(),
            desired.cloud_watch_logs.is_none(),
            "CloudWatch Logs group",
            "TRAIL_CLOUDWATCH_LOGS_GROUP_ARN",
        ),
        (
            request.sns_topic_name.as_ref(),
            desired.sns_topic.is_none(),
            "SNS topic",
            "TRAIL_SNS_TOPIC",
        ),
    ]
    .into_iter()
    .filter_map(|(value, undeclared, what, variable)| {
        let value = value?;
        undeclared.then(|| {
            format!(
                "{what} set to {} ({variable} is not declared, so it was not put back)",
                if value.is_empty() {
                    "none".to_string()
                } else {
                    format!("{value:?}")
                }
            )
        })
    })
    .collect();
    let changes = match facts.get(&FactQuery::Trail {
        trail: trail.clone(),
    }) {
        Fact::Trail(Some(observed)) => settings_drift(&observed.settings, desired),
        Fact::Trail(None) => {
            next_steps.push(format!(
                "{trail} no longer exists: it was deleted after this change; the DeleteTrail event is answered on its own."
            ));
            return Ok(respond(
                format!(
                    "Settings of trail {} changed by {}",
                    trail.name, record.actor
                ),
                trail.to_string(),
                Severity::High,
                vec![],
                next_steps,
            ));
        }
        // The trail could not be read: judge from what the call asked for.
        _ => changes_from_request(&request, desired),
    };
    if changes.is_empty() && undeclared.is_empty() {
        return Ok(Decision::Ignore(Ignored::NoDrift { trail: trail.name }));
    }
    for drift in &undeclared {
        next_steps.push(format!("Drift: {drift}."));
    }
    let summary = format!(
        "Settings of trail {} changed by {}",
        trail.name, record.actor
    );
    let (severity, plan) = if changes.is_empty() {
        (Severity::Medium, vec![])
    } else {
        (
            Severity::High,
            vec![Action::UpdateTrail {
                trail: trail.clone(),
                changes,
            }],
        )
    };
    Ok(respond(
        summary,
        trail.to_string(),
        severity,
        plan,
        next_steps,
    ))
}

/// The departures an `UpdateTrail` request made, when the trail itself cannot be read.
fn changes_from_request(request: &UpdateRequest, desired: &DesiredTrail) -> TrailChanges {
    let mut c = TrailChanges::default();
    if request.is_multi_region_trail == Some(false) {
        c.multi_region = Some(true);
    }
    if request.include_global_service_events == Some(false) {
        c.include_global_service_events = Some(true);
    }
    if request.enable_log_file_validation == Some(false) {
        c.log_file_validation = Some(true);
    }
    let differs = |asked: &Option<String>, want: &Option<String>| match (asked, want) {
        (Some(a), Some(w)) if a != w => Some(w.clone()),
        _ => None,
    };
    c.s3_bucket = differs(&request.s3_bucket_name, &desired.s3_bucket);
    c.s3_key_prefix = differs(&request.s3_key_prefix, &desired.s3_key_prefix);
    if let (Some(asked), Some(want)) = (&request.kms_key_id, &desired.kms_key_id)
        && !same_key(Some(asked), want)
    {
        c.kms_key_id = Some(want.clone());
    }
    if let (Some(asked), Some(want)) = (
        &request.cloud_watch_logs_log_group_arn,
        &desired.cloud_watch_logs,
    ) && asked.trim_end_matches(":*") != want.log_group_arn.trim_end_matches(":*")
    {
        c.cloud_watch_logs = Some(want.clone());
    }
    c.sns_topic = differs(&request.sns_topic_name, &desired.sns_topic);
    c
}
