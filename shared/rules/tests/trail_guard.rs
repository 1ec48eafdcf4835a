//! trail-guard's decisions, one test per rule of the foundation issue, and over the real corpus.

use serde_json::{Value, json};
use trailwarden_events::{Record, corpus};
use trailwarden_rules::{Action, Config, Decision, Ignored, Mode, Severity, trail};

const ACCOUNT: &str = "123456789012";

fn config(vars: &[(&str, &str)]) -> Config {
    let mut all = vec![(
        "ALERT_TOPIC_ARN",
        "arn:aws:sns:us-east-1:123456789012:alerts",
    )];
    all.extend_from_slice(vars);
    Config::from_lookup(|name| {
        all.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    })
    .unwrap()
}

fn stop_logging(name: &str, identity: Value) -> Record {
    Record::from_value(&json!({
        "eventVersion": "1.09", "eventTime": "2026-11-21T10:00:00Z", "eventSource": "cloudtrail.amazonaws.com",
        "eventName": "StopLogging", "awsRegion": "eu-west-1", "sourceIPAddress": "198.51.100.7",
        "userAgent": "aws-cli/2.15.0", "eventID": "11111111-2222-3333-4444-555555555555",
        "recipientAccountId": ACCOUNT, "userIdentity": identity, "requestParameters": {"name": name},
        "responseElements": null
    }))
    .unwrap()
}

fn user(name: &str) -> Value {
    json!({"type": "IAMUser", "arn": format!("arn:aws:iam::{ACCOUNT}:user/{name}"), "accountId": ACCOUNT,
           "accessKeyId": "AKIAEXAMPLEEXAMPLE", "userName": name})
}

fn role_session(role: &str, session: &str) -> Value {
    json!({"type": "AssumedRole", "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"),
           "accountId": ACCOUNT, "sessionContext": {"sessionIssuer": {"type": "Role",
           "arn": format!("arn:aws:iam::{ACCOUNT}:role/{role}")}, "attributes": {"mfaAuthenticated": "false"}}})
}

fn planned_trail(decision: &Decision) -> (String, String) {
    match decision.plan() {
        [Action::StartLogging { trail }] => (trail.api_name(), trail.region.to_string()),
        other => panic!("expected one StartLogging, got {other:?}"),
    }
}

#[test]
fn stop_logging_by_name_is_answered_with_start_logging_in_the_event_region() {
    let d = trail::decide(&stop_logging("audit", user("mallory")), &config(&[])).unwrap();
    assert_eq!(planned_trail(&d), ("audit".into(), "eu-west-1".into()));
    let Decision::Respond { incident, .. } = &d else {
        unreachable!()
    };
    assert_eq!(incident.severity, Severity::High);
    assert_eq!(
        incident.summary,
        "CloudTrail logging stopped on trail audit by user mallory"
    );
}

#[test]
fn stop_logging_by_arn_acts_in_the_arn_region() {
    let arn = "arn:aws:cloudtrail:us-west-2:123456789012:trail/audit";
    let d = trail::decide(&stop_logging(arn, user("mallory")), &config(&[])).unwrap();
    assert_eq!(planned_trail(&d), (arn.into(), "us-west-2".into()));
}

#[test]
fn a_failed_call_is_ignored() {
    let mut r = stop_logging("audit", user("mallory"));
    r.error_code = Some("TrailNotFoundException".into());
    let d = trail::decide(&r, &config(&[])).unwrap();
    assert_eq!(
        d,
        Decision::Ignore(Ignored::FailedCall {
            error_code: "TrailNotFoundException".into()
        })
    );
}

#[test]
fn an_allowed_principal_is_left_alone_by_session_or_by_role() {
    let by_role = config(&[(
        "ALLOWED_PRINCIPALS",
        "arn:aws:iam::123456789012:role/BreakGlass",
    )]);
    let d = trail::decide(
        &stop_logging("audit", role_session("BreakGlass", "alice")),
        &by_role,
    )
    .unwrap();
    assert!(
        matches!(d, Decision::Ignore(Ignored::AllowedPrincipal { .. })),
        "{d}"
    );
    let by_session = config(&[(
        "ALLOWED_PRINCIPALS",
        "arn:aws:sts::123456789012:assumed-role/Deployer/ci-*",
    )]);
    let d = trail::decide(
        &stop_logging("audit", role_session("Deployer", "ci-42")),
        &by_session,
    )
    .unwrap();
    assert!(
        matches!(d, Decision::Ignore(Ignored::AllowedPrincipal { .. })),
        "{d}"
    );
    let d = trail::decide(
        &stop_logging("audit", role_session("Deployer", "manual")),
        &by_session,
    )
    .unwrap();
    assert_eq!(
        d.plan().len(),
        1,
        "another session of the role is not allowed"
    );
}

