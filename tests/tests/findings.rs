//! Security Hub findings end to end against the local AWS (`SECURITY_HUB_FINDINGS=true`): a
//! revert is one finding, checked field by field, which its duplicate updates; a failed revert's
//! finding is `NEW`; a Security Hub that cannot be reached leaves the SNS alert intact, saying
//! so; in organization mode the finding is the member account's, imported through its member role.
//!
//! moto 5.2.5 keeps findings per calling account and region, needs no `EnableSecurityHub`, and
//! replaces every field of a finding imported again with the same `Id`. AWS differs there: it
//! ignores `Workflow` and `Note` of a finding that exists (README, "Security Hub findings").

mod common;

use aws_sdk_securityhub::types::{AwsSecurityFinding, RecordState, SeverityLabel, WorkflowStatus};
use common::organization::{MEMBER, Org, attach_admin_to_bob};
use common::trail::*;
use trailwarden_responder::{Findings, Function, HandlerError};
use trailwarden_tests::event_file;

const EVENT_ID: &str = "5e8f7a10-0000-4000-8000-000000000001";
const FINDING_ID: &str = "trailwarden/trail-guard/5e8f7a10-0000-4000-8000-000000000001";

async fn findings_of(sdk: &aws_config::SdkConfig) -> Vec<AwsSecurityFinding> {
    aws_sdk_securityhub::Client::new(sdk)
        .get_findings()
        .send()
        .await
        .unwrap()
        .findings()
        .to_vec()
}

#[tokio::test]
async fn a_revert_is_one_finding_field_by_field_and_its_duplicate_updates_it() {
    let s = scene(&[("SECURITY_HUB_FINDINGS", "true")]).await;
    s.stop_trail().await;
    // Stamped with now once: its duplicate below is the same delivery again.
    let event = event_file("stop-logging.json");
    let event_time = event["detail"]["eventTime"].as_str().unwrap().to_string();

    let report = s.responder.handle(event.clone()).await.unwrap();
    assert_eq!(report.outcome, "reverted");

    let found = findings_of(&s.aws.sdk_config()).await;
    assert_eq!(found.len(), 1, "one finding: {found:?}");
    let f = &found[0];
    assert_eq!(f.schema_version(), Some("2018-10-08"));
    assert_eq!(f.id(), Some(FINDING_ID));
    assert_eq!(
        f.product_arn(),
        Some("arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default")
    );
    assert_eq!(
        f.generator_id(),
        Some("trailwarden/trail-guard/StopLogging")
    );
    assert_eq!(f.aws_account_id(), Some("123456789012"));
    assert_eq!(f.types(), ["TTPs/Defense Evasion"]);
    assert_eq!(f.created_at(), Some(event_time.as_str()));
    let first_update = f.updated_at().unwrap().to_string();
    assert_eq!(f.severity().unwrap().label(), Some(&SeverityLabel::High));
    assert_eq!(
        f.title(),
        Some("CloudTrail logging stopped on trail audit by user mallory")
    );
    assert!(
        f.description()
            .unwrap()
            .starts_with("CloudTrail logging stopped on trail audit by user mallory Resource: "),
        "{:?}",
        f.description()
    );
    assert!(
        !f.remediation()
            .unwrap()
            .recommendation()
            .unwrap()
            .text()
            .unwrap()
            .is_empty()
    );
    let resources: Vec<(&str, &str)> = f
        .resources()
        .iter()
        .map(|r| (r.r#type().unwrap(), r.id().unwrap()))
        .collect();
    assert_eq!(
        resources,
        [(
            "AwsCloudTrailTrail",
            "arn:aws:cloudtrail:us-east-1:123456789012:trail/audit"
        )]
    );
    assert_eq!(
        f.workflow().unwrap().status(),
        Some(&WorkflowStatus::Resolved)
    );
    assert_eq!(f.record_state(), Some(&RecordState::Active));
    assert_eq!(
        f.note().unwrap().text(),
        Some(
            "trailwarden trail-guard (reverted, enforce): start logging on trail audit (us-east-1) (done)."
        )
    );
    assert_eq!(
        f.note().unwrap().updated_by(),
        Some("trailwarden/trail-guard")
    );
    let fields = f.product_fields().unwrap();
    assert_eq!(fields["trailwarden/EventId"], EVENT_ID);
    assert_eq!(fields["trailwarden/Actor"], "user mallory");
    assert_eq!(
        fields["trailwarden/ActorArn"],
        "arn:aws:iam::123456789012:user/mallory"
    );
    assert_eq!(fields["trailwarden/Outcome"], "reverted");
    // The finding was imported: the alert has nothing to say about it.
    let alerts = s.alerts().await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].body_json()["notes"], serde_json::json!([]));

    // The same event again (a retry, a duplicate delivery): the same finding, updated.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let again = s.responder.handle(event).await.unwrap();
    assert_eq!(again.outcome, "already-reverted");
    let found = findings_of(&s.aws.sdk_config()).await;
    assert_eq!(found.len(), 1, "still one finding: {found:?}");
    let f = &found[0];
    assert_eq!(f.id(), Some(FINDING_ID));
    assert_eq!(f.created_at(), Some(event_time.as_str()));
    assert!(
        f.updated_at().unwrap() > first_update.as_str(),
        "{:?} after {first_update}",
        f.updated_at()
    );
    assert_eq!(
        f.product_fields().unwrap()["trailwarden/Outcome"],
        "already-reverted"
    );
    assert_eq!(
        f.workflow().unwrap().status(),
        Some(&WorkflowStatus::Resolved)
    );
}

