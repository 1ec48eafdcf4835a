//! The decisions in organization mode (`MEMBER_ROLE_NAME`, the README's "Organization"): the member
//! role is trailwarden's own in the account it acts in and nowhere else, it is never quarantined,
//! and its trust policy is put back as `member.yaml` writes it.

mod common;

use common::*;
use serde_json::{Value, json};
use trailwarden_events::Record;
use trailwarden_rules::{
    Action, Config, Decision, Facts, Ignored, Principal, Severity, iam, trail, tripwire,
};
use trailwarden_testkit::config;

const MEMBER: &str = "222222222222";
const CENTRAL_ROLES: &str =
    "arn:aws:iam::111111111111:role/tw-iam-guard,arn:aws:iam::111111111111:role/tw-trail-guard";

fn organization() -> Config {
    config(&[
        ("MEMBER_ROLE_NAME", "trailwarden-member"),
        ("RESPONDER_ROLE_ARNS", CENTRAL_ROLES),
    ])
}

/// A session of `role` of `role_account`, calling in the member account.
fn session_of(role_account: &str, role: &str, session: &str) -> Value {
    json!({"type": "AssumedRole", "arn": format!("arn:aws:sts::{role_account}:assumed-role/{role}/{session}"),
           "accountId": role_account, "accessKeyId": "ASIAEXAMPLESESSION01",
           "sessionContext": {"sessionIssuer": {"type": "Role", "arn": format!("arn:aws:iam::{role_account}:role/{role}")}}})
}

/// An IAM call in the member account.
fn in_member(identity: Value, name: &str, request: Value) -> Record {
    trailwarden_testkit::record(json!({
        "eventSource": "iam.amazonaws.com", "eventName": name, "readOnly": false,
        "recipientAccountId": MEMBER, "userIdentity": identity, "requestParameters": request
    }))
}

fn mallory_in_member() -> Value {
    json!({"type": "IAMUser", "arn": format!("arn:aws:iam::{MEMBER}:user/mallory"), "accountId": MEMBER,
           "accessKeyId": "AKIAEXAMPLEMALLORY01", "userName": "mallory"})
}

#[test]
fn the_member_roles_own_changes_in_its_account_are_trailwardens_and_nowhere_else() {
    let detach = json!({"userName": "bob", "policyArn": ADMIN});
    // The revert iam-guard made through the member role, fed back: its own work.
    let own = in_member(
        session_of(MEMBER, "trailwarden-member", "iam-guard"),
        "DetachUserPolicy",
        detach.clone(),
    );
    match iam::decide(&own, &organization(), &Facts::new()).unwrap() {
        Decision::Ignore(Ignored::OwnRole { role }) => {
            assert_eq!(
                (role.account.as_str(), role.name.as_str()),
                (MEMBER, "trailwarden-member")
            )
        }
        other => panic!("expected its own work, got {other}"),
    }
    // A role of that name in another account, acting here, is not trailwarden.
    let elsewhere = in_member(
        session_of("999999999999", "trailwarden-member", "iam-guard"),
        "AttachUserPolicy",
        detach.clone(),
    );
    let d = iam::decide(&elsewhere, &organization(), &Facts::new()).unwrap();
    assert_eq!(
        d.plan(),
        [Action::DetachPolicy {
            principal: Principal::user("bob"),
            policy: arn(ADMIN)
        }],
        "{d}"
    );
    // Nor is any role's session named like a function.
    let named = in_member(
        session_of(MEMBER, "Ops", "iam-guard"),
        "AttachUserPolicy",
        detach.clone(),
    );
    assert!(
        !iam::decide(&named, &organization(), &Facts::new())
            .unwrap()
            .plan()
            .is_empty()
    );
    // In account mode the member role is nobody's: its change is answered like any other.
    let account_mode = config(&[("RESPONDER_ROLE_ARNS", CENTRAL_ROLES)]);
    let by_member_role = in_member(
        session_of(MEMBER, "trailwarden-member", "iam-guard"),
        "AttachUserPolicy",
        detach,
    );
    assert!(
        !iam::decide(&by_member_role, &account_mode, &Facts::new())
            .unwrap()
            .plan()
            .is_empty()
    );
}

