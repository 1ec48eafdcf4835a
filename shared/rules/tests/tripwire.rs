//! tripwire's decisions: one test per rule of the README's tripwire table, the gate of each, and the settings.

mod common;

use common::{role_session, root, user};
use serde_json::{Value, json};
use trailwarden_events::{Envelope, Record, parse_event};
use trailwarden_rules::tripwire::{self, RULES};
use trailwarden_rules::{Config, Decision, Ignored, Severity};

const ACCOUNT: &str = "123456789012";

fn config(vars: &[(&str, &str)]) -> Config {
    try_config(vars).unwrap()
}

fn try_config(vars: &[(&str, &str)]) -> Result<Config, trailwarden_rules::ConfigError> {
    trailwarden_testkit::try_config_over(
        &[(
            "ALERT_TOPIC_ARN",
            "arn:aws:sns:us-east-1:123456789012:tw-AlertTopic-X",
        )],
        vars,
    )
}

fn call(source: &str, name: &str, identity: Value, request: Value) -> Record {
    trailwarden_testkit::record(json!({
        "eventSource": source, "eventName": name,
        "eventID": "0b1c2d3e-0000-4000-8000-000000000001", "eventType": "AwsApiCall",
        "userIdentity": identity, "requestParameters": request
    }))
}

fn sign_in(identity: Value, result: &str, mfa: &str) -> Record {
    let mut r = json!({
        "eventVersion": "1.08", "eventTime": "2026-11-21T10:00:00Z", "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin", "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.66",
        "userAgent": "Mozilla/5.0", "eventID": "0b1c2d3e-0000-4000-8000-000000000002", "eventType": "AwsConsoleSignIn",
        "recipientAccountId": ACCOUNT, "userIdentity": identity, "requestParameters": null,
        "responseElements": {"ConsoleLogin": result}, "additionalEventData": {"MFAUsed": mfa}
    });
    if result == "Failure" {
        r["errorMessage"] = json!("Failed authentication");
    }
    Record::from_value(&r).unwrap()
}

fn failed(mut r: Record, code: &str) -> Record {
    r.error_code = Some(code.into());
    r
}

/// (rule id, severity, summary) of an alert, or panics with the decision.
fn alert(r: &Record, c: &Config) -> (&'static str, Severity, String) {
    let e = tripwire::evaluate(r, c);
    match (&e.decision, e.rule) {
        (Decision::Respond { incident, plan }, Some(rule)) => {
            assert!(plan.is_empty(), "tripwire never plans an action");
            (rule.id, incident.severity, incident.summary.clone())
        }
        other => panic!("expected an alert, got {other:?}"),
    }
}

fn ignored(r: &Record, c: &Config) -> Ignored {
    match tripwire::decide(r, c).unwrap() {
        Decision::Ignore(why) => why,
        other => panic!("expected ignore, got {other}"),
    }
}

#[test]
fn root_api_call_alerts_high() {
    let r = call("ec2.amazonaws.com", "RunInstances", root(), json!({}));
    assert_eq!(
        alert(&r, &config(&[])),
        (
            "root-activity",
            Severity::High,
            "Root user called ec2:RunInstances".into()
        )
    );
}

#[test]
fn root_failed_call_still_alerts() {
    let r = failed(
        call("s3.amazonaws.com", "DeleteBucket", root(), json!({})),
        "AccessDenied",
    );
    assert_eq!(
        alert(&r, &config(&[])).2,
        "Root user called s3:DeleteBucket (attempt failed: AccessDenied)"
    );
}

#[test]
fn root_service_event_is_not_root_activity() {
    let mut raw = call("kms.amazonaws.com", "RotateKey", root(), json!({})).raw;
    raw["eventType"] = json!("AwsServiceEvent");
    let r = Record::from_value(&raw).unwrap();
    assert_eq!(
        ignored(&r, &config(&[])),
        Ignored::NotHandled {
            event_name: "RotateKey".into()
        }
    );
}

