//! An alert as a Security Hub finding (ASFF), field by field, and its import through a mocked
//! Security Hub. Expected values are written out by hand.

use aws_sdk_securityhub::types::{
    AwsSecurityFinding, RecordState, Resource, SeverityLabel, WorkflowStatus,
};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use serde_json::{Value, json};
use trailwarden_alerts::finding::{
    ASFF_SCHEMA_VERSION, finding_types, severity_label, workflow_status,
};
use trailwarden_alerts::{Alert, FindingError, FindingTarget, finding, import_finding};
use trailwarden_events::Record;
use trailwarden_rules::{Action, Incident, Mode, Principal, Severity, StepResult, StepStatus};
use trailwarden_rules::{Outcome, outcome};

const EVENT_ID: &str = "7b7f3d2e-1111-4222-8333-944444444444";
const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
const NOW: &str = "2026-11-21T10:00:07.250Z";

fn target() -> FindingTarget {
    FindingTarget {
        account: "123456789012".into(),
        region: "us-east-1".into(),
        partition: "aws".into(),
    }
}

fn record(event_name: &str, source: &str, request: Value) -> Record {
    trailwarden_testkit::record(json!({
        "eventSource": source, "eventName": event_name, "eventID": EVENT_ID,
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/mallory",
            "accountId": "123456789012", "userName": "mallory"},
        "requestParameters": request
    }))
}

fn incident(summary: &str, severity: Severity) -> Incident {
    Incident {
        previous_state: None,
        summary: summary.into(),
        resource: "user bob".into(),
        severity,
        next_steps: vec!["Ask mallory why bob needed AdministratorAccess.".into()],
        superseded_by: None,
        pending: None,
    }
}

/// iam-guard detached AdministratorAccess from bob (`status` of the one step).
fn detached(status: StepStatus) -> Alert {
    let r = record(
        "AttachUserPolicy",
        "iam.amazonaws.com",
        json!({"userName": "bob", "policyArn": ADMIN}),
    );
    let steps = vec![StepResult {
        action: Action::DetachPolicy {
            principal: Principal::user("bob"),
            policy: trailwarden_events::Arn::parse("policy", ADMIN).unwrap(),
        },
        status,
        state_before: None,
        state_after: Some("user bob has no AdministratorAccess".into()),
    }];
    Alert::new(
        "iam-guard",
        Mode::Enforce,
        &r,
        &incident(
            "AdministratorAccess attached to user bob by user mallory",
            Severity::High,
        ),
        &steps,
        outcome(&steps, false),
    )
}

