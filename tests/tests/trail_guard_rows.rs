//! trail-guard end to end against the local AWS: one test per row of the README's trail-guard
//! table beyond StopLogging.
//!
//! PutAdvancedEventSelectors and suspended bucket versioning are carried out in
//! shared/actions/tests/trail_mocks.rs: moto keeps advanced selectors when basic ones are put, and
//! answers GetBucketVersioning with an XML root the Rust SDK rejects. Their decisions are in
//! shared/rules/tests/trail_guard.rs.

mod common;

use aws_sdk_cloudtrail::types::{EventSelector, InsightType, ReadWriteType};
use common::trail::*;
use trailwarden_tests::event_file;

#[tokio::test]
async fn update_trail_puts_back_every_departing_setting() {
    let s = scene(&[("TRAIL_S3_BUCKET", BUCKET)]).await;
    s.make_trail_desired().await;
    // The attacker: logs to their own bucket, single-region, no validation.
    s.aws.create_bucket("attacker-logs").await;
    s.aws
        .cloudtrail()
        .update_trail()
        .name(TRAIL)
        .s3_bucket_name("attacker-logs")
        .is_multi_region_trail(false)
        .enable_log_file_validation(false)
        .send()
        .await
        .unwrap();

    let report = s
        .responder
        .handle(event_file("update-trail.json"))
        .await
        .unwrap();

    assert_eq!(report.outcome, "reverted");
    let trail = s.trail().await;
    assert_eq!(trail.s3_bucket_name(), Some(BUCKET));
    assert_eq!(trail.is_multi_region_trail(), Some(true));
    assert_eq!(trail.log_file_validation_enabled(), Some(true));
    let alerts = s.alerts().await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].attribute("severity"), "high");
    let doc = alerts[0].body_json();
    assert_eq!(
        doc["summary"],
        "Settings of trail audit changed by user mallory"
    );
    assert_eq!(doc["actions"][0]["kind"], "UpdateTrail");
    assert_eq!(
        doc["actions"][0]["action"],
        "put back the settings of trail audit (us-east-1): multi-region on, log file validation on, S3 bucket audit-logs"
    );
    assert_eq!(
        doc["actions"][0]["state_after"],
        "trail audit (us-east-1): multi-region on, global service events on, log file validation on, S3 bucket audit-logs, KMS key none, CloudWatch Logs group none, SNS topic none"
    );
}

#[tokio::test]
async fn put_event_selectors_puts_back_the_desired_selectors() {
    let s = scene(&[]).await;
    let attack = EventSelector::builder()
        .read_write_type(ReadWriteType::ReadOnly)
        .include_management_events(false)
        .data_resources(
            aws_sdk_cloudtrail::types::DataResource::builder()
                .r#type("AWS::S3::Object")
                .build(),
        )
        .build();
    s.aws
        .cloudtrail()
        .put_event_selectors()
        .trail_name(TRAIL)
        .event_selectors(attack)
        .send()
        .await
        .unwrap();

    let report = s
        .responder
        .handle(event_file("put-event-selectors.json"))
        .await
        .unwrap();

    assert_eq!(report.outcome, "reverted");
    let now = s.selectors().await;
    let management: Vec<_> = now
        .event_selectors()
        .iter()
        .filter(|e| e.include_management_events() == Some(true))
        .collect();
    assert_eq!(management.len(), 1, "{now:?}");
    assert_eq!(management[0].read_write_type(), Some(&ReadWriteType::All));
    assert!(management[0].exclude_management_event_sources().is_empty());
    // Nothing declared about data events: the S3 data resource the call set is kept, on its own.
    assert_eq!(now.event_selectors().len(), 2);
    let alerts = s.alerts().await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].attribute("severity"), "high");
    assert_eq!(alerts[0].body_json()["actions"][0]["status"], "done");
}

#[tokio::test]
async fn put_insight_selectors_puts_back_the_desired_insight_selectors() {
    // The attacker turned Insights off (the sample event's `insightSelectors: []`); the trail has none.
    let s = scene(&[("TRAIL_INSIGHT_TYPES", "ApiCallRateInsight")]).await;

    let report = s
        .responder
        .handle(event_file("put-insight-selectors.json"))
        .await
        .unwrap();

    assert_eq!(report.outcome, "reverted");
    let now = s
        .aws
        .cloudtrail()
        .get_insight_selectors()
        .trail_name(TRAIL)
        .send()
        .await
        .unwrap();
    let types: Vec<_> = now
        .insight_selectors()
        .iter()
        .filter_map(|i| i.insight_type())
        .collect();
    assert_eq!(types, [&InsightType::ApiCallRateInsight]);
    let alerts = s.alerts().await;
    assert_eq!(alerts[0].attribute("severity"), "medium");
    assert_eq!(
        alerts[0].body_json()["actions"][0]["state_after"],
        "trail audit (us-east-1) has Insights ApiCallRateInsight"
    );
}

