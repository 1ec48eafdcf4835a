//! README, iam-guard's table: a revert never grants. Undoing an attachment never detaches a
//! protected policy or one whose every statement denies; a group's change that cannot be undone
//! contains the group's members (the group itself cannot be quarantined).

mod common;

use common::{event, previous, severity};
use serde_json::{Value, json};
use trailwarden_events::Arn;
use trailwarden_rules::{
    Action, Decision, Fact, FactQuery, Facts, Principal, Severity, Subject, iam,
};
use trailwarden_testkit::config;

const DENY_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#;
const DENY_TWO: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#;
const MIXED: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const GUARD: &str = "arn:aws:iam::123456789012:policy/Guardrail";

fn attach(policy: &str) -> trailwarden_events::Record {
    event(
        "AttachRolePolicy",
        json!({"roleName": "app", "policyArn": policy}),
        Value::Null,
    )
}

fn document_of(policy: &str, document: &str) -> Facts {
    Facts::new().with(
        FactQuery::PolicyDocument {
            policy: Arn::parse("t", policy).unwrap(),
        },
        Fact::Document(Some(document.into())),
    )
}

#[test]
fn an_attached_policy_that_only_denies_is_not_detached() {
    let r = attach(GUARD);
    assert!(
        iam::facts_needed(&r, &config(&[])).contains(&FactQuery::PolicyDocument {
            policy: Arn::parse("t", GUARD).unwrap()
        }),
        "the policy's document is read"
    );
    for document in [DENY_ALL, DENY_TWO] {
        let d = iam::decide(&r, &config(&[]), &document_of(GUARD, document)).unwrap();
        assert!(d.plan().is_empty(), "{d}");
        let Decision::Respond { incident, .. } = &d else {
            panic!("ignored")
        };
        assert!(
            incident.next_steps.iter().any(|s| s
                == "trailwarden leaves Guardrail attached: every statement of it denies, and detaching it would grant role app more."),
            "{:?}",
            incident.next_steps
        );
    }
    // One Allow among the denies: it grants, so it is detached as ever.
    let d = iam::decide(&r, &config(&[]), &document_of(GUARD, MIXED)).unwrap();
    assert_eq!(
        d.plan(),
        [Action::DetachPolicy {
            principal: Principal::role("app"),
            policy: Arn::parse("t", GUARD).unwrap()
        }]
    );
    // Unread, the usual revert goes ahead: the common case is a grant.
    let d = iam::decide(&r, &config(&[]), &Facts::new()).unwrap();
    assert_eq!(d.plan().len(), 1);
}

#[test]
fn a_protected_policy_attached_is_not_detached() {
    let r = attach(GUARD);
    let cfg = config(&[("PROTECTED_POLICIES", "Guardrail")]);
    let d = iam::decide(&r, &cfg, &document_of(GUARD, MIXED)).unwrap();
    assert!(d.plan().is_empty(), "{d}");
    assert_eq!(severity(&d), Severity::Medium);
}

#[test]
fn a_groups_inline_change_that_cannot_be_undone_contains_its_members() {
    let r = event(
        "PutGroupPolicy",
        json!({"groupName": "devs", "policyName": "p", "policyDocument": MIXED}),
        Value::Null,
    );
    let members = FactQuery::GroupMembers {
        group: "devs".into(),
    };
    let q = previous(Subject::InlinePolicy {
        principal: Principal::group("devs"),
        name: "p".into(),
    });
    assert_eq!(
        iam::facts_needed(&r, &config(&[])),
        [q.clone(), members.clone()]
    );
    let facts = Facts::new()
        .with(q.clone(), Fact::Unknown("history lags".into()))
        .with(
            members.clone(),
            Fact::Principals(vec![Principal::user("ann"), Principal::user("bo")]),
        );
    let d = iam::decide(&r, &config(&[]), &facts).unwrap();
    assert_eq!(
        d.plan(),
        [
            Action::Quarantine {
                principal: Principal::user("ann")
            },
            Action::Quarantine {
                principal: Principal::user("bo")
            }
        ]
    );
    assert_eq!(severity(&d), Severity::Critical);
    // Members that cannot be listed: said, never left silently.
    let facts = Facts::new()
        .with(q, Fact::Unknown("history lags".into()))
        .with(members, Fact::Unknown("AccessDenied".into()));
    let d = iam::decide(&r, &config(&[]), &facts).unwrap();
    let Decision::Respond { incident, .. } = &d else {
        panic!("ignored")
    };
    assert!(
        incident.next_steps.iter().any(|s| s
            == "group devs cannot be quarantined itself, and its members could not be listed (AccessDenied): contain them by hand."),
        "{:?}",
        incident.next_steps
    );
}

#[test]
fn a_user_is_not_taken_out_of_a_group_that_only_denies() {
    let r = event(
        "AddUserToGroup",
        json!({"userName": "mallory", "groupName": "quarantined"}),
        Value::Null,
    );
    let policies = FactQuery::GroupPolicies {
        group: "quarantined".into(),
    };
    assert!(iam::facts_needed(&r, &config(&[])).contains(&policies));
    let d = iam::decide(
        &r,
        &config(&[]),
        &Facts::new().with(policies.clone(), Fact::Document(Some(DENY_TWO.into()))),
    )
    .unwrap();
    assert!(d.plan().is_empty(), "{d}");
    let Decision::Respond { incident, .. } = &d else {
        panic!("ignored")
    };
    assert!(
        incident.next_steps.iter().any(|s| s
            == "trailwarden leaves user mallory in group quarantined: every statement of the group's policies denies, and removing the user would grant more."),
        "{:?}",
        incident.next_steps
    );
    // A group that grants anything: the user is removed as ever.
    let d = iam::decide(
        &r,
        &config(&[]),
        &Facts::new().with(policies, Fact::Document(Some(MIXED.into()))),
    )
    .unwrap();
    assert_eq!(
        d.plan(),
        [Action::RemoveUserFromGroup {
            user: "mallory".into(),
            group: "quarantined".into()
        }]
    );
}
