//! S3 actions on a trail's bucket: turn versioning on again. Reads the bucket's versioning
//! first, acts unless in dry-run, and reads it back.

use crate::error::FromSdk;
use crate::remediation::{Remediation, Standing, StepReport, remediate};
use crate::{ActionError, TrailClients};
use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
use trailwarden_events::Region;
use trailwarden_rules::Mode;

async fn versioning(
    clients: &TrailClients,
    bucket: &str,
    region: &Region,
) -> Result<String, ActionError> {
    let out = clients
        .s3
        .get(region)
        .get_bucket_versioning()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| {
            ActionError::from_sdk("s3:GetBucketVersioning", format!("S3 bucket {bucket}"), &e)
        })?;
    // A bucket that never had versioning reports no status.
    Ok(out
        .status()
        .map_or_else(|| "never enabled".to_string(), |s| s.as_str().to_string()))
}

/// A trail's bucket with versioning on again.
struct EnableVersioning<'a> {
    clients: &'a TrailClients,
    bucket: &'a str,
    region: &'a Region,
}

impl Remediation for EnableVersioning<'_> {
    type State = String;

    async fn read(&self) -> Result<String, ActionError> {
        versioning(self.clients, self.bucket, self.region).await
    }

    fn standing(&self, status: &String) -> Standing {
        if status == "Enabled" {
            Standing::InEffect
        } else {
            Standing::Needed
        }
    }

    fn describe(&self, status: &String) -> String {
        format!("versioning of S3 bucket {} is {status}", self.bucket)
    }

    async fn act(&self) -> Result<(), ActionError> {
        let bucket = self.bucket;
        self.clients
            .s3
            .get(self.region)
            .put_bucket_versioning()
            .bucket(bucket)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                ActionError::from_sdk("s3:PutBucketVersioning", format!("S3 bucket {bucket}"), &e)
            })
    }

    fn not_in_effect(&self, after: &String) -> ActionError {
        ActionError::not_in_effect(
            "s3:PutBucketVersioning",
            format!("S3 bucket {}", self.bucket),
            format!("PutBucketVersioning succeeded but versioning is {after}"),
        )
    }
}

/// Check, enable, read back: three calls, one when versioning is on.
pub(crate) async fn enable_bucket_versioning(
    clients: &TrailClients,
    bucket: &str,
    region: &Region,
    mode: Mode,
) -> StepReport {
    remediate(
        &EnableVersioning {
            clients,
            bucket,
            region,
        },
        mode,
    )
    .await
}