fn resources(finding: &AwsSecurityFinding) -> Vec<(String, String)> {
    finding
        .resources()
        .iter()
        .map(|r: &Resource| (r.r#type().unwrap().to_string(), r.id().unwrap().to_string()))
        .collect()
}

#[test]
fn a_revert_is_a_resolved_finding_field_by_field() {
    let f = finding(&detached(StepStatus::Done), &target(), NOW);
    assert_eq!(f.schema_version(), Some("2018-10-08"));
    assert_eq!(ASFF_SCHEMA_VERSION, "2018-10-08");
    assert_eq!(
        f.id(),
        Some("trailwarden/iam-guard/7b7f3d2e-1111-4222-8333-944444444444")
    );
    assert_eq!(
        f.product_arn(),
        Some("arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default")
    );
    assert_eq!(
        f.generator_id(),
        Some("trailwarden/iam-guard/AttachUserPolicy")
    );
    assert_eq!(f.aws_account_id(), Some("123456789012"));
    assert_eq!(f.types(), ["TTPs/Privilege Escalation"]);
    assert_eq!(f.created_at(), Some("2026-11-21T10:00:00Z"));
    assert_eq!(f.updated_at(), Some(NOW));
    assert_eq!(f.severity().unwrap().label(), Some(&SeverityLabel::High));
    assert_eq!(
        f.title(),
        Some("AdministratorAccess attached to user bob by user mallory")
    );
    assert_eq!(
        f.description(),
        Some("AdministratorAccess attached to user bob by user mallory Resource: user bob.")
    );
    assert_eq!(
        f.remediation().unwrap().recommendation().unwrap().text(),
        Some("Ask mallory why bob needed AdministratorAccess.")
    );
    assert_eq!(
        resources(&f),
        [
            (
                "AwsIamUser".to_string(),
                "arn:aws:iam::123456789012:user/bob".to_string()
            ),
            ("AwsIamPolicy".to_string(), ADMIN.to_string()),
        ]
    );
    let first = &f.resources()[0];
    assert_eq!(first.partition().map(|p| p.as_str()), Some("aws"));
    assert_eq!(first.region(), Some("us-east-1"));
    assert_eq!(
        f.workflow().unwrap().status(),
        Some(&WorkflowStatus::Resolved)
    );
    assert_eq!(f.record_state(), Some(&RecordState::Active));
    let note = f.note().unwrap();
    assert_eq!(
        note.text(),
        Some(
            "trailwarden iam-guard (reverted, enforce): detach policy arn:aws:iam::aws:policy/AdministratorAccess from user bob (done)."
        )
    );
    assert_eq!(note.updated_by(), Some("trailwarden/iam-guard"));
    assert_eq!(note.updated_at(), Some(NOW));
    let fields = f.product_fields().unwrap();
    assert_eq!(fields["trailwarden/EventId"], EVENT_ID);
    assert_eq!(fields["trailwarden/Actor"], "user mallory");
    assert_eq!(
        fields["trailwarden/ActorArn"],
        "arn:aws:iam::123456789012:user/mallory"
    );
    assert_eq!(fields["trailwarden/EventName"], "AttachUserPolicy");
    assert_eq!(fields["trailwarden/Outcome"], "reverted");
    assert_eq!(fields["trailwarden/Function"], "iam-guard");
    assert_eq!(fields["trailwarden/Mode"], "enforce");
    assert!(!fields.contains_key("trailwarden/Rule"));
}

#[test]
fn a_duplicate_is_the_same_finding_updated() {
    let first = finding(&detached(StepStatus::Done), &target(), NOW);
    let again = finding(
        &detached(StepStatus::AlreadyInEffect),
        &target(),
        "2026-11-21T10:01:00.000Z",
    );
    assert_eq!(first.id(), again.id());
    assert_eq!(first.created_at(), again.created_at());
    assert_eq!(again.updated_at(), Some("2026-11-21T10:01:00.000Z"));
    assert_eq!(
        again.workflow().unwrap().status(),
        Some(&WorkflowStatus::Resolved),
        "already reverted is resolved too"
    );
}

#[test]
fn a_failed_revert_is_new_and_critical() {
    let failed = detached(StepStatus::Failed(trailwarden_rules::ActionError {
        call: "iam:DetachUserPolicy",
        resource: "user bob".into(),
        kind: trailwarden_rules::FailureKind::AccessDenied,
        code: Some("AccessDenied".into()),
        message: "not authorized".into(),
    }));
    let f = finding(&failed, &target(), NOW);
    assert_eq!(f.workflow().unwrap().status(), Some(&WorkflowStatus::New));
    assert_eq!(
        f.severity().unwrap().label(),
        Some(&SeverityLabel::Critical)
    );
    let note = f.note().unwrap().text().unwrap();
    assert!(
        note.starts_with("trailwarden iam-guard (failed, enforce): detach policy"),
        "{note}"
    );
    assert!(note.contains("(failed)"), "{note}");
    assert!(
        note.contains(" Error: the function's role lacks iam:DetachUserPolicy"),
        "{note}"
    );
    assert!(
        f.remediation()
            .unwrap()
            .recommendation()
            .unwrap()
            .text()
            .unwrap()
            .starts_with("By hand: detach policy"),
    );
}

#[test]
fn severities_map_to_asff_labels() {
    assert_eq!(severity_label(Severity::Critical), SeverityLabel::Critical);
    assert_eq!(severity_label(Severity::High), SeverityLabel::High);
    assert_eq!(severity_label(Severity::Medium), SeverityLabel::Medium);
    assert_eq!(severity_label(Severity::Low), SeverityLabel::Low);
    assert_eq!(severity_label(Severity::Info), SeverityLabel::Informational);
}

#[test]
fn only_a_change_undone_is_resolved() {
    for (outcome, status) in [
        (Outcome::Reverted, WorkflowStatus::Resolved),
        (Outcome::AlreadyReverted, WorkflowStatus::Resolved),
        (Outcome::Failed, WorkflowStatus::New),
        (Outcome::AlertOnly, WorkflowStatus::New),
        (Outcome::WouldRevert, WorkflowStatus::New),
        (Outcome::Superseded, WorkflowStatus::New),
        (Outcome::Allowed, WorkflowStatus::New),
    ] {
        assert_eq!(workflow_status(outcome), status, "{outcome}");
    }
}

fn alert_of(event_name: &str, source: &str, request: Value, outcome: Outcome) -> Alert {
    Alert::new(
        "trail-guard",
        Mode::DryRun,
        &record(event_name, source, request),
        &incident("something", Severity::Medium),
        &[],
        outcome,
    )
}

#[test]
fn resources_are_typed_by_what_the_event_names() {
    let cases: [(&str, &str, Value, &str, &str); 8] = [
        (
            "StopLogging",
            "cloudtrail.amazonaws.com",
            json!({"name": "audit"}),
            "AwsCloudTrailTrail",
            "arn:aws:cloudtrail:us-east-1:123456789012:trail/audit",
        ),
        (
            "DeleteTrail",
            "cloudtrail.amazonaws.com",
            json!({"name": "arn:aws:cloudtrail:eu-west-1:123456789012:trail/org"}),
            "AwsCloudTrailTrail",
            "arn:aws:cloudtrail:eu-west-1:123456789012:trail/org",
        ),
        (
            "DisableKey",
            "kms.amazonaws.com",
            json!({"keyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}),
            "AwsKmsKey",
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
        (
            "PutBucketPolicy",
            "s3.amazonaws.com",
            json!({"bucketName": "audit-logs"}),
            "AwsS3Bucket",
            "arn:aws:s3:::audit-logs",
        ),
        (
            "UpdateAssumeRolePolicy",
            "iam.amazonaws.com",
            json!({"roleName": "Deployer"}),
            "AwsIamRole",
            "arn:aws:iam::123456789012:role/Deployer",
        ),
        (
            "DeleteDetector",
            "guardduty.amazonaws.com",
            json!({"detectorId": "abc"}),
            "AwsAccount",
            "AWS::::Account:123456789012",
        ),
        // The scheduled check's records: one trail, or the whole account.
        (
            "ScheduledCheck",
            "events.amazonaws.com",
            json!({"trail": "arn:aws:cloudtrail:us-east-1:123456789012:trail/audit"}),
            "AwsCloudTrailTrail",
            "arn:aws:cloudtrail:us-east-1:123456789012:trail/audit",
        ),
        (
            "ScheduledCheck",
            "events.amazonaws.com",
            json!({"trail": "*"}),
            "AwsAccount",
            "AWS::::Account:123456789012",
        ),
    ];
    for (name, source, request, kind, id) in cases {
        let f = finding(
            &alert_of(name, source, request, Outcome::AlertOnly),
            &target(),
            NOW,
        );
        assert_eq!(
            resources(&f),
            [(kind.to_string(), id.to_string())],
            "{name}"
        );
    }
}

#[test]
fn types_say_what_the_event_was() {
    let types = |name: &str, source: &str| {
        finding_types(&alert_of(name, source, json!({}), Outcome::AlertOnly))
    };
    assert_eq!(
        types("StopLogging", "cloudtrail.amazonaws.com"),
        ["TTPs/Defense Evasion"]
    );
    assert_eq!(
        types("DeleteTrail", "cloudtrail.amazonaws.com"),
        ["TTPs/Defense Evasion", "Effects/Data Destruction"]
    );
    assert_eq!(
        types("CreateAccessKey", "iam.amazonaws.com"),
        ["TTPs/Persistence"]
    );
    assert_eq!(
        types("PutRolePolicy", "iam.amazonaws.com"),
        ["TTPs/Privilege Escalation"]
    );
    assert_eq!(
        types("ConsoleLogin", "signin.amazonaws.com"),
        ["TTPs/Initial Access"]
    );
}

#[test]
fn tripwire_names_its_rule_in_the_generator_and_the_fields() {
    let alert = alert_of(
        "DeleteDetector",
        "guardduty.amazonaws.com",
        json!({}),
        Outcome::AlertOnly,
    )
    .with_rule("guardduty-disabled", "GuardDuty was turned off.");
    let f = finding(&alert, &target(), NOW);
    assert_eq!(
        f.generator_id(),
        Some("trailwarden/trail-guard/guardduty-disabled")
    );
    assert_eq!(
        f.product_fields().unwrap()["trailwarden/Rule"],
        "guardduty-disabled"
    );
    assert_eq!(f.workflow().unwrap().status(), Some(&WorkflowStatus::New));
    assert_eq!(
        f.note().unwrap().text(),
        Some("trailwarden trail-guard (alert-only, dry-run): alerted, changed nothing.")
    );
    assert_eq!(
        f.description(),
        Some("something Resource: user bob. GuardDuty was turned off.")
    );
}

#[test]
fn attacker_text_is_cut_on_a_character_boundary_within_asff_limits() {
    // Two-byte characters: a cut at an odd byte would split one.
    let long = "é".repeat(2000);
    let mut alert = detached(StepStatus::Done);
    alert.summary = long.clone();
    alert.next_steps = vec![long.clone()];
    alert.actor.description = long.repeat(2);
    let f = finding(&alert, &target(), NOW);
    let title = f.title().unwrap();
    assert!(
        title.len() <= 256 && title.ends_with("..."),
        "{}",
        title.len()
    );
    assert!(f.description().unwrap().len() <= 1024);
    let text = f
        .remediation()
        .unwrap()
        .recommendation()
        .unwrap()
        .text()
        .unwrap();
    assert!(text.len() <= 512);
    assert!(f.product_fields().unwrap()["trailwarden/Actor"].len() <= 2048);
}

#[test]
fn an_event_id_that_is_not_a_plain_token_is_hashed_the_same_every_time() {
    let odd = |id: &str| {
        let r = trailwarden_testkit::record(json!({
            "eventSource": "cloudtrail.amazonaws.com", "eventName": "StopLogging", "eventID": id,
            "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/mallory"},
            "requestParameters": {"name": "audit"}
        }));
        let alert = Alert::new(
            "trail-guard",
            Mode::Enforce,
            &r,
            &incident("x", Severity::High),
            &[],
            Outcome::AlertOnly,
        );
        finding(&alert, &target(), NOW).id().unwrap().to_string()
    };
    let id = odd("a b\n../<script>");
    assert_eq!(
        id,
        odd("a b\n../<script>"),
        "the same event, the same finding"
    );
    // "trailwarden/trail-guard/sha256-" and 64 hex digits.
    assert!(id.starts_with("trailwarden/trail-guard/sha256-"), "{id}");
    assert_eq!(id.len(), "trailwarden/trail-guard/sha256-".len() + 64);
    assert_ne!(id, odd("a b\n../<script>!"));
    assert!(odd(&"1".repeat(5000)).len() < 100);
}

#[test]
fn the_product_is_the_accounts_own_in_its_partition() {
    let target = FindingTarget {
        account: "222222222222".into(),
        region: "us-gov-west-1".into(),
        partition: "aws-us-gov".into(),
    };
    let f = finding(&detached(StepStatus::Done), &target, NOW);
    assert_eq!(
        f.product_arn(),
        Some("arn:aws-us-gov:securityhub:us-gov-west-1:222222222222:product/222222222222/default")
    );
    assert_eq!(f.aws_account_id(), Some("222222222222"));
    assert_eq!(
        resources(&f)[0].1,
        "arn:aws-us-gov:iam::222222222222:user/bob"
    );
}

// ---- Import ---------------------------------------------------------------------------------------

use aws_sdk_securityhub::Client;
use aws_sdk_securityhub::operation::batch_import_findings::{
    BatchImportFindingsError, BatchImportFindingsOutput,
};
use aws_sdk_securityhub::types::ImportFindingsError;

#[tokio::test]
async fn a_finding_security_hub_refuses_is_an_error_naming_why() {
    let refused = mock!(Client::batch_import_findings).then_output(|| {
        BatchImportFindingsOutput::builder()
            .failed_count(1)
            .success_count(0)
            .failed_findings(
                ImportFindingsError::builder()
                    .id("trailwarden/iam-guard/x")
                    .error_code("InvalidAccess")
                    .error_message("Security Hub is not enabled")
                    .build(),
            )
            .build()
    });
    let client = mock_client!(aws_sdk_securityhub, RuleMode::MatchAny, [&refused]);
    let error = import_finding(
        &client,
        finding(&detached(StepStatus::Done), &target(), NOW),
    )
    .await
    .unwrap_err();
    assert_eq!(
        error,
        FindingError::Refused {
            account: "123456789012".into(),
            id: "trailwarden/iam-guard/7b7f3d2e-1111-4222-8333-944444444444".into(),
            code: "InvalidAccess".into(),
            message: "Security Hub is not enabled".into(),
        }
    );
}

#[tokio::test]
async fn a_failed_call_is_an_error_and_an_accepted_finding_is_ok() {
    let denied = mock!(Client::batch_import_findings).then_error(|| {
        BatchImportFindingsError::InvalidAccessException(
            aws_sdk_securityhub::types::error::InvalidAccessException::builder()
                .message("Account is not subscribed to AWS Security Hub")
                .build(),
        )
    });
    let client = mock_client!(aws_sdk_securityhub, RuleMode::MatchAny, [&denied]);
    let error = import_finding(
        &client,
        finding(&detached(StepStatus::Done), &target(), NOW),
    )
    .await
    .unwrap_err();
    let FindingError::CallFailed { account, message } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(account, "123456789012");
    assert!(
        message.contains("not subscribed to AWS Security Hub"),
        "{message}"
    );

    let accepted = mock!(Client::batch_import_findings)
        .match_requests(|input| {
            input.findings().len() == 1
                && input.findings()[0].id()
                    == Some("trailwarden/iam-guard/7b7f3d2e-1111-4222-8333-944444444444")
        })
        .then_output(|| {
            BatchImportFindingsOutput::builder()
                .failed_count(0)
                .success_count(1)
                .set_failed_findings(Some(vec![]))
                .build()
        });
    let client = mock_client!(aws_sdk_securityhub, RuleMode::MatchAny, [&accepted]);
    import_finding(
        &client,
        finding(&detached(StepStatus::Done), &target(), NOW),
    )
    .await
    .unwrap();
    assert_eq!(accepted.num_calls(), 1);
}
