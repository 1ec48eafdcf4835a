//! iam-guard's decisions: one test per row of the README's iam-guard table, the rules shared with
//! trail-guard, and every IAM record of the real corpus. Late events (the README's late-event row)
//! are in `iam_guard_later_changes.rs`.

mod common;

use common::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use trailwarden_events::{EventTime, corpus};
use trailwarden_rules::{
    Action, Decision, Fact, FactQuery, Facts, Ignored, Principal, Severity, Subject, iam,
};
use trailwarden_testkit::config;

#[test]
fn attach_user_role_group_policy_detaches_that_policy_only() {
    for (name, key, principal) in [
        ("AttachUserPolicy", "userName", Principal::user("alice")),
        ("AttachRolePolicy", "roleName", Principal::role("alice")),
        ("AttachGroupPolicy", "groupName", Principal::group("alice")),
    ] {
        let r = event(name, json!({key: "alice", "policyArn": ADMIN}), Value::Null);
        let d = decide(&r, &Facts::new());
        assert_eq!(
            d.plan(),
            [Action::DetachPolicy {
                principal,
                policy: arn(ADMIN)
            }],
            "{name}"
        );
        assert_eq!(severity(&d), Severity::Critical, "AdministratorAccess");
    }
    // Only what the policy says is read: a revert never detaches one that only denies.
    assert_eq!(
        iam::facts_needed(
            &event(
                "AttachUserPolicy",
                json!({"userName": "a", "policyArn": ADMIN}),
                Value::Null
            ),
            &config(&[])
        ),
        [FactQuery::PolicyDocument { policy: arn(ADMIN) }]
    );
}

#[test]
fn put_user_role_group_policy_puts_back_the_previous_document_or_deletes_a_new_one() {
    let r = event(
        "PutRolePolicy",
        json!({"roleName": "app", "policyName": "p", "policyDocument": DOC}),
        Value::Null,
    );
    let subject = Subject::InlinePolicy {
        principal: Principal::role("app"),
        name: "p".into(),
    };
    assert_eq!(
        iam::facts_needed(&r, &config(&[])),
        [previous(subject.clone())]
    );
    let overwrote = Facts::new().with(
        previous(subject.clone()),
        Fact::Document(Some(OLD_DOC.into())),
    );
    assert_eq!(
        decide(&r, &overwrote).plan(),
        [Action::PutInlinePolicy {
            principal: Principal::role("app"),
            name: "p".into(),
            document: OLD_DOC.into()
        }]
    );
    let was_new = Facts::new().with(previous(subject), Fact::Document(None));
    assert_eq!(
        decide(&r, &was_new).plan(),
        [Action::DeleteInlinePolicy {
            principal: Principal::role("app"),
            name: "p".into(),
            document: DOC.into()
        }]
    );
    // The user and group forms name their principal the same way.
    let u = event(
        "PutUserPolicy",
        json!({"userName": "bob", "policyName": "p", "policyDocument": DOC}),
        Value::Null,
    );
    let g = event(
        "PutGroupPolicy",
        json!({"groupName": "ops", "policyName": "p", "policyDocument": DOC}),
        Value::Null,
    );
    for (r, principal) in [(u, Principal::user("bob")), (g, Principal::group("ops"))] {
        let q = previous(Subject::InlinePolicy {
            principal: principal.clone(),
            name: "p".into(),
        });
        let d = decide(&r, &Facts::new().with(q, Fact::Document(None)));
        assert!(
            matches!(d.plan(), [Action::DeleteInlinePolicy { principal: p, .. }] if *p == principal)
        );
    }
}

