//! The reads validation makes: S3 (the digests, their metadata, the log files, earlier versions)
//! and CloudTrail (the trail, its status, the public keys). Read-only: nothing here writes.

use crate::ObjectRef;
use crate::chain::Logging;
use crate::digest::Signature;
use aws_sdk_s3::error::DisplayErrorContext;
use aws_smithy_types::DateTime;
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;
use std::io::Read;
use trailwarden_events::EventTime;

/// A digest larger than this is not CloudTrail's (a digest lists an hour's log files: kilobytes).
const MAX_DIGEST_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The object is not there (`NoSuchKey`, `NotFound`).
    #[error("{0} not found")]
    NotFound(ObjectRef),
    #[error("S3 {call} of {object}: {message}")]
    S3 {
        call: &'static str,
        object: String,
        message: String,
    },
    #[error("CloudTrail {call}: {message}")]
    CloudTrail { call: &'static str, message: String },
    /// The positions' table (`IAM_JOURNAL_TABLE`).
    #[error("DynamoDB {call}: {message}")]
    DynamoDb { call: &'static str, message: String },
}

/// A digest object as read: its bytes, uncompressed, and its metadata.
#[derive(Debug, Clone)]
pub struct DigestObject {
    pub uncompressed: Result<Vec<u8>, String>,
    pub signature: Option<Signature>,
    /// `x-amz-meta-backfill-generation-timestamp` (backfill digests).
    pub backfill_generated: Option<String>,
}

/// A log file as read: the SHA-256 of its uncompressed content, or why it has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogFileHash {
    Sha256(String),
    /// Not gzip, or data after the gzip stream (the AWS CLI's "invalid format").
    Unreadable(String),
}

/// One CloudTrail public key: DER PKCS#1, and when it signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    pub fingerprint: String,
    pub der: Vec<u8>,
}

/// The trail as `GetTrail` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailFacts {
    pub bucket: String,
    pub prefix: Option<String>,
    pub home_region: String,
    pub organization_trail: bool,
    pub multi_region: bool,
    pub validation_enabled: bool,
}

/// S3 and CloudTrail clients of one account (the trail's home region for CloudTrail).
#[derive(Debug, Clone)]
pub struct Store {
    pub s3: aws_sdk_s3::Client,
    pub cloudtrail: aws_sdk_cloudtrail::Client,
}

fn s3(call: &'static str, object: impl ToString, e: impl std::error::Error) -> StoreError {
    StoreError::S3 {
        call,
        object: object.to_string(),
        message: DisplayErrorContext(e).to_string(),
    }
}

fn cloudtrail(call: &'static str, e: impl std::error::Error) -> StoreError {
    StoreError::CloudTrail {
        call,
        message: DisplayErrorContext(e).to_string(),
    }
}

fn date_time(t: EventTime) -> DateTime {
    DateTime::from_secs(t.epoch_seconds())
}

fn event_time(t: Option<&DateTime>) -> Option<EventTime> {
    t.map(|t| EventTime::from_epoch_seconds(t.secs()))
}

impl Store {
    pub fn new(s3: aws_sdk_s3::Client, cloudtrail: aws_sdk_cloudtrail::Client) -> Store {
        Store { s3, cloudtrail }
    }

    /// The clients of `sdk`'s account in `region`: a trail's home, where its public keys and
    /// status are.
    pub fn in_region(sdk: &aws_config::SdkConfig, region: &str) -> Store {
        let sdk = sdk
            .to_builder()
            .region(aws_config::Region::new(region.to_string()))
            .build();
        Store::new(
            trailwarden_actions::s3_client(&sdk),
            aws_sdk_cloudtrail::Client::new(&sdk),
        )
    }

