//! CloudTrail log file integrity validation, as CloudTrail documents it ("Custom implementations of
//! CloudTrail log file integrity validation") and the AWS CLI's `validate-logs` does it, shared by
//! the `log-auditor` function and `trailwarden validate-logs`:
//!
//! - [`digest`]: one digest file, its key, its string to sign and its SHA256withRSA signature;
//! - [`chain`]: pure: the digests of a time range, in order, against each other and the trail's
//!   logging times: what is missing, broken or unexplained;
//! - [`store`]: the reads from S3 and CloudTrail (listing, digests, public keys, log file hashes);
//! - [`validate`]: one trail's digests and log files in a range, read and judged.

pub mod chain;
pub mod digest;
pub mod store;
pub mod validate;

pub use chain::{Gap, Link, Logging, Problem, ProblemKind};
pub use digest::{Digest, DigestError, DigestKey, Signature};
pub use store::{Store, StoreError};
pub use validate::{Range, TrailLocation, Validation, validate};

use serde::Serialize;
use std::fmt;

/// An S3 object: `s3://bucket/key`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectRef {
    pub bucket: String,
    pub key: String,
}

impl ObjectRef {
    pub fn new(bucket: &str, key: &str) -> ObjectRef {
        ObjectRef {
            bucket: bucket.to_string(),
            key: key.to_string(),
        }
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

/// The IAM permissions validation needs, declared with the code that makes the calls: the
/// log-auditor's role is checked against them (`tests/tests/template.rs`). `kms:Decrypt` is for a
/// bucket encrypted with SSE-KMS (a trail's KMS key).
pub const PERMISSIONS: &[&str] = &[
    "s3:ListBucket",
    "s3:GetObject",
    "s3:ListBucketVersions",
    "cloudtrail:ListPublicKeys",
    "cloudtrail:GetTrailStatus",
    "cloudtrail:GetTrail",
    "kms:Decrypt",
];
