//! tripwire end to end against the local AWS: one test per rule of the README's tripwire table, each with its sample
//! event from events/. tripwire changes nothing: every alert is `alert-only`, published once to the
//! topic, received by the SQS queue subscribed to it with its attributes, and valid against
//! docs/alert.schema.json.

use std::time::Duration;
use trailwarden_actions::guard_for;
use trailwarden_responder::{Config, Function, Responder};
use trailwarden_tests::{AlertQueue, EmulatorGuard, emulator, event_file, repo_root};

const TRIPWIRE_ROLE: &str = "arn:aws:iam::123456789012:role/trailwarden-TripwireRole-XyZ";

struct Scene {
    _aws: EmulatorGuard,
    responder: Responder,
    alerts: AlertQueue,
}

async fn scene(vars: &[(&str, &str)]) -> Scene {
    let aws = emulator().await;
    let alerts = aws.alert_queue().await;
    let config = trailwarden_testkit::try_config_over(
        &[
            ("ALERT_TOPIC_ARN", alerts.topic_arn()),
            ("RESPONDER_ROLE_ARNS", TRIPWIRE_ROLE),
            ("SELF_RESOURCE_PREFIX", "trailwarden"),
        ],
        vars,
    )
    .unwrap();
    let responder = Responder::new(
        guard_for(Function::Tripwire, &aws.sdk_config()).expect("tripwire answers events"),
        config,
        &aws.sdk_config(),
    );
    Scene {
        _aws: aws,
        responder,
        alerts,
    }
}

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo_root().join("docs/alert.schema.json")).unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
}

