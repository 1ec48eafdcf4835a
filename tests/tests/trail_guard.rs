//! trail-guard end to end against the local AWS: the demo's main job (a stopped trail restarted),
//! what is left alone, duplicates and late events, and the failure paths the emulator can produce.
//! The other rows of the README's trail-guard table are in `trail_guard_rows.rs`, the scheduled
//! check in `trail_guard_schedule.rs`.

mod common;

use common::trail::*;
use trailwarden_responder::HandlerError;
use trailwarden_tests::event_file;

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
    s.delete_trail().await;

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