#[tokio::test]
async fn delete_trail_recreates_the_trail_in_its_desired_state_and_starts_it() {
    let s = scene(&[("TRAIL_S3_BUCKET", BUCKET)]).await;
    s.delete_trail().await;

    let report = s
        .responder
        .handle(event_file("delete-trail.json"))
        .await
        .unwrap();

    assert_eq!(report.outcome, "reverted");
    assert!(s.aws.is_logging(TRAIL).await, "recreated and started");
    let trail = s.trail().await;
    assert_eq!(trail.s3_bucket_name(), Some(BUCKET));
    assert_eq!(trail.is_multi_region_trail(), Some(true));
    assert_eq!(trail.include_global_service_events(), Some(true));
    assert_eq!(trail.log_file_validation_enabled(), Some(true));
    let alerts = s.alerts().await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].attribute("severity"), "critical");
    let doc = alerts[0].body_json();
    let kinds: Vec<_> = doc["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["CreateTrail", "StartLogging"]);
    assert_eq!(
        doc["actions"][1]["state_after"],
        "trail audit (us-east-1) is logging"
    );
}

#[tokio::test]
async fn delete_trail_with_nothing_declared_is_a_critical_alert_naming_what_is_missing() {
    let s = scene(&[]).await;
    s.delete_trail().await;

    let report = s
        .responder
        .handle(event_file("delete-trail.json"))
        .await
        .unwrap();

    assert_eq!(report.outcome, "alert-only");
    let alerts = s.alerts().await;
    assert_eq!(alerts[0].attribute("severity"), "critical");
    let doc = alerts[0].body_json();
    assert!(
        doc["next_steps"][1]
            .as_str()
            .unwrap()
            .contains("declare at least TRAIL_S3_BUCKET; not declared: TRAIL_S3_BUCKET,"),
        "{doc}"
    );
    assert!(
        s.aws
            .cloudtrail()
            .get_trail()
            .name(TRAIL)
            .send()
            .await
            .is_err(),
        "nothing was created"
    );
}

#[tokio::test]
async fn disabling_the_trails_key_enables_it_again() {
    let s = scene(&[]).await;
    let (key_id, _) = s.trail_key().await;
    s.aws
        .kms()
        .disable_key()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();

    let report = s
        .responder
        .handle(key_event("disable-key.json", &key_id))
        .await
        .unwrap();

    assert_eq!(report.outcome, "reverted");
    assert_eq!(s.key_state(&key_id).await, "Enabled");
    let doc = s.alerts().await[0].body_json();
    let statuses: Vec<_> = doc["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["kind"].as_str().unwrap(), a["status"].as_str().unwrap()))
        .collect();
    // No deletion was pending: the first step finds nothing to cancel.
    assert_eq!(
        statuses,
        [
            ("CancelKeyDeletion", "already-in-effect"),
            ("EnableKey", "done")
        ]
    );
}

#[tokio::test]
async fn scheduling_deletion_of_the_trails_key_cancels_it_and_enables_the_key() {
    let s = scene(&[]).await;
    let (key_id, arn) = s.trail_key().await;
    s.aws
        .kms()
        .schedule_key_deletion()
        .key_id(&key_id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();

    let report = s
        .responder
        .handle(key_event("schedule-key-deletion.json", &key_id))
        .await
        .unwrap();

    assert_eq!(report.outcome, "reverted");
    assert_eq!(s.key_state(&key_id).await, "Enabled");
    let alerts = s.alerts().await;
    assert_eq!(alerts[0].attribute("severity"), "critical");
    let doc = alerts[0].body_json();
    assert_eq!(doc["actions"][0]["status"], "done");
    assert_eq!(
        doc["actions"][1]["state_after"],
        format!("KMS key {arn} (us-east-1) is Enabled")
    );
}

#[tokio::test]
async fn a_key_no_protected_trail_uses_is_left_alone() {
    let s = scene(&[]).await;
    let other = s
        .aws
        .kms()
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string();
    s.aws
        .kms()
        .disable_key()
        .key_id(&other)
        .send()
        .await
        .unwrap();

    let report = s
        .responder
        .handle(key_event("disable-key.json", &other))
        .await
        .unwrap();

    assert_eq!(report.outcome, "ignored");
    assert_eq!(s.key_state(&other).await, "Disabled");
    assert!(s.alerts().await.is_empty());
}

#[tokio::test]
async fn lifecycle_policy_and_deletion_of_the_trails_bucket_alert_high() {
    for file in [
        "put-bucket-lifecycle.json",
        "put-bucket-policy.json",
        "delete-bucket-policy.json",
        "delete-bucket.json",
    ] {
        let s = scene(&[]).await;

        let report = s.responder.handle(event_file(file)).await.unwrap();

        assert_eq!(report.outcome, "alert-only", "{file}");
        let alerts = s.alerts().await;
        assert_eq!(alerts.len(), 1, "{file}");
        assert_eq!(alerts[0].attribute("severity"), "high", "{file}");
        assert!(
            alerts[0].body_json()["summary"]
                .as_str()
                .unwrap()
                .starts_with("S3 bucket audit-logs, the log bucket of trail audit: "),
            "{file}"
        );
    }
}