#[test]
fn put_policy_with_unknown_previous_document_quarantines_the_holder_critical() {
    let r = event(
        "PutUserPolicy",
        json!({"userName": "bob", "policyName": "p", "policyDocument": DOC}),
        Value::Null,
    );
    let q = previous(Subject::InlinePolicy {
        principal: Principal::user("bob"),
        name: "p".into(),
    });
    let d = decide(
        &r,
        &Facts::new().with(q, Fact::Unknown("event history could not be read".into())),
    );
    assert_eq!(
        d.plan(),
        [Action::Quarantine {
            principal: Principal::user("bob")
        }]
    );
    let Decision::Respond { incident, .. } = &d else {
        unreachable!()
    };
    assert_eq!(incident.severity, Severity::Critical);
    assert!(
        incident.next_steps[0].contains("event history could not be read"),
        "{:?}",
        incident.next_steps
    );
    // A group cannot be quarantined: critical alert, nothing done.
    let g = event(
        "PutGroupPolicy",
        json!({"groupName": "ops", "policyName": "p", "policyDocument": DOC}),
        Value::Null,
    );
    let d = decide(&g, &Facts::new());
    assert!(d.plan().is_empty());
    assert_eq!(severity(&d), Severity::Critical);
}

#[test]
fn create_policy_version_deletes_the_new_version_after_restoring_the_previous_default() {
    let r = event(
        "CreatePolicyVersion",
        json!({"policyArn": CUSTOMER_POLICY, "policyDocument": DOC, "setAsDefault": true}),
        json!({"policyVersion": {"versionId": "v3", "isDefaultVersion": true, "createDate": "Nov 21, 2026 10:00:00 AM"}}),
    );
    let q = FactQuery::PreviousDefaultVersion {
        policy: arn(CUSTOMER_POLICY),
        new_default: "v3".into(),
        before: EventTime::parse(TIME).unwrap(),
        event_id: EVENT_ID.into(),
    };
    let needed = iam::facts_needed(&r, &config(&[]));
    assert!(needed.contains(&q), "{needed:?}");
    let d = decide(&r, &Facts::new().with(q, Fact::DefaultVersion("v1".into())));
    assert_eq!(
        d.plan(),
        [
            Action::SetDefaultPolicyVersion {
                policy: arn(CUSTOMER_POLICY),
                version: "v1".into()
            },
            Action::DeletePolicyVersion {
                policy: arn(CUSTOMER_POLICY),
                version: "v3".into()
            },
        ]
    );
    // Not made default: only delete it, and no facts are needed.
    let r = event(
        "CreatePolicyVersion",
        json!({"policyArn": CUSTOMER_POLICY, "policyDocument": DOC, "setAsDefault": false}),
        json!({"policyVersion": {"versionId": "v2", "isDefaultVersion": false}}),
    );
    assert!(iam::facts_needed(&r, &config(&[])).is_empty());
    assert_eq!(
        decide(&r, &Facts::new()).plan(),
        [Action::DeletePolicyVersion {
            policy: arn(CUSTOMER_POLICY),
            version: "v2".into()
        }]
    );
}

#[test]
fn set_default_policy_version_restores_the_previous_default_or_quarantines_the_holders() {
    let r = event(
        "SetDefaultPolicyVersion",
        json!({"policyArn": CUSTOMER_POLICY, "versionId": "v2"}),
        Value::Null,
    );
    let q = FactQuery::PreviousDefaultVersion {
        policy: arn(CUSTOMER_POLICY),
        new_default: "v2".into(),
        before: EventTime::parse(TIME).unwrap(),
        event_id: EVENT_ID.into(),
    };
    let d = decide(
        &r,
        &Facts::new().with(q.clone(), Fact::DefaultVersion("v1".into())),
    );
    assert_eq!(
        d.plan(),
        [Action::SetDefaultPolicyVersion {
            policy: arn(CUSTOMER_POLICY),
            version: "v1".into()
        }]
    );
    let holders = FactQuery::AttachedTo {
        policy: arn(CUSTOMER_POLICY),
    };
    let d = decide(
        &r,
        &Facts::new()
            .with(q, Fact::Unknown("three versions, no history".into()))
            .with(
                holders,
                Fact::Principals(vec![Principal::role("app"), Principal::user("bob")]),
            ),
    );
    assert_eq!(
        d.plan(),
        [
            Action::Quarantine {
                principal: Principal::role("app")
            },
            Action::Quarantine {
                principal: Principal::user("bob")
            }
        ]
    );
    assert_eq!(severity(&d), Severity::Critical);
}