#[test]
fn root_console_sign_in_alerts_with_its_mfa() {
    let c = config(&[]);
    assert_eq!(
        alert(&sign_in(root(), "Success", "No"), &c).2,
        "Root user signed in to the console (MFA NO)"
    );
    assert_eq!(
        alert(&sign_in(root(), "Success", "Yes"), &c).2,
        "Root user signed in to the console (MFA yes)"
    );
    assert_eq!(
        alert(&sign_in(root(), "Failure", "No"), &c).2,
        "Failed console sign-in as the root user"
    );
}

#[test]
fn root_access_key_created_is_critical() {
    let r = call("iam.amazonaws.com", "CreateAccessKey", root(), json!({}));
    let mut raw = r.raw.clone();
    raw["responseElements"] =
        json!({"accessKey": {"accessKeyId": "AKIAROOTKEYEXAMPLE01", "status": "Active"}});
    let r = Record::from_value(&raw).unwrap();
    assert_eq!(
        alert(&r, &config(&[])),
        (
            "root-access-key-created",
            Severity::Critical,
            "Access key AKIAROOTKEYEXAMPLE01 created for the root user".into()
        )
    );
}

#[test]
fn root_creating_a_key_for_a_user_is_root_activity_only() {
    let r = call(
        "iam.amazonaws.com",
        "CreateAccessKey",
        root(),
        json!({"userName": "bob"}),
    );
    assert_eq!(alert(&r, &config(&[])).0, "root-activity");
}

#[test]
fn failed_console_sign_in_alerts_medium_though_it_has_no_error_code() {
    let r = sign_in(user("bob"), "Failure", "No");
    assert_eq!(r.error_code, None, "a failed sign-in has no errorCode");
    assert_eq!(
        alert(&r, &config(&[])),
        (
            "console-login-failed",
            Severity::Medium,
            "Failed console sign-in for user bob (Failed authentication)".into()
        )
    );
}

#[test]
fn console_sign_in_without_mfa_alerts_medium() {
    let r = sign_in(user("bob"), "Success", "No");
    assert_eq!(
        alert(&r, &config(&[])),
        (
            "console-login-without-mfa",
            Severity::Medium,
            "user bob signed in to the console without MFA".into()
        )
    );
}

#[test]
fn console_sign_in_with_mfa_or_through_a_role_is_ignored() {
    let c = config(&[]);
    assert_eq!(
        ignored(&sign_in(user("bob"), "Success", "Yes"), &c),
        Ignored::NotHandled {
            event_name: "ConsoleLogin".into()
        }
    );
    // Identity Center / SAML sessions sign in as a role; MFA is the identity provider's.
    assert_eq!(
        ignored(&sign_in(role_session("SSOAdmin", "s"), "Success", "No"), &c),
        Ignored::NotHandled {
            event_name: "ConsoleLogin".into()
        }
    );
}

#[test]
fn sign_in_rules_ignore_the_allow_list() {
    let c = config(&[("ALLOWED_PRINCIPALS", "arn:aws:iam::123456789012:user/bob")]);
    assert_eq!(
        alert(&sign_in(user("bob"), "Failure", "No"), &c).0,
        "console-login-failed"
    );
}

#[test]
fn guardduty_detector_deleted_or_disabled_alerts_high() {
    let c = config(&[]);
    let del = call(
        "guardduty.amazonaws.com",
        "DeleteDetector",
        user("mallory"),
        json!({"detectorId": "d1"}),
    );
    assert_eq!(
        alert(&del, &c),
        (
            "guardduty-disabled",
            Severity::High,
            "GuardDuty detector d1 deleted by user mallory".into()
        )
    );
    let off = call(
        "guardduty.amazonaws.com",
        "UpdateDetector",
        user("mallory"),
        json!({"detectorId": "d1", "enable": false}),
    );
    assert_eq!(
        alert(&off, &c).2,
        "GuardDuty detector d1 disabled by user mallory"
    );
    let on = call(
        "guardduty.amazonaws.com",
        "UpdateDetector",
        user("mallory"),
        json!({"detectorId": "d1", "enable": true}),
    );
    assert!(matches!(ignored(&on, &c), Ignored::NotHandled { .. }));
}

