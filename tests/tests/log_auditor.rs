//! log-auditor end to end against the local AWS: its schedule validates the protected trail's
//! digests and log files (signed by tests/src/digests.rs), one critical alert names a deleted log
//! file, and the next run, with nothing new, sends nothing.

mod common;

use common::iam::{JOURNAL, create_journal_table};
use std::sync::Arc;
use std::time::Duration;
use trailwarden_events::EventTime;
use trailwarden_integrity::LogAuditor;
use trailwarden_responder::Responder;
use trailwarden_tests::digests::{TestTrail, test_keys};
use trailwarden_tests::{EmulatorGuard, emulator, event_file};

const BUCKET: &str = "audit-logs";

/// A logging trail `audit` with validation on, three hours of signed digests ending an hour ago,
/// and log-auditor over it with its positions in the journal table.
async fn scene(
    aws: &EmulatorGuard,
) -> (
    Responder<LogAuditor>,
    TestTrail,
    trailwarden_tests::AlertQueue,
) {
    let now = EventTime::now().epoch_seconds();
    let ends: Vec<EventTime> = [3, 2, 1]
        .map(|hours_ago| EventTime::from_epoch_seconds(now - hours_ago * 3_600))
        .into();
    let trail = TestTrail::signed(aws, BUCKET, "audit", &ends).await;
    aws.cloudtrail()
        .create_trail()
        .name("audit")
        .s3_bucket_name(BUCKET)
        .enable_log_file_validation(true)
        .send()
        .await
        .unwrap();
    aws.cloudtrail()
        .start_logging()
        .name("audit")
        .send()
        .await
        .unwrap();
    create_journal_table(&aws.sdk_config()).await;
    let alerts = aws.alert_queue().await;
    let config = trailwarden_testkit::try_config_over(
        &[("ALERT_TOPIC_ARN", alerts.topic_arn())],
        &[
            ("PROTECTED_TRAILS", "audit"),
            ("IAM_JOURNAL_TABLE", JOURNAL),
        ],
    )
    .unwrap();
    let sdk = aws.sdk_config();
    let guard = Arc::new(LogAuditor::acting(&sdk, &config, &sdk));
    (Responder::new(guard, config, &sdk), trail, alerts)
}

#[tokio::test]
async fn a_deleted_log_file_is_one_critical_alert_and_the_next_run_sends_nothing() {
    let aws = emulator().await;
    let (responder, trail, alerts) = scene(&aws).await;
    let victim = &trail.log_files[3];
    aws.s3()
        .delete_object()
        .bucket(BUCKET)
        .key(victim)
        .send()
        .await
        .unwrap();

    let report = responder
        .handle(event_file("scheduled-check.json"))
        .await
        .unwrap();
    assert_eq!(report.outcome, "checked");
    let received = alerts.receive(Duration::ZERO).await;
    assert_eq!(received.len(), 1, "one alert for the one trail");
    let alert = &received[0];
    assert_eq!(alert.attribute("event_name"), "LogValidation");
    assert_eq!(alert.attribute("outcome"), "alert-only");
    assert_eq!(alert.attribute("function"), "log-auditor");
    let doc = alert.body_json();
    let schema =
        std::fs::read_to_string(trailwarden_tests::repo_root().join("docs/alert.schema.json"))
            .unwrap();
    let schema = jsonschema::validator_for(&serde_json::from_str(&schema).unwrap()).unwrap();
    let errors: Vec<String> = schema.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(
        errors.is_empty(),
        "the alert is the documented document: {errors:#?}"
    );
    assert_eq!(doc["severity"], "critical");
    assert_eq!(
        doc["summary"],
        "CloudTrail log file validation of trail arn:aws:cloudtrail:us-east-1:123456789012:trail/audit in account 123456789012 failed: 1 log-file-missing"
    );
    let first_step = doc["next_steps"][0].as_str().unwrap();
    assert!(
        first_step.starts_with(&format!(
            "log-file-missing: s3://{BUCKET}/{victim}: it is not in the bucket"
        )),
        "{first_step}"
    );

    let again = responder
        .handle(event_file("scheduled-check.json"))
        .await
        .unwrap();
    assert_eq!(again.outcome, "logs-intact");
    assert_eq!(
        again.reason.as_deref(),
        Some("1 protected trail(s) validated; not intact on 0: none")
    );
    assert!(
        alerts.receive(Duration::ZERO).await.is_empty(),
        "nothing new, nothing sent"
    );
}

#[tokio::test]
async fn an_intact_trail_sends_nothing_and_a_new_hour_is_validated_from_the_last() {
    let aws = emulator().await;
    let (responder, mut trail, alerts) = scene(&aws).await;
    let first = responder
        .handle(event_file("scheduled-check.json"))
        .await
        .unwrap();
    assert_eq!(first.outcome, "logs-intact");
    assert!(alerts.receive(Duration::ZERO).await.is_empty());
    // The next hour's digest names the last one validated: the chain is checked across runs, and
    // a forged link is seen.
    trail.forge_previous_signature(&"ab".repeat(256));
    trail
        .hour(&aws.s3(), EventTime::now(), 1, &test_keys()[0])
        .await;
    responder
        .handle(event_file("scheduled-check.json"))
        .await
        .unwrap();
    let received = alerts.receive(Duration::ZERO).await;
    assert_eq!(received.len(), 1);
    let doc = received[0].body_json();
    assert!(
        doc["summary"]
            .as_str()
            .unwrap()
            .ends_with("failed: 1 chain-broken"),
        "{}",
        doc["summary"]
    );
}
