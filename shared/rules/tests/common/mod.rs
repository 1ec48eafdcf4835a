//! What the decision tests share: the actors (users, root, role sessions), a record builder for
//! IAM calls, the fact queries an iam-guard decision asks, and the configuration they run with.
#![allow(dead_code)]

pub mod trail;

use serde_json::{Value, json};
use trailwarden_events::{Arn, EventTime, Record};
use trailwarden_rules::{Decision, FactQuery, Facts, Severity, Subject, iam};
use trailwarden_testkit::config;

pub const ACCOUNT: &str = "123456789012";
pub const EVENT_ID: &str = "11111111-2222-3333-4444-555555555555";
pub const TIME: &str = "2026-11-21T10:00:00Z";

pub fn mallory() -> Value {
    json!({"type": "IAMUser", "arn": format!("arn:aws:iam::{ACCOUNT}:user/mallory"), "accountId": ACCOUNT,
           "accessKeyId": "AKIAEXAMPLEMALLORY01", "userName": "mallory"})
}

/// An IAM user of the account, calling with a long-term key.
pub fn user(name: &str) -> Value {
    json!({"type": "IAMUser", "arn": format!("arn:aws:iam::{ACCOUNT}:user/{name}"), "accountId": ACCOUNT,
           "principalId": "AIDAEXAMPLE", "accessKeyId": "AKIAEXAMPLEEXAMPLE", "userName": name})
}

/// The account's root user.
pub fn root() -> Value {
    json!({"type": "Root", "arn": format!("arn:aws:iam::{ACCOUNT}:root"), "accountId": ACCOUNT, "principalId": ACCOUNT})
}

pub fn role_session(role: &str, session: &str) -> Value {
    json!({"type": "AssumedRole", "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"),
           "accountId": ACCOUNT, "accessKeyId": "ASIAEXAMPLESESSION01",
           "sessionContext": {"sessionIssuer": {"type": "Role", "arn": format!("arn:aws:iam::{ACCOUNT}:role/{role}")}}})
}

pub fn event_by(identity: Value, name: &str, request: Value, response: Value) -> Record {
    trailwarden_testkit::record(json!({
        "eventTime": TIME, "eventSource": "iam.amazonaws.com", "eventName": name,
        "eventID": EVENT_ID, "readOnly": false, "userIdentity": identity,
        "requestParameters": request, "responseElements": response
    }))
}

pub fn event(name: &str, request: Value, response: Value) -> Record {
    event_by(mallory(), name, request, response)
}

pub fn previous(subject: Subject) -> FactQuery {
    FactQuery::PreviousState {
        subject,
        before: EventTime::parse(TIME).unwrap(),
        event_id: EVENT_ID.into(),
    }
}

pub fn later(subject: Subject) -> FactQuery {
    FactQuery::LaterChanges {
        subject,
        after: EventTime::parse(TIME).unwrap(),
        event_id: EVENT_ID.into(),
    }
}

pub fn arn(text: &str) -> Arn {
    Arn::parse("test", text).unwrap()
}

pub fn decide(record: &Record, facts: &Facts) -> Decision {
    iam::decide(record, &config(&[]), facts).unwrap()
}

pub fn severity(decision: &Decision) -> Severity {
    match decision {
        Decision::Respond { incident, .. } => incident.severity,
        Decision::Ignore(why) => panic!("ignored: {why}"),
    }
}

pub const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
pub const DOC: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
pub const OLD_DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
pub const CUSTOMER_POLICY: &str = "arn:aws:iam::123456789012:policy/app";
