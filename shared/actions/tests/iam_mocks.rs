//! What the emulator cannot do, with aws-smithy-mocks: user permission boundaries, CloudTrail
//! event history (`LookupEvents`) as the source of a previous state, and the fallback to
//! quarantine when that history cannot be read.

use aws_sdk_cloudtrail::operation::lookup_events::{LookupEventsError, LookupEventsOutput};
use aws_sdk_cloudtrail::types::Event;
use aws_sdk_cloudtrail::types::error::OperationNotPermittedException;
use aws_sdk_iam::operation::delete_user_policy::DeleteUserPolicyOutput;
use aws_sdk_iam::operation::get_user::GetUserOutput;
use aws_sdk_iam::operation::get_user_policy::{GetUserPolicyError, GetUserPolicyOutput};
use aws_sdk_iam::operation::list_policy_versions::ListPolicyVersionsOutput;
use aws_sdk_iam::operation::put_user_permissions_boundary::PutUserPermissionsBoundaryOutput;
use aws_sdk_iam::operation::put_user_policy::PutUserPolicyOutput;
use aws_sdk_iam::types::error::NoSuchEntityException;
use aws_sdk_iam::types::{AttachedPermissionsBoundary, PolicyVersion, User};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_types::DateTime;
use aws_smithy_types::error::ErrorMetadata;
use serde_json::{Value, json};
use trailwarden_actions::{AwsClients, Executor, Regional, StepStatus, facts, iam};
use trailwarden_events::{Arn, EventTime, Record};
use trailwarden_rules::{
    Action, Config, Decision, Fact, FactQuery, Mode, Principal, Severity, Subject, iam as rules,
};

const ACCOUNT: &str = "123456789012";
const NOW: &str = "2026-11-21T10:00:00Z";
const THIS_EVENT: &str = "6f9a8b20-0000-4000-8000-000000000004";
const STRICT: &str = "arn:aws:iam::123456789012:policy/strict-boundary";
const LOOSE: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
const OLD_DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
const NEW_DOC: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

fn now() -> EventTime {
    EventTime::parse(NOW).unwrap()
}

fn executor(cloudtrail: &[&Rule], iam: &[&Rule]) -> Executor {
    let cloudtrail = mock_client!(aws_sdk_cloudtrail, RuleMode::MatchAny, cloudtrail);
    let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, iam);
    Executor::new(AwsClients {
        cloudtrail: Regional::fixed(cloudtrail),
        iam,
        kms: Regional::unused(aws_sdk_kms::Client::new),
        s3: Regional::unused(aws_sdk_s3::Client::new),
    })
}

fn user(boundary: Option<&str>, created: EventTime) -> GetUserOutput {
    let mut user = User::builder()
        .path("/")
        .user_name("alice")
        .user_id("AIDAEXAMPLEALICE0001")
        .arn(format!("arn:aws:iam::{ACCOUNT}:user/alice"))
        .create_date(DateTime::from_secs(created.epoch_seconds()));
    if let Some(arn) = boundary {
        user = user.permissions_boundary(
            AttachedPermissionsBoundary::builder()
                .permissions_boundary_arn(arn)
                .build(),
        );
    }
    GetUserOutput::builder().user(user.build().unwrap()).build()
}

fn alice() -> Principal {
    Principal::user("alice")
}

#[tokio::test]
async fn a_replaced_user_permissions_boundary_is_put_back() {
    let get = mock!(aws_sdk_iam::Client::get_user)
        .sequence()
        .output(|| user(Some(LOOSE), now()))
        .output(|| user(Some(STRICT), now()))
        .build();
    let put = mock!(aws_sdk_iam::Client::put_user_permissions_boundary)
        .match_requests(|r| {
            r.user_name() == Some("alice") && r.permissions_boundary() == Some(STRICT)
        })
        .then_output(|| PutUserPermissionsBoundaryOutput::builder().build());
    let exec = executor(&[], &[&get, &put]);
    let plan = [Action::PutPermissionsBoundary {
        principal: alice(),
        policy: Arn::parse("t", STRICT).unwrap(),
    }];

    let steps = exec.execute(&plan, Mode::Enforce).await;

    assert_eq!(steps[0].status, StepStatus::Done);
    assert_eq!(
        steps[0].state_after.as_deref(),
        Some(format!("the permissions boundary of user alice is {STRICT}").as_str())
    );
    assert_eq!(put.num_calls(), 1);
    assert_eq!(get.num_calls(), 2, "checked before and read back after");
}

