//! trail-guard's scheduled check (the README's "Scheduled check"): every protected trail compared
//! with its desired state, read only when protected, one check each.

mod common;

use common::ACCOUNT;
use common::trail::*;
use trailwarden_rules::desired::{CloudWatchLogs, EventSelector, ObservedTrail, TrailSettings};
use trailwarden_rules::{
    Action, Config, Decision, Fact, FactQuery, Facts, Ignored, Severity, TrailRef, trail,
};
use trailwarden_testkit::config;

/// The scheduled check over `trails` as AWS would answer: the list holds their settings, and each
/// protected one is then read in full.
fn scheduled(trails: Vec<ObservedTrail>, cfg: &Config) -> Vec<trail::TrailCheck> {
    let region = us_east_1();
    assert_eq!(
        trail::scheduled_facts(&region),
        [FactQuery::TrailsIn {
            region: region.clone(),
            full: false
        }]
    );
    let listed: Vec<ObservedTrail> = trails
        .iter()
        .map(|t| ObservedTrail {
            logging: None,
            selectors: None,
            insight_types: None,
            key_state: None,
            ..t.clone()
        })
        .collect();
    let mut facts = trails_fact("us-east-1", false, listed);
    let states = trail::states_needed(&region, Some(ACCOUNT), cfg, &facts);
    for t in trails {
        let query = FactQuery::TrailState {
            trail: t.trail.clone(),
        };
        if states.contains(&query) {
            facts = facts.with(query, Fact::Trail(Some(Box::new(t))));
        }
    }
    trail::check(&region, Some(ACCOUNT), cfg, &facts)
}

#[test]
fn the_scheduled_check_finds_a_stopped_trail() {
    let mut stopped = observed(good_settings());
    stopped.logging = Some(false);
    let checks = scheduled(vec![stopped], &config(&[]));
    assert_eq!(checks.len(), 1);
    assert_eq!(
        checks[0].decision.plan(),
        [Action::StartLogging {
            trail: audit(),
            stopped_at: None
        }]
    );
    assert_eq!(
        incident_of(&checks[0].decision).summary,
        "Drift on trail audit found by the scheduled check: logging stopped"
    );
}

#[test]
fn the_scheduled_check_finds_several_kinds_of_drift_on_one_trail() {
    let cfg = config(&[
        ("TRAIL_S3_BUCKET", "audit-logs"),
        ("TRAIL_INSIGHT_TYPES", "ApiCallRateInsight"),
    ]);
    let mut drifted = observed(TrailSettings {
        log_file_validation: false,
        kms_key_id: Some(KEY.into()),
        ..good_settings()
    });
    drifted.logging = Some(false);
    drifted.key_state = Some("PendingDeletion".into());
    drifted.selectors = Some((
        vec![EventSelector {
            read_write_type: "WriteOnly".into(),
            ..EventSelector::management(vec![])
        }],
        false,
    ));
    drifted.insight_types = Some(vec![]);
    let checks = scheduled(vec![drifted], &cfg);
    let kinds: Vec<_> = checks[0]
        .decision
        .plan()
        .iter()
        .map(|a| a.kind().as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "StartLogging",
            "CancelKeyDeletion",
            "EnableKey",
            "UpdateTrail",
            "PutEventSelectors",
            "PutInsightSelectors"
        ]
    );
    assert_eq!(
        incident_of(&checks[0].decision).severity,
        Severity::Critical
    );
}

#[test]
fn the_scheduled_check_says_nothing_when_all_is_well_and_finds_a_missing_trail() {
    let checks = scheduled(vec![observed(good_settings())], &config(&[]));
    assert_eq!(
        checks,
        [trail::TrailCheck {
            trail: "audit".into(),
            decision: Decision::Ignore(Ignored::NoDrift {
                trail: "audit".into()
            })
        }]
    );
    // `org` is protected by name and not there: deleted while nobody listened.
    let cfg = config(&[
        ("PROTECTED_TRAILS", "audit,org"),
        ("TRAIL_S3_BUCKET", "audit-logs"),
    ]);
    let checks = scheduled(vec![observed(good_settings())], &cfg);
    assert_eq!(checks.len(), 2);
    assert_eq!(checks[1].trail, "org");
    let kinds: Vec<_> = checks[1]
        .decision
        .plan()
        .iter()
        .map(|a| a.kind().as_str())
        .collect();
    assert_eq!(kinds, ["CreateTrail", "StartLogging"]);
    // Trails the check cannot read: one critical alert, no guess.
    let none = trail::check(&us_east_1(), Some(ACCOUNT), &config(&[]), &Facts::new());
    assert_eq!(incident_of(&none[0].decision).severity, Severity::Critical);
}

