//! iam-guard's protected-policy row (the README's iam-guard table, `PROTECTED_POLICIES`): a
//! guardrail policy detached or deleted is put back, whatever case the request writes it in.

mod common;

use common::*;
use serde_json::{Value, json};
use trailwarden_rules::{
    Action, Decision, Fact, FactQuery, Facts, Ignored, Principal, Subject, iam,
};
use trailwarden_testkit::config;

#[test]
fn a_protected_policy_is_protected_whatever_the_case_a_request_writes_it_in() {
    // IAM names policies regardless of case.
    let cfg = config(&[(
        "PROTECTED_POLICIES",
        "arn:aws:iam::123456789012:policy/DenyLeaveOrg,Guardrail",
    )]);
    let r = event(
        "DetachUserPolicy",
        json!({"userName": "bob", "policyArn": "arn:aws:iam::123456789012:policy/denyleaveorg"}),
        Value::Null,
    );
    assert_eq!(
        iam::decide(&r, &cfg, &Facts::new()).unwrap().plan(),
        [Action::AttachPolicy {
            principal: Principal::user("bob"),
            policy: arn("arn:aws:iam::123456789012:policy/denyleaveorg")
        }]
    );
    let r = event(
        "DeleteUserPolicy",
        json!({"userName": "bob", "policyName": "GUARDRAIL"}),
        Value::Null,
    );
    assert_eq!(
        iam::facts_needed(&r, &cfg).len(),
        1,
        "the deleted document is read"
    );
}

#[test]
fn detach_or_delete_of_a_protected_policy_puts_it_back() {
    let guard = "arn:aws:iam::123456789012:policy/DenyLeaveOrg";
    let cfg = config(&[("PROTECTED_POLICIES", &format!("{guard},Guardrail"))]);
    for (name, key, principal) in [
        ("DetachUserPolicy", "userName", Principal::user("bob")),
        ("DetachRolePolicy", "roleName", Principal::role("bob")),
        ("DetachGroupPolicy", "groupName", Principal::group("bob")),
    ] {
        let r = event(name, json!({key: "bob", "policyArn": guard}), Value::Null);
        let d = iam::decide(&r, &cfg, &Facts::new()).unwrap();
        assert_eq!(
            d.plan(),
            [Action::AttachPolicy {
                principal,
                policy: arn(guard)
            }],
            "{name}"
        );
        // Another policy's detach takes permissions away: nothing to revert or report.
        let r = event(name, json!({key: "bob", "policyArn": ADMIN}), Value::Null);
        let d = iam::decide(&r, &cfg, &Facts::new()).unwrap();
        assert_eq!(
            d,
            Decision::Ignore(Ignored::UnprotectedPolicyRemoved {
                policy: ADMIN.into()
            }),
            "{name}"
        );
    }
    for (name, key, principal) in [
        ("DeleteUserPolicy", "userName", Principal::user("bob")),
        ("DeleteRolePolicy", "roleName", Principal::role("bob")),
        ("DeleteGroupPolicy", "groupName", Principal::group("bob")),
    ] {
        let r = event(
            name,
            json!({key: "bob", "policyName": "Guardrail"}),
            Value::Null,
        );
        let q = previous(Subject::InlinePolicy {
            principal: principal.clone(),
            name: "Guardrail".into(),
        });
        // A group's members too: they are contained if the policy cannot be put back.
        let mut needed = vec![q.clone()];
        if principal.kind == trailwarden_rules::PrincipalKind::Group {
            needed.push(FactQuery::GroupMembers {
                group: "bob".into(),
            });
        }
        assert_eq!(iam::facts_needed(&r, &cfg), needed);
        let d = iam::decide(
            &r,
            &cfg,
            &Facts::new().with(q, Fact::Document(Some(OLD_DOC.into()))),
        )
        .unwrap();
        assert_eq!(
            d.plan(),
            [Action::PutInlinePolicy {
                principal,
                name: "Guardrail".into(),
                document: OLD_DOC.into()
            }],
            "{name}"
        );
        let r = event(
            name,
            json!({key: "bob", "policyName": "other"}),
            Value::Null,
        );
        assert!(iam::facts_needed(&r, &cfg).is_empty());
        assert_eq!(
            iam::decide(&r, &cfg, &Facts::new()).unwrap(),
            Decision::Ignore(Ignored::UnprotectedPolicyRemoved {
                policy: "inline policy other".into()
            }),
            "{name}"
        );
    }
}
