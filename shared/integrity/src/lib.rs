//! CloudTrail log file integrity validation, as CloudTrail documents it ("Custom implementations of
//! CloudTrail log file integrity validation") and the AWS CLI's `validate-logs` does it, shared by
//! the `log-auditor` function and `trailwarden validate-logs`:
//!
//! - [`digest`]: one digest file, its key, its string to sign and its SHA256withRSA signature;
//! - [`chain`]: pure: the digests of a time range, in order, against each other and the trail's
//!   logging times: what is missing, broken or unexplained;
//! - [`store`]: the reads from S3 and CloudTrail (listing, digests, public keys, log file hashes);
//! - [`validate`]: one trail's digests and log files in a range, read and judged;
//! - [`positions`]: where the last validation of each trail stopped (the stack's table);
//! - [`incident`]: a validation's problems as the alert a person reads;
//! - [`auditor`]: log-auditor's guard, the hourly validation of every protected trail.

pub mod auditor;
pub mod chain;
pub mod digest;
pub mod incident;
pub mod positions;
pub mod store;
pub mod validate;

pub use auditor::LogAuditor;
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

/// The IAM permissions validation needs, declared beside the other functions' (the template's
/// roles are checked against them).
pub use trailwarden_rules::LOG_VALIDATION_PERMISSIONS as PERMISSIONS;