#[test]
fn config_recorder_stopped_or_deleted_and_delivery_channel_deleted_alert_high() {
    let c = config(&[]);
    let cases = [
        (
            "StopConfigurationRecorder",
            json!({"configurationRecorderName": "default"}),
            "AWS Config recorder default stopped by user mallory",
        ),
        (
            "DeleteConfigurationRecorder",
            json!({"configurationRecorderName": "default"}),
            "AWS Config recorder default deleted by user mallory",
        ),
        (
            "DeleteDeliveryChannel",
            json!({"deliveryChannelName": "default"}),
            "AWS Config delivery channel default deleted by user mallory",
        ),
    ];
    for (name, request, summary) in cases {
        let r = call("config.amazonaws.com", name, user("mallory"), request);
        assert_eq!(
            alert(&r, &c),
            ("config-recording-stopped", Severity::High, summary.into()),
            "{name}"
        );
    }
}

#[test]
fn security_hub_disabled_alerts_high() {
    let r = call(
        "securityhub.amazonaws.com",
        "DisableSecurityHub",
        user("mallory"),
        json!({}),
    );
    assert_eq!(
        alert(&r, &config(&[])),
        (
            "securityhub-disabled",
            Severity::High,
            "Security Hub disabled by user mallory".into()
        )
    );
}

#[test]
fn access_analyzer_deleted_alerts_medium() {
    let r = call(
        "access-analyzer.amazonaws.com",
        "DeleteAnalyzer",
        user("mallory"),
        json!({"analyzerName": "org"}),
    );
    assert_eq!(
        alert(&r, &config(&[])),
        (
            "access-analyzer-deleted",
            Severity::Medium,
            "IAM Access Analyzer org deleted by user mallory".into()
        )
    );
}

#[test]
fn flow_logs_deleted_alerts_medium_with_their_ids() {
    let one = call(
        "ec2.amazonaws.com",
        "DeleteFlowLogs",
        user("mallory"),
        json!({"DeleteFlowLogsRequest": {"FlowLogId": {"content": "fl-1", "tag": 1}}}),
    );
    assert_eq!(
        alert(&one, &config(&[])),
        (
            "flow-logs-deleted",
            Severity::Medium,
            "VPC flow logs fl-1 deleted by user mallory".into()
        )
    );
    let two = call(
        "ec2.amazonaws.com",
        "DeleteFlowLogs",
        user("mallory"),
        json!({"DeleteFlowLogsRequest": {"FlowLogId": [{"content": "fl-1", "tag": 1}, {"content": "fl-2", "tag": 2}]}}),
    );
    assert_eq!(
        alert(&two, &config(&[])).2,
        "VPC flow logs fl-1, fl-2 deleted by user mallory"
    );
}

#[test]
fn dns_query_logging_deleted_or_detached_alerts_medium() {
    let c = config(&[]);
    let del = call(
        "route53resolver.amazonaws.com",
        "DeleteResolverQueryLogConfig",
        user("mallory"),
        json!({"resolverQueryLogConfigId": "rqlc-1"}),
    );
    assert_eq!(
        alert(&del, &c),
        (
            "dns-query-logging-removed",
            Severity::Medium,
            "Route 53 Resolver query logging config rqlc-1 deleted by user mallory".into()
        )
    );
    let off = call(
        "route53resolver.amazonaws.com",
        "DisassociateResolverQueryLogConfig",
        user("mallory"),
        json!({"resolverQueryLogConfigId": "rqlc-1", "resourceId": "vpc-1"}),
    );
    assert_eq!(
        alert(&off, &c).2,
        "Route 53 Resolver query logging rqlc-1 detached from vpc-1 by user mallory"
    );
}

#[test]
fn leave_organization_alerts_critical_even_when_denied() {
    let c = config(&[]);
    let done = call(
        "organizations.amazonaws.com",
        "LeaveOrganization",
        role_session("Ops", "s"),
        Value::Null,
    );
    assert_eq!(
        alert(&done, &c),
        (
            "leave-organization",
            Severity::Critical,
            "The account left its AWS Organization (LeaveOrganization by role Ops (session s))"
                .into()
        )
    );
    let tried = failed(done, "AccessDenied");
    assert_eq!(
        alert(&tried, &c).2,
        "role Ops (session s) tried to take the account out of its AWS Organization (attempt failed: AccessDenied)"
    );
}