    /// The keys under `prefix` after `start_after`, in key order, until `stop` says the rest is
    /// past the range (keys of digests sort by their time within a region's folder).
    pub async fn list_keys(
        &self,
        bucket: &str,
        prefix: &str,
        start_after: &str,
        stop: impl Fn(&str) -> bool,
    ) -> Result<Vec<String>, StoreError> {
        let mut keys = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .s3
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .start_after(start_after)
                .set_continuation_token(token)
                .send()
                .await
                .map_err(|e| s3("ListObjectsV2", format!("s3://{bucket}/{prefix}"), e))?;
            for key in page.contents().iter().filter_map(|o| o.key()) {
                if stop(key) {
                    return Ok(keys);
                }
                keys.push(key.to_string());
            }
            match page.next_continuation_token() {
                Some(next) if page.is_truncated() == Some(true) => token = Some(next.to_string()),
                _ => return Ok(keys),
            }
        }
    }

    /// The folders directly under `prefix` (the regions of a trail's digests).
    pub async fn list_folders(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> Result<Vec<String>, StoreError> {
        let mut folders = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .s3
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .delimiter("/")
                .set_continuation_token(token)
                .send()
                .await
                .map_err(|e| s3("ListObjectsV2", format!("s3://{bucket}/{prefix}"), e))?;
            folders.extend(
                page.common_prefixes()
                    .iter()
                    .filter_map(|p| p.prefix())
                    .map(str::to_string),
            );
            match page.next_continuation_token() {
                Some(next) if page.is_truncated() == Some(true) => token = Some(next.to_string()),
                _ => return Ok(folders),
            }
        }
    }

    /// A digest: content uncompressed and metadata.
    pub async fn digest(&self, object: &ObjectRef) -> Result<DigestObject, StoreError> {
        let (metadata, bytes) = self.get(object).await?;
        let bytes = bytes.into_bytes();
        let mut uncompressed = Vec::new();
        let read = flate2::read::GzDecoder::new(&bytes[..])
            .take(MAX_DIGEST_BYTES)
            .read_to_end(&mut uncompressed)
            .map(|_| uncompressed)
            .map_err(|e| format!("not gzip: {e}"));
        Ok(DigestObject {
            uncompressed: read,
            signature: signature(&metadata),
            backfill_generated: metadata.get("backfill-generation-timestamp").cloned(),
        })
    }

    /// A digest's signature without its content (`HeadObject`): the digest before a range.
    pub async fn signature(&self, object: &ObjectRef) -> Result<Option<String>, StoreError> {
        let output = self
            .s3
            .head_object()
            .bucket(&object.bucket)
            .key(&object.key)
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some(service) if service.is_not_found() => StoreError::NotFound(object.clone()),
                _ => s3("HeadObject", object, e),
            })?;
        Ok(output.metadata().and_then(signature).map(|s| s.hex))
    }

    /// The SHA-256 of a log file's uncompressed content, hashed as it is decompressed.
    pub async fn log_file_hash(&self, object: &ObjectRef) -> Result<LogFileHash, StoreError> {
        let (_, bytes) = self.get(object).await?;
        Ok(hash_gzip(&bytes.into_bytes()))
    }

    /// An object's metadata and bytes (`GetObject`).
    async fn get(
        &self,
        object: &ObjectRef,
    ) -> Result<
        (
            HashMap<String, String>,
            aws_smithy_types::byte_stream::AggregatedBytes,
        ),
        StoreError,
    > {
        let output = self
            .s3
            .get_object()
            .bucket(&object.bucket)
            .key(&object.key)
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some(service) if service.is_no_such_key() => StoreError::NotFound(object.clone()),
                _ => s3("GetObject", object, e),
            })?;
        let metadata = output.metadata().cloned().unwrap_or_default();
        let bytes = output
            .body
            .collect()
            .await
            .map_err(|e| s3("GetObject", object, e))?;
        Ok((metadata, bytes))
    }

    /// The version of `object` before its current one (or before its deletion), when the bucket
    /// keeps versions; `None` when it keeps none or cannot be asked.
    pub async fn previous_version(&self, object: &ObjectRef) -> Option<String> {
        let output = self
            .s3
            .list_object_versions()
            .bucket(&object.bucket)
            .prefix(&object.key)
            .send()
            .await
            .ok()?;
        // Versions are listed newest first; the current one (or a delete marker) is latest.
        output
            .versions()
            .iter()
            .filter(|v| v.key() == Some(object.key.as_str()) && v.is_latest() != Some(true))
            .find_map(|v| {
                v.version_id()
                    .filter(|id| *id != "null")
                    .map(str::to_string)
            })
    }

    /// CloudTrail's public keys valid between `from` and `to`, by fingerprint.
    pub async fn public_keys(
        &self,
        from: EventTime,
        to: EventTime,
    ) -> Result<HashMap<String, PublicKey>, StoreError> {
        let mut keys = HashMap::new();
        let mut token = None;
        loop {
            let page = self
                .cloudtrail
                .list_public_keys()
                .start_time(date_time(from))
                .end_time(date_time(to))
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| cloudtrail("ListPublicKeys", e))?;
            for key in page.public_key_list() {
                if let (Some(fingerprint), Some(value)) = (key.fingerprint(), key.value()) {
                    keys.insert(
                        fingerprint.to_string(),
                        PublicKey {
                            fingerprint: fingerprint.to_string(),
                            der: value.as_ref().to_vec(),
                        },
                    );
                }
            }
            match page.next_token() {
                Some(next) => token = Some(next.to_string()),
                None => return Ok(keys),
            }
        }
    }

    /// The ARNs of the trails whose home is the client's region (`DescribeTrails` without
    /// shadow trails).
    pub async fn trails_at_home(&self) -> Result<Vec<String>, StoreError> {
        let output = self
            .cloudtrail
            .describe_trails()
            .include_shadow_trails(false)
            .send()
            .await
            .map_err(|e| cloudtrail("DescribeTrails", e))?;
        Ok(output
            .trail_list()
            .iter()
            .filter_map(|t| t.trail_arn())
            .map(str::to_string)
            .collect())
    }

    /// The trail's bucket, prefix and settings (`GetTrail`).
    pub async fn trail(&self, trail: &str) -> Result<TrailFacts, StoreError> {
        let output = self
            .cloudtrail
            .get_trail()
            .name(trail)
            .send()
            .await
            .map_err(|e| cloudtrail("GetTrail", e))?;
        let t = output.trail().ok_or_else(|| StoreError::CloudTrail {
            call: "GetTrail",
            message: format!("no trail {trail}"),
        })?;
        Ok(TrailFacts {
            bucket: t.s3_bucket_name().unwrap_or_default().to_string(),
            prefix: t
                .s3_key_prefix()
                .filter(|p| !p.is_empty())
                .map(str::to_string),
            home_region: t.home_region().unwrap_or_default().to_string(),
            organization_trail: t.is_organization_trail() == Some(true),
            multi_region: t.is_multi_region_trail() == Some(true),
            validation_enabled: t.log_file_validation_enabled() == Some(true),
        })
    }

    /// Whether the trail logs, and its latest start and stop (`GetTrailStatus`).
    pub async fn logging(
        &self,
        trail: &str,
        validation_enabled: bool,
    ) -> Result<Logging, StoreError> {
        let status = self
            .cloudtrail
            .get_trail_status()
            .name(trail)
            .send()
            .await
            .map_err(|e| cloudtrail("GetTrailStatus", e))?;
        Ok(Logging {
            is_logging: status.is_logging() == Some(true),
            validation_enabled,
            started: event_time(status.start_logging_time()),
            stopped: event_time(status.stop_logging_time()),
            digest_delivery_error: status
                .latest_digest_delivery_error()
                .filter(|e| !e.is_empty())
                .map(str::to_string),
        })
    }
}

