//! One digest file: where CloudTrail puts it ([`DigestKey`]), what it holds ([`Digest`]), the
//! string CloudTrail signs and the SHA256withRSA check of its signature. The format is CloudTrail's
//! "CloudTrail digest file structure"; the checks are those of the AWS CLI's `validate-logs`.

use crate::ObjectRef;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use std::fmt;
use trailwarden_events::EventTime;

/// The only algorithm CloudTrail signs digests with.
pub const SIGNATURE_ALGORITHM: &str = "SHA256withRSA";

/// A digest file's content (only the fields validation reads; the rest is ignored).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Digest {
    pub digest_start_time: String,
    pub digest_end_time: String,
    #[serde(rename = "digestS3Bucket")]
    pub digest_s3_bucket: String,
    #[serde(rename = "digestS3Object")]
    pub digest_s3_object: String,
    pub digest_public_key_fingerprint: String,
    #[serde(default, rename = "previousDigestS3Bucket")]
    pub previous_digest_s3_bucket: Option<String>,
    #[serde(default, rename = "previousDigestS3Object")]
    pub previous_digest_s3_object: Option<String>,
    /// `null` in the first digest of a chain (validation or logging just turned on).
    #[serde(default)]
    pub previous_digest_signature: Option<String>,
    #[serde(default)]
    pub log_files: Vec<LogFileEntry>,
}

/// One `logFiles[]` entry: a log file delivered in the digest's hour and its SHA-256.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LogFileEntry {
    #[serde(rename = "s3Bucket")]
    pub s3_bucket: String,
    #[serde(rename = "s3Object")]
    pub s3_object: String,
    /// Hex SHA-256 of the uncompressed log file.
    pub hash_value: String,
}

impl LogFileEntry {
    pub fn object(&self) -> ObjectRef {
        ObjectRef::new(&self.s3_bucket, &self.s3_object)
    }
}

/// Why a digest is not a valid, signed digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    #[error("not a gzip-compressed digest in CloudTrail's format: {0}")]
    Format(String),
    #[error("unsigned: the object has no x-amz-meta-signature")]
    Unsigned,
    #[error("signed with {0}, not SHA256withRSA")]
    Algorithm(String),
    #[error("moved: it names itself s3://{bucket}/{key}")]
    Moved { bucket: String, key: String },
    #[error("no CloudTrail public key has the fingerprint {0}")]
    UnknownKey(String),
    /// ring does not say whether the signature or the key is wrong: either way, not CloudTrail's.
    #[error("signature verification failed")]
    BadSignature,
}

impl Digest {
    /// A digest's uncompressed content.
    pub fn parse(uncompressed: &[u8]) -> Result<Digest, DigestError> {
        let digest: Digest =
            serde_json::from_slice(uncompressed).map_err(|e| DigestError::Format(e.to_string()))?;
        for (name, time) in [
            ("digestStartTime", &digest.digest_start_time),
            ("digestEndTime", &digest.digest_end_time),
        ] {
            EventTime::parse(time)
                .map_err(|_| DigestError::Format(format!("{name} is not a time: {time:?}")))?;
        }
        Ok(digest)
    }

    pub fn start(&self) -> EventTime {
        // Checked in `parse`.
        EventTime::parse(&self.digest_start_time).unwrap_or(EventTime::from_epoch_seconds(0))
    }

    pub fn end(&self) -> EventTime {
        EventTime::parse(&self.digest_end_time).unwrap_or(EventTime::from_epoch_seconds(0))
    }

    /// The digest before this one, as this one names it; `None` at the start of a chain.
    pub fn previous(&self) -> Option<(ObjectRef, &str)> {
        match (
            &self.previous_digest_s3_bucket,
            &self.previous_digest_s3_object,
            &self.previous_digest_signature,
        ) {
            (Some(bucket), Some(key), Some(signature)) => {
                Some((ObjectRef::new(bucket, key), signature.as_str()))
            }
            _ => None,
        }
    }

    /// What CloudTrail signs: the end time, `bucket/key`, the hex SHA-256 of the uncompressed
    /// digest and the previous digest's signature (`null` for the first), one per line.
    pub fn string_to_sign(&self, uncompressed: &[u8]) -> String {
        format!(
            "{}\n{}/{}\n{}\n{}",
            self.digest_end_time,
            self.digest_s3_bucket,
            self.digest_s3_object,
            hex(&Sha256::digest(uncompressed)),
            self.previous_digest_signature.as_deref().unwrap_or("null")
        )
    }

    /// Checks that the digest is where it says it is and that `signature` (hex, from the object's
    /// metadata) is CloudTrail's SHA256withRSA signature of it under `public_key` (DER, PKCS#1).
    pub fn verify(
        &self,
        at: &ObjectRef,
        uncompressed: &[u8],
        signature: &Signature,
        public_key: &[u8],
    ) -> Result<(), DigestError> {
        if self.digest_s3_bucket != at.bucket || self.digest_s3_object != at.key {
            return Err(DigestError::Moved {
                bucket: self.digest_s3_bucket.clone(),
                key: self.digest_s3_object.clone(),
            });
        }
        if !signature
            .algorithm
            .eq_ignore_ascii_case(SIGNATURE_ALGORITHM)
        {
            return Err(DigestError::Algorithm(signature.algorithm.clone()));
        }
        let bytes = unhex(&signature.hex).ok_or(DigestError::BadSignature)?;
        let message = self.string_to_sign(uncompressed);
        ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            public_key,
        )
        .verify(message.as_bytes(), &bytes)
        .map_err(|_| DigestError::BadSignature)
    }
}

