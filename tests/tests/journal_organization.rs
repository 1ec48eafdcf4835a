//! The journal in organization mode, against the local AWS with several accounts (the README's
//! "Journal" and "Organization"): the schedule snapshots every account through its member role
//! into the central journal, and an overwritten inline policy in a member account is put back
//! there from it, in real time.

mod common;

use common::iam::{JOURNAL, S3_READ, create_journal_table};
use common::organization::*;
use std::sync::Arc;
use std::time::Duration;
use trailwarden_actions::IamGuard;
use trailwarden_responder::{Guard, Responder};
use trailwarden_tests::event_file;

const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// iam-guard in the central account with its journal, as `main` makes it: each member account's
/// guard acts with that account's credentials and keeps the journal with the central ones.
fn iam_guard(org: &Org) -> Responder {
    let sdk = org.aws.sdk_config();
    let config = trailwarden_testkit::try_config_over(
        &[
            ("ALERT_TOPIC_ARN", org.alerts.topic_arn()),
            ("RESPONDER_ROLE_ARNS", CENTRAL_ROLES),
            ("MEMBER_ROLE_NAME", "trailwarden-member"),
            ("IAM_JOURNAL_TABLE", JOURNAL),
            ("ACCOUNTS", MEMBER),
        ],
        &[],
    )
    .unwrap();
    let home = sdk.clone();
    let for_members = config.clone();
    let own: Arc<dyn Guard> = Arc::new(IamGuard::acting(&sdk, &config, &sdk));
    Responder::new(own, config, &sdk)
        .in_account(CENTRAL)
        .with_members(
            &sdk,
            Arc::new(move |member| {
                Arc::new(IamGuard::acting(member, &for_members, &home)) as Arc<dyn Guard>
            }),
        )
}

#[tokio::test]
async fn a_member_accounts_overwritten_policy_is_put_back_from_the_central_journal() {
    let org = Org::new().await;
    create_journal_table(&org.aws.sdk_config()).await;
    let member = org.iam_in(MEMBER).await;
    member.create_user().user_name("bob").send().await.unwrap();
    member
        .put_user_policy()
        .user_name("bob")
        .policy_name("s3")
        .policy_document(S3_READ)
        .send()
        .await
        .unwrap();
    let iam_guard = iam_guard(&org);
    let report = iam_guard
        .handle(event_file("scheduled-check.json"))
        .await
        .unwrap();
    // The central account and the member, one after the other.
    assert!(
        report
            .reason
            .as_deref()
            .unwrap()
            .starts_with("IAM snapshot of 2 account(s): "),
        "{report:?}"
    );
    assert_eq!(iam_guard.members.as_ref().unwrap().assumed_in(MEMBER), 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;

    member
        .put_user_policy()
        .user_name("bob")
        .policy_name("s3")
        .policy_document(ALLOW_ALL)
        .send()
        .await
        .unwrap();
    let mut event = from_account("put-user-policy.json", MEMBER);
    let detail = &mut event["detail"];
    detail["eventTime"] = trailwarden_events::EventTime::now().to_string().into();
    detail["requestParameters"]["userName"] = "bob".into();
    detail["requestParameters"]["policyName"] = "s3".into();
    let report = iam_guard.handle(event).await.unwrap();

    assert_eq!(report.outcome, "reverted", "{report:?}");
    let document = member
        .get_user_policy()
        .user_name("bob")
        .policy_name("s3")
        .send()
        .await
        .unwrap();
    assert_eq!(
        trailwarden_actions::iam::parse_document(document.policy_document()),
        trailwarden_actions::iam::parse_document(S3_READ)
    );
    let alerts = org.alerts.receive(Duration::ZERO).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].attribute("account"), MEMBER);
    let previous = alerts[0].body_json()["previous_state"].clone();
    assert!(
        previous.as_str().unwrap().ends_with(" (snapshot)"),
        "{previous}"
    );
    // The central account has no bob: its snapshot and the member's are kept apart by account.
    let journal = trailwarden_actions::journal::Journal::new(&org.aws.sdk_config(), JOURNAL);
    let member_items = journal.latest_of_account(MEMBER).await.unwrap();
    assert!(member_items.contains_key("222222222222#user/bob/inline/s3"));
    let central_items = journal.latest_of_account(CENTRAL).await.unwrap();
    assert!(!central_items.keys().any(|pk| pk.contains("/bob/")));
}
