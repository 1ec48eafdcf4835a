//! iam-guard's rows for credentials and new principals (the README's iam-guard table): a new key
//! or login profile taken away, a new user or role quarantined, and the names that exempt them.

mod common;

use common::*;
use serde_json::{Value, json};
use trailwarden_rules::{
    Action, Decision, Fact, Facts, Ignored, Principal, Severity, Subject, iam,
};
use trailwarden_testkit::config;

#[test]
fn create_access_key_deactivates_the_new_key() {
    let r = event(
        "CreateAccessKey",
        json!({"userName": "bob"}),
        json!({"accessKey": {"accessKeyId": "AKIAEXAMPLENEWKEY001", "status": "Active", "userName": "bob", "createDate": "Nov 21, 2026 10:00:00 AM"}}),
    );
    assert_eq!(
        decide(&r, &Facts::new()).plan(),
        [Action::DeactivateAccessKey {
            user: "bob".into(),
            access_key_id: "AKIAEXAMPLENEWKEY001".into()
        }]
    );
}

#[test]
fn create_login_profile_deletes_the_login_profile() {
    let r = event(
        "CreateLoginProfile",
        json!({"userName": "bob", "passwordResetRequired": false}),
        json!({"loginProfile": {"userName": "bob", "passwordResetRequired": false}}),
    );
    assert_eq!(
        decide(&r, &Facts::new()).plan(),
        [Action::DeleteLoginProfile { user: "bob".into() }]
    );
}

#[test]
fn update_login_profile_deletes_the_login_profile_as_a_password_cannot_be_put_back() {
    let r = event(
        "UpdateLoginProfile",
        json!({"userName": "bob"}),
        Value::Null,
    );
    let d = decide(&r, &Facts::new());
    assert_eq!(
        d.plan(),
        [Action::DeleteLoginProfile { user: "bob".into() }]
    );
    let Decision::Respond { incident, .. } = &d else {
        unreachable!()
    };
    assert!(
        incident
            .next_steps
            .iter()
            .any(|s| s.contains("cannot be put back"))
    );
}

#[test]
fn create_user_and_create_role_quarantine_the_new_principal() {
    let u = event(
        "CreateUser",
        json!({"userName": "backdoor", "path": "/"}),
        json!({"user": {"path": "/", "userName": "backdoor", "userId": "AIDAEXAMPLE", "arn": "arn:aws:iam::123456789012:user/backdoor"}}),
    );
    assert_eq!(
        decide(&u, &Facts::new()).plan(),
        [Action::Quarantine {
            principal: Principal::user("backdoor")
        }]
    );
    let r = event(
        "CreateRole",
        json!({"roleName": "backdoor", "assumeRolePolicyDocument": DOC}),
        json!({"role": {"path": "/", "roleName": "backdoor", "arn": "arn:aws:iam::123456789012:role/backdoor"}}),
    );
    assert_eq!(
        decide(&r, &Facts::new()).plan(),
        [Action::Quarantine {
            principal: Principal::role("backdoor")
        }]
    );
}

#[test]
fn an_allowed_principal_or_responder_role_is_never_quarantined() {
    // An inline policy put on an allowed role, its previous document unknown: the role that holds
    // it is allowed, so it is not quarantined, whatever the case the request wrote its name in.
    let cfg = config(&[(
        "ALLOWED_PRINCIPALS",
        "arn:aws:iam::123456789012:role/BreakGlass",
    )]);
    for name in ["BreakGlass", "BREAKGLASS"] {
        let r = event(
            "PutRolePolicy",
            json!({"roleName": name, "policyName": "p", "policyDocument": DOC}),
            Value::Null,
        );
        let d = iam::decide(&r, &cfg, &Facts::new()).unwrap();
        assert!(d.plan().is_empty(), "{name}: {d}");
        assert_eq!(severity(&d), Severity::Critical);
    }
    // A responder role is never quarantined: an inline policy put on it with its previous
    // document unknown is reported, critical.
    let cfg = config(&[(
        "RESPONDER_ROLE_ARNS",
        "arn:aws:iam::123456789012:role/tw-iam-guard",
    )]);
    // IAM role names are one regardless of case.
    for name in ["tw-iam-guard", "TW-IAM-GUARD"] {
        let r = event(
            "PutRolePolicy",
            json!({"roleName": name, "policyName": "p", "policyDocument": DOC}),
            Value::Null,
        );
        let d = iam::decide(&r, &cfg, &Facts::new()).unwrap();
        assert!(d.plan().is_empty(), "{name}: {d}");
        assert_eq!(severity(&d), Severity::Critical);
    }
}

