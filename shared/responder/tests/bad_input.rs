//! README, "Reliability and security", the bad-input row: one test per input it lists, through `Responder::handle` (or
//! `handle_bytes` where the input is not JSON at all), each error naming what is wrong, with the
//! Lambda `error_type` it becomes. No AWS call is made for any of them (the mocks have no rules and
//! would panic on a call), and nothing is alerted.

mod common;

use common::{Inbox, Mocks, event_file};
use lambda_runtime::Diagnostic;
use serde_json::{Value, json};
use trailwarden_responder::Function;

fn stop_logging(edit: impl FnOnce(&mut Value)) -> Value {
    let mut event = event_file("stop-logging.json");
    edit(&mut event);
    event
}

fn detail(edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    stop_logging(|e| edit(e["detail"].as_object_mut().unwrap()))
}

fn nested(depth: usize) -> Value {
    let mut v = json!("bottom");
    for _ in 0..depth {
        v = json!({ "a": v });
    }
    v
}

/// (row, input, Lambda error_type, the message, exactly)
fn rows() -> Vec<(&'static str, Value, &'static str, String)> {
    vec![
        (
            "not JSON (a JSON string is what a non-object payload reaches the handler as)",
            json!("not json"),
            "BadEvent.WrongShape",
            "cannot read the event: the event has the wrong shape: expected a JSON object, found a string".into(),
        ),
        (
            "empty object",
            json!({}),
            "BadEvent.WrongShape",
            "cannot read the event: the event has the wrong shape: neither an EventBridge event (no \"detail-type\") nor a CloudTrail record (no \"eventName\")".into(),
        ),
        (
            "wrong detail-type",
            stop_logging(|e| e["detail-type"] = json!("Object Created")),
            "BadEvent.UnsupportedDetailType",
            "cannot read the event: detail-type \"Object Created\" is not one trailwarden handles".into(),
        ),
        (
            "missing detail",
            stop_logging(|e| {
                e.as_object_mut().unwrap().remove("detail");
            }),
            "BadEvent.MissingField",
            "cannot read the event: field detail is missing".into(),
        ),
        (
            "missing eventName",
            detail(|d| {
                d.remove("eventName");
            }),
            "BadEvent.MissingField",
            "cannot read the event: field eventName is missing".into(),
        ),
        (
            "wrong-typed eventName",
            detail(|d| {
                d.insert("eventName".into(), json!(["StopLogging"]));
            }),
            "BadEvent.WrongFieldType",
            "cannot read the event: field eventName should be a string, found an array".into(),
        ),
        (
            "missing userIdentity",
            detail(|d| {
                d.remove("userIdentity");
            }),
            "BadEvent.MissingField",
            "cannot read the event: field userIdentity is missing".into(),
        ),
        (
            "wrong-typed userIdentity",
            detail(|d| {
                d.insert("userIdentity".into(), json!("root"));
            }),
            "BadEvent.WrongFieldType",
            "cannot read the event: field userIdentity should be an object, found a string".into(),
        ),
        (
            "missing requestParameters",
            detail(|d| {
                d.remove("requestParameters");
            }),
            "BadEvent.BadRequestParameters",
            "cannot read the event: requestParameters of StopLogging: requestParameters is missing or null".into(),
        ),
        (
            "wrong-typed requestParameters",
            detail(|d| {
                d.insert("requestParameters".into(), json!({"name": 42}));
            }),
            "BadEvent.BadRequestParameters",
            "cannot read the event: requestParameters of StopLogging: invalid type: integer `42`, expected a string".into(),
        ),
        (
            "an ARN that is not an ARN",
            detail(|d| {
                d["userIdentity"]["arn"] = json!("arn:aws:iam:mallory");
            }),
            "BadEvent.NotAnArn",
            "cannot read the event: field userIdentity.arn is not an ARN: \"arn:aws:iam:mallory\"".into(),
        ),
        (
            "a trail name with a region that does not exist",
            detail(|d| {
                d["requestParameters"]["name"] =
                    json!("arn:aws:cloudtrail:mars-north-1:123456789012:trail/audit");
            }),
            "BadEvent.UnknownRegion",
            "cannot read the event: the trail ARN's region \"mars-north-1\" is not an AWS region".into(),
        ),
        (
            "a trail name in an event whose region does not exist",
            detail(|d| {
                d.insert("awsRegion".into(), json!("mars-north-1"));
            }),
            "BadEvent.UnknownRegion",
            "cannot read the event: awsRegion \"mars-north-1\" is not an AWS region".into(),
        ),
        // Anyone who may invoke a function can hand it a payload of their own: only what EventBridge
        // delivers from AWS is answered.
        (
            "a bare CloudTrail record, not an EventBridge event",
            event_file("stop-logging.json")["detail"].clone(),
            "BadEvent.NotDelivered",
            "cannot read the event: a bare CloudTrail record is not an EventBridge event; the functions answer only what EventBridge delivers (bare records and log files are for the trailwarden command and the tests)".into(),
        ),
        (
            "a source that is not an AWS service's (PutEvents from the account)",
            stop_logging(|e| e["source"] = json!("custom.cloudtrail")),
            "BadEvent.ForeignSource",
            "cannot read the event: source \"custom.cloudtrail\" is not an AWS service's: only AWS sends events with an \"aws.\" source, so this one did not come from CloudTrail through EventBridge".into(),
        ),
        (
            "no source",
            stop_logging(|e| {
                e.as_object_mut().unwrap().remove("source");
            }),
            "BadEvent.MissingField",
            "cannot read the event: field source is missing".into(),
        ),
        (
            "deep nesting",
            detail(|d| {
                d.insert("additionalEventData".into(), nested(100));
            }),
            "BadEvent.TooDeep",
            "cannot read the event: the event is nested more than 64 levels deep".into(),
        ),
    ]
}

