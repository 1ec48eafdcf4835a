//! The chain of digests, judged without a network: each digest names the one before it and its
//! signature; CloudTrail writes one every hour while the trail logs (with no log files, if none
//! were delivered), and starts a new chain (no previous digest) when logging or validation is
//! turned back on. So a name that points at nothing is a deleted digest, a signature that differs
//! is a replaced one, a restart the trail's status cannot explain is a gap in the evidence, and no
//! digest for hours while the trail logs means delivery stopped.
//!
//! Unlike the AWS CLI (its issue #7054), the hours between two digests are counted, so two digests
//! deleted in a row are two missing digests, not one or none.

use crate::ObjectRef;
use crate::digest::{Digest, DigestError, DigestKey};
use serde::Serialize;
use std::collections::HashSet;
use trailwarden_events::EventTime;

/// Digests are hourly; a digest this late past its hour is missing (CloudTrail delivers within
/// the hour; the margin covers a slow delivery).
pub const LATE_SECONDS: i64 = 2 * 3_600;

/// What a validation found wrong. Each names the objects concerned, the one at fault first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub kind: ProblemKind,
    pub objects: Vec<ObjectRef>,
    /// What was found, in a person's words.
    pub detail: String,
    /// The time the problem covers (a gap), when it has one.
    pub from: Option<String>,
    pub to: Option<String>,
    /// The previous version of a changed or deleted object, kept by the bucket's versioning.
    pub previous_version: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    DigestSignatureInvalid,
    DigestMissing,
    ChainBroken,
    LogFileModified,
    LogFileMissing,
}

impl ProblemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::DigestSignatureInvalid => "digest-signature-invalid",
            ProblemKind::DigestMissing => "digest-missing",
            ProblemKind::ChainBroken => "chain-broken",
            ProblemKind::LogFileModified => "log-file-modified",
            ProblemKind::LogFileMissing => "log-file-missing",
        }
    }
}

impl Problem {
    pub fn new(kind: ProblemKind, objects: Vec<ObjectRef>, detail: String) -> Problem {
        Problem {
            kind,
            objects,
            detail,
            from: None,
            to: None,
            previous_version: None,
        }
    }

    fn between(mut self, from: EventTime, to: EventTime) -> Problem {
        self.from = Some(from.to_string());
        self.to = Some(to.to_string());
        self
    }
}

/// A time with no digest that is expected: the trail was not logging (or validation was off), as
/// CloudTrail's new chain and the trail's status say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    pub from: String,
    pub to: String,
    pub explanation: String,
}

/// A digest as it was found: where, when it ends (from its name), the signature in its metadata,
/// and its content when that content is CloudTrail's, signed (else why not).
#[derive(Debug, Clone)]
pub struct Found {
    pub object: ObjectRef,
    pub key: DigestKey,
    pub signature: Option<String>,
    pub content: Result<Digest, DigestError>,
}

/// A digest known to come before the range: the last one a previous run validated (log-auditor's
/// position), or the one the first digest of the range names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Link {
    pub bucket: String,
    pub key: String,
    /// Its end time, RFC 3339.
    pub end: String,
    pub signature: Option<String>,
}

impl Link {
    pub fn of(found: &Found) -> Link {
        Link {
            bucket: found.object.bucket.clone(),
            key: found.object.key.clone(),
            end: found.key.end.to_string(),
            signature: found.signature.clone(),
        }
    }

    pub fn object(&self) -> ObjectRef {
        ObjectRef::new(&self.bucket, &self.key)
    }

    fn end_time(&self) -> EventTime {
        EventTime::parse(&self.end).unwrap_or(EventTime::from_epoch_seconds(0))
    }
}

/// What comes before the first digest of the range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Before {
    /// Nothing known (the start of the trail, or the first digest starts a chain).
    Nothing,
    Found(Link),
    /// The digest the first one names is not in the bucket.
    Missing(ObjectRef),
}

