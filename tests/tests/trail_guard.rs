//! trail-guard end to end against the local AWS: one test per row of the README's trail-guard
//! table, the demo's main job (a stopped trail restarted), and the failure paths the emulator can
//! produce.

use std::time::Duration;
use trailwarden_actions::guard_for;
use trailwarden_responder::{Function, HandlerError, Responder};
use trailwarden_tests::{EmulatorGuard, ReceivedAlert, emulator, event_file};

const BUCKET: &str = "audit-logs";
const TRAIL: &str = "audit";
// trailwarden's own role in the events/stop-logging-by-responder.json scenario.
const RESPONDER_ROLE: &str = "arn:aws:iam::123456789012:role/trailwarden-trail-guard";

struct Scene {
    aws: EmulatorGuard,
    responder: Responder,
    alerts: trailwarden_tests::AlertQueue,
}

/// A logging trail `audit`, an alert topic with a queue, and trail-guard configured with `vars`.
async fn scene(vars: &[(&str, &str)]) -> Scene {
    let aws = emulator().await;
    aws.create_bucket(BUCKET).await;
    aws.create_logging_trail(TRAIL, BUCKET).await;
    let alerts = aws.alert_queue().await;
    let responder = responder(&aws, alerts.topic_arn(), vars);
    Scene {
        aws,
        responder,
        alerts,
    }
}

fn responder(aws: &EmulatorGuard, topic: &str, vars: &[(&str, &str)]) -> Responder {
    let config = trailwarden_testkit::try_config_over(
        &[
            ("ALERT_TOPIC_ARN", topic),
            ("RESPONDER_ROLE_ARNS", RESPONDER_ROLE),
        ],
        vars,
    )
    .unwrap();
    Responder::new(
        guard_for(Function::TrailGuard, &aws.sdk_config()),
        config,
        &aws.sdk_config(),
    )
}

impl Scene {
    /// The attacker's call itself, which the event then reports.
    async fn stop_trail(&self) {
        self.aws
            .cloudtrail()
            .stop_logging()
            .name(TRAIL)
            .send()
            .await
            .unwrap();
        assert!(
            !self.aws.is_logging(TRAIL).await,
            "the trail should be stopped before trail-guard runs"
        );
    }

    async fn alerts(&self) -> Vec<ReceivedAlert> {
        // SNS delivers to SQS inside Publish: what was sent is already in the queue.
        self.alerts.receive(Duration::ZERO).await
    }
}

#[tokio::test]
async fn stop_logging_by_name_restarts_the_trail_and_alerts() {
    let s = scene(&[]).await;
    s.stop_trail().await;

    let report = s
        .responder
        .handle(event_file("stop-logging.json"))
        .await
        .unwrap();

    assert!(
        s.aws.is_logging(TRAIL).await,
        "trail-guard should have restarted the trail"
    );
    assert_eq!(report.outcome, "reverted");
    let alerts = s.alerts().await;
    assert_eq!(alerts.len(), 1, "exactly one alert");
    let alert = &alerts[0];
    assert_eq!(alert.attribute("outcome"), "reverted");
    assert_eq!(alert.attribute("severity"), "high");
    assert_eq!(alert.attribute("event_name"), "StopLogging");
    assert_eq!(
        alert.attribute("event_id"),
        "5e8f7a10-0000-4000-8000-000000000001"
    );
    assert_eq!(alert.attribute("account"), "123456789012");
    assert_eq!(alert.attribute("function"), "trail-guard");
    let doc = alert.body_json();
    assert_eq!(doc["schema_version"], "1");
    assert_eq!(
        doc["summary"],
        "CloudTrail logging stopped on trail audit by user mallory"
    );
    assert_eq!(
        doc["actor"]["arn"],
        "arn:aws:iam::123456789012:user/mallory"
    );
    assert_eq!(doc["actor"]["source_ip"], "203.0.113.66");
    assert_eq!(doc["actions"][0]["status"], "done");
    assert_eq!(
        doc["actions"][0]["state_after"],
        "trail audit (us-east-1) is logging"
    );
    assert_eq!(
        doc["record"]["eventID"],
        "5e8f7a10-0000-4000-8000-000000000001"
    );
    let text = doc["text"].as_str().unwrap();
    assert!(
        text.starts_with("Reverted: CloudTrail logging stopped on trail audit by user mallory\n"),
        "{text}"
    );
    assert!(text.contains("From:       203.0.113.66 via API"), "{text}");
    assert_eq!(
        doc["subject"],
        "[HIGH] Reverted: CloudTrail logging stopped on trail audit by user mallory"
    );
}

