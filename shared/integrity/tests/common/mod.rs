//! What the validation test files share: a trail's bucket filled as CloudTrail fills it
//! (tests/src/digests.rs: digests in the documented format, signed with keys made for the test by
//! Python's `cryptography`), and one validation of it.
#![allow(dead_code)]

pub use std::collections::BTreeMap;
pub use trailwarden_events::EventTime;
pub use trailwarden_integrity::{
    Logging, ObjectRef, ProblemKind, Range, Store, TrailLocation, Validation, validate,
};
pub use trailwarden_tests::digests::{TestTrail, gzip, put, test_keys};
pub use trailwarden_tests::{Emulator, emulator};

pub const ACCOUNT: &str = trailwarden_tests::ACCOUNT_ID;
pub const BUCKET: &str = "audit-logs";
pub const REGION: &str = "us-east-1";

pub use trailwarden_tests::digests::test_hour as hour;

pub fn logging() -> Logging {
    Logging {
        is_logging: true,
        validation_enabled: true,
        started: Some(hour(-24)),
        stopped: None,
        digest_delivery_error: None,
    }
}

pub fn location(trail: &TestTrail) -> TrailLocation {
    TrailLocation {
        bucket: trail.bucket.clone(),
        prefix: trail.prefix.clone(),
        organization: trail.organization.clone(),
        account: trail.account.clone(),
        trail_name: trail.trail_name.clone(),
        home_region: trail.home_region.clone(),
    }
}

/// A bucket with `hours` hours of digests (2 log files each), signed with the first test key.
pub async fn filled(aws: &Emulator, hours: i64) -> TestTrail {
    let ends: Vec<EventTime> = (1..=hours).map(hour).collect();
    TestTrail::signed(aws, BUCKET, "audit", &ends).await
}

/// Validates hours 1 to `until` of `trail`, with the clock half an hour after `until`.
pub async fn check(aws: &Emulator, trail: &TestTrail, until: i64, logging: &Logging) -> Validation {
    let store = Store::new(aws.s3(), aws.cloudtrail());
    let now = EventTime::from_epoch_seconds(hour(until).epoch_seconds() + 1_800);
    validate(
        &store,
        &location(trail),
        &[],
        Range {
            since: hour(1),
            until: hour(until),
        },
        &BTreeMap::new(),
        logging,
        now,
        8,
        &(),
    )
    .await
    .expect("validation reads")
}

pub fn kinds(v: &Validation) -> Vec<ProblemKind> {
    v.problems.iter().map(|p| p.kind).collect()
}

pub fn object(key: &str) -> ObjectRef {
    ObjectRef::new(BUCKET, key)
}