/// The trail's logging, from `GetTrail` and `GetTrailStatus`: only the latest start and stop are
/// kept by CloudTrail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Logging {
    pub is_logging: bool,
    pub validation_enabled: bool,
    pub started: Option<EventTime>,
    pub stopped: Option<EventTime>,
    /// `LatestDigestDeliveryError`: why CloudTrail could not write a digest (a bucket policy...).
    pub digest_delivery_error: Option<String>,
}

/// The chain's problems and expected gaps, for the hourly digests of one trail and region in a
/// range (`found` in the order of their end times; backfill digests are outside the chain).
/// `until` is the range's end and `now` the clock: when the range reaches the present, a trail
/// that logs with no digest for [`LATE_SECONDS`] is a missing digest.
pub fn judge(
    found: &[Found],
    before: &Before,
    logging: &Logging,
    since: EventTime,
    until: EventTime,
    now: EventTime,
) -> (Vec<Problem>, Vec<Gap>) {
    let mut problems = Vec::new();
    let mut gaps = Vec::new();
    let listed: HashSet<&ObjectRef> = found.iter().map(|f| &f.object).collect();
    let (mut previous, mut missing_before) = match before {
        Before::Found(link) => (Some(link.clone()), None),
        Before::Missing(object) => (None, Some(object.clone())),
        Before::Nothing => (None, None),
    };
    for f in found.iter().filter(|f| !f.key.backfill) {
        match &f.content {
            Err(why) => problems.push(Problem::new(
                ProblemKind::DigestSignatureInvalid,
                vec![f.object.clone()],
                format!("the digest is not CloudTrail's: {why}"),
            )),
            Ok(digest) => {
                if let Some(problem) = link_problem(
                    f,
                    digest,
                    previous.as_ref(),
                    missing_before.as_ref(),
                    &listed,
                ) {
                    problems.push(problem);
                } else if let (None, Some(p)) = (digest.previous(), &previous) {
                    restart(p, f, digest, logging, &mut problems, &mut gaps);
                }
            }
        }
        previous = Some(Link::of(f));
        missing_before = None;
    }
    if until.epoch_seconds() + LATE_SECONDS >= now.epoch_seconds()
        && let Some(problem) = delivery_stopped(previous.as_ref(), logging, since, now)
    {
        problems.push(problem);
    }
    (problems, gaps)
}

/// A signed digest against the one before it.
fn link_problem(
    f: &Found,
    digest: &Digest,
    previous: Option<&Link>,
    missing_before: Option<&ObjectRef>,
    listed: &HashSet<&ObjectRef>,
) -> Option<Problem> {
    let (named, signature) = digest.previous()?;
    match previous {
        Some(p) if p.object() == named => (p.signature.as_deref() != Some(signature)).then(|| {
            Problem::new(
                ProblemKind::ChainBroken,
                vec![named.clone(), f.object.clone()],
                format!(
                    "{named} does not carry the signature {} was chained to: it was replaced",
                    f.object
                ),
            )
        }),
        Some(p) if listed.contains(&named) => Some(Problem::new(
            ProblemKind::ChainBroken,
            vec![f.object.clone(), named.clone(), p.object()],
            format!(
                "{} names {named} as the digest before it, but {} lies between them",
                f.object,
                p.object()
            ),
        )),
        Some(p) => {
            let (from, to) = (p.end_time(), digest.start());
            let hours = hours_between(from, to);
            Some(
                Problem::new(
                    ProblemKind::DigestMissing,
                    vec![named.clone(), p.object(), f.object.clone()],
                    format!(
                        "{hours} hourly digest(s) missing between {from} and {to}: {} names \
                         {named} as the one before it, and it is not in the bucket; the log files \
                         of those hours cannot be checked",
                        f.object
                    ),
                )
                .between(from, to),
            )
        }
        None if missing_before == Some(&named) => Some(
            Problem::new(
                ProblemKind::DigestMissing,
                vec![named.clone(), f.object.clone()],
                format!(
                    "{} names {named} as the digest before it, and it is not in the bucket",
                    f.object
                ),
            )
            .between(
                EventTime::from_epoch_seconds(digest.start().epoch_seconds() - 3_600),
                digest.start(),
            ),
        ),
        // The digest before the range was not looked at.
        None => None,
    }
}