#[tokio::test]
async fn a_user_permissions_boundary_already_back_is_already_in_effect_and_dry_run_does_nothing() {
    let get = mock!(aws_sdk_iam::Client::get_user).then_output(|| user(Some(STRICT), now()));
    let put = mock!(aws_sdk_iam::Client::put_user_permissions_boundary)
        .then_output(|| PutUserPermissionsBoundaryOutput::builder().build());
    let exec = executor(&[], &[&get, &put]);
    let plan = [Action::PutPermissionsBoundary {
        principal: alice(),
        policy: Arn::parse("t", STRICT).unwrap(),
    }];
    assert_eq!(
        exec.execute(&plan, Mode::Enforce).await[0].status,
        StepStatus::AlreadyInEffect
    );
    let plan = [Action::PutPermissionsBoundary {
        principal: alice(),
        policy: Arn::parse("t", LOOSE).unwrap(),
    }];
    assert_eq!(
        exec.execute(&plan, Mode::DryRun).await[0].status,
        StepStatus::WouldDo
    );
    assert_eq!(put.num_calls(), 0);
}

/// A CloudTrail record as `LookupEvents` returns it in `CloudTrailEvent`.
fn history_event(name: &str, time: &str, id: &str, request: Value, response: Value) -> Event {
    let record = json!({
        "eventVersion": "1.09", "eventTime": time, "eventSource": "iam.amazonaws.com",
        "eventName": name, "awsRegion": "us-east-1", "eventID": id,
        "recipientAccountId": ACCOUNT,
        "userIdentity": {"type": "IAMUser", "arn": format!("arn:aws:iam::{ACCOUNT}:user/admin"), "accountId": ACCOUNT},
        "requestParameters": request, "responseElements": response
    });
    Event::builder()
        .event_id(id)
        .event_name(name)
        .cloud_trail_event(record.to_string())
        .build()
}

/// The event being decided, as history holds it once CloudTrail has added it.
fn this_event(name: &str) -> Event {
    history_event(name, NOW, THIS_EVENT, json!({}), Value::Null)
}

fn lookup(name: &'static str, events: Vec<Event>) -> Rule {
    mock!(aws_sdk_cloudtrail::Client::lookup_events)
        .match_requests(move |r| {
            r.lookup_attributes()
                .first()
                .is_some_and(|a| a.attribute_value() == name)
        })
        .then_output(move || {
            LookupEventsOutput::builder()
                .set_events(Some(events.clone()))
                .build()
        })
}

fn put_user_policy_record() -> Record {
    let event: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../events/put-user-policy.json"
        ))
        .unwrap(),
    )
    .unwrap();
    Record::from_value(&event["detail"]).unwrap()
}

fn config() -> Config {
    trailwarden_testkit::config(&[])
}

fn inline_subject() -> Subject {
    Subject::InlinePolicy {
        principal: alice(),
        name: "escalate".into(),
    }
}

