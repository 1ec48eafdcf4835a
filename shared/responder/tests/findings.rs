//! `SECURITY_HUB_FINDINGS` through `Responder::handle` with a mocked Security Hub: what the local
//! AWS cannot produce (Security Hub refusing a finding, as AWS does when it is not enabled). A
//! finding not imported is a note in the alert, never a lost alert; an alert not published is
//! still the function's error.

mod common;

use aws_sdk_securityhub::operation::batch_import_findings::BatchImportFindingsOutput;
use aws_sdk_securityhub::types::ImportFindingsError;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use common::*;
use trailwarden_responder::{Findings, Function, HandlerError};

const EVENT_ID: &str = "9c4d2e10-0000-4000-8000-000000000105";

fn findings(rule: &Rule) -> Findings {
    Findings::new(mock_client!(
        aws_sdk_securityhub,
        RuleMode::MatchAny,
        [rule],
        |c| c.retry_config(retry())
    ))
}

#[tokio::test]
async fn a_finding_security_hub_refuses_is_a_note_in_the_alert_and_no_error() {
    let inbox = Inbox::default();
    let publish = inbox.rule();
    let refused = mock!(aws_sdk_securityhub::Client::batch_import_findings)
        .match_requests(|input| {
            let f = &input.findings()[0];
            f.aws_account_id() == Some("123456789012")
                && f.id() == Some("trailwarden/tripwire/9c4d2e10-0000-4000-8000-000000000105")
                && f.generator_id() == Some("trailwarden/tripwire/guardduty-disabled")
        })
        .then_output(|| {
            BatchImportFindingsOutput::builder()
                .failed_count(1)
                .success_count(0)
                .failed_findings(
                    ImportFindingsError::builder()
                        .id("trailwarden/tripwire/9c4d2e10-0000-4000-8000-000000000105")
                        .error_code("InvalidAccess")
                        .error_message("Account is not subscribed to AWS Security Hub")
                        .build(),
                )
                .build()
        });
    let mocks = Mocks {
        cloudtrail: &[],
        iam: &[],
        kms: &[],
        sns: &[&publish],
    };
    let mut tripwire = mocks.responder(Function::Tripwire, &[("SECURITY_HUB_FINDINGS", "true")]);
    tripwire.findings = Some(findings(&refused));

    let report = tripwire
        .handle(event_file("tripwire-guardduty-delete-detector.json"))
        .await
        .unwrap();

    assert_eq!(report.outcome, "alert-only");
    assert_eq!(refused.num_calls(), 1, "imported before the publish, once");
    assert_eq!(inbox.len(), 1, "the alert went out");
    let doc = inbox.document(0);
    assert_eq!(doc["event"]["id"], EVENT_ID);
    assert_eq!(
        doc["notes"],
        serde_json::json!([
            "The Security Hub finding was not imported: Security Hub refused finding trailwarden/tripwire/9c4d2e10-0000-4000-8000-000000000105 in account 123456789012: InvalidAccess: Account is not subscribed to AWS Security Hub."
        ])
    );
}

#[tokio::test]
async fn an_alert_not_published_is_still_an_error_when_the_finding_was_imported() {
    let unpublished = mock!(aws_sdk_sns::Client::publish).then_error(|| {
        aws_sdk_sns::operation::publish::PublishError::generic(error_meta(
            "AuthorizationError",
            "not authorized to publish",
        ))
    });
    let imported = mock!(aws_sdk_securityhub::Client::batch_import_findings).then_output(|| {
        BatchImportFindingsOutput::builder()
            .failed_count(0)
            .success_count(1)
            .set_failed_findings(Some(vec![]))
            .build()
    });
    let mocks = Mocks {
        cloudtrail: &[],
        iam: &[],
        kms: &[],
        sns: &[&unpublished],
    };
    let mut tripwire = mocks.responder(Function::Tripwire, &[("SECURITY_HUB_FINDINGS", "true")]);
    tripwire.findings = Some(findings(&imported));

    let error = tripwire
        .handle(event_file("tripwire-guardduty-delete-detector.json"))
        .await
        .unwrap_err();

    assert!(
        matches!(error, HandlerError::AlertNotPublished(_)),
        "{error}"
    );
    assert_eq!(imported.num_calls(), 1);
}