/// Handles `event` with tripwire and checks the one alert that arrives; returns its document.
async fn alerts_once(
    event: &str,
    vars: &[(&str, &str)],
    rule: &str,
    severity: &str,
    summary: &str,
) -> serde_json::Value {
    let s = scene(vars).await;
    let sent = event_file(event);

    let report = s.responder.handle(sent.clone()).await.unwrap();

    assert_eq!(report.outcome, "alert-only", "{event}: {report:?}");
    assert!(report.actions.is_empty());
    let received = s.alerts.receive(Duration::ZERO).await;
    assert_eq!(received.len(), 1, "{event}: exactly one alert");
    let alert = &received[0];
    let event_id = sent["detail"]["eventID"].as_str().unwrap();
    assert_eq!(alert.attribute("function"), "tripwire");
    assert_eq!(alert.attribute("outcome"), "alert-only");
    assert_eq!(alert.attribute("severity"), severity, "{event}");
    assert_eq!(alert.attribute("event_id"), event_id);
    assert_eq!(alert.attribute("account"), "123456789012");
    let doc = alert.body_json();
    assert_eq!(
        alert.attribute("event_name"),
        doc["event"]["name"].as_str().unwrap()
    );
    assert_eq!(doc["rule"]["id"], rule, "{event}");
    assert_eq!(doc["summary"], summary, "{event}");
    assert_eq!(doc["actions"], serde_json::json!([]));
    let text = doc["text"].as_str().unwrap();
    assert_eq!(text.lines().next().unwrap(), format!("Alert: {summary}"));
    assert!(text.contains(&format!("Rule:       {rule} (")), "{text}");
    assert!(text.contains("trailwarden changed nothing"), "{text}");
    let errors: Vec<String> = schema()
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{event}: {errors:#?}");
    doc
}

#[tokio::test]
async fn root_activity_a_root_console_sign_in() {
    let doc = alerts_once(
        "tripwire-root-console-login.json",
        &[],
        "root-activity",
        "high",
        "Root user signed in to the console (MFA NO)",
    )
    .await;
    assert_eq!(doc["actor"]["type"], "Root");
    assert_eq!(doc["actor"]["console"], true);
}

#[tokio::test]
async fn root_access_key_created() {
    alerts_once(
        "tripwire-root-access-key.json",
        &[],
        "root-access-key-created",
        "critical",
        // Redacted in the alert: AKIAROOTKEYEXAMPLE01 shows as its prefix and last four.
        "Access key AKIA...LE01 created for the root user",
    )
    .await;
}

#[tokio::test]
async fn console_login_failed() {
    alerts_once(
        "tripwire-console-login-failed.json",
        &[],
        "console-login-failed",
        "medium",
        "Failed console sign-in for user bob (Failed authentication)",
    )
    .await;
}

#[tokio::test]
async fn console_login_without_mfa() {
    let doc = alerts_once(
        "tripwire-console-login-without-mfa.json",
        &[],
        "console-login-without-mfa",
        "medium",
        "user bob signed in to the console without MFA",
    )
    .await;
    assert_eq!(doc["actor"]["mfa"], false);
}

#[tokio::test]
async fn guardduty_disabled() {
    alerts_once(
        "tripwire-guardduty-delete-detector.json",
        &[],
        "guardduty-disabled",
        "high",
        "GuardDuty detector 12abc34d567e8fa901bc2d34e56789f0 deleted by user mallory",
    )
    .await;
}

#[tokio::test]
async fn config_recording_stopped() {
    alerts_once(
        "tripwire-config-stop-recorder.json",
        &[],
        "config-recording-stopped",
        "high",
        "AWS Config recorder default stopped by user mallory",
    )
    .await;
}

#[tokio::test]
async fn securityhub_disabled() {
    alerts_once(
        "tripwire-securityhub-disable.json",
        &[],
        "securityhub-disabled",
        "high",
        "Security Hub disabled by user mallory",
    )
    .await;
}

#[tokio::test]
async fn access_analyzer_deleted() {
    alerts_once(
        "tripwire-access-analyzer-delete.json",
        &[],
        "access-analyzer-deleted",
        "medium",
        "IAM Access Analyzer account-analyzer deleted by user mallory",
    )
    .await;
}

#[tokio::test]
async fn flow_logs_deleted() {
    alerts_once(
        "tripwire-delete-flow-logs.json",
        &[],
        "flow-logs-deleted",
        "medium",
        "VPC flow logs fl-0e17aa62a21d4bbfe deleted by user mallory",
    )
    .await;
}

#[tokio::test]
async fn dns_query_logging_removed() {
    alerts_once(
        "tripwire-dns-query-logging-delete.json",
        &[],
        "dns-query-logging-removed",
        "medium",
        "Route 53 Resolver query logging config rqlc-4473f20ca554c07 deleted by user mallory",
    )
    .await;
}

#[tokio::test]
async fn leave_organization() {
    alerts_once(
        "tripwire-leave-organization.json",
        &[],
        "leave-organization",
        "critical",
        "The account left its AWS Organization (LeaveOrganization by user mallory)",
    )
    .await;
}

#[tokio::test]
async fn federation_token() {
    alerts_once(
        "tripwire-federation-token.json",
        &[],
        "federation-token",
        "medium",
        "user mallory created federated session credentials for backdoor",
    )
    .await;
}

#[tokio::test]
async fn cloudtrail_insight() {
    let doc = alerts_once(
        "tripwire-insight.json",
        &[],
        "cloudtrail-insight",
        "medium",
        "CloudTrail Insights: unusual call rate of CreateAccessKey",
    )
    .await;
    assert_eq!(doc["event"]["name"], "ApiCallRateInsight");
    assert_eq!(doc["actor"]["type"], "CloudTrailInsight");
}

#[tokio::test]
async fn trailwarden_tampered() {
    alerts_once("tripwire-trailwarden-tampered.json", &[], "trailwarden-tampered", "critical", "user mallory changed trailwarden's own function trailwarden-TrailGuardFunction-AbC123 (PutFunctionConcurrency20171031)").await;
}

#[tokio::test]
async fn allowed_iam_change_when_turned_on() {
    alerts_once(
        "tripwire-allowed-iam-change.json",
        &[
            (
                "ALLOWED_PRINCIPALS",
                "arn:aws:iam::123456789012:role/Deployer",
            ),
            ("TRIPWIRE_ENABLED", "allowed-iam-change"),
        ],
        "allowed-iam-change",
        "info",
        "AttachRolePolicy by allowed principal role Deployer (session ci-42)",
    )
    .await;
}

#[tokio::test]
async fn a_severity_set_by_configuration_is_the_attribute() {
    alerts_once(
        "tripwire-securityhub-disable.json",
        &[("TRIPWIRE_SEVERITY", "securityhub-disabled=critical")],
        "securityhub-disabled",
        "critical",
        "Security Hub disabled by user mallory",
    )
    .await;
}

#[tokio::test]
async fn a_rule_turned_off_sends_nothing() {
    let s = scene(&[("TRIPWIRE_DISABLED", "console-login-without-mfa")]).await;
    let report = s
        .responder
        .handle(event_file("tripwire-console-login-without-mfa.json"))
        .await
        .unwrap();
    assert_eq!(report.outcome, "ignored");
    assert!(s.alerts.receive(Duration::ZERO).await.is_empty());
}

#[tokio::test]
async fn allowed_iam_change_is_off_by_default() {
    let s = scene(&[(
        "ALLOWED_PRINCIPALS",
        "arn:aws:iam::123456789012:role/Deployer",
    )])
    .await;
    let report = s
        .responder
        .handle(event_file("tripwire-allowed-iam-change.json"))
        .await
        .unwrap();
    assert_eq!(report.outcome, "ignored");
    assert!(s.alerts.receive(Duration::ZERO).await.is_empty());
}

#[tokio::test]
async fn the_guards_leave_tripwire_events_alone() {
    // trail-guard gets a root sign-in only if someone points its rule there: it ignores it.
    let aws = emulator().await;
    let alerts = aws.alert_queue().await;
    let topic = alerts.topic_arn().to_string();
    let config =
        Config::from_lookup(|name| (name == "ALERT_TOPIC_ARN").then(|| topic.clone())).unwrap();
    let trail_guard = Responder::new(
        guard_for(Function::TrailGuard, &aws.sdk_config()).expect("trail-guard answers events"),
        config,
        &aws.sdk_config(),
    );
    let report = trail_guard
        .handle(event_file("tripwire-insight.json"))
        .await
        .unwrap();
    assert_eq!(report.outcome, "ignored");
    assert!(alerts.receive(Duration::ZERO).await.is_empty());
}

// ---- Issue 19: the catalogues' other ways to blind, weaken or bypass the account's defences ---------

#[tokio::test]
async fn identity_provider_changed() {
    let doc = alerts_once(
        "tripwire-saml-provider-created.json",
        &[],
        "identity-provider-changed",
        "high",
        "SAML identity provider arn:aws:iam::123456789012:saml-provider/corp-idp created by user mallory",
    )
    .await;
    // The alert carries the one command that puts it back.
    assert!(
        doc["text"].as_str().unwrap().contains(
            "aws iam delete-saml-provider --saml-provider-arn arn:aws:iam::123456789012:saml-provider/corp-idp"
        ),
        "{}",
        doc["text"]
    );
}

#[tokio::test]
async fn organization_guardrail_removed() {
    alerts_once(
        "tripwire-scp-detached.json",
        &[],
        "organization-guardrail-removed",
        "critical",
        "Organization policy p-examplescp1 detached from ou-ab12-cdef3456 by user mallory",
    )
    .await;
}

#[tokio::test]
async fn guardduty_findings_silenced() {
    alerts_once(
        "tripwire-guardduty-trusted-ip-list.json",
        &[],
        "guardduty-findings-silenced",
        "high",
        "GuardDuty trusted IP list office (https://s3.amazonaws.com/attacker-bucket/ips.txt) added by user mallory: no finding for its addresses",
    )
    .await;
}

#[tokio::test]
async fn trail_log_group_tampered() {
    alerts_once(
        "tripwire-trail-metric-filter-deleted.json",
        &[
            (
                "TRAIL_CLOUDWATCH_LOGS_GROUP_ARN",
                "arn:aws:logs:us-east-1:123456789012:log-group:aws-cloudtrail-logs-audit:*",
            ),
            (
                "TRAIL_CLOUDWATCH_LOGS_ROLE_ARN",
                "arn:aws:iam::123456789012:role/CloudTrailToLogs",
            ),
        ],
        "trail-log-group-tampered",
        "high",
        "The trail's metric filter RootAccountUsage of log group aws-cloudtrail-logs-audit deleted by user mallory",
    )
    .await;
}

#[tokio::test]
async fn identity_center_admin_granted() {
    alerts_once(
        "tripwire-identity-center-admin-policy.json",
        &[],
        "identity-center-admin-granted",
        "high",
        "Identity Center permission set arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-0123456789abcdef given AdministratorAccess by user mallory: everyone assigned it is an administrator",
    )
    .await;
}