fn responder(inbox: &Inbox, rule: &aws_smithy_mocks::Rule) -> trailwarden_responder::Responder {
    let _ = inbox;
    Mocks {
        cloudtrail: &[],
        iam: &[],
        kms: &[],
        sns: &[rule],
    }
    .responder(Function::TrailGuard, &[])
}

#[tokio::test]
async fn each_bad_input_is_an_error_naming_what_is_wrong() {
    let inbox = Inbox::default();
    let published = inbox.rule();
    let responder = responder(&inbox, &published);
    let mut failures = Vec::new();
    for (row, input, error_type, message) in rows() {
        match responder.handle(input).await {
            Ok(report) => failures.push(format!("{row}: accepted as {report:?}")),
            Err(e) => {
                let d: Diagnostic = e.into();
                if d.error_type != error_type || d.error_message != message {
                    failures.push(format!(
                        "{row}:\n  got      {} {:?}\n  expected {error_type} {message:?}",
                        d.error_type, d.error_message
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(inbox.len(), 0, "a bad input is an error, never an alert");
}

#[tokio::test]
async fn bytes_that_are_not_json_or_too_large_are_refused_before_parsing() {
    let inbox = Inbox::default();
    let published = inbox.rule();
    let responder = responder(&inbox, &published);

    let e = responder.handle_bytes(b"not json").await.unwrap_err();
    assert_eq!(e.error_type(), "BadEvent.NotJson");
    assert_eq!(
        e.to_string(),
        "cannot read the event: the event is not JSON: expected ident at line 1 column 2"
    );

    let mut big = serde_json::to_vec(&event_file("stop-logging.json")).unwrap();
    big.resize(trailwarden_events::MAX_EVENT_BYTES + 1, b' ');
    let e = responder.handle_bytes(&big).await.unwrap_err();
    assert_eq!(e.error_type(), "BadEvent.TooLarge");
    assert_eq!(
        e.to_string(),
        "cannot read the event: the event is 1048577 bytes, more than the 1048576 an EventBridge event can be"
    );
}

#[tokio::test]
async fn an_event_of_256_kb_is_handled_and_its_alert_fits_sns() {
    // The largest event EventBridge delivers: StopLogging with 256 KB of additional data.
    let inbox = Inbox::default();
    let published = inbox.rule();
    let get =
        aws_smithy_mocks::mock!(aws_sdk_cloudtrail::Client::get_trail_status).then_output(|| {
            aws_sdk_cloudtrail::operation::get_trail_status::GetTrailStatusOutput::builder()
                .is_logging(true)
                .build()
        });
    let mocks = Mocks {
        cloudtrail: &[&get],
        iam: &[],
        kms: &[],
        sns: &[&published],
    };
    let responder = mocks.responder(Function::TrailGuard, &[]);
    let event = detail(|d| {
        d.insert(
            "additionalEventData".into(),
            json!({"padding": "x".repeat(256 * 1024)}),
        );
    });
    let bytes = serde_json::to_vec(&event).unwrap();
    assert!(bytes.len() > 256 * 1024);

    let report = responder.handle_bytes(&bytes).await.unwrap();

    assert_eq!(report.outcome, "already-reverted");
    assert_eq!(inbox.len(), 1);
    let everything = inbox.everything(0);
    assert!(everything.len() < 256 * 1024, "{} bytes", everything.len());
    assert_eq!(inbox.document(0)["record_complete"], false);
}