/// A new chain after an earlier digest: expected when the trail's status shows logging stopped or
/// started in the gap; otherwise validation may have been off, and the hours are unproven.
fn restart(
    p: &Link,
    f: &Found,
    digest: &Digest,
    logging: &Logging,
    problems: &mut Vec<Problem>,
    gaps: &mut Vec<Gap>,
) {
    let (from, to) = (p.end_time(), digest.start());
    if to.epoch_seconds() - from.epoch_seconds() < 60 {
        return;
    }
    let near = |t: Option<EventTime>| {
        t.filter(|t| {
            t.epoch_seconds() >= from.epoch_seconds() - 3_600
                && t.epoch_seconds() <= to.epoch_seconds() + 3_600
        })
    };
    let explanation = match (near(logging.stopped), near(logging.started)) {
        (Some(stop), Some(start)) => Some(format!(
            "logging was stopped at {stop} and started at {start}"
        )),
        (Some(stop), None) => Some(format!("logging was stopped at {stop}")),
        (None, Some(start)) => Some(format!("logging was started at {start}")),
        (None, None) => None,
    };
    match explanation {
        Some(explanation) => gaps.push(Gap {
            from: from.to_string(),
            to: to.to_string(),
            explanation: format!(
                "{explanation} (the trail's status); a new chain starts at {}",
                f.object
            ),
        }),
        None => problems.push(
            Problem::new(
                ProblemKind::DigestMissing,
                vec![p.object(), f.object.clone()],
                format!(
                    "no digest between {from} and {to}: a new chain starts at {}, and the trail's \
                     status shows no stop or start then, so log file validation may have been \
                     turned off; the log files of those hours cannot be checked",
                    f.object
                ),
            )
            .between(from, to),
        ),
    }
}

/// No digest for [`LATE_SECONDS`] while the trail logs with validation on (or validation off).
fn delivery_stopped(
    last: Option<&Link>,
    logging: &Logging,
    since: EventTime,
    now: EventTime,
) -> Option<Problem> {
    if !logging.is_logging {
        return None;
    }
    if !logging.validation_enabled {
        return Some(Problem::new(
            ProblemKind::DigestMissing,
            last.map(Link::object).into_iter().collect(),
            "log file validation is off on the trail: CloudTrail writes no digest, so no log \
             file delivered now can be proven intact"
                .into(),
        ));
    }
    let last_end = last.map_or(since, Link::end_time);
    // A trail started after the last digest owes its first digest an hour after the start.
    let expected_from = logging.started.map_or(last_end, |s| s.max(last_end));
    if now.epoch_seconds() - expected_from.epoch_seconds() <= LATE_SECONDS {
        return None;
    }
    let error = logging
        .digest_delivery_error
        .as_deref()
        .map(|e| format!("; CloudTrail's last digest delivery error: {e}"))
        .unwrap_or_default();
    Some(
        Problem::new(
            ProblemKind::DigestMissing,
            last.map(Link::object).into_iter().collect(),
            format!(
                "no digest since {expected_from} although the trail is logging: {} hourly \
                 digest(s) missing{error}",
                ((now.epoch_seconds() - expected_from.epoch_seconds()) / 3_600 - 1).max(1)
            ),
        )
        .between(expected_from, now),
    )
}

fn hours_between(from: EventTime, to: EventTime) -> i64 {
    ((to.epoch_seconds() - from.epoch_seconds()) as f64 / 3_600.0)
        .round()
        .max(1.0) as i64
}