#[tokio::test]
async fn stop_logging_by_arn_restarts_the_trail() {
    let s = scene(&[]).await;
    s.stop_trail().await;

    let report = s
        .responder
        .handle(event_file("stop-logging-by-arn.json"))
        .await
        .unwrap();

    assert!(s.aws.is_logging(TRAIL).await);
    assert_eq!(report.outcome, "reverted");
    assert_eq!(s.alerts().await.len(), 1);
}

/// The events for which trail-guard must do nothing at all: no call that changes AWS, no alert.
async fn nothing_is_done_for(event: &str, vars: &[(&str, &str)], expected_reason: &str) {
    let s = scene(vars).await;
    s.stop_trail().await;

    let report = s.responder.handle(event_file(event)).await.unwrap();

    assert_eq!(report.outcome, "ignored");
    assert_eq!(report.reason.as_deref(), Some(expected_reason));
    assert!(
        !s.aws.is_logging(TRAIL).await,
        "{event}: the trail must stay as it is"
    );
    assert!(s.alerts().await.is_empty(), "{event}: no alert");
}

#[tokio::test]
async fn nothing_is_done_for_a_failed_call() {
    nothing_is_done_for(
        "stop-logging-failed.json",
        &[],
        "the call failed (TrailNotFoundException) and changed nothing",
    )
    .await;
}

#[tokio::test]
async fn nothing_is_done_for_an_allowed_principal() {
    nothing_is_done_for(
        "stop-logging-by-break-glass.json",
        &[(
            "ALLOWED_PRINCIPALS",
            "arn:aws:iam::123456789012:role/BreakGlass",
        )],
        "the actor is allowed by arn:aws:iam::123456789012:role/BreakGlass",
    )
    .await;
}

#[tokio::test]
async fn nothing_is_done_for_the_responder_role() {
    nothing_is_done_for(
        "stop-logging-by-responder.json",
        &[],
        "made by trailwarden's own role arn:aws:iam::123456789012:role/trailwarden-trail-guard",
    )
    .await;
}

#[tokio::test]
async fn nothing_is_done_for_an_unprotected_trail() {
    // The event stops `scratch`; `audit`, stopped too, shows that nothing was started anywhere.
    nothing_is_done_for(
        "stop-logging-unprotected-trail.json",
        &[("PROTECTED_TRAILS", "audit")],
        "trail scratch is not protected",
    )
    .await;
}

/// mallory stopped the trail a minute ago; since then a break-glass engineer (allowed) stopped it
/// again, and that event arrived first. mallory's event, arriving late, must not undo the later
/// stop: the trail's `StopLoggingTime` is after the event's time.
#[tokio::test]
async fn a_stop_arriving_after_a_later_allowed_stop_leaves_the_trail_stopped() {
    let s = scene(&[(
        "ALLOWED_PRINCIPALS",
        "arn:aws:iam::123456789012:role/BreakGlass",
    )])
    .await;
    let mut attack = event_file("stop-logging.json");
    let minute_ago = trailwarden_events::EventTime::from_epoch_seconds(
        trailwarden_events::EventTime::now().epoch_seconds() - 60,
    );
    minute_ago.stamp(&mut attack);
    s.stop_trail().await; // the break-glass stop, made now
    let allowed = s
        .responder
        .handle(event_file("stop-logging-by-break-glass.json"))
        .await
        .unwrap();
    assert_eq!(allowed.outcome, "ignored");

    let late = s.responder.handle(attack).await.unwrap();

    assert!(
        !s.aws.is_logging(TRAIL).await,
        "the later, allowed stop must stand"
    );
    assert_eq!(late.outcome, "superseded");
    assert_eq!(late.actions[0].status, "superseded");
    let alerts = s.alerts().await;
    assert_eq!(alerts.len(), 1, "the attack is still reported");
    assert_eq!(alerts[0].attribute("outcome"), "superseded");
    let doc = alerts[0].body_json();
    assert_eq!(doc["actions"][0]["status"], "superseded");
    let state = doc["actions"][0]["state_after"].as_str().unwrap();
    assert!(
        state.starts_with("trail audit (us-east-1) was stopped again at ")
            && state.ends_with(&format!(
                ", after this event's stop at {minute_ago}; left as it is"
            )),
        "{state}"
    );
    assert!(
        doc["text"]
            .as_str()
            .unwrap()
            .starts_with("Not reverted (changed again later): CloudTrail logging stopped on trail audit by user mallory\n"),
        "{}",
        doc["text"]
    );
}

