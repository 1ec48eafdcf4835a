//! Organization mode against the local AWS with three accounts (the README's "Organization"): a
//! central account where trailwarden runs (the tests' own, 123456789012), a member account and the
//! management account. moto keeps them apart by credentials; its `AssumeRole` into any role ARN
//! returns credentials of that role's account, so the member role "exists" everywhere here.

mod common;

use common::organization::*;
use serde_json::json;
use std::time::Duration;
use trailwarden_responder::{Function, HandlerError};
use trailwarden_tests::event_file;

#[tokio::test]
async fn an_attachment_in_a_member_account_is_detached_there_and_only_there() {
    let org = Org::new().await;
    org.admin_user(MEMBER, "bob").await;
    org.admin_user(CENTRAL, "bob").await;
    let iam_guard = org.responder(Function::IamGuard, &[]);

    let report = iam_guard.handle(attach_admin_to_bob(MEMBER)).await.unwrap();
    assert_eq!(report.outcome, "reverted", "{report:?}");
    assert!(org.user_policies(MEMBER, "bob").await.is_empty());
    assert_eq!(
        org.user_policies(CENTRAL, "bob").await,
        [ADMIN],
        "the same name in the central account is untouched"
    );
    let alerts = org.alerts.receive(Duration::ZERO).await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].attribute("account"), MEMBER);
    assert_eq!(alerts[0].attribute("outcome"), "reverted");

    // Duplicates: nothing more to do, and the member role is not assumed again.
    let again = iam_guard.handle(attach_admin_to_bob(MEMBER)).await.unwrap();
    assert_eq!(again.outcome, "already-reverted", "{again:?}");
    assert!(org.user_policies(MEMBER, "bob").await.is_empty());
    let members = iam_guard.members.as_ref().unwrap();
    assert_eq!(
        members.assumed_in(MEMBER),
        1,
        "one AssumeRole for both events"
    );
    assert_eq!(members.assumed_in(MANAGEMENT), 0);
}

#[tokio::test]
async fn the_member_roles_own_revert_fed_back_is_nothing() {
    let org = Org::new().await;
    org.admin_user(MEMBER, "bob").await;
    let iam_guard = org.responder(Function::IamGuard, &[]);
    let mut event = attach_admin_to_bob(MEMBER);
    event["detail"]["eventName"] = json!("DetachUserPolicy");
    event["detail"]["userIdentity"] = json!({
        "type": "AssumedRole", "accountId": MEMBER, "accessKeyId": "ASIAEXAMPLEMEMBER001",
        "arn": format!("arn:aws:sts::{MEMBER}:assumed-role/trailwarden-member/iam-guard"),
        "sessionContext": {"sessionIssuer": {"type": "Role",
            "arn": format!("arn:aws:iam::{MEMBER}:role/trailwarden-member")}}
    });
    let report = iam_guard.handle(event).await.unwrap();
    assert_eq!(report.outcome, "ignored", "{report:?}");
    assert_eq!(org.user_policies(MEMBER, "bob").await, [ADMIN]);
    assert!(org.alerts.receive(Duration::ZERO).await.is_empty());
}

#[tokio::test]
async fn the_organization_trail_stopped_in_the_management_account_is_restarted_there() {
    let org = Org::new().await;
    let management = org.aws.sdk_config_as(MANAGEMENT).await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&management)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket().bucket("org-audit").send().await.unwrap();
    let cloudtrail = aws_sdk_cloudtrail::Client::new(&management);
    cloudtrail
        .create_trail()
        .name("audit")
        .s3_bucket_name("org-audit")
        .is_multi_region_trail(true)
        .send()
        .await
        .unwrap();
    // Logging stopped: the attack.
    assert!(!is_logging(&cloudtrail).await);
    let trail_guard = org.responder(Function::TrailGuard, &[]);
    let report = trail_guard
        .handle(from_account("stop-logging.json", MANAGEMENT))
        .await
        .unwrap();
    assert_eq!(report.outcome, "reverted", "{report:?}");
    assert!(
        is_logging(&cloudtrail).await,
        "restarted in the management account"
    );
    let alerts = org.alerts.receive(Duration::ZERO).await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].attribute("account"), MANAGEMENT);
}

#[tokio::test]
async fn dry_run_in_organization_mode_changes_nothing_in_the_member_account() {
    let org = Org::new().await;
    org.admin_user(MEMBER, "bob").await;
    let iam_guard = org.responder(Function::IamGuard, &[("MODE", "dry-run")]);
    let report = iam_guard.handle(attach_admin_to_bob(MEMBER)).await.unwrap();
    assert_eq!(report.outcome, "would-revert", "{report:?}");
    assert_eq!(org.user_policies(MEMBER, "bob").await, [ADMIN]);
}

