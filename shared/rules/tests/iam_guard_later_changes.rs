//! iam-guard's decisions for the README's late-event row: an event arriving after a later,
//! legitimate change of the same resource is not reverted, and the alert says by what.

mod common;

use common::*;
use serde_json::{Value, json};
use trailwarden_rules::{
    Action, Decision, Fact, FactQuery, Facts, Principal, Severity, Subject, iam,
};
use trailwarden_testkit::config;

const DEPLOY: &str = "arn:aws:iam::123456789012:role/deploy";

fn later_change(event_name: &str, identity: Value, time: &str) -> trailwarden_rules::LaterChange {
    let record = trailwarden_testkit::record(json!({
        "eventTime": time, "eventSource": "iam.amazonaws.com", "eventName": event_name,
        "eventID": "later", "userIdentity": identity
    }));
    trailwarden_rules::LaterChange {
        event_name: event_name.into(),
        time: record.event_time,
        actor: record.actor,
    }
}

fn incident(d: &Decision) -> &trailwarden_rules::Incident {
    match d {
        Decision::Respond { incident, .. } => incident,
        Decision::Ignore(why) => panic!("ignored: {why}"),
    }
}

#[test]
fn a_change_replaced_by_a_later_allowed_one_is_not_reverted_and_the_alert_says_by_what() {
    let r = event(
        "AttachRolePolicy",
        json!({"roleName": "app", "policyArn": ADMIN}),
        Value::Null,
    );
    let subject = Subject::Attachment {
        principal: Principal::role("app"),
        policy: arn(ADMIN),
    };
    let cfg = config(&[("ALLOWED_PRINCIPALS", DEPLOY)]);
    assert_eq!(
        iam::facts_needed(&r, &cfg),
        [
            FactQuery::PolicyDocument { policy: arn(ADMIN) },
            later(subject.clone())
        ]
    );
    let deploy = later_change(
        "AttachRolePolicy",
        role_session("deploy", "ci"),
        "2026-11-21T10:05:00Z",
    );
    let facts = Facts::new().with(later(subject), Fact::Changes(vec![deploy]));

    let d = iam::decide(&r, &cfg, &facts).unwrap();

    assert!(d.plan().is_empty(), "{d}");
    let incident = incident(&d);
    assert_eq!(
        incident.superseded_by.as_deref(),
        Some("AttachRolePolicy by role deploy (session ci) at 2026-11-21T10:05:00Z")
    );
    assert_eq!(
        incident.summary,
        "Policy AdministratorAccess attached to role app by user mallory"
    );
    assert_eq!(
        incident.next_steps[0],
        "The attachment of arn:aws:iam::aws:policy/AdministratorAccess to role app was changed again after this event (AttachRolePolicy by role deploy (session ci) at 2026-11-21T10:05:00Z, allowed by arn:aws:iam::123456789012:role/deploy); trailwarden left it as it is, since putting this event's change back would undo that later change."
    );
    // The attack is still an attack: its severity stands.
    assert_eq!(incident.severity, Severity::Critical);
}

#[test]
fn a_later_change_by_anyone_not_allowed_or_by_trailwarden_does_not_stop_the_revert() {
    // mallory made the key active again herself, and trailwarden's own deactivation is in
    // history too: neither is a legitimate change, so the key is deactivated.
    let r = event(
        "CreateAccessKey",
        json!({"userName": "alice"}),
        json!({"accessKey": {"accessKeyId": "AKIAEXAMPLEALICE0001", "userName": "alice", "status": "Active"}}),
    );
    let subject = Subject::AccessKey {
        user: "alice".into(),
        access_key_id: "AKIAEXAMPLEALICE0001".into(),
    };
    let cfg = config(&[
        ("ALLOWED_PRINCIPALS", DEPLOY),
        (
            "RESPONDER_ROLE_ARNS",
            "arn:aws:iam::123456789012:role/trailwarden-iam-guard",
        ),
    ]);
    let facts = Facts::new().with(
        later(subject),
        Fact::Changes(vec![
            later_change(
                "UpdateAccessKey",
                role_session("trailwarden-iam-guard", "trailwarden-iam-guard"),
                "2026-11-21T10:00:03Z",
            ),
            later_change("UpdateAccessKey", mallory(), "2026-11-21T10:00:09Z"),
        ]),
    );
    let d = iam::decide(&r, &cfg, &facts).unwrap();
    assert_eq!(
        d.plan(),
        [Action::DeactivateAccessKey {
            user: "alice".into(),
            access_key_id: "AKIAEXAMPLEALICE0001".into()
        }]
    );
    assert_eq!(incident(&d).superseded_by, None);
}