#[test]
fn a_policy_of_another_account_is_refused() {
    let r = event(
        "SetDefaultPolicyVersion",
        json!({"policyArn": "arn:aws:iam::999999999999:policy/app", "versionId": "v2"}),
        Value::Null,
    );
    let d = decide(&r, &Facts::new());
    assert!(d.plan().is_empty());
    assert!(d.to_string().contains("not this account"), "{d}");
}

#[test]
fn add_user_to_group_removes_the_user_from_that_group() {
    let r = event(
        "AddUserToGroup",
        json!({"groupName": "admins", "userName": "bob"}),
        Value::Null,
    );
    assert_eq!(
        decide(&r, &Facts::new()).plan(),
        [Action::RemoveUserFromGroup {
            user: "bob".into(),
            group: "admins".into()
        }]
    );
}

#[test]
fn update_assume_role_policy_puts_back_the_previous_trust_policy() {
    let r = event(
        "UpdateAssumeRolePolicy",
        json!({"roleName": "app", "policyDocument": DOC}),
        Value::Null,
    );
    let q = previous(Subject::TrustPolicy { role: "app".into() });
    assert_eq!(
        iam::facts_needed(&r, &config(&[])),
        std::slice::from_ref(&q)
    );
    assert_eq!(
        decide(
            &r,
            &Facts::new().with(q.clone(), Fact::Document(Some(OLD_DOC.into())))
        )
        .plan(),
        [
            Action::PutTrustPolicy {
                role: "app".into(),
                document: OLD_DOC.into()
            },
            // Whoever assumed it through the backdoor since the event loses that session.
            Action::DenyRoleSessionsSince {
                role: "app".into(),
                since: EventTime::parse(TIME).unwrap()
            }
        ]
    );
    let d = decide(
        &r,
        &Facts::new().with(q, Fact::Unknown("no history".into())),
    );
    assert_eq!(
        d.plan(),
        [Action::Quarantine {
            principal: Principal::role("app")
        }]
    );
    assert_eq!(severity(&d), Severity::Critical);
}

#[test]
fn put_and_delete_permissions_boundary_put_back_the_previous_boundary_and_never_remove_one() {
    const B: &str = "arn:aws:iam::123456789012:policy/boundary";
    for (name, key, principal) in [
        (
            "PutRolePermissionsBoundary",
            "roleName",
            Principal::role("app"),
        ),
        (
            "PutUserPermissionsBoundary",
            "userName",
            Principal::user("app"),
        ),
    ] {
        let r = event(
            name,
            json!({key: "app", "permissionsBoundary": "arn:aws:iam::123456789012:policy/loose"}),
            Value::Null,
        );
        let q = previous(Subject::PermissionsBoundary {
            principal: principal.clone(),
        });
        assert_eq!(
            iam::facts_needed(&r, &config(&[])),
            std::slice::from_ref(&q)
        );
        assert_eq!(
            decide(
                &r,
                &Facts::new().with(q.clone(), Fact::Boundary(Some(arn(B))))
            )
            .plan(),
            [Action::PutPermissionsBoundary {
                principal: principal.clone(),
                policy: arn(B)
            }],
            "{name}"
        );
        // Where there was none, the new boundary only limits: a revert never removes one.
        let d = decide(&r, &Facts::new().with(q, Fact::Boundary(None)));
        assert!(d.plan().is_empty(), "{name}: {d}");
        let Decision::Respond { incident, .. } = &d else {
            panic!("{name}: ignored")
        };
        assert!(
            incident
                .next_steps
                .iter()
                .any(|s| s.contains("trailwarden never removes one")),
            "{name}: {:?}",
            incident.next_steps
        );
    }
    for (name, key, principal) in [
        (
            "DeleteRolePermissionsBoundary",
            "roleName",
            Principal::role("app"),
        ),
        (
            "DeleteUserPermissionsBoundary",
            "userName",
            Principal::user("app"),
        ),
    ] {
        let r = event(name, json!({key: "app"}), Value::Null);
        let q = previous(Subject::PermissionsBoundary {
            principal: principal.clone(),
        });
        assert_eq!(
            decide(
                &r,
                &Facts::new().with(q.clone(), Fact::Boundary(Some(arn(B))))
            )
            .plan(),
            [Action::PutPermissionsBoundary {
                principal: principal.clone(),
                policy: arn(B)
            }],
            "{name}"
        );
        let d = decide(
            &r,
            &Facts::new().with(q, Fact::Unknown("no history".into())),
        );
        assert_eq!(d.plan(), [Action::Quarantine { principal }], "{name}");
        assert_eq!(severity(&d), Severity::Critical);
    }
}