#[tokio::test]
async fn a_failed_revert_is_a_new_critical_finding() {
    let s = scene(&[("SECURITY_HUB_FINDINGS", "true")]).await;
    s.stop_trail().await;
    s.delete_trail().await;

    let error = s
        .responder
        .handle(event_file("stop-logging.json"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, HandlerError::RemediationFailed { .. }),
        "{error}"
    );

    let found = findings_of(&s.aws.sdk_config()).await;
    assert_eq!(found.len(), 1);
    let f = &found[0];
    assert_eq!(f.id(), Some(FINDING_ID));
    assert_eq!(f.workflow().unwrap().status(), Some(&WorkflowStatus::New));
    assert_eq!(
        f.severity().unwrap().label(),
        Some(&SeverityLabel::Critical)
    );
    assert_eq!(f.product_fields().unwrap()["trailwarden/Outcome"], "failed");
    let note = f.note().unwrap().text().unwrap();
    assert!(
        note.starts_with(
            "trailwarden trail-guard (failed, enforce): start logging on trail audit (us-east-1) (failed)."
        ),
        "{note}"
    );
    assert_eq!(s.alerts().await.len(), 1, "the failure is alerted too");
}

#[tokio::test]
async fn security_hub_unreachable_leaves_the_alert_intact_and_says_so() {
    let mut s = scene(&[("SECURITY_HUB_FINDINGS", "true")]).await;
    // Port 1 of the loopback: nothing listens, the connection is refused.
    let unreachable = s
        .aws
        .sdk_config()
        .to_builder()
        .endpoint_url("http://127.0.0.1:1")
        .build();
    s.responder.findings = Some(Findings::new(aws_sdk_securityhub::Client::new(
        &unreachable,
    )));
    s.stop_trail().await;

    let report = s
        .responder
        .handle(event_file("stop-logging.json"))
        .await
        .unwrap();

    assert_eq!(
        report.outcome, "reverted",
        "the handler succeeds: the alert is out"
    );
    assert!(s.aws.is_logging(TRAIL).await);
    let alerts = s.alerts().await;
    assert_eq!(alerts.len(), 1, "the alert still goes out");
    assert_eq!(alerts[0].attribute("outcome"), "reverted");
    let doc = alerts[0].body_json();
    let notes = doc["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    let note = notes[0].as_str().unwrap();
    assert!(
        note.starts_with(
            "The Security Hub finding was not imported: securityhub:BatchImportFindings failed in account 123456789012: "
        ),
        "{note}"
    );
    assert!(
        doc["text"]
            .as_str()
            .unwrap()
            .contains("The Security Hub finding was not imported"),
        "people read it in the email too"
    );
    assert!(findings_of(&s.aws.sdk_config()).await.is_empty());
}

#[tokio::test]
async fn without_the_variable_no_finding_is_imported() {
    let s = scene(&[]).await;
    s.stop_trail().await;
    s.responder
        .handle(event_file("stop-logging.json"))
        .await
        .unwrap();
    assert!(findings_of(&s.aws.sdk_config()).await.is_empty());
    assert_eq!(s.alerts().await.len(), 1);
}

#[tokio::test]
async fn in_organization_mode_the_finding_is_the_member_accounts() {
    let org = Org::new().await;
    org.admin_user(MEMBER, "bob").await;
    let iam_guard = org.responder(Function::IamGuard, &[("SECURITY_HUB_FINDINGS", "true")]);

    let report = iam_guard.handle(attach_admin_to_bob(MEMBER)).await.unwrap();
    assert_eq!(report.outcome, "reverted");

    let in_member = findings_of(&org.aws.sdk_config_as(MEMBER).await).await;
    assert_eq!(in_member.len(), 1, "{in_member:?}");
    let f = &in_member[0];
    assert_eq!(f.aws_account_id(), Some(MEMBER));
    assert_eq!(
        f.product_arn(),
        Some("arn:aws:securityhub:us-east-1:222222222222:product/222222222222/default")
    );
    assert_eq!(
        f.resources()[0].id(),
        Some("arn:aws:iam::222222222222:user/bob")
    );
    assert!(
        findings_of(&org.aws.sdk_config()).await.is_empty(),
        "nothing in the central account"
    );
    let alerts = org.alerts.receive(std::time::Duration::ZERO).await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].body_json()["notes"], serde_json::json!([]));
}

#[tokio::test]
async fn in_account_mode_an_event_of_another_account_is_no_finding_anywhere() {
    let org = Org::new().await;
    org.admin_user(MEMBER, "bob").await;
    let config = trailwarden_testkit::try_config_over(
        &[("ALERT_TOPIC_ARN", org.alerts.topic_arn())],
        &[("SECURITY_HUB_FINDINGS", "true")],
    )
    .unwrap();
    let iam_guard = org.responder_with(Function::IamGuard, config, &org.aws.sdk_config());

    let error = iam_guard
        .handle(attach_admin_to_bob(MEMBER))
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "ForeignAccount");

    // The function's own credentials never import a finding of another account, and the
    // function's own account is not the one the event concerns.
    assert!(
        findings_of(&org.aws.sdk_config_as(MEMBER).await)
            .await
            .is_empty()
    );
    assert!(
        findings_of(&org.aws.sdk_config()).await.is_empty(),
        "nor in the central account"
    );
    let alerts = org.alerts.receive(std::time::Duration::ZERO).await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        alerts[0].body_json()["notes"],
        serde_json::json!([format!(
            "The Security Hub finding was not imported: no way to import into account {MEMBER}: iam-guard has no member role there (account mode, or a function that acts in no other account)."
        )])
    );
}
