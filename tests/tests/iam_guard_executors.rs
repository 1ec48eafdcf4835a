//! iam-guard's executors that the emulator cannot reach through an event (their events need
//! event history, which the emulator lacks), carried out directly against it: each puts back
//! exactly the state it names, once.

mod common;

use common::iam::*;
use serde_json::Value;
use trailwarden_actions::{AwsClients, Executor, StepStatus};
use trailwarden_rules::{Action, Mode};
use trailwarden_tests::emulator;

async fn trust_policy(iam: &aws_sdk_iam::Client, role: &str) -> Value {
    let doc = iam
        .get_role()
        .role_name(role)
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
        .assume_role_policy_document
        .unwrap();
    trailwarden_actions::iam::parse_document(&doc).expect("a JSON trust policy")
}

#[tokio::test]
async fn put_trust_policy_puts_the_previous_document_back_exactly_once() {
    let aws = emulator().await;
    let iam = aws.iam();
    iam.create_role()
        .role_name("app")
        .assume_role_policy_document(TRUST_EC2)
        .send()
        .await
        .unwrap();
    iam.update_assume_role_policy()
        .role_name("app")
        .policy_document(TRUST_ATTACKER)
        .send()
        .await
        .unwrap();
    let executor = Executor::new(AwsClients::new(&aws.sdk_config()));
    let plan = [Action::PutTrustPolicy {
        role: "app".into(),
        document: TRUST_EC2.into(),
    }];

    let dry = executor.execute(&plan, Mode::DryRun).await;
    assert_eq!(dry[0].status, StepStatus::WouldDo);
    assert_eq!(
        trust_policy(&iam, "app").await,
        serde_json::from_str::<Value>(TRUST_ATTACKER).unwrap()
    );

    let first = executor.execute(&plan, Mode::Enforce).await;
    assert_eq!(first[0].status, StepStatus::Done, "{first:?}");
    assert_eq!(
        trust_policy(&iam, "app").await,
        serde_json::from_str::<Value>(TRUST_EC2).unwrap()
    );

    let second = executor.execute(&plan, Mode::Enforce).await;
    assert_eq!(second[0].status, StepStatus::AlreadyInEffect);
}

#[tokio::test]
async fn revoke_role_sessions_denies_sessions_issued_before_now_and_nothing_else() {
    let aws = emulator().await;
    let iam = aws.iam();
    iam.create_role()
        .role_name("ops")
        .assume_role_policy_document(TRUST_EC2)
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name("ops")
        .policy_name("s3-read")
        .policy_document(S3_READ)
        .send()
        .await
        .unwrap();
    let executor = Executor::new(AwsClients::new(&aws.sdk_config()));

    let steps = executor
        .execute(
            &[Action::RevokeRoleSessions { role: "ops".into() }],
            Mode::Enforce,
        )
        .await;

    assert_eq!(steps[0].status, StepStatus::Done, "{steps:?}");
    let names = iam
        .list_role_policies()
        .role_name("ops")
        .send()
        .await
        .unwrap()
        .policy_names;
    assert_eq!(
        names,
        ["s3-read", "trailwarden-revoke-sessions"],
        "the role's own policy stays"
    );
    let doc = iam
        .get_role_policy()
        .role_name("ops")
        .policy_name("trailwarden-revoke-sessions")
        .send()
        .await
        .unwrap()
        .policy_document;
    let doc = trailwarden_actions::iam::parse_document(&doc).unwrap();
    let statement = &doc["Statement"][0];
    assert_eq!(statement["Effect"], "Deny");
    assert_eq!(statement["Action"], "*");
    let before = statement["Condition"]["DateLessThan"]["aws:TokenIssueTime"]
        .as_str()
        .unwrap();
    let before = trailwarden_events::EventTime::parse(before)
        .unwrap()
        .epoch_seconds();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        (now - before).abs() < 60,
        "sessions issued before about now are denied: {before} vs {now}"
    );
}

#[tokio::test]
async fn deny_role_sessions_since_denies_only_the_sessions_issued_since_the_backdoor() {
    let aws = emulator().await;
    let iam = aws.iam();
    iam.create_role()
        .role_name("ops")
        .assume_role_policy_document(TRUST_EC2)
        .send()
        .await
        .unwrap();
    let executor = Executor::new(AwsClients::new(&aws.sdk_config()));
    // `date -u -d @1795000000` says 2026-11-18T11:06:40Z.
    let since = trailwarden_events::EventTime::from_epoch_seconds(1_795_000_000);

    let steps = executor
        .execute(
            &[Action::DenyRoleSessionsSince {
                role: "ops".into(),
                since,
            }],
            Mode::Enforce,
        )
        .await;

    assert_eq!(steps[0].status, StepStatus::Done, "{steps:?}");
    let doc = iam
        .get_role_policy()
        .role_name("ops")
        .policy_name("trailwarden-deny-sessions-since")
        .send()
        .await
        .unwrap()
        .policy_document;
    let doc = trailwarden_actions::iam::parse_document(&doc).unwrap();
    let condition = &doc["Statement"][0]["Condition"];
    assert_eq!(doc["Statement"][0]["Effect"], "Deny");
    assert_eq!(
        condition["DateGreaterThan"]["aws:TokenIssueTime"], "2026-11-18T11:06:40Z",
        "sessions issued before the backdoor keep working"
    );
    assert!(condition["DateLessThan"]["aws:TokenIssueTime"].is_string());
    assert_eq!(
        steps[0].action.to_string(),
        "deny the sessions of role ops issued since 2026-11-18T11:06:40Z"
    );
}