#[tokio::test]
async fn event_history_gives_the_overwritten_inline_policy_and_the_decision_puts_it_back() {
    let record = put_user_policy_record();
    assert_eq!(record.event_id, THIS_EVENT);
    let puts = lookup(
        "PutUserPolicy",
        vec![
            // The event itself, as history also holds it: not the previous state.
            history_event(
                "PutUserPolicy",
                NOW,
                THIS_EVENT,
                json!({"userName": "alice", "policyName": "escalate", "policyDocument": NEW_DOC}),
                Value::Null,
            ),
            history_event(
                "PutUserPolicy",
                "2026-11-01T09:00:00Z",
                "e-older",
                json!({"userName": "alice", "policyName": "escalate", "policyDocument": "{}"}),
                Value::Null,
            ),
            history_event(
                "PutUserPolicy",
                "2026-11-10T09:00:00Z",
                "e-previous",
                json!({"userName": "alice", "policyName": "escalate", "policyDocument": OLD_DOC}),
                Value::Null,
            ),
            // Another user's policy of the same name.
            history_event(
                "PutUserPolicy",
                "2026-11-20T09:00:00Z",
                "e-other",
                json!({"userName": "bob", "policyName": "escalate", "policyDocument": "{}"}),
                Value::Null,
            ),
        ],
    );
    let deletes = lookup("DeleteUserPolicy", vec![]);
    let exec = executor(&[&puts, &deletes], &[]);

    let queries = rules::facts_needed(&record, &config());
    let facts = exec.gather(&queries).await;

    let query = FactQuery::PreviousState {
        subject: inline_subject(),
        before: now(),
        event_id: THIS_EVENT.into(),
    };
    assert_eq!(queries, std::slice::from_ref(&query));
    assert_eq!(facts.get(&query), Fact::Document(Some(OLD_DOC.into())));
    let decision = rules::decide(&record, &config(), &facts).unwrap();
    assert_eq!(
        decision.plan(),
        [Action::PutInlinePolicy {
            principal: alice(),
            name: "escalate".into(),
            document: OLD_DOC.into()
        }]
    );
}

#[tokio::test]
async fn a_later_delete_in_history_means_there_was_no_previous_document() {
    let puts = lookup(
        "PutUserPolicy",
        vec![
            this_event("PutUserPolicy"),
            history_event(
                "PutUserPolicy",
                "2026-11-01T09:00:00Z",
                "e-put",
                json!({"userName": "alice", "policyName": "escalate", "policyDocument": OLD_DOC}),
                Value::Null,
            ),
        ],
    );
    let deletes = lookup(
        "DeleteUserPolicy",
        vec![history_event(
            "DeleteUserPolicy",
            "2026-11-02T09:00:00Z",
            "e-delete",
            json!({"userName": "alice", "policyName": "escalate"}),
            Value::Null,
        )],
    );
    let exec = executor(&[&puts, &deletes], &[]);
    let query = FactQuery::PreviousState {
        subject: inline_subject(),
        before: now(),
        event_id: THIS_EVENT.into(),
    };
    let facts = facts::gather(&exec.clients.for_iam_guard(), std::slice::from_ref(&query)).await;
    assert_eq!(facts.get(&query), Fact::Document(None));
}

#[tokio::test]
async fn no_history_is_certain_only_for_a_principal_younger_than_the_history() {
    let puts = lookup("PutUserPolicy", vec![this_event("PutUserPolicy")]);
    let deletes = lookup("DeleteUserPolicy", vec![]);
    let query = FactQuery::PreviousState {
        subject: inline_subject(),
        before: now(),
        event_id: THIS_EVENT.into(),
    };

    let young = mock!(aws_sdk_iam::Client::get_user).then_output(|| {
        user(
            None,
            EventTime::from_epoch_seconds(now().epoch_seconds() - 10 * 86_400),
        )
    });
    let exec = executor(&[&puts, &deletes], &[&young]);
    assert_eq!(
        exec.gather(std::slice::from_ref(&query)).await.get(&query),
        Fact::Document(None)
    );

    let old = mock!(aws_sdk_iam::Client::get_user).then_output(|| {
        user(
            None,
            EventTime::from_epoch_seconds(now().epoch_seconds() - 400 * 86_400),
        )
    });
    let exec = executor(&[&puts, &deletes], &[&old]);
    let fact = exec.gather(std::slice::from_ref(&query)).await.get(&query);
    assert!(
        matches!(&fact, Fact::Unknown(why) if why.contains("older than that")),
        "{fact:?}"
    );
}