#[test]
fn containment_still_applies_when_the_change_was_superseded() {
    let r = event(
        "AttachUserPolicy",
        json!({"userName": "alice", "policyArn": ADMIN}),
        Value::Null,
    );
    let subject = Subject::Attachment {
        principal: Principal::user("alice"),
        policy: arn(ADMIN),
    };
    let cfg = config(&[("ALLOWED_PRINCIPALS", DEPLOY), ("CONTAIN_ACTOR", "true")]);
    let facts = Facts::new().with(
        later(subject),
        Fact::Changes(vec![later_change(
            "DetachUserPolicy",
            role_session("deploy", "ci"),
            "2026-11-21T10:10:00Z",
        )]),
    );
    let d = iam::decide(&r, &cfg, &facts).unwrap();
    assert_eq!(
        d.plan(),
        [Action::DeactivateAccessKey {
            user: "mallory".into(),
            access_key_id: "AKIAEXAMPLEMALLORY01".into()
        }]
    );
    assert_eq!(
        incident(&d).superseded_by.as_deref(),
        Some("DetachUserPolicy by role deploy (session ci) at 2026-11-21T10:10:00Z")
    );
}

#[test]
fn every_revert_row_asks_whether_its_resource_changed_after_the_event() {
    let cfg = config(&[("ALLOWED_PRINCIPALS", DEPLOY)]);
    let subjects = [
        (
            event(
                "AddUserToGroup",
                json!({"userName": "alice", "groupName": "admins"}),
                Value::Null,
            ),
            Subject::GroupMembership {
                user: "alice".into(),
                group: "admins".into(),
            },
        ),
        (
            event(
                "CreateAccessKey",
                json!({"userName": "alice"}),
                json!({"accessKey": {"accessKeyId": "AKIAEXAMPLEALICE0001", "userName": "alice", "status": "Active"}}),
            ),
            Subject::AccessKey {
                user: "alice".into(),
                access_key_id: "AKIAEXAMPLEALICE0001".into(),
            },
        ),
        (
            event(
                "CreateLoginProfile",
                json!({"userName": "alice"}),
                Value::Null,
            ),
            Subject::LoginProfile {
                user: "alice".into(),
            },
        ),
        (
            event(
                "SetDefaultPolicyVersion",
                json!({"policyArn": CUSTOMER_POLICY, "versionId": "v2"}),
                Value::Null,
            ),
            Subject::DefaultVersion {
                policy: arn(CUSTOMER_POLICY),
            },
        ),
        (
            event(
                "PutUserPolicy",
                json!({"userName": "alice", "policyName": "p", "policyDocument": DOC}),
                Value::Null,
            ),
            Subject::InlinePolicy {
                principal: Principal::user("alice"),
                name: "p".into(),
            },
        ),
        (
            event(
                "UpdateAssumeRolePolicy",
                json!({"roleName": "app", "policyDocument": DOC}),
                Value::Null,
            ),
            Subject::TrustPolicy { role: "app".into() },
        ),
    ];
    for (record, subject) in subjects {
        let needed = iam::facts_needed(&record, &cfg);
        assert!(
            needed.contains(&later(subject.clone())),
            "{}: {needed:?}",
            record.event_name
        );
        // Without the later change the row reverts; with it, it does not.
        let mut facts = Facts::new();
        for q in &needed {
            facts.insert(q.clone(), Fact::DefaultVersion("v1".into()));
        }
        let before = iam::decide(&record, &cfg, &facts).unwrap();
        assert!(!before.plan().is_empty(), "{}: {before}", record.event_name);
        facts.insert(
            later(subject),
            Fact::Changes(vec![later_change(
                "Anything",
                role_session("deploy", "ci"),
                "2026-11-21T10:05:00Z",
            )]),
        );
        let after = iam::decide(&record, &cfg, &facts).unwrap();
        assert!(after.plan().is_empty(), "{}: {after}", record.event_name);
    }
    // A call trailwarden does not revert asks nothing.
    let created = event(
        "CreateUser",
        json!({"userName": "eve"}),
        json!({"user": {"userName": "eve", "arn": format!("arn:aws:iam::{ACCOUNT}:user/eve")}}),
    );
    assert!(iam::facts_needed(&created, &cfg).is_empty());
}
