//! S3 actions on a trail's bucket: turn versioning on again. Reads the bucket's versioning
//! first, acts unless in dry-run, and reads it back.

use crate::error::FromSdk;
use crate::execute::StepReport;
use crate::{ActionError, StepStatus, TrailClients};
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

fn state(bucket: &str, status: &str) -> Option<String> {
    Some(format!("versioning of S3 bucket {bucket} is {status}"))
}

/// Check, enable, read back: three calls, one when versioning is on.
pub(crate) async fn enable_bucket_versioning(
    clients: &TrailClients,
    bucket: &str,
    region: &Region,
    mode: Mode,
) -> StepReport {
    let before = versioning(clients, bucket, region).await?;
    if before == "Enabled" {
        return Ok((StepStatus::AlreadyInEffect, state(bucket, &before)));
    }
    if mode == Mode::DryRun {
        return Ok((StepStatus::WouldDo, state(bucket, &before)));
    }
    clients
        .s3
        .get(region)
        .put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .map_err(|e| {
            ActionError::from_sdk("s3:PutBucketVersioning", format!("S3 bucket {bucket}"), &e)
        })?;
    let after = versioning(clients, bucket, region).await?;
    if after != "Enabled" {
        return Err(ActionError::not_in_effect(
            "s3:PutBucketVersioning",
            format!("S3 bucket {bucket}"),
            format!("PutBucketVersioning succeeded but versioning is {after}"),
        ));
    }
    Ok((StepStatus::Done, state(bucket, &after)))
}