/// A digest object's signature, from its metadata (`x-amz-meta-signature`, `-signature-algorithm`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub hex: String,
    pub algorithm: String,
}

/// Where a digest file lies, read from its key:
/// `[prefix/]AWSLogs/[org-id/]<account>/CloudTrail-Digest/<region>/<Y>/<m>/<d>/<account>_CloudTrail-Digest_<region>_<trail>_<home-region>_<YYYYmmddTHHMMSSZ>[_backfill].json.gz`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestKey {
    pub account: String,
    pub region: String,
    pub trail_name: String,
    pub home_region: String,
    /// The digest's end time, from its name.
    pub end: EventTime,
    /// A backfill digest: log files a late delivery left out of the hour's digest.
    pub backfill: bool,
}

impl DigestKey {
    /// `None` for a key that is not a digest's.
    pub fn parse(key: &str) -> Option<DigestKey> {
        let name = key.rsplit('/').next()?;
        let stem = name.strip_suffix(".json.gz")?;
        let (stem, backfill) = match stem.strip_suffix("_backfill") {
            Some(stem) => (stem, true),
            None => (stem, false),
        };
        let (rest, stamp) = stem.rsplit_once('_')?;
        let (rest, home_region) = rest.rsplit_once('_')?;
        let (account, rest) = rest.split_once("_CloudTrail-Digest_")?;
        // Regions have no underscore; trail names may.
        let (region, trail_name) = rest.split_once('_')?;
        let end = parse_stamp(stamp)?;
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if trail_name.is_empty() || region.is_empty() || home_region.is_empty() {
            return None;
        }
        Some(DigestKey {
            account: account.to_string(),
            region: region.to_string(),
            trail_name: trail_name.to_string(),
            home_region: home_region.to_string(),
            end,
            backfill,
        })
    }
}

/// `20150817T150131Z`.
fn parse_stamp(stamp: &str) -> Option<EventTime> {
    let b = stamp.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' || !stamp.is_ascii() {
        return None;
    }
    let text = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &stamp[0..4],
        &stamp[4..6],
        &stamp[6..8],
        &stamp[9..11],
        &stamp[11..13],
        &stamp[13..15]
    );
    EventTime::parse(&text).ok()
}

/// Lower-case hex, as CloudTrail writes hashes and signatures.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

impl fmt::Display for DigestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} digest of trail {} ({}) in {}, ending {}",
            if self.backfill { "backfill" } else { "hourly" },
            self.trail_name,
            self.account,
            self.region,
            self.end
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_read_from_both_ends_so_a_trail_name_may_hold_underscores() {
        let key = "logs/AWSLogs/o-abc123/111122223333/CloudTrail-Digest/eu-west-1/2026/11/30/\
                   111122223333_CloudTrail-Digest_eu-west-1_org_audit_trail_us-east-1_20261130T150131Z.json.gz";
        let parsed = DigestKey::parse(key).unwrap();
        assert_eq!(parsed.account, "111122223333");
        assert_eq!(parsed.region, "eu-west-1");
        assert_eq!(parsed.trail_name, "org_audit_trail");
        assert_eq!(parsed.home_region, "us-east-1");
        assert_eq!(parsed.end.to_string(), "2026-11-30T15:01:31Z");
        assert!(!parsed.backfill);
        let backfill = key.replace(".json.gz", "_backfill.json.gz");
        assert!(DigestKey::parse(&backfill).unwrap().backfill);
    }

    #[test]
    fn keys_that_are_not_digests_are_none() {
        for key in [
            "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/30/111122223333_CloudTrail_us-east-1_20261130T1500Z_abc.json.gz",
            "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/30/x.json.gz",
            "111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20261130T99ZZZZZ.json.gz",
            "1111_CloudTrail-Digest_us-east-1_t_us-east-1_20261130T150131Z.json.gz",
            "",
        ] {
            assert_eq!(DigestKey::parse(key), None, "{key}");
        }
    }

    #[test]
    fn the_string_to_sign_is_four_lines_with_null_for_the_first_digest() {
        let mut digest = Digest::parse(
            br#"{"digestStartTime":"2026-11-30T14:01:31Z","digestEndTime":"2026-11-30T15:01:31Z",
                 "digestS3Bucket":"b","digestS3Object":"k","digestPublicKeyFingerprint":"f",
                 "previousDigestSignature":null,"logFiles":[]}"#,
        )
        .unwrap();
        // SHA-256 of "abc" is the FIPS 180-2 test vector.
        assert_eq!(
            digest.string_to_sign(b"abc"),
            "2026-11-30T15:01:31Z\nb/k\nba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\nnull"
        );
        digest.previous_digest_signature = Some("00ff".into());
        assert!(digest.string_to_sign(b"abc").ends_with("\n00ff"));
    }

    #[test]
    fn hex_round_trips_and_bad_hex_is_none() {
        assert_eq!(
            unhex(&hex(&[0, 1, 0xab, 0xff])),
            Some(vec![0, 1, 0xab, 0xff])
        );
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex("éé"), None);
    }
}