/// The same late event in dry-run: it says what it would leave, not what it would revert.
#[tokio::test]
async fn dry_run_reports_a_superseded_stop_as_superseded() {
    let s = scene(&[("MODE", "dry-run")]).await;
    let mut attack = event_file("stop-logging.json");
    trailwarden_events::EventTime::from_epoch_seconds(
        trailwarden_events::EventTime::now().epoch_seconds() - 60,
    )
    .stamp(&mut attack);
    s.stop_trail().await;

    let report = s.responder.handle(attack).await.unwrap();

    assert_eq!(report.outcome, "superseded");
    assert!(!s.aws.is_logging(TRAIL).await);
}

#[tokio::test]
async fn dry_run_changes_nothing_and_alerts_would_revert() {
    let s = scene(&[("MODE", "dry-run")]).await;
    s.stop_trail().await;

    let report = s
        .responder
        .handle(event_file("stop-logging.json"))
        .await
        .unwrap();

    assert!(
        !s.aws.is_logging(TRAIL).await,
        "dry-run must not start the trail"
    );
    assert_eq!(report.outcome, "would-revert");
    let alerts = s.alerts().await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].attribute("outcome"), "would-revert");
    let doc = alerts[0].body_json();
    assert_eq!(doc["mode"], "dry-run");
    assert_eq!(doc["actions"][0]["status"], "would-do");
    assert!(
        doc["text"]
            .as_str()
            .unwrap()
            .starts_with("Would revert (dry-run): CloudTrail logging stopped")
    );
}

#[tokio::test]
async fn the_same_event_twice_changes_nothing_the_second_time() {
    let s = scene(&[]).await;
    s.stop_trail().await;

    let first = s
        .responder
        .handle(event_file("stop-logging.json"))
        .await
        .unwrap();
    let second = s
        .responder
        .handle(event_file("stop-logging.json"))
        .await
        .unwrap();

    assert_eq!(first.outcome, "reverted");
    assert_eq!(
        second.outcome, "already-reverted",
        "the second delivery finds the trail logging"
    );
    assert_eq!(second.actions[0].status, "already-in-effect");
    assert!(s.aws.is_logging(TRAIL).await);
    let outcomes: Vec<String> = s
        .alerts()
        .await
        .iter()
        .map(|a| a.attribute("outcome").to_string())
        .collect();
    assert_eq!(outcomes, ["reverted", "already-reverted"]);
}

#[tokio::test]
async fn a_trail_that_cannot_be_restarted_is_a_critical_alert_and_an_error() {
    // The attacker deleted the trail after stopping it: StartLogging cannot succeed.
    let s = scene(&[]).await;
    s.stop_trail().await;
    s.aws
        .cloudtrail()
        .delete_trail()
        .name(TRAIL)
        .send()
        .await
        .unwrap();

    let error = s
        .responder
        .handle(event_file("stop-logging.json"))
        .await
        .unwrap_err();

    assert!(
        matches!(error, HandlerError::RemediationFailed { .. }),
        "{error}"
    );
    assert_eq!(error.error_type(), "RemediationFailed.NotFound");
    let alerts = s.alerts().await;
    assert_eq!(alerts.len(), 1, "the failure is alerted before the error");
    assert_eq!(alerts[0].attribute("outcome"), "failed");
    assert_eq!(alerts[0].attribute("severity"), "critical");
    let doc = alerts[0].body_json();
    assert_eq!(doc["actions"][0]["status"], "failed");
    assert!(
        doc["actions"][0]["error"]
            .as_str()
            .unwrap()
            .starts_with("cloudtrail:GetTrailStatus on trail audit (us-east-1):")
    );
    assert!(
        doc["next_steps"][0]
            .as_str()
            .unwrap()
            .starts_with("By hand: start logging on trail audit (us-east-1)")
    );
}

#[tokio::test]
async fn an_alert_that_cannot_be_published_is_an_error_and_the_retry_does_not_redo_the_revert() {
    let s = scene(&[]).await;
    s.stop_trail().await;
    let missing_topic = "arn:aws:sns:us-east-1:123456789012:no-such-topic";
    let unpublishable = responder(&s.aws, missing_topic, &[]);

    let error = unpublishable
        .handle(event_file("stop-logging.json"))
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "AlertNotPublished");
    assert!(
        s.aws.is_logging(TRAIL).await,
        "the revert happened before the publish failed"
    );

    // Lambda's retry, now that the topic is reachable: no second StartLogging, and the alert arrives.
    let retry = s
        .responder
        .handle(event_file("stop-logging.json"))
        .await
        .unwrap();
    assert_eq!(retry.outcome, "already-reverted");
    assert_eq!(s.alerts().await.len(), 1);
}