#[tokio::test]
async fn unreadable_event_history_falls_back_to_quarantine_of_the_user() {
    let record = put_user_policy_record();
    let denied = mock!(aws_sdk_cloudtrail::Client::lookup_events).then_error(|| {
        LookupEventsError::OperationNotPermittedException(
            OperationNotPermittedException::builder()
                .message("not permitted")
                .build(),
        )
    });
    let get_policy = mock!(aws_sdk_iam::Client::get_user_policy)
        .sequence()
        .error(|| {
            GetUserPolicyError::NoSuchEntityException(
                NoSuchEntityException::builder()
                    .message("none")
                    // As IAM's response carries it; the executor reads the code.
                    .meta(ErrorMetadata::builder().code("NoSuchEntity").build())
                    .build(),
            )
        })
        .output(|| {
            GetUserPolicyOutput::builder()
                .user_name("alice")
                .policy_name("trailwarden-quarantine")
                .policy_document(iam::QUARANTINE_DOCUMENT)
                .build()
                .unwrap()
        })
        .build();
    let put_policy = mock!(aws_sdk_iam::Client::put_user_policy)
        .match_requests(|r| {
            r.user_name() == Some("alice")
                && r.policy_name() == Some("trailwarden-quarantine")
                && r.policy_document() == Some(iam::QUARANTINE_DOCUMENT)
        })
        .then_output(|| PutUserPolicyOutput::builder().build());
    let exec = executor(&[&denied], &[&get_policy, &put_policy]);

    let facts = exec.gather(&rules::facts_needed(&record, &config())).await;
    let decision = rules::decide(&record, &config(), &facts).unwrap();

    let Decision::Respond { incident, plan } = &decision else {
        panic!("{decision}")
    };
    assert_eq!(incident.severity, Severity::Critical);
    assert_eq!(plan, &[Action::Quarantine { principal: alice() }]);
    assert!(
        incident.next_steps[0].contains("event history could not be read"),
        "{:?}",
        incident.next_steps
    );
    let steps = exec.execute(plan, Mode::Enforce).await;
    assert_eq!(steps[0].status, StepStatus::Done);
    assert_eq!(put_policy.num_calls(), 1);
}

#[tokio::test]
async fn event_history_gives_the_previous_trust_policy_from_create_role() {
    let updates = lookup(
        "UpdateAssumeRolePolicy",
        vec![this_event("UpdateAssumeRolePolicy")],
    );
    let creates = lookup(
        "CreateRole",
        vec![history_event(
            "CreateRole",
            "2026-10-01T09:00:00Z",
            "e-create",
            json!({"roleName": "app", "assumeRolePolicyDocument": OLD_DOC}),
            Value::Null,
        )],
    );
    let exec = executor(&[&updates, &creates], &[]);
    let query = FactQuery::PreviousState {
        subject: Subject::TrustPolicy { role: "app".into() },
        before: now(),
        event_id: THIS_EVENT.into(),
    };
    assert_eq!(
        exec.gather(std::slice::from_ref(&query)).await.get(&query),
        Fact::Document(Some(OLD_DOC.into()))
    );
}

#[tokio::test]
async fn with_several_versions_the_previous_default_comes_from_history() {
    let policy = Arn::parse("t", "arn:aws:iam::123456789012:policy/app-policy").unwrap();
    let versions = mock!(aws_sdk_iam::Client::list_policy_versions).then_output(|| {
        let v = |id: &str, default: bool| {
            PolicyVersion::builder()
                .version_id(id)
                .is_default_version(default)
                .build()
        };
        ListPolicyVersionsOutput::builder()
            .versions(v("v1", false))
            .versions(v("v2", false))
            .versions(v("v3", true))
            .build()
    });
    let set_default = lookup(
        "SetDefaultPolicyVersion",
        vec![
            this_event("SetDefaultPolicyVersion"),
            history_event(
                "SetDefaultPolicyVersion",
                "2026-11-05T09:00:00Z",
                "e-set",
                json!({"policyArn": policy.to_string(), "versionId": "v2"}),
                Value::Null,
            ),
        ],
    );
    let create_version = lookup("CreatePolicyVersion", vec![]);
    let create = lookup("CreatePolicy", vec![]);
    let exec = executor(&[&set_default, &create_version, &create], &[&versions]);
    let query = FactQuery::PreviousDefaultVersion {
        policy,
        new_default: "v3".into(),
        before: now(),
        event_id: THIS_EVENT.into(),
    };
    assert_eq!(
        exec.gather(std::slice::from_ref(&query)).await.get(&query),
        Fact::DefaultVersion("v2".into())
    );
}

