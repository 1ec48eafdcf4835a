//! README, iam-guard, "When the previous state is unknown": a change iam-guard can neither undo
//! nor contain (here an inline policy on an allowed break-glass role, with no event history in the
//! emulator) is not dropped. It is alerted once and handed back through the retry queue
//! (`RETRY_QUEUE_URL`) every 15 minutes; an hour after the event, a failed, critical alert and a
//! function error (the event ends in the dead-letter queue).

use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::{Value, json};
use std::time::Duration;
use trailwarden_actions::guard_for;
use trailwarden_events::EventTime;
use trailwarden_responder::{Function, HandlerError, Responder};
use trailwarden_tests::{AlertQueue, EmulatorGuard, emulator, event_file};

struct Scene {
    aws: EmulatorGuard,
    responder: Responder,
    alerts: AlertQueue,
    retry_queue: String,
}

async fn scene() -> Scene {
    let aws = emulator().await;
    let alerts = aws.alert_queue().await;
    let retry_queue = aws
        .sqs()
        .create_queue()
        .queue_name("retry")
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_string();
    let config = trailwarden_testkit::try_config_over(
        &[
            ("ALERT_TOPIC_ARN", alerts.topic_arn()),
            ("RETRY_QUEUE_URL", &retry_queue),
            (
                "ALLOWED_PRINCIPALS",
                "arn:aws:iam::123456789012:role/BreakGlass",
            ),
        ],
        &[],
    )
    .unwrap();
    aws.iam()
        .create_role()
        .role_name("BreakGlass")
        .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[]}"#)
        .send()
        .await
        .unwrap();
    let responder = Responder::new(
        guard_for(Function::IamGuard, &aws.sdk_config()).expect("iam-guard answers events"),
        config,
        &aws.sdk_config(),
    );
    Scene {
        aws,
        responder,
        alerts,
        retry_queue,
    }
}

/// mallory's inline policy on the allowed BreakGlass role, made `seconds` ago.
fn backdoor(seconds: i64) -> Value {
    let mut event = event_file("put-role-policy.json");
    event["detail"]["requestParameters"]["roleName"] = json!("BreakGlass");
    EventTime::from_epoch_seconds(EventTime::now().epoch_seconds() - seconds).stamp(&mut event);
    event
}

/// What the retry queue delivers to iam-guard: one message of trailwarden's.
fn delivery(event: &Value, attempt: u32) -> Value {
    json!({"Records": [{
        "messageId": "m1", "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:retry",
        "body": json!({"trailwarden_retry": {"attempt": attempt}, "event": event}).to_string()
    }]})
}

async fn delayed(s: &Scene) -> String {
    s.aws
        .sqs()
        .get_queue_attributes()
        .queue_url(&s.retry_queue)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesDelayed)
        .send()
        .await
        .unwrap()
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::ApproximateNumberOfMessagesDelayed))
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_change_that_cannot_be_undone_yet_is_alerted_once_and_looked_at_again() {
    let s = scene().await;

    let report = s.responder.handle(backdoor(5)).await.unwrap();

    assert_eq!(report.outcome, "alert-only");
    let alerts = s.alerts.receive(Duration::ZERO).await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].attribute("severity"), "critical");
    let doc = alerts[0].body_json();
    assert!(
        doc["notes"].as_array().unwrap().iter().any(|n| n
            .as_str()
            .unwrap()
            .starts_with("trailwarden looks again every 15 minutes")),
        "{doc}"
    );
    assert_eq!(delayed(&s).await, "1", "handed back, with a delay");

    // The next look, still unknown: no second alert, and handed back again.
    let report = s
        .responder
        .handle(delivery(&backdoor(900), 1))
        .await
        .unwrap();
    assert_eq!(report.outcome, "deferred");
    assert!(s.alerts.receive(Duration::ZERO).await.is_empty());
    assert_eq!(delayed(&s).await, "2");
}

#[tokio::test]
async fn an_hour_after_the_event_it_is_a_failure_and_the_event_is_kept() {
    let s = scene().await;

    let error = s
        .responder
        .handle(delivery(&backdoor(3700), 4))
        .await
        .unwrap_err();

    assert!(matches!(error, HandlerError::NotUndone { .. }), "{error}");
    assert_eq!(error.error_type(), "NotUndone");
    let alerts = s.alerts.receive(Duration::ZERO).await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].attribute("outcome"), "failed");
    assert_eq!(alerts[0].attribute("severity"), "critical");
    let doc = alerts[0].body_json();
    assert!(
        doc["error"]
            .as_str()
            .unwrap()
            .starts_with("after 4 looks over an hour, still not undone: the previous document of inline policy escalate is unknown"),
        "{doc}"
    );
    assert_eq!(delayed(&s).await, "0", "not handed back again");
}

#[tokio::test]
async fn an_event_time_in_the_future_does_not_make_the_looks_endless() {
    let s = scene().await;
    // An hour ahead: by its time the window never closes; by the count of looks it does.
    let error = s
        .responder
        .handle(delivery(&backdoor(-3600), 6))
        .await
        .unwrap_err();
    assert!(matches!(error, HandlerError::NotUndone { .. }), "{error}");
    assert_eq!(delayed(&s).await, "0");
    // An attempt count at its limit is no overflow either.
    let error = s
        .responder
        .handle(delivery(&backdoor(5), u32::MAX))
        .await
        .unwrap_err();
    assert!(matches!(error, HandlerError::NotUndone { .. }), "{error}");
}
