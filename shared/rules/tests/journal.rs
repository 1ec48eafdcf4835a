//! The journal of IAM state (the README's "Journal"): which versions a write leaves and whether
//! they are states to put back, what a revert records, and what a snapshot writes. Pure: the table
//! is read and written in `tests/tests/journal.rs`, against the local AWS.

mod common;

use common::*;
use serde_json::json;
use std::collections::HashMap;
use trailwarden_events::EventTime;
use trailwarden_rules::journal::{
    self, Origin, Version, changes_of, left_by, put_back, snapshot_writes, subject_of_key,
};
use trailwarden_rules::{Action, Decision, Facts, Principal, StepResult, StepStatus, Subject, iam};
use trailwarden_testkit::config;

const DOC: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;

fn at(time: &str) -> EventTime {
    EventTime::parse(time).unwrap()
}

fn inline(user: &str, name: &str) -> Subject {
    Subject::InlinePolicy {
        principal: Principal::user(user),
        name: name.into(),
    }
}

#[test]
fn each_write_the_journal_keeps_leaves_its_state() {
    let put = event(
        "PutUserPolicy",
        json!({"userName": "bob", "policyName": "backdoor", "policyDocument": DOC}),
        json!(null),
    );
    assert_eq!(
        changes_of(&put),
        [(inline("bob", "backdoor"), Some(DOC.to_string()))]
    );
    let deleted = event(
        "DeleteUserPolicy",
        json!({"userName": "bob", "policyName": "backdoor"}),
        json!(null),
    );
    assert_eq!(changes_of(&deleted), [(inline("bob", "backdoor"), None)]);
    // A role made with a boundary: its trust policy and its boundary.
    let created = event(
        "CreateRole",
        json!({"roleName": "ops", "assumeRolePolicyDocument": DOC,
               "permissionsBoundary": "arn:aws:iam::123456789012:policy/limit"}),
        json!(null),
    );
    assert_eq!(
        changes_of(&created),
        [
            (
                Subject::TrustPolicy { role: "ops".into() },
                Some(DOC.to_string())
            ),
            (
                Subject::PermissionsBoundary {
                    principal: Principal::role("ops")
                },
                Some("arn:aws:iam::123456789012:policy/limit".to_string())
            )
        ]
    );
    let unbounded = event(
        "DeleteRolePermissionsBoundary",
        json!({"roleName": "ops"}),
        json!(null),
    );
    assert_eq!(
        changes_of(&unbounded),
        [(
            Subject::PermissionsBoundary {
                principal: Principal::role("ops")
            },
            None
        )]
    );
    // A managed policy's new default, and a version made without becoming the default.
    let policy = arn("arn:aws:iam::123456789012:policy/app");
    let set = event(
        "SetDefaultPolicyVersion",
        json!({"policyArn": policy.to_string(), "versionId": "v3"}),
        json!(null),
    );
    assert_eq!(
        changes_of(&set),
        [(
            Subject::DefaultVersion {
                policy: policy.clone()
            },
            Some("v3".to_string())
        )]
    );
    let drafted = event(
        "CreatePolicyVersion",
        json!({"policyArn": policy.to_string(), "policyDocument": DOC, "setAsDefault": false}),
        json!({"policyVersion": {"versionId": "v4", "isDefaultVersion": false}}),
    );
    assert!(changes_of(&drafted).is_empty());
    // A failed call changed nothing; an attachment is reverted from the event itself.
    let mut failed = put.clone();
    failed.error_code = Some("AccessDenied".into());
    assert!(changes_of(&failed).is_empty());
    let attached = event(
        "AttachUserPolicy",
        json!({"userName": "bob", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
        json!(null),
    );
    assert!(changes_of(&attached).is_empty());
}

#[test]
fn an_allowed_principals_change_is_a_state_to_put_back_and_an_unauthorized_one_never() {
    let request = json!({"userName": "bob", "policyName": "backdoor", "policyDocument": DOC});
    let cfg = config(&[(
        "ALLOWED_PRINCIPALS",
        "arn:aws:iam::123456789012:role/Deployer",
    )]);
    let allowed = event_by(
        role_session("Deployer", "ci"),
        "PutUserPolicy",
        request.clone(),
        json!(null),
    );
    let decision = iam::decide(&allowed, &cfg, &Facts::new()).unwrap();
    assert!(matches!(decision, Decision::Ignore(_)), "{decision}");
    let versions = left_by(&allowed, &decision);
    assert_eq!(versions.len(), 1);
    assert!(versions[0].restorable());
    assert_eq!(versions[0].from, at(TIME));
    assert_eq!(
        versions[0].provenance(),
        format!(
            "previous document from the journal, as of {TIME} (event {EVENT_ID}, by {})",
            allowed.actor
        )
    );
    let attack = event("PutUserPolicy", request, json!(null));
    let decision = iam::decide(&attack, &cfg, &Facts::new()).unwrap();
    assert!(matches!(decision, Decision::Respond { .. }), "{decision}");
    let versions = left_by(&attack, &decision);
    assert_eq!(versions.len(), 1);
    assert!(
        !versions[0].restorable(),
        "mallory's state is never put back"
    );
    assert_eq!(
        versions[0].pk().as_deref(),
        Some("123456789012#user/bob/inline/backdoor")
    );
    // Two changes of one policy in one second are two items, never one overwriting the other.
    let mut twin = attack.clone();
    twin.event_id = "another-event".into();
    let twin = left_by(&twin, &decision);
    assert_eq!(twin[0].pk(), versions[0].pk());
    assert_ne!(twin[0].sk(), versions[0].sk());
}

#[test]
fn what_a_revert_put_back_is_recorded_and_what_it_only_would_have_is_not() {
    let attack = event(
        "PutUserPolicy",
        json!({"userName": "bob", "policyName": "backdoor", "policyDocument": DOC}),
        json!(null),
    );
    let step = |action: Action, status: StepStatus| StepResult {
        action,
        status,
        state_before: None,
        state_after: None,
    };
    let deleted = Action::DeleteInlinePolicy {
        principal: Principal::user("bob"),
        name: "backdoor".into(),
        document: DOC.into(),
    };
    let trust = Action::PutTrustPolicy {
        role: "ops".into(),
        document: "{}".into(),
    };
    let now = at("2026-11-21T10:00:03Z");
    let versions = put_back(
        &attack,
        &[
            step(deleted.clone(), StepStatus::Done),
            step(trust.clone(), StepStatus::WouldDo),
        ],
        now,
    );
    assert_eq!(
        versions,
        [Version {
            account: ACCOUNT.into(),
            subject: inline("bob", "backdoor"),
            from: now,
            state: None,
            origin: Origin::Revert {
                event_id: EVENT_ID.into()
            },
        }]
    );
    assert!(versions[0].restorable());
    // Its own key beside the event's, even in the event's second.
    assert_eq!(
        versions[0].sk(),
        format!("2026-11-21T10:00:03Z#{EVENT_ID}#revert")
    );
    assert_eq!(versions[0].expires_at(), now.epoch_seconds() + 365 * 86_400);
}

fn snapshot_of(subject: Subject, state: Option<&str>, time: &str) -> Version {
    Version {
        account: ACCOUNT.into(),
        subject,
        from: at(time),
        state: state.map(String::from),
        origin: Origin::Snapshot,
    }
}

#[test]
fn a_steady_account_costs_no_write_and_a_change_or_a_disappearance_one_each() {
    let bob = inline("bob", "s3");
    let gone = inline("alice", "old");
    let boundary = Subject::PermissionsBoundary {
        principal: Principal::role("ops"),
    };
    let latest: HashMap<String, Version> = [
        snapshot_of(bob.clone(), Some(DOC), "2026-11-01T00:00:00Z"),
        snapshot_of(gone.clone(), Some(DOC), "2026-11-01T00:00:00Z"),
    ]
    .into_iter()
    .map(|v| (v.pk().unwrap(), v))
    .collect();
    // The same document, spaced as IAM returns it: the same state.
    let spaced =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(DOC).unwrap())
            .unwrap();
    let now = at("2026-11-21T00:00:00Z");
    let writes = snapshot_writes(
        ACCOUNT,
        now,
        vec![(bob.clone(), Some(spaced)), (boundary.clone(), None)],
        &latest,
    );
    // alice's policy is gone without an event: its absence is written, so it is never put back.
    assert_eq!(
        writes,
        [snapshot_of(gone.clone(), None, "2026-11-21T00:00:00Z")]
    );
    // A changed document is written; an absent boundary never known is not.
    let writes = snapshot_writes(
        ACCOUNT,
        now,
        vec![
            (bob.clone(), Some("{}".into())),
            (gone.clone(), Some(DOC.into())),
        ],
        &latest,
    );
    assert_eq!(
        writes,
        [snapshot_of(bob.clone(), Some("{}"), "2026-11-21T00:00:00Z")]
    );
    // A version about to expire is written again, unchanged.
    let later = at("2027-10-15T00:00:00Z");
    let writes = snapshot_writes(
        ACCOUNT,
        later,
        vec![
            (bob.clone(), Some(DOC.into())),
            (gone.clone(), Some(DOC.into())),
        ],
        &latest,
    );
    assert_eq!(writes.len(), 2, "{writes:?}");
    assert!(writes.iter().all(|w| w.from == later));
}

#[test]
fn a_key_names_its_subject_again() {
    for subject in [
        inline("bob", "s3"),
        Subject::InlinePolicy {
            principal: Principal {
                kind: trailwarden_rules::PrincipalKind::Group,
                name: "admins".into(),
            },
            name: "all".into(),
        },
        Subject::TrustPolicy { role: "ops".into() },
        Subject::PermissionsBoundary {
            principal: Principal::user("bob"),
        },
        Subject::DefaultVersion {
            policy: arn("arn:aws:iam::123456789012:policy/team/limit"),
        },
    ] {
        let pk = journal::partition_key(ACCOUNT, &subject).unwrap();
        assert_eq!(subject_of_key(ACCOUNT, &pk), Some(subject), "{pk}");
    }
    // Names come back as the key holds them, lower-cased; another account's key is not ours.
    assert_eq!(
        subject_of_key(ACCOUNT, "123456789012#user/bob/inline/s3"),
        Some(inline("bob", "s3"))
    );
    assert_eq!(
        subject_of_key("222222222222", "123456789012#user/bob/inline/s3"),
        None
    );
    assert_eq!(subject_of_key(ACCOUNT, "123456789012#user/bob"), None);
}

/// Every IAM record of the corpus: with the journal empty (each previous state "not in the
/// journal", then event history as today) the decision is today's, but for the alert's word on
/// where the previous state came from; and the versions it records. The counts were derived by
/// hand with Python over the corpus files: successful IAM records of the calls the journal keeps,
/// naming their principal and policy: CreateRole 14 (trust policy and boundary: 28 versions),
/// CreateUser 5, PutRolePolicy 5, DeleteRolePolicy 4, UpdateAssumeRolePolicy 3, CreatePolicy 2
/// (its default version `v1`), so 47 versions; trusted (trailwarden leaves them alone by default)
/// only the 4 removals of unprotected policies.
#[test]
fn every_iam_record_of_the_corpus_is_decided_as_today_with_an_empty_journal() {
    let cfg = config(&[]);
    let (mut versions, mut trusted) = (0, 0);
    for (path, record) in trailwarden_events::corpus::records() {
        if record.event_source != "iam.amazonaws.com" {
            continue;
        }
        let today = iam::decide(&record, &cfg, &Facts::new())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut missed = Facts::new();
        for query in iam::facts_needed(&record, &cfg) {
            if matches!(query, trailwarden_rules::FactQuery::PreviousState { .. }) {
                missed.note_provenance(query, "not in the journal".into());
            }
        }
        let with_journal = iam::decide(&record, &cfg, &missed).unwrap();
        match (&today, &with_journal) {
            (
                Decision::Respond { incident, plan },
                Decision::Respond {
                    incident: journaled,
                    plan: journaled_plan,
                },
            ) => {
                assert_eq!(plan, journaled_plan, "{}", record.event_id);
                let mut same = journaled.clone();
                same.previous_state = None;
                assert_eq!(incident, &same, "{}", record.event_id);
            }
            (a, b) => assert_eq!(a, b, "{}", record.event_id),
        }
        for version in left_by(&record, &today) {
            versions += 1;
            trusted += usize::from(version.restorable());
        }
    }
    assert_eq!((versions, trusted), (47, 4));
}

#[test]
fn a_name_the_journal_never_saw_is_absent_only_when_a_snapshot_before_shows_its_principal_without_it()
 {
    let alice = Principal::user("alice");
    let names = |listed: &[&str], time: &str| Version {
        account: ACCOUNT.into(),
        subject: journal::inline_names(&alice),
        from: at(time),
        state: Some(journal::names_state(listed.iter().copied())),
        origin: Origin::Snapshot,
    };
    let escalate = inline("alice", "Escalate");
    let before = at("2026-11-21T10:00:00Z");
    assert_eq!(
        journal::previous_of(
            &escalate,
            &[],
            &[names(&["existing"], "2026-11-21T09:00:00Z")],
            before
        ),
        Some((
            None,
            "no previous document: the journal's snapshot of user alice as of 2026-11-21T09:00:00Z holds no inline policy Escalate".into()
        ))
    );
    // Listed by the snapshot, yet no version of its own: the journal cannot tell.
    assert_eq!(
        journal::previous_of(
            &escalate,
            &[],
            &[names(&["escalate"], "2026-11-21T09:00:00Z")],
            before
        ),
        None
    );
    // A snapshot of the event's second, or none at all: not known either.
    assert_eq!(
        journal::previous_of(
            &escalate,
            &[],
            &[names(&[], "2026-11-21T10:00:00Z")],
            before
        ),
        None
    );
    assert_eq!(journal::previous_of(&escalate, &[], &[], before), None);
}
