//! trail-guard end to end against the local AWS: the scheduled check (the README's last
//! trail-guard row) repairs what changed with no event, recreates a deleted trail, and says
//! nothing when all is well.

mod common;

use aws_sdk_cloudtrail::types::{EventSelector, ReadWriteType};
use common::trail::*;
use trailwarden_tests::event_file;

#[tokio::test]
async fn the_scheduled_check_restarts_a_trail_stopped_with_no_event() {
    let s = scene(&[]).await;
    s.make_trail_desired().await;
    // Stopped, and no StopLogging event ever reaches trail-guard.
    s.stop_trail().await;

    let report = s
        .responder
        .handle(event_file("scheduled-check.json"))
        .await
        .unwrap();

    assert!(s.aws.is_logging(TRAIL).await);
    assert_eq!(report.outcome, "checked");
    let alerts = s.alerts().await;
    assert_eq!(alerts.len(), 1, "one alert for the one trail repaired");
    assert_eq!(alerts[0].attribute("event_name"), "ScheduledCheck");
    assert_eq!(alerts[0].attribute("outcome"), "reverted");
    let doc = alerts[0].body_json();
    assert_eq!(
        doc["summary"],
        "Drift on trail audit found by the scheduled check: logging stopped"
    );
    assert_eq!(
        doc["event"]["id"],
        "7d6c2b1a-0000-4000-8000-000000000401/audit"
    );
    assert_eq!(
        doc["actions"][0]["state_after"],
        "trail audit (us-east-1) is logging"
    );
}

#[tokio::test]
async fn the_scheduled_check_repairs_several_kinds_of_drift_on_one_trail() {
    let s = scene(&[
        ("TRAIL_S3_BUCKET", BUCKET),
        ("TRAIL_INSIGHT_TYPES", "ApiCallRateInsight"),
    ])
    .await;
    // The trail as created by the harness: single-region, no validation; then stopped, key
    // disabled, management reads no longer recorded, no Insights.
    let (key_id, _) = s.trail_key().await;
    s.aws
        .kms()
        .disable_key()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    s.stop_trail().await;
    let writes = EventSelector::builder()
        .read_write_type(ReadWriteType::WriteOnly)
        .include_management_events(true)
        .build();
    s.aws
        .cloudtrail()
        .put_event_selectors()
        .trail_name(TRAIL)
        .event_selectors(writes)
        .send()
        .await
        .unwrap();

    let report = s
        .responder
        .handle(event_file("scheduled-check.json"))
        .await
        .unwrap();

    assert_eq!(report.outcome, "checked");
    let alerts = s.alerts().await;
    assert_eq!(alerts.len(), 1, "one alert for the trail");
    let doc = alerts[0].body_json();
    let steps: Vec<_> = doc["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["kind"].as_str().unwrap(), a["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            ("StartLogging", "done"),
            ("EnableKey", "done"),
            ("UpdateTrail", "done"),
            ("PutEventSelectors", "done"),
            ("PutInsightSelectors", "done")
        ]
    );
    assert_eq!(
        doc["summary"],
        "Drift on trail audit found by the scheduled check: logging stopped; its KMS key is Disabled; settings departed (multi-region on, log file validation on); event selectors departed; insight selectors departed"
    );
    assert!(s.aws.is_logging(TRAIL).await);
    assert_eq!(s.key_state(&key_id).await, "Enabled");
    let trail = s.trail().await;
    assert_eq!(
        (
            trail.is_multi_region_trail(),
            trail.log_file_validation_enabled()
        ),
        (Some(true), Some(true))
    );
    assert_eq!(
        s.selectors().await.event_selectors()[0].read_write_type(),
        Some(&ReadWriteType::All)
    );

    // The next run finds nothing: no alert.
    let again = s
        .responder
        .handle(event_file("scheduled-check.json"))
        .await
        .unwrap();
    assert_eq!(again.outcome, "no-drift");
    assert!(s.alerts().await.is_empty());
}

#[tokio::test]
async fn the_scheduled_check_says_nothing_when_all_is_well() {
    let s = scene(&[]).await;
    s.make_trail_desired().await;

    let report = s
        .responder
        .handle(event_file("scheduled-check.json"))
        .await
        .unwrap();

    assert_eq!(report.outcome, "no-drift");
    assert_eq!(
        report.reason.as_deref(),
        Some("1 protected trail(s) checked; drift on 0: none")
    );
    assert!(s.alerts().await.is_empty());
}

#[tokio::test]
async fn the_scheduled_check_recreates_a_protected_trail_deleted_with_no_event() {
    let s = scene(&[("PROTECTED_TRAILS", TRAIL), ("TRAIL_S3_BUCKET", BUCKET)]).await;
    s.delete_trail().await;

    let report = s
        .responder
        .handle(event_file("scheduled-check.json"))
        .await
        .unwrap();

    assert_eq!(report.outcome, "checked");
    assert!(s.aws.is_logging(TRAIL).await);
    assert_eq!(s.alerts().await[0].attribute("severity"), "critical");
}