#[test]
fn the_member_role_is_never_quarantined() {
    // An inline policy put on the member role, its previous document unknown: reported, critical,
    // never a deny-all on the role trailwarden acts through.
    for name in ["trailwarden-member", "TRAILWARDEN-MEMBER"] {
        let r = in_member(
            mallory_in_member(),
            "PutRolePolicy",
            json!({"roleName": name, "policyName": "p", "policyDocument": DOC}),
        );
        let d = iam::decide(&r, &organization(), &Facts::new()).unwrap();
        assert!(d.plan().is_empty(), "{name}: {d}");
        match &d {
            Decision::Respond { incident, .. } => assert_eq!(incident.severity, Severity::Critical),
            other => panic!("{other}"),
        }
    }
}

#[test]
fn the_member_roles_trust_policy_is_put_back_as_member_yaml_writes_it() {
    let r = in_member(
        mallory_in_member(),
        "UpdateAssumeRolePolicy",
        json!({"roleName": "trailwarden-member", "policyDocument": DOC}),
    );
    let d = iam::decide(&r, &organization(), &Facts::new()).unwrap();
    // Written out by hand: the central roles of RESPONDER_ROLE_ARNS, and nobody else.
    let expected = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:role/tw-iam-guard","arn:aws:iam::111111111111:role/tw-trail-guard"]},"Action":"sts:AssumeRole"}]}"#;
    assert_eq!(
        d.plan(),
        [Action::PutTrustPolicy {
            role: "trailwarden-member".into(),
            document: expected.into()
        }],
        "{d}"
    );
    match &d {
        Decision::Respond { incident, .. } => assert_eq!(incident.severity, Severity::Critical),
        other => panic!("{other}"),
    }
    // trailwarden's own Lambda roles, in the central account, keep the Lambda trust policy.
    let r = trailwarden_testkit::record(json!({
        "eventSource": "iam.amazonaws.com", "eventName": "UpdateAssumeRolePolicy", "readOnly": false,
        "recipientAccountId": "111111111111",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111111111111:user/mallory",
                         "accountId": "111111111111", "userName": "mallory"},
        "requestParameters": {"roleName": "tw-iam-guard", "policyDocument": DOC}
    }));
    let d = iam::decide(&r, &organization(), &Facts::new()).unwrap();
    assert!(
        matches!(d.plan(), [Action::PutTrustPolicy { document, .. }] if document.contains("lambda.amazonaws.com")),
        "{d}"
    );
    // A role of that name in a member account is not trailwarden's: no template to put back.
    let r = in_member(
        mallory_in_member(),
        "UpdateAssumeRolePolicy",
        json!({"roleName": "tw-iam-guard", "policyDocument": DOC}),
    );
    let d = iam::decide(&r, &organization(), &Facts::new()).unwrap();
    assert!(!matches!(d.plan(), [Action::PutTrustPolicy { .. }]), "{d}");
}

#[test]
fn a_bad_member_role_name_fails_the_cold_start() {
    let error = trailwarden_testkit::try_config(&[("MEMBER_ROLE_NAME", "role/trailwarden")])
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "MEMBER_ROLE_NAME: \"role/trailwarden\" is not an IAM role name (1-64 of A-Z a-z 0-9 + = , . @ _ -)"
    );
    assert_eq!(config(&[]).member_role, None);
    assert_eq!(
        organization().member_role.as_deref(),
        Some("trailwarden-member")
    );
}

#[test]
fn the_member_roles_trail_repairs_are_trailwardens_too() {
    // trail-guard's StartLogging through the member role in the management account: its own.
    let r = trailwarden_testkit::record(json!({
        "eventSource": "cloudtrail.amazonaws.com", "eventName": "StopLogging",
        "recipientAccountId": "333333333333",
        "userIdentity": session_of("333333333333", "trailwarden-member", "trail-guard"),
        "requestParameters": {"name": "org-trail"}
    }));
    assert!(matches!(
        trail::decide(&r, &organization(), &Facts::new()).unwrap(),
        Decision::Ignore(Ignored::OwnRole { .. })
    ));
}

