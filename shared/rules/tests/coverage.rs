//! docs/coverage.md, row by row: each Stratus Red Team technique's real records (from
//! tests/corpus/stratus-red-team) run through all three functions' decisions give the answers
//! the table promises. Facts are empty (iam-guard then quarantines what it cannot revert exactly).

use std::collections::BTreeSet;
use trailwarden_events::{Record, parse_log_file};
use trailwarden_rules::{Config, Decision, Facts, iam, trail, tripwire};

fn config() -> Config {
    trailwarden_testkit::config(&[])
}

fn records(technique: &str) -> Vec<Record> {
    let path = trailwarden_events::corpus::dir()
        .join("stratus-red-team")
        .join(format!("{technique}.json"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse_log_file(&bytes).unwrap()
}

/// The same records with a real region: the publisher replaced every region name by an invented one
/// (`apiso-centralnorth-2r`), which the guards rightly refuse to build a client for.
fn in_a_real_region(records: Vec<Record>) -> Vec<Record> {
    records
        .into_iter()
        .map(|r| {
            if r.region().is_ok() {
                return r;
            }
            let mut raw = r.raw.clone();
            raw["awsRegion"] = "us-east-1".into();
            Record::from_value(&raw).unwrap()
        })
        .collect()
}

/// Every answer for the technique: "function: revert|alert EventName [rule]".
fn answers(technique: &str) -> BTreeSet<String> {
    let c = config();
    let facts = Facts::new();
    let mut out = BTreeSet::new();
    for r in in_a_real_region(records(technique)) {
        let mut note = |function: &str, d: Decision, rule: Option<&str>| {
            if let Decision::Respond { plan, .. } = d {
                let kind = if plan.is_empty() { "alert" } else { "revert" };
                let rule = rule.map(|r| format!(" [{r}]")).unwrap_or_default();
                out.insert(format!("{function}: {kind} {}{rule}", r.event_name));
            }
        };
        // A record a guard cannot read is an error the function reports; here it is no answer.
        if let Ok(d) = trail::decide(&r, &c, &facts) {
            note("trail-guard", d, None);
        }
        if let Ok(d) = iam::decide(&r, &c, &facts) {
            note("iam-guard", d, None);
        }
        let e = tripwire::evaluate(&r, &c);
        note("tripwire", e.decision, e.rule.map(|r| r.id));
    }
    out
}

fn expect(technique: &str, expected: &[&str]) {
    let got = answers(technique);
    let expected: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
    assert_eq!(got, expected, "{technique}");
}

/// As published (invented region): trail-guard cannot act on a region that does not exist and says
/// so; tripwire and iam-guard do not need the region.
#[test]
fn the_invented_region_is_refused_by_trail_guard_with_a_clear_error() {
    for r in records("aws.defense-evasion.cloudtrail-stop") {
        let err = trail::decide(&r, &config(), &Facts::new()).unwrap_err();
        assert_eq!(err.kind(), "UnknownRegion");
    }
}

#[test]
fn cloudtrail_stop_is_reverted_by_trail_guard() {
    expect(
        "aws.defense-evasion.cloudtrail-stop",
        &["trail-guard: revert StopLogging"],
    );
}

#[test]
fn cloudtrail_event_selectors_are_reverted_by_trail_guard() {
    expect(
        "aws.defense-evasion.cloudtrail-event-selectors",
        &["trail-guard: revert PutEventSelectors"],
    );
}

#[test]
fn cloudtrail_delete_is_alerted_by_trail_guard_without_a_declared_trail() {
    expect(
        "aws.defense-evasion.cloudtrail-delete",
        &["trail-guard: alert DeleteTrail"],
    );
}

#[test]
fn dns_delete_logs_is_alerted_by_tripwire() {
    expect(
        "aws.defense-evasion.dns-delete-logs",
        &["tripwire: alert DeleteResolverQueryLogConfig [dns-query-logging-removed]"],
    );
}

#[test]
fn vpc_remove_flow_logs_is_alerted_by_tripwire() {
    expect(
        "aws.defense-evasion.vpc-remove-flow-logs",
        &["tripwire: alert DeleteFlowLogs [flow-logs-deleted]"],
    );
}

#[test]
fn organizations_leave_attempt_is_alerted_by_tripwire() {
    expect(
        "aws.defense-evasion.organizations-leave",
        &["tripwire: alert LeaveOrganization [leave-organization]"],
    );
}

#[test]
fn console_login_without_mfa_is_alerted_by_tripwire() {
    expect(
        "aws.initial-access.console-login-without-mfa",
        &["tripwire: alert ConsoleLogin [console-login-without-mfa]"],
    );
}

#[test]
fn iam_backdoor_role_is_reverted_by_iam_guard() {
    expect(
        "aws.persistence.iam-backdoor-role",
        &["iam-guard: revert UpdateAssumeRolePolicy"],
    );
}

#[test]
fn iam_backdoor_user_is_reverted_by_iam_guard() {
    expect(
        "aws.persistence.iam-backdoor-user",
        &["iam-guard: revert CreateAccessKey"],
    );
}

#[test]
fn iam_create_admin_user_is_reverted_by_iam_guard() {
    expect(
        "aws.persistence.iam-create-admin-user",
        &[
            "iam-guard: revert AttachUserPolicy",
            "iam-guard: revert CreateAccessKey",
            "iam-guard: revert CreateUser",
        ],
    );
}

#[test]
fn iam_create_backdoor_role_is_reverted_by_iam_guard() {
    expect(
        "aws.persistence.iam-create-backdoor-role",
        &[
            "iam-guard: revert AttachRolePolicy",
            "iam-guard: revert CreateRole",
        ],
    );
}

#[test]
fn iam_create_user_login_profile_is_reverted_by_iam_guard() {
    expect(
        "aws.persistence.iam-create-user-login-profile",
        &["iam-guard: revert CreateLoginProfile"],
    );
}

#[test]
fn iam_update_user_login_profile_is_reverted_by_iam_guard() {
    expect(
        "aws.privilege-escalation.iam-update-user-login-profile",
        &["iam-guard: revert UpdateLoginProfile"],
    );
}

#[test]
fn sts_federation_token_is_alerted_by_tripwire() {
    expect(
        "aws.persistence.sts-federation-token",
        &["tripwire: alert GetFederationToken [federation-token]"],
    );
}

#[test]
fn rolesanywhere_create_trust_anchor_is_alerted_by_tripwire() {
    expect(
        "aws.persistence.rolesanywhere-create-trust-anchor",
        &[
            "tripwire: alert CreateProfile [roles-anywhere-changed]",
            "tripwire: alert CreateTrustAnchor [roles-anywhere-changed]",
        ],
    );
}

#[test]
fn the_techniques_nothing_answers_produce_no_alert() {
    for technique in [
        "aws.persistence.lambda-backdoor-function",
        "aws.persistence.lambda-layer-extension",
        "aws.persistence.lambda-overwrite-code",
        "aws.credential-access.ec2-get-password-data",
        "aws.credential-access.ec2-steal-instance-credentials",
        "aws.credential-access.secretsmanager-batch-retrieve-secrets",
        "aws.credential-access.secretsmanager-retrieve-secrets",
        "aws.credential-access.ssm-retrieve-securestring-parameters",
        "aws.discovery.ec2-download-user-data",
        "aws.execution.ec2-launch-unusual-instances",
        "aws.execution.ec2-user-data",
        "aws.execution.ssm-send-command",
        "aws.execution.ssm-start-session",
        "aws.exfiltration.ec2-security-group-open-port-22-ingress",
        "aws.exfiltration.ec2-share-ami",
        "aws.exfiltration.ec2-share-ebs-snapshot",
        "aws.exfiltration.rds-share-snapshot",
        "aws.impact.bedrock-invoke-model",
        "aws.lateral-movement.ec2-instance-connect",
        "aws.lateral-movement.ec2-serial-console-send-ssh-public-key",
    ] {
        expect(technique, &[]);
    }
}

#[test]
fn every_technique_file_of_the_corpus_has_a_row() {
    let dir = trailwarden_events::corpus::dir().join("stratus-red-team");
    let files = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
        .count();
    // 15 answered rows + 20 answered by nothing, each written out above.
    assert_eq!(files, 35);
}