#[tokio::test]
async fn an_event_that_cannot_be_read_is_an_error_naming_the_problem() {
    let s = scene(&[]).await;
    let mut event = event_file("stop-logging.json");
    event["detail"]["requestParameters"] = serde_json::Value::Null;

    let error = s.responder.handle(event).await.unwrap_err();

    assert_eq!(error.error_type(), "BadEvent.BadRequestParameters");
    assert_eq!(
        error.to_string(),
        "cannot read the event: requestParameters of StopLogging: requestParameters is missing or null"
    );
    let diagnostic: lambda_runtime::Diagnostic = error.into();
    assert_eq!(diagnostic.error_type, "BadEvent.BadRequestParameters");
    assert!(s.alerts().await.is_empty());
}

// ---- one test per row of trail-guard's table, and the scheduled check ----

// PutAdvancedEventSelectors and suspended bucket versioning are carried out in
// shared/actions/tests/trail_mocks.rs: moto keeps advanced selectors when basic ones are put, and
// answers GetBucketVersioning with an XML root the Rust SDK rejects. Their decisions are in
// shared/rules/tests/trail_guard.rs.
use aws_sdk_cloudtrail::types::{EventSelector, InsightType, ReadWriteType};

const KMS_EVENT_KEY_ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

impl Scene {
    /// The trail as the desired state wants it: multi-region, global events, validation on.
    async fn make_trail_desired(&self) {
        self.aws
            .cloudtrail()
            .update_trail()
            .name(TRAIL)
            .is_multi_region_trail(true)
            .include_global_service_events(true)
            .enable_log_file_validation(true)
            .send()
            .await
            .unwrap();
    }

    async fn trail(&self) -> aws_sdk_cloudtrail::types::Trail {
        self.aws
            .cloudtrail()
            .get_trail()
            .name(TRAIL)
            .send()
            .await
            .unwrap()
            .trail()
            .unwrap()
            .clone()
    }

    async fn selectors(
        &self,
    ) -> aws_sdk_cloudtrail::operation::get_event_selectors::GetEventSelectorsOutput {
        self.aws
            .cloudtrail()
            .get_event_selectors()
            .trail_name(TRAIL)
            .send()
            .await
            .unwrap()
    }

    /// A KMS key used by the trail; returns (key id, key ARN).
    async fn trail_key(&self) -> (String, String) {
        let meta = self
            .aws
            .kms()
            .create_key()
            .send()
            .await
            .unwrap()
            .key_metadata()
            .unwrap()
            .clone();
        let arn = meta.arn().unwrap().to_string();
        self.aws
            .cloudtrail()
            .update_trail()
            .name(TRAIL)
            .kms_key_id(&arn)
            .send()
            .await
            .unwrap();
        (meta.key_id().to_string(), arn)
    }

    async fn key_state(&self, key_id: &str) -> String {
        let out = self
            .aws
            .kms()
            .describe_key()
            .key_id(key_id)
            .send()
            .await
            .unwrap();
        out.key_metadata()
            .unwrap()
            .key_state()
            .unwrap()
            .as_str()
            .to_string()
    }
}

/// The event file with the emulator's key id in place of the sample's.
fn key_event(file: &str, key_id: &str) -> serde_json::Value {
    let mut event = event_file(file);
    assert_eq!(
        event["detail"]["requestParameters"]["keyId"],
        KMS_EVENT_KEY_ID
    );
    event["detail"]["requestParameters"]["keyId"] = key_id.into();
    event
}

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
    s.aws
        .cloudtrail()
        .delete_trail()
        .name(TRAIL)
        .send()
        .await
        .unwrap();

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
    s.aws
        .cloudtrail()
        .delete_trail()
        .name(TRAIL)
        .send()
        .await
        .unwrap();

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
    s.aws
        .cloudtrail()
        .delete_trail()
        .name(TRAIL)
        .send()
        .await
        .unwrap();

    let report = s
        .responder
        .handle(event_file("scheduled-check.json"))
        .await
        .unwrap();

    assert_eq!(report.outcome, "checked");
    assert!(s.aws.is_logging(TRAIL).await);
    assert_eq!(s.alerts().await[0].attribute("severity"), "critical");
}
