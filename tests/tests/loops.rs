//! README, "Reliability and security", the duplicates and loops row, end to end against the local AWS with all three functions
//! configured as deployed (each knows the three responder roles):
//!
//! - the same event delivered three times: one revert, no errors;
//! - each remediation's own CloudTrail event, as trailwarden's role appears in it (an assumed-role
//!   session of a responder role), fed back to all three functions: nothing happens;
//! - a session that merely borrows a responder's session name is not ignored.

use serde_json::{Value, json};
use std::time::Duration;
use trailwarden_actions::guard_for;
use trailwarden_responder::{Config, Function, Report, Responder};
use trailwarden_tests::{ACCOUNT_ID, AlertQueue, EmulatorGuard, emulator, event_file};

const BUCKET: &str = "audit-logs";
const TRAIL: &str = "audit";
const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
const ROLES: [&str; 3] = [
    "trailwarden-iam-guard",
    "trailwarden-trail-guard",
    "trailwarden-tripwire",
];

struct Scene {
    aws: EmulatorGuard,
    alerts: AlertQueue,
    functions: Vec<Responder>,
}

async fn scene() -> Scene {
    let aws = emulator().await;
    aws.create_bucket(BUCKET).await;
    aws.create_logging_trail(TRAIL, BUCKET).await;
    aws.iam()
        .create_user()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    let alerts = aws.alert_queue().await;
    let roles = ROLES
        .iter()
        .map(|r| format!("arn:aws:iam::{ACCOUNT_ID}:role/{r}"))
        .collect::<Vec<_>>()
        .join(",");
    let vars = [
        ("ALERT_TOPIC_ARN", alerts.topic_arn().to_string()),
        ("RESPONDER_ROLE_ARNS", roles),
        ("SELF_RESOURCE_PREFIX", "trailwarden".to_string()),
    ];
    let config = Config::from_lookup(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    })
    .unwrap();
    let functions = [Function::IamGuard, Function::TrailGuard, Function::Tripwire]
        .into_iter()
        .map(|f| {
            Responder::new(
                guard_for(f, &aws.sdk_config()).expect("answers events"),
                config.clone(),
                &aws.sdk_config(),
            )
        })
        .collect();
    Scene {
        aws,
        alerts,
        functions,
    }
}

impl Scene {
    fn function(&self, f: Function) -> &Responder {
        self.functions.iter().find(|r| r.function() == f).unwrap()
    }

    /// The event handed to all three functions, as EventBridge would to each rule that matches.
    async fn to_all(&self, event: &Value) -> Vec<Report> {
        let mut reports = Vec::new();
        for f in &self.functions {
            reports.push(
                f.handle(event.clone())
                    .await
                    .unwrap_or_else(|e| panic!("{} returned an error: {e}", f.function().name())),
            );
        }
        reports
    }

    async fn alert_count(&self) -> usize {
        self.alerts.receive(Duration::ZERO).await.len()
    }

    async fn user_policies(&self) -> Vec<String> {
        self.aws
            .iam()
            .list_attached_user_policies()
            .user_name("alice")
            .send()
            .await
            .unwrap()
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(String::from))
            .collect()
    }
}

/// `userIdentity` of a Lambda function's own session: role `role`, session `session`.
fn session_of(role: &str, session: &str) -> Value {
    json!({
        "type": "AssumedRole",
        "principalId": format!("AROAEXAMPLE{}:{session}", role.len()),
        "arn": format!("arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role}/{session}"),
        "accountId": ACCOUNT_ID,
        "accessKeyId": "ASIAEXAMPLESESSION01",
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLE",
                "arn": format!("arn:aws:iam::{ACCOUNT_ID}:role/{role}"),
                "accountId": ACCOUNT_ID, "userName": role},
            "webIdFederationData": {},
            "attributes": {"creationDate": "2026-11-21T09:55:00Z", "mfaAuthenticated": "false"}
        }
    })
}

/// The CloudTrail event a remediation call makes, by `identity`.
fn remediation_event(source: &str, name: &str, request: Value, identity: Value, id: &str) -> Value {
    let mut event = json!({
        "version": "0", "id": format!("env-{id}"), "detail-type": "AWS API Call via CloudTrail",
        "source": format!("aws.{}", source.trim_end_matches(".amazonaws.com")),
        "account": ACCOUNT_ID, "time": "2026-11-21T10:00:05Z", "region": "us-east-1", "resources": [],
        "detail": {
            "eventVersion": "1.09", "userIdentity": identity, "eventTime": "2026-11-21T10:00:05Z",
            "eventSource": source, "eventName": name, "awsRegion": "us-east-1",
            "sourceIPAddress": "3.80.1.2", "userAgent": "aws-sdk-rust/1.3.9 os/linux lang/rust/1.95.0",
            "requestParameters": request, "responseElements": null, "eventID": id,
            "readOnly": false, "eventType": "AwsApiCall", "managementEvent": true,
            "recipientAccountId": ACCOUNT_ID, "eventCategory": "Management"
        }
    });
    // Made just now in the emulator.
    trailwarden_events::EventTime::now().stamp(&mut event);
    event
}

fn outcomes(reports: &[Report]) -> Vec<&str> {
    reports.iter().map(|r| r.outcome.as_str()).collect()
}