#[test]
fn the_trust_policy_of_trailwardens_own_role_is_put_back_from_the_template_at_once() {
    let cfg = config(&[(
        "RESPONDER_ROLE_ARNS",
        "arn:aws:iam::123456789012:role/tw-iam-guard",
    )]);
    for name in ["tw-iam-guard", "TW-IAM-GUARD"] {
        let r = event(
            "UpdateAssumeRolePolicy",
            json!({"roleName": name, "policyDocument": DOC}),
            Value::Null,
        );
        // Even with history answering, the template's document is the one put back.
        let facts = Facts::new().with(
            previous(Subject::TrustPolicy { role: name.into() }),
            Fact::Document(Some(DOC.into())),
        );
        let d = iam::decide(&r, &cfg, &facts).unwrap();
        assert_eq!(
            d.plan(),
            [Action::PutTrustPolicy {
                role: name.into(),
                document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#.into()
            }],
            "{name}"
        );
        assert_eq!(severity(&d), Severity::Critical);
    }
}

#[test]
fn an_allowed_role_written_with_its_path_is_never_quarantined_by_its_name() {
    // The request names the role without its path; the pattern has it. IAM role names are unique
    // whatever the path, so the role is the allowed one.
    let cfg = config(&[(
        "ALLOWED_PRINCIPALS",
        "arn:aws:iam::123456789012:role/ops/BreakGlass",
    )]);
    let r = event(
        "PutRolePolicy",
        json!({"roleName": "BreakGlass", "policyName": "p", "policyDocument": DOC}),
        Value::Null,
    );
    let d = iam::decide(&r, &cfg, &Facts::new()).unwrap();
    assert!(d.plan().is_empty(), "{d}");
    // Another name is not allowed by it.
    let r = event(
        "PutRolePolicy",
        json!({"roleName": "BreakGlass2", "policyName": "p", "policyDocument": DOC}),
        Value::Null,
    );
    assert_eq!(
        iam::decide(&r, &cfg, &Facts::new()).unwrap().plan().len(),
        1
    );
}

#[test]
fn a_role_made_by_someone_not_allowed_is_quarantined_even_with_an_allowed_name() {
    // ALLOWED_PRINCIPALS exempts actors, not what an actor who is not allowed creates.
    let cfg = config(&[(
        "ALLOWED_PRINCIPALS",
        "arn:aws:iam::123456789012:role/ops/BreakGlass*",
    )]);
    let r = event(
        "CreateRole",
        json!({"roleName": "BreakGlass-x", "path": "/ops/"}),
        json!({"role": {"roleName": "BreakGlass-x", "arn": "arn:aws:iam::123456789012:role/ops/BreakGlass-x"}}),
    );
    let d = iam::decide(&r, &cfg, &Facts::new()).unwrap();
    assert_eq!(
        d.plan(),
        [Action::Quarantine {
            principal: Principal::role("BreakGlass-x")
        }]
    );
    // Made by an allowed principal, it is not looked at at all.
    let r = event_by(
        role_session("ops/BreakGlass", "alice"),
        "CreateRole",
        json!({"roleName": "BreakGlass-y"}),
        json!({"role": {"roleName": "BreakGlass-y", "arn": "arn:aws:iam::123456789012:role/ops/BreakGlass-y"}}),
    );
    assert!(matches!(
        iam::decide(&r, &cfg, &Facts::new()).unwrap(),
        Decision::Ignore(Ignored::AllowedPrincipal { .. })
    ));
}

#[test]
fn a_new_principal_of_another_account_is_not_quarantined() {
    let r = event(
        "CreateUser",
        json!({"userName": "x"}),
        json!({"user": {"userName": "x", "arn": "arn:aws:iam::999999999999:user/x"}}),
    );
    let d = decide(&r, &Facts::new());
    assert!(d.plan().is_empty(), "{d}");
}
