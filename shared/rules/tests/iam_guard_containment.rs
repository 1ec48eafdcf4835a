//! README, iam-guard's table, the containment rows: trailwarden's quarantine, its denial of a
//! role's older sessions, and a key it deactivated cannot be undone quietly by a principal who is
//! not allowed. Each is put back at once, critical; an allowed principal releases them.

mod common;

use common::{decide, event, event_by, mallory, role_session, severity, user};
use serde_json::{Value, json};
use trailwarden_rules::{Action, Decision, Facts, Ignored, Principal, Severity, iam};
use trailwarden_testkit::config;

#[test]
fn deleting_the_quarantine_puts_it_back_critical() {
    for (event_name, key, principal) in [
        ("DeleteUserPolicy", "userName", Principal::user("bob")),
        ("DeleteRolePolicy", "roleName", Principal::role("app")),
    ] {
        let r = event(
            event_name,
            json!({key: principal.name.clone(), "policyName": "trailwarden-quarantine"}),
            Value::Null,
        );
        let d = decide(&r, &Facts::new());
        assert_eq!(d.plan(), [Action::Quarantine { principal }], "{event_name}");
        assert_eq!(severity(&d), Severity::Critical);
        // Nothing is read first: trailwarden writes the quarantine itself.
        assert!(iam::facts_needed(&r, &config(&[])).is_empty());
    }
    // IAM names its policies regardless of case.
    let r = event(
        "DeleteUserPolicy",
        json!({"userName": "bob", "policyName": "TrailWarden-Quarantine"}),
        Value::Null,
    );
    assert_eq!(
        decide(&r, &Facts::new()).plan(),
        [Action::Quarantine {
            principal: Principal::user("bob")
        }]
    );
}

#[test]
fn deleting_the_session_denial_denies_the_roles_older_sessions_again() {
    let r = event(
        "DeleteRolePolicy",
        json!({"roleName": "app", "policyName": "trailwarden-revoke-sessions"}),
        Value::Null,
    );
    let d = decide(&r, &Facts::new());
    assert_eq!(
        d.plan(),
        [Action::RevokeRoleSessions { role: "app".into() }]
    );
    assert_eq!(severity(&d), Severity::Critical);
    let Decision::Respond { incident, .. } = d else {
        unreachable!()
    };
    assert_eq!(
        incident.summary,
        "Trailwarden's policy trailwarden-revoke-sessions deleted from role app by user mallory"
    );
}

#[test]
fn an_allowed_principal_releases_a_quarantine() {
    let r = event_by(
        role_session("BreakGlass", "alice"),
        "DeleteUserPolicy",
        json!({"userName": "bob", "policyName": "trailwarden-quarantine"}),
        Value::Null,
    );
    let allowed = config(&[(
        "ALLOWED_PRINCIPALS",
        "arn:aws:iam::123456789012:role/BreakGlass",
    )]);
    assert!(matches!(
        iam::decide(&r, &allowed, &Facts::new()).unwrap(),
        Decision::Ignore(Ignored::AllowedPrincipal { .. })
    ));
}

#[test]
fn a_quarantine_deleted_from_a_principal_now_allowed_is_not_put_back_and_says_why() {
    let r = event(
        "DeleteRolePolicy",
        json!({"roleName": "Deployer", "policyName": "trailwarden-quarantine"}),
        Value::Null,
    );
    let allowed = config(&[(
        "ALLOWED_PRINCIPALS",
        "arn:aws:iam::123456789012:role/Deployer",
    )]);
    let d = iam::decide(&r, &allowed, &Facts::new()).unwrap();
    assert!(d.plan().is_empty());
    let Decision::Respond { incident, .. } = d else {
        panic!("ignored")
    };
    assert_eq!(incident.severity, Severity::Critical);
    assert!(
        incident.next_steps.iter().any(|s| s
            == "trailwarden-quarantine is not put back on role Deployer: it is allowed by arn:aws:iam::123456789012:role/Deployer."),
        "{:?}",
        incident.next_steps
    );
}

#[test]
fn another_inline_policy_deleted_is_still_a_removal() {
    let r = event(
        "DeleteUserPolicy",
        json!({"userName": "bob", "policyName": "trailwarden-quarantine-old"}),
        Value::Null,
    );
    assert!(matches!(
        decide(&r, &Facts::new()),
        Decision::Ignore(Ignored::UnprotectedPolicyRemoved { .. })
    ));
}

#[test]
fn an_access_key_made_active_is_deactivated_again_critical() {
    let r = event(
        "UpdateAccessKey",
        json!({"userName": "bob", "accessKeyId": "AKIAEXAMPLEBOB000001", "status": "Active"}),
        Value::Null,
    );
    let d = decide(&r, &Facts::new());
    assert_eq!(
        d.plan(),
        [Action::DeactivateAccessKey {
            user: "bob".into(),
            access_key_id: "AKIAEXAMPLEBOB000001".into()
        }]
    );
    assert_eq!(severity(&d), Severity::Critical);
    // Without userName, the key is the caller's own.
    let r = event_by(
        user("carol"),
        "UpdateAccessKey",
        json!({"accessKeyId": "AKIAEXAMPLECAROL0001", "status": "Active"}),
        Value::Null,
    );
    assert_eq!(
        decide(&r, &Facts::new()).plan(),
        [Action::DeactivateAccessKey {
            user: "carol".into(),
            access_key_id: "AKIAEXAMPLECAROL0001".into()
        }]
    );
}

#[test]
fn an_access_key_made_inactive_stays_an_alert_only() {
    let r = event_by(
        mallory(),
        "UpdateAccessKey",
        json!({"userName": "bob", "accessKeyId": "AKIAEXAMPLEBOB000001", "status": "Inactive"}),
        Value::Null,
    );
    let d = decide(&r, &Facts::new());
    assert!(d.plan().is_empty());
    assert_eq!(severity(&d), Severity::Medium);
}
