//! A protected trail's S3 bucket weakened: versioning turned on again, the rest alerted.

use super::{TrailResponse, ask_why, is_protected, respond, trails_in, trails_of_the_region};
use crate::{Action, Config, Decision, Facts, Ignored, Severity};
use serde::Deserialize;
use serde_json::Value;
use trailwarden_events::{EventError, Record};

// A trail's bucket: likewise.
pub(super) const RESPONSE: TrailResponse = TrailResponse {
    source: "s3.amazonaws.com",
    events: &[
        "PutBucketLifecycle",
        "PutBucketPolicy",
        "DeleteBucketPolicy",
        "PutBucketVersioning",
        "DeleteBucket",
    ],
    facts: trails_of_the_region,
    decide: bucket_changed,
};

fn bucket_changed(record: &Record, config: &Config, facts: &Facts) -> Result<Decision, EventError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct BucketNamed {
        bucket_name: String,
    }
    let bucket = record.request::<BucketNamed>()?.bucket_name;
    let region = record.region()?;
    let account = record.account();
    let declared = config.desired_trail.s3_bucket.as_ref() == Some(&bucket);
    let known = trails_in(facts, &region, false);
    let names: Vec<String> = known
        .as_ref()
        .map(|trails| {
            trails
                .iter()
                .filter(|t| is_protected(&t.trail, account, config))
                .filter(|t| t.settings.s3_bucket.as_ref() == Some(&bucket))
                .map(|t| t.trail.name.clone())
                .collect()
        })
        .unwrap_or_default();
    let resource = format!("S3 bucket {bucket}");
    if names.is_empty() && !declared {
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
                    "Check whether a trail delivers to the bucket: the trails could not be read ({why})."
                )],
            ),
        });
    }
    let whose = if names.is_empty() {
        "the declared trail bucket (TRAIL_S3_BUCKET)".to_string()
    } else {
        format!("the log bucket of trail {}", names.join(", "))
    };
    let mut plan = vec![];
    let (what, advice) = match record.event_name.as_str() {
        "PutBucketLifecycle" => (
            "lifecycle rules changed",
            "Review the bucket's lifecycle rules: log files may be set to expire.",
        ),
        "PutBucketPolicy" => (
            "policy replaced",
            "Review the bucket policy: it may deny CloudTrail's delivery or open the logs to others.",
        ),
        "DeleteBucketPolicy" => (
            "policy deleted",
            "Put the bucket policy back: without it CloudTrail cannot deliver log files.",
        ),
        "DeleteBucket" => (
            "deleted",
            "Create the bucket again with the policy CloudTrail needs: until then the trail delivers nothing.",
        ),
        _ => {
            let status = record
                .request_parameters
                .as_ref()
                .and_then(|p| p.pointer("/VersioningConfiguration/Status"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !status.eq_ignore_ascii_case("Suspended") {
                return Ok(Decision::Ignore(Ignored::NoDrift {
                    trail: names.join(", "),
                }));
            }
            plan.push(Action::EnableBucketVersioning {
                bucket: bucket.clone(),
                region: region.clone(),
            });
            (
                "versioning suspended",
                "Check for log files deleted or overwritten while versioning was suspended.",
            )
        }
    };
    Ok(respond(
        format!("S3 bucket {bucket}, {whose}: {what} by {}", record.actor),
        resource,
        Severity::High,
        plan,
        vec![ask_why(record, "changed the trail's bucket"), advice.into()],
    ))
}