#[tokio::test]
async fn one_other_version_is_not_taken_for_the_previous_default_without_history() {
    // A forged SetDefaultPolicyVersion of the default v2: v1 is the only other version, but
    // nothing says it was ever the default. History that does not hold the event says nothing.
    let policy = Arn::parse("t", "arn:aws:iam::123456789012:policy/app-policy").unwrap();
    let versions = mock!(aws_sdk_iam::Client::list_policy_versions).then_output(|| {
        let v = |id: &str, default: bool| {
            PolicyVersion::builder()
                .version_id(id)
                .is_default_version(default)
                .build()
        };
        ListPolicyVersionsOutput::builder()
            .versions(v("v1", false))
            .versions(v("v2", true))
            .build()
    });
    let set_default = lookup("SetDefaultPolicyVersion", vec![]);
    let create_version = lookup("CreatePolicyVersion", vec![]);
    let create = lookup("CreatePolicy", vec![]);
    let exec = executor(&[&set_default, &create_version, &create], &[&versions]);
    let query = FactQuery::PreviousDefaultVersion {
        policy,
        new_default: "v2".into(),
        before: now(),
        event_id: THIS_EVENT.into(),
    };
    assert!(
        matches!(
            exec.gather(std::slice::from_ref(&query)).await.get(&query),
            Fact::Unknown(_)
        ),
        "v1 is not guessed"
    );
}

#[tokio::test]
async fn an_inline_policy_changed_again_after_the_event_is_left_as_it_is() {
    let get = mock!(aws_sdk_iam::Client::get_user_policy).then_output(|| {
        GetUserPolicyOutput::builder()
            .user_name("alice")
            .policy_name("escalate")
            // URL-encoded as IAM returns it, and not the event's document.
            .policy_document("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D")
            .build()
            .unwrap()
    });
    let delete = mock!(aws_sdk_iam::Client::delete_user_policy)
        .then_output(|| DeleteUserPolicyOutput::builder().build());
    let exec = executor(&[], &[&get, &delete]);
    let plan = [Action::DeleteInlinePolicy {
        principal: alice(),
        name: "escalate".into(),
        document: NEW_DOC.into(),
    }];

    let steps = exec.execute(&plan, Mode::Enforce).await;

    // Not "already reverted": the event's change was replaced by a later one, which stands.
    assert_eq!(steps[0].status, StepStatus::Superseded);
    assert_eq!(delete.num_calls(), 0);
}

#[tokio::test]
async fn history_that_does_not_hold_the_event_yet_is_not_trusted() {
    // CloudTrail has not added the event (nor, perhaps, a change just before it): the older put
    // found is not certainly the previous state.
    let puts = lookup(
        "PutUserPolicy",
        vec![history_event(
            "PutUserPolicy",
            "2026-11-01T09:00:00Z",
            "e-put",
            json!({"userName": "alice", "policyName": "escalate", "policyDocument": OLD_DOC}),
            Value::Null,
        )],
    );
    let deletes = lookup("DeleteUserPolicy", vec![]);
    let exec = executor(&[&puts, &deletes], &[]);
    let query = FactQuery::PreviousState {
        subject: inline_subject(),
        before: now(),
        event_id: THIS_EVENT.into(),
    };
    assert_eq!(
        exec.gather(std::slice::from_ref(&query)).await.get(&query),
        Fact::Unknown(facts::NOT_YET_IN_HISTORY.into())
    );
}
