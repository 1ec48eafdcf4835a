//! trail-guard's end-to-end scene: the emulator with a protected trail and its bucket,
//! trail-guard over it, and the trail state a test reads back.

use std::time::Duration;
use trailwarden_actions::guard_for;
use trailwarden_responder::{Function, Responder};
use trailwarden_tests::{EmulatorGuard, ReceivedAlert, emulator, event_file};

pub const BUCKET: &str = "audit-logs";
pub const TRAIL: &str = "audit";
// trailwarden's own role in the events/stop-logging-by-responder.json scenario.
pub const RESPONDER_ROLE: &str = "arn:aws:iam::123456789012:role/trailwarden-trail-guard";

pub struct Scene {
    pub aws: EmulatorGuard,
    pub responder: Responder,
    pub alerts: trailwarden_tests::AlertQueue,
}

/// A logging trail `audit`, an alert topic with a queue, and trail-guard configured with `vars`.
pub async fn scene(vars: &[(&str, &str)]) -> Scene {
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

pub fn responder(aws: &EmulatorGuard, topic: &str, vars: &[(&str, &str)]) -> Responder {
    let config = trailwarden_testkit::try_config_over(
        &[
            ("ALERT_TOPIC_ARN", topic),
            ("RESPONDER_ROLE_ARNS", RESPONDER_ROLE),
        ],
        vars,
    )
    .unwrap();
    Responder::new(
        guard_for(Function::TrailGuard, &aws.sdk_config()).expect("trail-guard answers events"),
        config,
        &aws.sdk_config(),
    )
}

impl Scene {
    /// The attacker's call itself, which the event then reports.
    pub async fn stop_trail(&self) {
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

    /// The trail deleted, as an attacker does after stopping it: no restart can succeed.
    pub async fn delete_trail(&self) {
        self.aws
            .cloudtrail()
            .delete_trail()
            .name(TRAIL)
            .send()
            .await
            .unwrap();
    }

    pub async fn alerts(&self) -> Vec<ReceivedAlert> {
        // SNS delivers to SQS inside Publish: what was sent is already in the queue.
        self.alerts.receive(Duration::ZERO).await
    }
}

pub const KMS_EVENT_KEY_ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

impl Scene {
    /// The trail as the desired state wants it: multi-region, global events, validation on.
    pub async fn make_trail_desired(&self) {
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

    pub async fn trail(&self) -> aws_sdk_cloudtrail::types::Trail {
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

    pub async fn selectors(
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
    pub async fn trail_key(&self) -> (String, String) {
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

    pub async fn key_state(&self, key_id: &str) -> String {
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
pub fn key_event(file: &str, key_id: &str) -> serde_json::Value {
    let mut event = event_file(file);
    assert_eq!(
        event["detail"]["requestParameters"]["keyId"],
        KMS_EVENT_KEY_ID
    );
    event["detail"]["requestParameters"]["keyId"] = key_id.into();
    event
}