#[tokio::test]
async fn in_account_mode_an_event_of_another_account_changes_nothing_anywhere() {
    let org = Org::new().await;
    org.admin_user(MEMBER, "bob").await;
    org.admin_user(CENTRAL, "bob").await;
    let config =
        trailwarden_testkit::try_config_over(&[("ALERT_TOPIC_ARN", org.alerts.topic_arn())], &[])
            .unwrap();
    assert_eq!(config.member_role, None);
    let iam_guard = org.responder_with(Function::IamGuard, config, &org.aws.sdk_config());
    assert!(iam_guard.members.is_none());

    let error = iam_guard
        .handle(attach_admin_to_bob(MEMBER))
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "ForeignAccount");
    assert!(error.to_string().contains(MEMBER), "{error}");
    assert_eq!(org.user_policies(MEMBER, "bob").await, [ADMIN]);
    assert_eq!(
        org.user_policies(CENTRAL, "bob").await,
        [ADMIN],
        "never the function's own credentials on another account's names"
    );
    let alerts = org.alerts.receive(Duration::ZERO).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].attribute("outcome"), "failed");
    assert_eq!(alerts[0].attribute("account"), MEMBER);
    let doc = alerts[0].body_json();
    assert!(
        doc["summary"].as_str().unwrap().contains(MEMBER),
        "{}",
        doc["summary"]
    );
}

#[tokio::test]
async fn a_record_naming_another_account_than_its_envelope_is_refused() {
    let org = Org::new().await;
    org.admin_user(MEMBER, "bob").await;
    org.admin_user(CENTRAL, "bob").await;
    let iam_guard = org.responder(Function::IamGuard, &[]);
    // The envelope from the central account's bus, the record claiming the member's.
    let mut event = attach_admin_to_bob(MEMBER);
    event["account"] = json!(CENTRAL);
    let error = iam_guard.handle(event).await.unwrap_err();
    assert!(
        matches!(&error, HandlerError::BadEvent(e) if e.kind() == "AccountMismatch"),
        "{error}"
    );
    assert_eq!(org.user_policies(MEMBER, "bob").await, [ADMIN]);
    assert_eq!(org.user_policies(CENTRAL, "bob").await, [ADMIN]);
    assert!(org.alerts.receive(Duration::ZERO).await.is_empty());
}

#[tokio::test]
async fn a_member_role_that_cannot_be_assumed_is_a_critical_failure_and_nothing_changes() {
    let org = Org::new().await;
    org.admin_user(MEMBER, "bob").await;
    org.admin_user(CENTRAL, "bob").await;
    let config = trailwarden_testkit::try_config_over(
        &[
            ("ALERT_TOPIC_ARN", org.alerts.topic_arn()),
            ("MEMBER_ROLE_NAME", "trailwarden-member"),
        ],
        &[],
    )
    .unwrap();
    // STS unreachable: the member role cannot be assumed (moto itself never refuses).
    let no_sts = org
        .aws
        .sdk_config()
        .to_builder()
        .endpoint_url("http://127.0.0.1:9")
        .build();
    let iam_guard = org.responder_with(Function::IamGuard, config, &no_sts);
    let error = iam_guard
        .handle(attach_admin_to_bob(MEMBER))
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "MemberRoleUnavailable", "{error}");
    assert!(
        error
            .to_string()
            .contains("arn:aws:iam::222222222222:role/trailwarden-member"),
        "{error}"
    );
    assert_eq!(org.user_policies(MEMBER, "bob").await, [ADMIN]);
    assert_eq!(org.user_policies(CENTRAL, "bob").await, [ADMIN]);
    let alerts = org.alerts.receive(Duration::ZERO).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].attribute("outcome"), "failed");
    assert_eq!(alerts[0].attribute("severity"), "critical");
    assert_eq!(alerts[0].attribute("account"), MEMBER);
}

#[tokio::test]
async fn tripwire_alerts_on_a_member_accounts_event_with_the_account_in_the_subject() {
    let org = Org::new().await;
    let tripwire = org.responder(Function::Tripwire, &[]);
    // tripwire acts nowhere: a member account's event needs no member role.
    let mut event = event_file("tripwire-root-console-login.json");
    event["account"] = json!(MEMBER);
    event["detail"]["recipientAccountId"] = json!(MEMBER);
    let report = tripwire.handle(event).await.unwrap();
    assert_eq!(report.outcome, "alert-only", "{report:?}");
    let alerts = org.alerts.receive(Duration::ZERO).await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].attribute("account"), MEMBER);
    let subject = alerts[0].body_json()["subject"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        subject.starts_with("[HIGH] 222222222222: Alert: "),
        "{subject}"
    );
}