#[test]
fn member_yamls_rules_and_roles_are_trailwardens_own_in_every_member_account() {
    // A member administrator switching the guard off in their account: tripwire says so.
    let cases = [
        (
            "events.amazonaws.com",
            "DeleteRule",
            json!({"name": "trailwarden-member-iam-guard"}),
            "EventBridge rule trailwarden-member-iam-guard",
        ),
        (
            "events.amazonaws.com",
            "DisableRule",
            json!({"name": "trailwarden-member-trail-guard"}),
            "EventBridge rule trailwarden-member-trail-guard",
        ),
        (
            "events.amazonaws.com",
            "RemoveTargets",
            json!({"rule": "trailwarden-member-tripwire", "ids": ["trailwarden"]}),
            "EventBridge rule trailwarden-member-tripwire",
        ),
        (
            "iam.amazonaws.com",
            "DeleteRole",
            json!({"roleName": "trailwarden-member"}),
            "role trailwarden-member",
        ),
        (
            "iam.amazonaws.com",
            "UpdateAssumeRolePolicy",
            json!({"roleName": "trailwarden-member", "policyDocument": DOC}),
            "role trailwarden-member",
        ),
        (
            "iam.amazonaws.com",
            "DeleteRolePolicy",
            json!({"roleName": "trailwarden-member-forwarding-eu-west-1", "policyName": "forward-to-trailwarden"}),
            "role trailwarden-member-forwarding-eu-west-1",
        ),
    ];
    for (source, name, request, resource) in cases {
        let r = trailwarden_testkit::record(json!({
            "eventSource": source, "eventName": name, "recipientAccountId": MEMBER,
            "userIdentity": mallory_in_member(), "requestParameters": request
        }));
        let e = tripwire::evaluate(&r, &organization());
        match (&e.decision, e.rule) {
            (Decision::Respond { incident, .. }, Some(rule)) => {
                assert_eq!(rule.id, "trailwarden-tampered", "{name}");
                assert_eq!(incident.resource, resource, "{name}");
                assert_eq!(incident.severity, Severity::Critical, "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
        // In account mode these names are nobody's.
        let account_mode = config(&[("RESPONDER_ROLE_ARNS", CENTRAL_ROLES)]);
        let e = tripwire::evaluate(&r, &account_mode);
        assert_ne!(e.rule.map(|r| r.id), Some("trailwarden-tampered"), "{name}");
    }
}

#[test]
fn in_the_central_account_a_role_named_like_the_member_role_is_nobodys() {
    // The central functions act there with their own roles: a "trailwarden-member" role made in
    // the central account is not trailwarden's, and is quarantined like any other.
    let central = |name: &str, request: Value| {
        trailwarden_testkit::record(json!({
            "eventSource": "iam.amazonaws.com", "eventName": name, "readOnly": false,
            "recipientAccountId": "111111111111",
            "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111111111111:user/mallory",
                             "accountId": "111111111111", "userName": "mallory"},
            "requestParameters": request
        }))
    };
    let r = central(
        "PutRolePolicy",
        json!({"roleName": "trailwarden-member", "policyName": "p", "policyDocument": DOC}),
    );
    let d = iam::decide(&r, &organization(), &Facts::new()).unwrap();
    assert!(
        d.plan()
            .iter()
            .any(|a| matches!(a, Action::Quarantine { .. })),
        "{d}"
    );
    // Nor are its sessions there.
    let session = trailwarden_testkit::record(json!({
        "eventSource": "iam.amazonaws.com", "eventName": "AttachUserPolicy", "readOnly": false,
        "recipientAccountId": "111111111111",
        "userIdentity": session_of("111111111111", "trailwarden-member", "iam-guard"),
        "requestParameters": {"userName": "bob", "policyArn": ADMIN}
    }));
    assert!(
        !iam::decide(&session, &organization(), &Facts::new())
            .unwrap()
            .plan()
            .is_empty()
    );
}