#[test]
fn the_declared_cloudwatch_logs_group_matches_with_or_without_the_trailing_star() {
    let cfg = config(&[
        (
            "TRAIL_CLOUDWATCH_LOGS_GROUP_ARN",
            "arn:aws:logs:us-east-1:123456789012:log-group:audit:*",
        ),
        (
            "TRAIL_CLOUDWATCH_LOGS_ROLE_ARN",
            "arn:aws:iam::123456789012:role/trail-to-logs",
        ),
    ]);
    let same = TrailSettings {
        cloud_watch_logs_group_arn: Some(
            "arn:aws:logs:us-east-1:123456789012:log-group:audit".into(),
        ),
        cloud_watch_logs_role_arn: Some("arn:aws:iam::123456789012:role/trail-to-logs".into()),
        ..good_settings()
    };
    assert!(matches!(
        scheduled(vec![observed(same)], &cfg)[0].decision,
        Decision::Ignore(Ignored::NoDrift { .. })
    ));
    let checks = scheduled(vec![observed(good_settings())], &cfg);
    let Action::UpdateTrail { changes, .. } = &checks[0].decision.plan()[0] else {
        panic!()
    };
    assert_eq!(
        changes.cloud_watch_logs,
        Some(CloudWatchLogs {
            log_group_arn: "arn:aws:logs:us-east-1:123456789012:log-group:audit:*".into(),
            role_arn: "arn:aws:iam::123456789012:role/trail-to-logs".into()
        })
    );
}

#[test]
fn the_scheduled_check_reads_only_protected_trails_and_one_it_cannot_read_hides_no_other() {
    let named = |name: &str| TrailRef {
        name: name.into(),
        arn: None,
        region: us_east_1(),
    };
    let settings_only = |name: &str| ObservedTrail {
        trail: named(name),
        settings: good_settings(),
        logging: None,
        selectors: None,
        insight_types: None,
        key_state: None,
    };
    let region = us_east_1();
    let cfg = config(&[("PROTECTED_TRAILS", "audit,backup")]);
    let listed = trails_fact(
        "us-east-1",
        false,
        vec![
            settings_only("audit"),
            settings_only("decoy"),
            settings_only("backup"),
        ],
    );
    // The decoy is not protected: it is not read at all.
    assert_eq!(
        trail::states_needed(&region, Some(ACCOUNT), &cfg, &listed),
        [
            FactQuery::TrailState {
                trail: named("audit")
            },
            FactQuery::TrailState {
                trail: named("backup")
            },
        ]
    );
    let mut stopped = observed(good_settings());
    stopped.logging = Some(false);
    let facts = listed
        .with(
            FactQuery::TrailState {
                trail: named("audit"),
            },
            Fact::Trail(Some(Box::new(stopped))),
        )
        .with(
            FactQuery::TrailState {
                trail: named("backup"),
            },
            Fact::Unknown("kms:DescribeKey on the trail's key: AccessDenied".into()),
        );
    let checks = trail::check(&region, Some(ACCOUNT), &cfg, &facts);
    assert_eq!(checks.len(), 2, "{checks:?}");
    assert_eq!(checks[0].trail, "audit");
    assert_eq!(
        checks[0].decision.plan(),
        [Action::StartLogging {
            trail: audit(),
            stopped_at: None
        }]
    );
    assert_eq!(checks[1].trail, "backup");
    let backup = incident_of(&checks[1].decision);
    assert_eq!(backup.severity, Severity::Critical);
    assert_eq!(
        backup.summary,
        "The scheduled check could not read protected trail backup"
    );
    assert_eq!(
        backup.next_steps,
        [
            "Check trail backup (us-east-1) by hand: kms:DescribeKey on the trail's key: AccessDenied. The other protected trails were checked."
        ]
    );
}
