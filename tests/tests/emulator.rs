//! Smoke tests of the emulator harness itself: if these fail, every other
//! end-to-end test would fail for reasons that have nothing to do with
//! trailwarden.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_sns::types::MessageAttributeValue;
use trailwarden_tests::{ACCOUNT_ID, ALERT_TOPIC, REGION, ReceivedAlert, emulator, repo_root};

#[tokio::test]
async fn each_test_starts_from_an_empty_account() {
    let aws = emulator().await;
    aws.sns()
        .create_topic()
        .name("left-over")
        .send()
        .await
        .unwrap();
    let topics = aws.sns().list_topics().send().await.unwrap();
    assert_eq!(topics.topics().len(), 1);
    drop(aws);

    // The next holder of the emulator gets it reset.
    let aws = emulator().await;
    let topics = aws.sns().list_topics().send().await.unwrap();
    assert!(topics.topics().is_empty(), "{topics:?}");
}

#[tokio::test]
async fn reset_deletes_everything() {
    let aws = emulator().await;
    aws.sns()
        .create_topic()
        .name("doomed")
        .send()
        .await
        .unwrap();
    aws.create_bucket("doomed-bucket").await;

    aws.reset().await;

    let topics = aws.sns().list_topics().send().await.unwrap();
    assert!(topics.topics().is_empty(), "{topics:?}");
    // The bucket is gone too: a trail cannot deliver to it.
    let created = aws
        .cloudtrail()
        .create_trail()
        .name("orphan")
        .s3_bucket_name("doomed-bucket")
        .send()
        .await;
    assert!(created.is_err(), "{created:?}");
}

// Multi-threaded on purpose: the shared server must serve any runtime flavor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trail_logging_follows_start_and_stop() {
    let aws = emulator().await;
    aws.create_bucket("trail-logs").await;

    let arn = aws.create_logging_trail("main-trail", "trail-logs").await;

    assert_eq!(
        arn,
        format!("arn:aws:cloudtrail:{REGION}:{ACCOUNT_ID}:trail/main-trail")
    );
    assert!(aws.is_logging("main-trail").await);
    assert!(aws.is_logging(&arn).await);

    aws.cloudtrail()
        .stop_logging()
        .name(&arn)
        .send()
        .await
        .unwrap();

    assert!(!aws.is_logging("main-trail").await);
    assert!(!aws.is_logging(&arn).await);
}

#[tokio::test]
async fn a_trail_needs_its_bucket() {
    let aws = emulator().await;
    let created = aws
        .cloudtrail()
        .create_trail()
        .name("no-bucket")
        .s3_bucket_name("never-created")
        .send()
        .await;
    assert!(created.is_err(), "{created:?}");
}

#[tokio::test]
async fn alerts_arrive_with_the_sqs_body_and_attributes() {
    let aws = emulator().await;
    let alerts = aws.alert_queue().await;
    assert!(
        alerts.topic_arn().ends_with(&format!(":{ALERT_TOPIC}")),
        "{}",
        alerts.topic_arn()
    );

    let sqs_body = r#"{"rule":"trail-stopped","trail":"main-trail"}"#;
    let message = serde_json::json!({ "default": "Trail main-trail was stopped", "sqs": sqs_body });
    let string = |value: &str| {
        MessageAttributeValue::builder()
            .data_type("String")
            .string_value(value)
            .build()
            .unwrap()
    };
    aws.sns()
        .publish()
        .topic_arn(alerts.topic_arn())
        .message_structure("json")
        .message(message.to_string())
        .message_attributes("rule", string("trail-stopped"))
        .message_attributes(
            "severity",
            MessageAttributeValue::builder()
                .data_type("Number")
                .string_value("3")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    let received = alerts.receive(Duration::from_secs(5)).await;

    let expected = ReceivedAlert {
        body: sqs_body.to_owned(),
        attributes: HashMap::from([
            ("rule".to_owned(), "trail-stopped".to_owned()),
            ("severity".to_owned(), "3".to_owned()),
        ]),
    };
    assert_eq!(received, [expected]);
    assert_eq!(received[0].body_json()["trail"], "main-trail");
    // Received messages are deleted: nothing is delivered twice.
    assert!(alerts.receive(Duration::from_millis(300)).await.is_empty());
}

#[tokio::test]
async fn receive_without_alerts_returns_nothing_after_the_wait() {
    let aws = emulator().await;
    let alerts = aws.alert_queue().await;
    let started = std::time::Instant::now();

    let received = alerts.receive(Duration::from_millis(1500)).await;

    assert!(received.is_empty(), "{received:?}");
    assert!(started.elapsed() >= Duration::from_millis(1500));
}

#[tokio::test]
async fn aws_managed_policies_exist() {
    let aws = emulator().await;
    let policy = aws
        .iam()
        .get_policy()
        .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
        .send()
        .await
        .unwrap();
    assert_eq!(
        policy.policy().and_then(|p| p.policy_name()),
        Some("AdministratorAccess")
    );
}

#[test]
fn repo_root_is_the_workspace() {
    assert!(repo_root().join("rust-toolchain.toml").is_file());
    assert!(repo_root().join("tests").join("moto_harness.py").is_file());
}