#[test]
fn any_other_iam_write_is_alert_only() {
    let r = event(
        "CreatePolicy",
        json!({"policyName": "x", "policyDocument": DOC}),
        Value::Null,
    );
    let d = decide(&r, &Facts::new());
    assert!(d.plan().is_empty());
    assert_eq!(severity(&d), Severity::Medium);
}

#[test]
fn read_only_calls_are_ignored() {
    let mut r = event("GetUser", json!({"userName": "bob"}), Value::Null);
    r.read_only = Some(true);
    assert_eq!(
        decide(&r, &Facts::new()),
        Decision::Ignore(Ignored::ReadOnly)
    );
    r.read_only = None;
    assert_eq!(
        decide(&r, &Facts::new()),
        Decision::Ignore(Ignored::ReadOnly)
    );
}

#[test]
fn failed_calls_allowed_principals_and_responder_roles_are_ignored() {
    let mut r = event(
        "AttachUserPolicy",
        json!({"userName": "bob", "policyArn": ADMIN}),
        Value::Null,
    );
    r.error_code = Some("AccessDenied".into());
    assert!(matches!(
        decide(&r, &Facts::new()),
        Decision::Ignore(Ignored::FailedCall { .. })
    ));
    let r = event_by(
        role_session("Deployer", "ci"),
        "AttachUserPolicy",
        json!({"userName": "bob", "policyArn": ADMIN}),
        Value::Null,
    );
    let allowed = config(&[(
        "ALLOWED_PRINCIPALS",
        "arn:aws:iam::123456789012:role/Deployer",
    )]);
    assert!(matches!(
        iam::decide(&r, &allowed, &Facts::new()).unwrap(),
        Decision::Ignore(Ignored::AllowedPrincipal { .. })
    ));
    let responder = config(&[(
        "RESPONDER_ROLE_ARNS",
        "arn:aws:iam::123456789012:role/Deployer",
    )]);
    assert!(matches!(
        iam::decide(&r, &responder, &Facts::new()).unwrap(),
        Decision::Ignore(Ignored::OwnRole { .. })
    ));
    assert!(iam::facts_needed(&r, &responder).is_empty());
}

#[test]
fn contain_actor_deactivates_the_actors_key_or_revokes_its_role_sessions() {
    let cfg = config(&[("CONTAIN_ACTOR", "true")]);
    let r = event(
        "AttachUserPolicy",
        json!({"userName": "bob", "policyArn": ADMIN}),
        Value::Null,
    );
    let d = iam::decide(&r, &cfg, &Facts::new()).unwrap();
    assert_eq!(
        d.plan()[1],
        Action::DeactivateAccessKey {
            user: "mallory".into(),
            access_key_id: "AKIAEXAMPLEMALLORY01".into()
        }
    );
    let r = event_by(
        role_session("Intruder", "x"),
        "AttachUserPolicy",
        json!({"userName": "bob", "policyArn": ADMIN}),
        Value::Null,
    );
    let d = iam::decide(&r, &cfg, &Facts::new()).unwrap();
    assert_eq!(
        d.plan()[1],
        Action::RevokeRoleSessions {
            role: "Intruder".into()
        }
    );
    // Alert-only events contain nobody.
    let r = event("CreatePolicy", json!({"policyName": "x"}), Value::Null);
    assert!(
        iam::decide(&r, &cfg, &Facts::new())
            .unwrap()
            .plan()
            .is_empty()
    );
}

