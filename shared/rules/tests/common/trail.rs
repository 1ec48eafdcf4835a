//! What trail-guard's decision tests share: a CloudTrail or S3/KMS call by mallory, the trail
//! `audit` in us-east-1 as the desired state wants it, and the facts a decision is given.

use super::user;
use serde_json::{Value, json};
use trailwarden_events::{Record, Region};
use trailwarden_rules::desired::{EventSelector, ObservedTrail, TrailSettings};
use trailwarden_rules::{Decision, Fact, FactQuery, Facts, TrailRef};
pub const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

pub fn call(source: &str, name: &str, params: Value) -> Record {
    trailwarden_testkit::record(json!({
        "eventSource": source, "eventName": name, "sourceIPAddress": "198.51.100.7",
        "userAgent": "aws-cli/2.15.0", "eventID": "11111111-2222-3333-4444-666666666666",
        "userIdentity": user("mallory"), "requestParameters": params
    }))
}

pub fn us_east_1() -> Region {
    Region::parse("test", "us-east-1").unwrap()
}

pub fn audit() -> TrailRef {
    TrailRef {
        name: "audit".into(),
        arn: None,
        region: us_east_1(),
    }
}

/// A trail as the desired state (nothing declared) wants it, with bucket `audit-logs`.
pub fn good_settings() -> TrailSettings {
    TrailSettings {
        multi_region: true,
        include_global_service_events: true,
        log_file_validation: true,
        s3_bucket: Some("audit-logs".into()),
        ..TrailSettings::default()
    }
}

pub fn observed(settings: TrailSettings) -> ObservedTrail {
    ObservedTrail {
        trail: audit(),
        settings,
        logging: Some(true),
        selectors: Some((vec![EventSelector::management(vec![])], false)),
        insight_types: Some(vec![]),
        key_state: None,
    }
}

pub fn incident_of(d: &Decision) -> &trailwarden_rules::Incident {
    match d {
        Decision::Respond { incident, .. } => incident,
        other => panic!("expected a response, got {other}"),
    }
}

pub fn trails_fact(region: &str, full: bool, trails: Vec<ObservedTrail>) -> Facts {
    Facts::new().with(
        FactQuery::TrailsIn {
            region: Region::parse("test", region).unwrap(),
            full,
        },
        Fact::Trails(trails),
    )
}
