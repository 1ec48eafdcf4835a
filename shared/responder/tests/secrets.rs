//! README, "Reliability and security", the secrets row: no secret or credential in an alert or a log line. The events carry what a
//! forged or hand-made event could: an unmasked password (CloudTrail itself writes
//! `HIDDEN_DUE_TO_SECURITY_REASONS`), a secret access key and session token in the response, a
//! session token and a signature in request headers, and access key ids. What is redacted is
//! decided in `trailwarden_events::redact`: secrets are replaced, key ids keep `AKIA...` and their
//! last four characters.

mod common;

use aws_sdk_iam::operation::get_login_profile::GetLoginProfileOutput;
use aws_sdk_iam::operation::list_access_keys::ListAccessKeysOutput;
use aws_sdk_iam::types::{AccessKeyMetadata, LoginProfile, StatusType};
use aws_smithy_mocks::mock;
use aws_smithy_types::DateTime;
use common::{Inbox, Mocks, event_file};
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};
use tracing::instrument::WithSubscriber;
use tracing_subscriber as subscriber;
use trailwarden_responder::Function;

const PASSWORD: &str = "Plain-Hunter2-Password!";
const SECRET_KEY: &str = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY";
const SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLETOKEN";
const HEADER_TOKEN: &str = "FwoGZXIvYXdzEXAMPLEHEADERTOKEN";
const SIGNATURE: &str = "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024";
/// Whole key ids that must not appear: the actor's and the new key's.
const KEY_IDS: [&str; 2] = ["AKIAEXAMPLEMALLORY01", "AKIAEXAMPLEALICEKEY1"];

#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn forged(file: &str) -> serde_json::Value {
    let mut event = event_file(file);
    let d = &mut event["detail"];
    d["requestParameters"]["password"] = json!(PASSWORD);
    d["requestParameters"]["headers"] = json!({
        "X-Amz-Security-Token": HEADER_TOKEN,
        "Authorization": format!("AWS4-HMAC-SHA256 Credential=AKIAEXAMPLEMALLORY01/20261121/us-east-1/iam/aws4_request, Signature={SIGNATURE}")
    });
    d["additionalEventData"] = json!({"x-amz-signature": SIGNATURE, "oldPassword": PASSWORD});
    d["responseElements"]["credentials"] =
        json!({"accessKeyId": "ASIAEXAMPLESESSION01", "sessionToken": SESSION_TOKEN});
    if d["responseElements"]["accessKey"].is_object() {
        d["responseElements"]["accessKey"]["secretAccessKey"] = json!(SECRET_KEY);
    }
    event
}

fn assert_clean(what: &str, text: &str) {
    for secret in [PASSWORD, SECRET_KEY, SESSION_TOKEN, HEADER_TOKEN, SIGNATURE]
        .iter()
        .chain(KEY_IDS.iter())
    {
        assert!(!text.contains(secret), "{what} contains {secret}:\n{text}");
    }
}

#[tokio::test]
async fn no_secret_or_whole_key_id_reaches_an_alert_or_a_log_line() {
    let inbox = Inbox::default();
    let published = inbox.rule();
    let key = mock!(aws_sdk_iam::Client::list_access_keys).then_output(|| {
        ListAccessKeysOutput::builder()
            .access_key_metadata(
                AccessKeyMetadata::builder()
                    .user_name("alice")
                    .access_key_id("AKIAEXAMPLEALICEKEY1")
                    .status(StatusType::Active)
                    .build(),
            )
            .build()
            .unwrap()
    });
    let profile = mock!(aws_sdk_iam::Client::get_login_profile).then_output(|| {
        GetLoginProfileOutput::builder()
            .login_profile(
                LoginProfile::builder()
                    .user_name("alice")
                    .create_date(DateTime::from_secs(0))
                    .build()
                    .unwrap(),
            )
            .build()
    });
    let mocks = Mocks {
        cloudtrail: &[],
        iam: &[&key, &profile],
        kms: &[],
        sns: &[&published],
    };
    // Dry-run: the same reads, the same alert, no writes to mock.
    let responder = mocks.responder(Function::IamGuard, &[("MODE", "dry-run")]);
    let logs = Logs::default();
    let sink = logs.clone();
    let collector = subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .finish();
    let dispatch = tracing::Dispatch::new(collector);

    for file in ["create-access-key.json", "create-login-profile.json"] {
        let report = responder
            .handle(forged(file))
            .with_subscriber(dispatch.clone())
            .await
            .unwrap();
        assert_eq!(report.outcome, "would-revert", "{file}");
    }

    assert_eq!(inbox.len(), 2);
    for n in 0..2 {
        let alert = inbox.everything(n);
        assert_clean("the alert", &alert);
        let doc = inbox.document(n);
        let record = &doc["record"];
        assert_eq!(
            record["requestParameters"]["password"],
            "[redacted by trailwarden]"
        );
        assert_eq!(
            record["responseElements"]["credentials"],
            "[redacted by trailwarden]"
        );
        assert_eq!(record["userIdentity"]["accessKeyId"], "AKIA...RY01");
        assert_eq!(doc["actor"]["access_key_id"], "AKIA...RY01");
    }
    let key_doc = inbox.document(0);
    assert_eq!(
        key_doc["actions"][0]["action"],
        "deactivate access key AKIA...KEY1 of user alice"
    );
    assert_eq!(
        key_doc["record"]["responseElements"]["accessKey"]["secretAccessKey"],
        "[redacted by trailwarden]"
    );
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("decided") && logs.contains("AKIA...KEY1"),
        "the logs were captured: {logs}"
    );
    assert_clean("the logs", &logs);
}