#[test]
fn every_action_declares_permissions_and_reads_in_the_imperative() {
    use trailwarden_rules::{ActionKind, Function};
    for kind in ActionKind::ALL {
        assert!(!kind.permissions().is_empty(), "{kind:?}");
    }
    // Every kind belongs to a function, so the template test checks its permissions in a role.
    let mut owned: Vec<ActionKind> = [Function::IamGuard, Function::TrailGuard, Function::Tripwire]
        .iter()
        .flat_map(|f| f.action_kinds().iter().copied())
        .collect();
    owned.sort();
    let mut all = ActionKind::ALL.to_vec();
    all.sort();
    assert_eq!(owned, all);
    let all = Function::IamGuard.permissions();
    for needed in [
        "cloudtrail:LookupEvents",
        "iam:DetachUserPolicy",
        "iam:UpdateAccessKey",
        "iam:PutRolePolicy",
        "sns:Publish",
    ] {
        assert!(all.contains(needed), "{needed}");
    }
    assert_eq!(Function::IamGuard.name(), "iam-guard");
    let action = Action::DetachPolicy {
        principal: Principal::user("bob"),
        policy: arn(ADMIN),
    };
    assert_eq!(
        action.to_string(),
        "detach policy arn:aws:iam::aws:policy/AdministratorAccess from user bob"
    );
}

/// Every IAM record of the corpus, decided with the default configuration and no facts gathered
/// (as when event history cannot be read). The expected counts were derived by hand with Python over
/// the corpus files: select `eventSource == "iam.amazonaws.com"` (408 records); `errorCode` set →
/// failed (6: four DeleteLoginProfile, one GetInstanceProfile, one GetRole); `readOnly` true →
/// read-only (308); AttachRolePolicy 7 + AttachUserPolicy 2 → detach (9); PutRolePolicy 5 +
/// UpdateAssumeRolePolicy 3 (previous state unknown without history) + CreateUser 5 + CreateRole 14
/// → quarantine (27); CreateAccessKey → deactivate (4); CreateLoginProfile 3 + UpdateLoginProfile 1
/// → delete login profile (4); DetachRolePolicy 5 + DeleteRolePolicy 4 + DetachUserPolicy 1 of
/// unprotected policies take permissions away → nothing (10, the responder-like cleanup calls);
/// the remaining 40 writes (DeleteRole 13, DeleteUser 4, instance-profile calls 12, CreatePolicy 2,
/// DeletePolicy 2, DeleteAccessKey 2, successful DeleteLoginProfile 2, ...) → alert only.
#[test]
fn every_iam_record_of_the_corpus_gets_its_expected_decision() {
    let cfg = config(&[]);
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (path, record) in corpus::records() {
        if record.event_source != "iam.amazonaws.com" {
            continue;
        }
        let facts = Facts::new();
        let d = iam::decide(&record, &cfg, &facts)
            .unwrap_or_else(|e| panic!("{}: {} {e}", path.display(), record.event_id));
        let label = match (&d, d.plan()) {
            (Decision::Ignore(Ignored::FailedCall { .. }), _) => "failed",
            (Decision::Ignore(Ignored::ReadOnly), _) => "read-only",
            (Decision::Ignore(Ignored::UnprotectedPolicyRemoved { .. }), _) => {
                "permissions-removed"
            }
            (Decision::Ignore(other), _) => panic!("{}: unexpected {other}", record.event_id),
            (_, []) => "alert-only",
            (_, [Action::DetachPolicy { .. }]) => "detach",
            (_, [Action::Quarantine { .. }]) => "quarantine",
            (_, [Action::DeactivateAccessKey { .. }]) => "deactivate",
            (_, [Action::DeleteLoginProfile { .. }]) => "delete-login-profile",
            (_, plan) => panic!("{}: unexpected plan {plan:?}", record.event_id),
        };
        if record.event_name == "DeleteLoginProfile" && record.error_code.is_some() {
            assert_eq!(label, "failed");
        }
        if record.event_name == "AttachRolePolicy" {
            assert_eq!(label, "detach");
        }
        if record.event_name == "DetachRolePolicy" {
            assert_eq!(
                label, "permissions-removed",
                "the responder-like detaches cause nothing"
            );
        }
        *counts.entry(label).or_default() += 1;
    }
    let expected = BTreeMap::from([
        ("alert-only", 40),
        ("permissions-removed", 10),
        ("deactivate", 4),
        ("delete-login-profile", 4),
        ("detach", 9),
        ("failed", 6),
        ("quarantine", 27),
        ("read-only", 308),
    ]);
    assert_eq!(counts, expected);
}