#[test]
fn get_federation_token_alerts_medium() {
    let r = call(
        "sts.amazonaws.com",
        "GetFederationToken",
        user("ci"),
        json!({"name": "backdoor"}),
    );
    assert_eq!(
        alert(&r, &config(&[])),
        (
            "federation-token",
            Severity::Medium,
            "user ci created federated session credentials for backdoor".into()
        )
    );
}

#[test]
fn changes_to_trailwarden_itself_alert_critical() {
    let c = config(&[
        ("SELF_RESOURCE_PREFIX", "tw"),
        (
            "RESPONDER_ROLE_ARNS",
            "arn:aws:iam::123456789012:role/tw-TrailGuardRole-ABC",
        ),
        (
            "ALERT_KEY_ARN",
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
    ]);
    let cases = [
        // The alert path: silence it and no alert gets out.
        (
            "kms.amazonaws.com",
            "DisableKey",
            json!({"keyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}),
            "alert key 1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
        (
            "kms.amazonaws.com",
            "ScheduleKeyDeletion",
            json!({"keyId": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", "pendingWindowInDays": 7}),
            "alert key 1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
        (
            "kms.amazonaws.com",
            "PutKeyPolicy",
            json!({"keyId": "1234abcd-12ab-34cd-56ef-1234567890ab", "policyName": "default", "policy": "{}"}),
            "alert key 1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
        (
            "monitoring.amazonaws.com",
            "DisableAlarmActions",
            json!({"alarmNames": ["other", "tw-IamGuardErrorsAlarm-7"]}),
            "alarm tw-IamGuardErrorsAlarm-7",
        ),
        (
            "monitoring.amazonaws.com",
            "DeleteAlarms",
            json!({"alarmNames": ["tw-DeadLetterQueueAlarm-8"]}),
            "alarm tw-DeadLetterQueueAlarm-8",
        ),
        (
            "logs.amazonaws.com",
            "DeleteLogGroup",
            json!({"logGroupName": "/aws/lambda/tw-iam-guard"}),
            "log group /aws/lambda/tw-iam-guard",
        ),
        (
            "logs.amazonaws.com",
            "PutRetentionPolicy",
            json!({"logGroupName": "/aws/lambda/tw-tripwire", "retentionInDays": 1}),
            "log group /aws/lambda/tw-tripwire",
        ),
        (
            "lambda.amazonaws.com",
            "PutFunctionConcurrency20171031",
            json!({"functionName": "tw-TrailGuardFunction-1", "reservedConcurrentExecutions": 0}),
            "function tw-TrailGuardFunction-1",
        ),
        (
            "lambda.amazonaws.com",
            "DeleteFunction20150331",
            json!({"functionName": "arn:aws:lambda:us-east-1:123456789012:function:tw-TripwireFunction-2"}),
            "function tw-TripwireFunction-2",
        ),
        (
            "events.amazonaws.com",
            "DisableRule",
            json!({"name": "tw-TrailGuardFunctionTrailTampering-3"}),
            "EventBridge rule tw-TrailGuardFunctionTrailTampering-3",
        ),
        (
            "events.amazonaws.com",
            "RemoveTargets",
            json!({"rule": "tw-TripwireFunctionTripwireEvents-4", "ids": ["a"]}),
            "EventBridge rule tw-TripwireFunctionTripwireEvents-4",
        ),
        (
            "sns.amazonaws.com",
            "DeleteTopic",
            json!({"topicArn": "arn:aws:sns:us-east-1:123456789012:tw-AlertTopic-X"}),
            "topic tw-AlertTopic-X",
        ),
        (
            "sns.amazonaws.com",
            "Unsubscribe",
            json!({"subscriptionArn": "arn:aws:sns:us-east-1:123456789012:tw-AlertTopic-X:8f9e"}),
            "topic tw-AlertTopic-X",
        ),
        (
            "sqs.amazonaws.com",
            "PurgeQueue",
            json!({"queueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/tw-DeadLetterQueue-5"}),
            "queue tw-DeadLetterQueue-5",
        ),
        (
            "iam.amazonaws.com",
            "PutRolePolicy",
            json!({"roleName": "tw-TrailGuardRole-ABC", "policyName": "x"}),
            "role tw-TrailGuardRole-ABC",
        ),
        // IAM role names are one regardless of case: the request may write them in any.
        (
            "iam.amazonaws.com",
            "UpdateAssumeRolePolicy",
            json!({"roleName": "TW-TRAILGUARDROLE-ABC", "policyDocument": "{}"}),
            "role TW-TRAILGUARDROLE-ABC",
        ),
        (
            "iam.amazonaws.com",
            "AttachRolePolicy",
            json!({"roleName": "Tw-Other-Role", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
            "role Tw-Other-Role",
        ),
        (
            "cloudformation.amazonaws.com",
            "DeleteStack",
            json!({"stackName": "tw"}),
            "stack tw",
        ),
        // iam-guard's journal: deleted, or its recovery or expiry turned off.
        (
            "dynamodb.amazonaws.com",
            "DeleteTable",
            json!({"tableName": "tw-iam-journal"}),
            "journal table tw-iam-journal",
        ),
        (
            "dynamodb.amazonaws.com",
            "UpdateContinuousBackups",
            json!({"tableName": "tw-iam-journal", "pointInTimeRecoverySpecification": {"pointInTimeRecoveryEnabled": false}}),
            "journal table tw-iam-journal",
        ),
        (
            "dynamodb.amazonaws.com",
            "PutResourcePolicy",
            json!({"resourceArn": "arn:aws:dynamodb:us-east-1:123456789012:table/tw-iam-journal", "policy": "{}"}),
            "journal table tw-iam-journal",
        ),
    ];
    for (source, name, request, resource) in cases {
        let r = call(source, name, user("mallory"), request);
        assert_eq!(
            alert(&r, &c),
            (
                "trailwarden-tampered",
                Severity::Critical,
                format!("user mallory changed trailwarden's own {resource} ({name})")
            ),
            "{name}"
        );
    }
}

#[test]
fn other_resources_and_reads_of_trailwarden_are_not_tampering() {
    let c = config(&[("SELF_RESOURCE_PREFIX", "tw")]);
    let other = call(
        "lambda.amazonaws.com",
        "DeleteFunction20150331",
        user("mallory"),
        json!({"functionName": "twin-app"}),
    );
    assert!(matches!(ignored(&other, &c), Ignored::NotHandled { .. }));
    let read = call(
        "lambda.amazonaws.com",
        "GetFunction20150331v2",
        user("mallory"),
        json!({"functionName": "tw-TripwireFunction-2"}),
    );
    assert!(matches!(ignored(&read, &c), Ignored::NotHandled { .. }));
    let table = call(
        "dynamodb.amazonaws.com",
        "DeleteTable",
        user("mallory"),
        json!({"tableName": "orders"}),
    );
    assert!(matches!(ignored(&table, &c), Ignored::NotHandled { .. }));
    // Without SELF_RESOURCE_PREFIX, the alert topic is still known by its ARN.
    let topic = call(
        "sns.amazonaws.com",
        "DeleteTopic",
        user("mallory"),
        json!({"topicArn": "arn:aws:sns:us-east-1:123456789012:tw-AlertTopic-X"}),
    );
    assert_eq!(alert(&topic, &config(&[])).0, "trailwarden-tampered");
    // Another key, another alarm, another function's log group: not trailwarden's.
    let c = config(&[
        ("SELF_RESOURCE_PREFIX", "tw"),
        (
            "ALERT_KEY_ARN",
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
    ]);
    for (source, name, request) in [
        (
            "kms.amazonaws.com",
            "DisableKey",
            json!({"keyId": "99999999-0000-0000-0000-000000000000"}),
        ),
        (
            "monitoring.amazonaws.com",
            "DeleteAlarms",
            json!({"alarmNames": ["twin-alarm", "app-errors"]}),
        ),
        (
            "logs.amazonaws.com",
            "DeleteLogGroup",
            json!({"logGroupName": "/aws/lambda/twin-app"}),
        ),
    ] {
        let r = call(source, name, user("mallory"), request);
        assert!(
            matches!(ignored(&r, &c), Ignored::NotHandled { .. }),
            "{name}"
        );
    }
}

#[test]
fn a_deployment_by_an_allowed_principal_is_not_tampering() {
    let c = config(&[
        ("SELF_RESOURCE_PREFIX", "tw"),
        (
            "ALLOWED_PRINCIPALS",
            "arn:aws:iam::123456789012:role/Deployer",
        ),
    ]);
    let r = call(
        "lambda.amazonaws.com",
        "UpdateFunctionCode20150331v2",
        role_session("Deployer", "s"),
        json!({"functionName": "tw-TripwireFunction-2"}),
    );
    assert_eq!(
        ignored(&r, &c),
        Ignored::AllowedPrincipal {
            pattern: "arn:aws:iam::123456789012:role/Deployer".into()
        }
    );
}

#[test]
fn iam_changes_by_allowed_principals_are_info_when_turned_on() {
    let allowed = (
        "ALLOWED_PRINCIPALS",
        "arn:aws:iam::123456789012:role/Deployer",
    );
    let r = call(
        "iam.amazonaws.com",
        "AttachRolePolicy",
        role_session("Deployer", "s"),
        json!({"roleName": "app", "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
    );
    // Off by default: the allow-list's reason is what is logged.
    assert_eq!(
        ignored(&r, &config(&[allowed])),
        Ignored::NotHandled {
            event_name: "AttachRolePolicy".into()
        }
    );
    let on = config(&[allowed, ("TRIPWIRE_ENABLED", "allowed-iam-change")]);
    assert_eq!(
        alert(&r, &on),
        (
            "allowed-iam-change",
            Severity::Info,
            "AttachRolePolicy by allowed principal role Deployer (session s)".into()
        )
    );
    // Not for someone who is not allowed (iam-guard answers those), nor for reads.
    let mallory = call(
        "iam.amazonaws.com",
        "AttachRolePolicy",
        user("mallory"),
        json!({"roleName": "app"}),
    );
    assert!(matches!(ignored(&mallory, &on), Ignored::NotHandled { .. }));
    let read = call(
        "iam.amazonaws.com",
        "ListRoles",
        role_session("Deployer", "s"),
        json!({}),
    );
    assert!(matches!(ignored(&read, &on), Ignored::NotHandled { .. }));
}

#[test]
fn a_failed_change_and_trailwardens_own_calls_are_ignored() {
    let c = config(&[(
        "RESPONDER_ROLE_ARNS",
        "arn:aws:iam::123456789012:role/tw-TripwireRole-1",
    )]);
    let r = failed(
        call(
            "guardduty.amazonaws.com",
            "DeleteDetector",
            user("mallory"),
            json!({"detectorId": "d1"}),
        ),
        "AccessDenied",
    );
    assert_eq!(
        ignored(&r, &c),
        Ignored::FailedCall {
            error_code: "AccessDenied".into()
        }
    );
    let own = call(
        "guardduty.amazonaws.com",
        "DeleteDetector",
        role_session("tw-TripwireRole-1", "s"),
        json!({"detectorId": "d1"}),
    );
    assert!(matches!(ignored(&own, &c), Ignored::OwnRole { .. }));
}

#[test]
fn an_insight_start_alerts_and_its_end_does_not() {
    let insight = |state: &str| {
        let Envelope::Insight(i) = parse_event(&json!({
            "version": "0", "id": "i", "detail-type": "AWS Insight via CloudTrail", "source": "aws.cloudtrail",
            "account": ACCOUNT, "time": "2026-11-21T10:00:00Z", "region": "us-east-1", "resources": [],
            "detail": {"eventVersion": "1.08", "eventTime": "2026-11-21T10:00:00Z", "awsRegion": "us-east-1",
                "eventID": "5f5f5f5f-0000-4000-8000-000000000009", "eventType": "AwsCloudTrailInsight",
                "recipientAccountId": ACCOUNT, "sharedEventID": "s", "eventCategory": "Insight",
                "insightDetails": {"state": state, "eventSource": "iam.amazonaws.com", "eventName": "CreateAccessKey",
                    "insightType": "ApiCallRateInsight"}}
        }))
        .unwrap() else {
            panic!("not an insight")
        };
        i
    };
    let c = config(&[]);
    let start = tripwire::evaluate_insight(&insight("Start"), &c);
    let Decision::Respond { incident, .. } = &start.decision else {
        panic!("{start:?}")
    };
    assert_eq!(start.rule.map(|r| r.id), Some("cloudtrail-insight"));
    assert_eq!(
        incident.summary,
        "CloudTrail Insights: unusual call rate of CreateAccessKey"
    );
    assert_eq!(incident.severity, Severity::Medium);
    assert!(matches!(
        tripwire::evaluate_insight(&insight("End"), &c).decision,
        Decision::Ignore(_)
    ));
    let off = config(&[("TRIPWIRE_DISABLED", "cloudtrail-insight")]);
    assert!(matches!(
        tripwire::evaluate_insight(&insight("Start"), &off).decision,
        Decision::Ignore(_)
    ));
}

#[test]
fn a_rule_can_be_turned_off_or_given_another_severity() {
    let r = sign_in(user("bob"), "Success", "No");
    let off = config(&[(
        "TRIPWIRE_DISABLED",
        "console-login-without-mfa, federation-token",
    )]);
    assert_eq!(
        ignored(&r, &off),
        Ignored::NotHandled {
            event_name: "ConsoleLogin".into()
        }
    );
    let high = config(&[(
        "TRIPWIRE_SEVERITY",
        "console-login-without-mfa=high,root-activity=critical",
    )]);
    assert_eq!(alert(&r, &high).1, Severity::High);
}

#[test]
fn bad_tripwire_settings_name_their_variable() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("TRIPWIRE_DISABLED", "root-activty")],
            "TRIPWIRE_DISABLED: \"root-activty\" is not a tripwire rule id",
        ),
        (
            &[("TRIPWIRE_ENABLED", "nope")],
            "TRIPWIRE_ENABLED: \"nope\" is not a tripwire rule id",
        ),
        (
            &[
                ("TRIPWIRE_DISABLED", "root-activity"),
                ("TRIPWIRE_ENABLED", "root-activity"),
            ],
            "TRIPWIRE_ENABLED: \"root-activity\" is also in TRIPWIRE_DISABLED",
        ),
        (
            &[("TRIPWIRE_SEVERITY", "root-activity")],
            "TRIPWIRE_SEVERITY: \"root-activity\" is not rule-id=severity",
        ),
        (
            &[("TRIPWIRE_SEVERITY", "root-activity=urgent")],
            "TRIPWIRE_SEVERITY: \"urgent\" is not a severity",
        ),
        (
            &[("TRIPWIRE_SEVERITY", "rootactivity=high")],
            "TRIPWIRE_SEVERITY: \"rootactivity\" is not a tripwire rule id",
        ),
        (
            &[("SELF_RESOURCE_PREFIX", "tw/x")],
            "SELF_RESOURCE_PREFIX: \"tw/x\" is not a stack name",
        ),
    ];
    for (vars, expected) in cases {
        let message = try_config(vars).unwrap_err().to_string();
        assert!(
            message.starts_with(expected),
            "{message:?} should start with {expected:?}"
        );
    }
}

#[test]
fn every_rule_has_a_unique_id_and_an_explanation() {
    let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), RULES.len());
    assert_eq!(RULES.len(), 32);
    assert!(RULES.iter().all(|r| !r.explanation.is_empty()));
    assert_eq!(
        RULES
            .iter()
            .filter(|r| !r.on_by_default)
            .map(|r| r.id)
            .collect::<Vec<_>>(),
        ["log-group-tampered", "allowed-iam-change"]
    );
}

#[test]
fn every_corpus_record_is_decided_without_error() {
    let c = config(&[]);
    let mut alerts = 0;
    for (_, r) in trailwarden_events::corpus::records() {
        if let Decision::Respond { plan, .. } = tripwire::decide(&r, &c).unwrap() {
            assert!(plan.is_empty());
            alerts += 1;
        }
    }
    assert!(alerts > 0);
}