#[test]
fn the_responder_role_is_recognised_by_role_not_session_name() {
    let cfg = config(&[(
        "RESPONDER_ROLE_ARNS",
        "arn:aws:iam::123456789012:role/trailwarden-trail-guard",
    )]);
    let d = trail::decide(
        &stop_logging("audit", role_session("trailwarden-trail-guard", "anything")),
        &cfg,
    )
    .unwrap();
    assert!(
        matches!(d, Decision::Ignore(Ignored::Responder { .. })),
        "{d}"
    );
    // Another role that borrows the responder's session name is not the responder.
    let d = trail::decide(
        &stop_logging("audit", role_session("Attacker", "trail-guard")),
        &cfg,
    )
    .unwrap();
    assert_eq!(d.plan().len(), 1);
}

#[test]
fn an_unprotected_trail_is_ignored() {
    let cfg = config(&[(
        "PROTECTED_TRAILS",
        "audit,arn:aws:cloudtrail:us-east-1:123456789012:trail/org",
    )]);
    let d = trail::decide(&stop_logging("scratch", user("mallory")), &cfg).unwrap();
    assert_eq!(
        d,
        Decision::Ignore(Ignored::UnprotectedTrail {
            trail: "scratch".into()
        })
    );
    // An ARN selector protects that trail only in its region.
    let d = trail::decide(&stop_logging("org", user("mallory")), &cfg).unwrap();
    assert!(
        matches!(d, Decision::Ignore(Ignored::UnprotectedTrail { .. })),
        "org in eu-west-1 is another trail"
    );
    let d = trail::decide(
        &stop_logging(
            "arn:aws:cloudtrail:us-east-1:123456789012:trail/org",
            user("mallory"),
        ),
        &cfg,
    )
    .unwrap();
    assert_eq!(d.plan().len(), 1);
}

#[test]
fn a_trail_of_another_account_is_not_touched() {
    let d = trail::decide(
        &stop_logging(
            "arn:aws:cloudtrail:us-east-1:999999999999:trail/audit",
            user("mallory"),
        ),
        &config(&[]),
    )
    .unwrap();
    let Decision::Respond { plan, incident } = d else {
        panic!("expected an alert")
    };
    assert!(plan.is_empty());
    assert!(
        incident.summary.contains("not this account 123456789012"),
        "{}",
        incident.summary
    );
}

#[test]
fn dry_run_decides_the_same_plan() {
    let cfg = config(&[("MODE", "dry-run")]);
    assert_eq!(cfg.mode, Mode::DryRun);
    let d = trail::decide(&stop_logging("audit", user("mallory")), &cfg).unwrap();
    assert_eq!(
        d.plan().len(),
        1,
        "dry-run decides as enforce does; the executor changes nothing"
    );
}

#[test]
fn missing_request_parameters_is_an_error_not_a_guess() {
    let mut r = stop_logging("audit", user("mallory"));
    r.request_parameters = None;
    let err = trail::decide(&r, &config(&[])).unwrap_err().to_string();
    assert_eq!(
        err,
        "requestParameters of StopLogging: requestParameters is missing or null"
    );
}

/// Every record of the corpus through trail-guard, with the default configuration (every trail
/// protected, nobody allowed). The expectations were read off the corpus by hand: its four
/// `StopLogging` records are three failed calls (TrailNotFoundException) and one successful call in
/// the anonymised region `apiso-centralnorth-2r`, which must be refused rather than acted on.
#[test]
fn the_corpus_through_trail_guard() {
    let cfg = config(&[]);
    let (mut failed, mut refused, mut responded, mut other) = (0, 0, 0, 0);
    for (path, record) in corpus::records() {
        match trail::decide(&record, &cfg) {
            Ok(Decision::Ignore(Ignored::FailedCall { error_code }))
                if record.event_name == "StopLogging" =>
            {
                assert_eq!(error_code, "TrailNotFoundException");
                failed += 1;
            }
            Err(e) => {
                assert_eq!(record.event_name, "StopLogging", "{}: {e}", path.display());
                assert_eq!(
                    e.to_string(),
                    "awsRegion \"apiso-centralnorth-2r\" is not an AWS region"
                );
                refused += 1;
            }
            Ok(Decision::Respond { .. }) => responded += 1,
            Ok(Decision::Ignore(_)) => other += 1,
        }
    }
    assert_eq!((failed, refused, responded), (3, 1, 0));
    assert_eq!(other, 3210 - 4);
}