#[tokio::test]
async fn the_same_event_delivered_three_times_reverts_once_with_no_error() {
    let s = scene().await;
    s.aws
        .cloudtrail()
        .stop_logging()
        .name(TRAIL)
        .send()
        .await
        .unwrap();
    let trail_guard = s.function(Function::TrailGuard);
    let mut seen = Vec::new();
    for _ in 0..3 {
        let report = trail_guard
            .handle(event_file("stop-logging.json"))
            .await
            .unwrap();
        seen.push((report.outcome.clone(), report.actions[0].status.clone()));
    }
    assert_eq!(
        seen,
        [
            ("reverted".to_string(), "done".to_string()),
            (
                "already-reverted".to_string(),
                "already-in-effect".to_string()
            ),
            (
                "already-reverted".to_string(),
                "already-in-effect".to_string()
            ),
        ]
    );
    assert!(s.aws.is_logging(TRAIL).await);

    s.aws
        .iam()
        .attach_user_policy()
        .user_name("alice")
        .policy_arn(ADMIN)
        .send()
        .await
        .unwrap();
    let iam_guard = s.function(Function::IamGuard);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let report = iam_guard
            .handle(event_file("attach-user-policy.json"))
            .await
            .unwrap();
        statuses.push(report.actions[0].status.clone());
    }
    assert_eq!(statuses, ["done", "already-in-effect", "already-in-effect"]);
    assert!(s.user_policies().await.is_empty());
}

#[tokio::test]
async fn each_remediations_own_event_fed_back_to_all_three_functions_does_nothing() {
    let s = scene().await;
    // The attacks, and trailwarden's answers to them.
    s.aws
        .cloudtrail()
        .stop_logging()
        .name(TRAIL)
        .send()
        .await
        .unwrap();
    s.function(Function::TrailGuard)
        .handle(event_file("stop-logging.json"))
        .await
        .unwrap();
    s.aws
        .iam()
        .attach_user_policy()
        .user_name("alice")
        .policy_arn(ADMIN)
        .send()
        .await
        .unwrap();
    s.function(Function::IamGuard)
        .handle(event_file("attach-user-policy.json"))
        .await
        .unwrap();
    assert!(s.aws.is_logging(TRAIL).await);
    assert!(s.user_policies().await.is_empty());
    let before = s.alert_count().await;
    assert_eq!(before, 2, "one alert per revert");

    // The remediations' own CloudTrail events, as the responder roles appear in them.
    let own = [
        remediation_event(
            "cloudtrail.amazonaws.com",
            "StartLogging",
            json!({"name": TRAIL}),
            session_of("trailwarden-trail-guard", "trailwarden-trail-guard"),
            "own-1",
        ),
        remediation_event(
            "iam.amazonaws.com",
            "DetachUserPolicy",
            json!({"userName": "alice", "policyArn": ADMIN}),
            session_of("trailwarden-iam-guard", "trailwarden-iam-guard"),
            "own-2",
        ),
        remediation_event(
            "iam.amazonaws.com",
            "PutUserPolicy",
            json!({"userName": "alice", "policyName": "TrailwardenQuarantine",
                   "policyDocument": trailwarden_actions::iam::QUARANTINE_DOCUMENT}),
            session_of("trailwarden-iam-guard", "trailwarden-iam-guard"),
            "own-3",
        ),
        remediation_event(
            "iam.amazonaws.com",
            "UpdateAccessKey",
            json!({"userName": "alice", "accessKeyId": "AKIAEXAMPLENEWKEY001", "status": "Inactive"}),
            session_of("trailwarden-iam-guard", "trailwarden-iam-guard"),
            "own-4",
        ),
    ];
    for event in &own {
        let reports = s.to_all(event).await;
        assert_eq!(
            outcomes(&reports),
            ["ignored", "ignored", "ignored"],
            "{event}"
        );
        for r in &reports {
            assert!(
                r.actions.is_empty() && r.alert_message_id.is_none(),
                "{r:?}"
            );
        }
    }
    assert_eq!(
        s.alert_count().await,
        0,
        "no alert for trailwarden's own calls"
    );
    assert!(s.aws.is_logging(TRAIL).await);
    assert!(s.user_policies().await.is_empty());
}

#[tokio::test]
async fn a_session_that_borrows_a_responders_session_name_is_not_ignored() {
    let s = scene().await;
    s.aws
        .cloudtrail()
        .stop_logging()
        .name(TRAIL)
        .send()
        .await
        .unwrap();
    // Role Ops, session named like trail-guard's: the role ARN decides, not the name.
    let event = remediation_event(
        "cloudtrail.amazonaws.com",
        "StopLogging",
        json!({"name": TRAIL}),
        session_of("Ops", "trailwarden-trail-guard"),
        "borrowed-1",
    );

    let report = s
        .function(Function::TrailGuard)
        .handle(event)
        .await
        .unwrap();

    assert_eq!(report.outcome, "reverted");
    assert!(s.aws.is_logging(TRAIL).await);
    let alerts = s.alerts.receive(Duration::ZERO).await;
    assert_eq!(alerts.len(), 1);
    assert!(
        alerts[0].body_json()["summary"]
            .as_str()
            .unwrap()
            .contains("role Ops (session trailwarden-trail-guard)"),
        "{}",
        alerts[0].body_json()["summary"]
    );
}