fn signature(metadata: &HashMap<String, String>) -> Option<Signature> {
    Some(Signature {
        hex: metadata.get("signature")?.clone(),
        algorithm: metadata
            .get("signature-algorithm")
            .cloned()
            .unwrap_or_default(),
    })
}

/// The SHA-256 of one gzip stream's content; trailing data is not CloudTrail's.
pub fn hash_gzip(bytes: &[u8]) -> LogFileHash {
    let mut decoder = flate2::bufread::GzDecoder::new(bytes);
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        match decoder.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buffer[..n]),
            Err(e) => return LogFileHash::Unreadable(format!("not gzip: {e}")),
        }
    }
    if !decoder.into_inner().is_empty() {
        return LogFileHash::Unreadable("data after the end of the gzip stream".into());
    }
    LogFileHash::Sha256(crate::digest::hex(&hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn a_log_file_hash_is_of_its_uncompressed_content() {
        assert_eq!(
            hash_gzip(&gzip(b"abc")),
            LogFileHash::Sha256(
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".into()
            )
        );
    }

    #[test]
    fn trailing_data_or_no_gzip_is_unreadable() {
        let mut twice = gzip(b"abc");
        twice.extend(gzip(b"def"));
        assert!(
            matches!(hash_gzip(&twice), LogFileHash::Unreadable(e) if e.contains("after the end"))
        );
        assert!(
            matches!(hash_gzip(b"{\"Records\":[]}"), LogFileHash::Unreadable(e) if e.contains("not gzip"))
        );
    }
}
