//! Guardrails of the whole account turned off: S3's account-level Block Public Access, EBS
//! encryption by default, and customer KMS keys scheduled for deletion.

use super::{Finding, Seen, account_of, finding};
use crate::desired::same_key;
use serde_json::Value;

/// The four settings of a `PublicAccessBlockConfiguration`; each one left out is off.
const BLOCKS: [&str; 4] = [
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
];

pub(super) fn s3_account_public_access_block_off(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    (source == "s3.amazonaws.com").then_some(())?;
    let off: Vec<&str> = match name {
        "DeleteAccountPublicAccessBlock" => BLOCKS.to_vec(),
        "PutAccountPublicAccessBlock" => {
            let configuration = record
                .request_parameters
                .as_ref()
                .and_then(|p| p.get("PublicAccessBlockConfiguration"));
            // CloudTrail writes the XML body's values as booleans, sometimes as text.
            let on = |key: &str| match configuration.and_then(|c| c.get(key)) {
                Some(Value::Bool(b)) => *b,
                Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
                _ => false,
            };
            BLOCKS.into_iter().filter(|k| !on(k)).collect()
        }
        _ => return None,
    };
    (!off.is_empty()).then_some(())?;
    let account = record.account().unwrap_or("ACCOUNT");
    let restore = format!(
        "Put it back: aws s3control put-public-access-block --account-id {account} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true."
    );
    finding(
        format!(
            "S3 Block Public Access for the whole account turned off by {actor}: {}",
            off.join(", ")
        ),
        format!("S3 Block Public Access of {}", account_of(record)),
        &[
            restore.as_str(),
            "Look for buckets made public since: PutBucketPolicy, PutBucketAcl, PutBucketPublicAccessBlock by the same actor.",
        ],
    )
}

pub(super) fn ebs_encryption_by_default_off(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    (source == "ec2.amazonaws.com" && name == "DisableEbsEncryptionByDefault").then_some(())?;
    let region = record.aws_region.as_str();
    let restore = format!(
        "Put it back: aws ec2 enable-ebs-encryption-by-default --region {region} (an exact revert)."
    );
    finding(
        format!(
            "EBS encryption by default turned off in {region} by {actor}: new volumes and snapshot copies can be unencrypted"
        ),
        format!("EBS encryption by default ({region})"),
        &[
            restore.as_str(),
            "Look for unencrypted volumes created since (aws ec2 describe-volumes --filters Name=encrypted,Values=false).",
        ],
    )
}

pub(super) fn kms_key_deletion_scheduled(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        config,
    } = *seen;
    (source == "kms.amazonaws.com" && name == "ScheduleKeyDeletion").then_some(())?;
    let key = record.request_str("keyId")?;
    // The trail's key is trail-guard's to answer (and the alert key trailwarden-tampered's, tried
    // before this rule): one alert for one call.
    let trail_key = config
        .desired_trail
        .kms_key_id
        .as_deref()
        .is_some_and(|d| same_key(Some(key), d) || same_key(Some(d), key));
    (!trail_key).then_some(())?;
    let days = record
        .request_parameters
        .as_ref()
        .and_then(|p| p.get("pendingWindowInDays"))
        .map_or_else(|| "30".to_string(), ToString::to_string);
    let restore = format!(
        "Put it back before the deletion date: aws kms cancel-key-deletion --key-id {key}, then aws kms enable-key --key-id {key} (a key pending deletion is disabled; cancelling leaves it disabled)."
    );
    finding(
        format!(
            "KMS key {key} scheduled for deletion in {days} days by {actor}: what it encrypts becomes unreadable for good"
        ),
        format!("KMS key {key} ({})", record.aws_region),
        &[
            restore.as_str(),
            "Deleting a key is how ransomware and sabotage make data unrecoverable: ask the actor why, and look for DisableKey or PutKeyPolicy on other keys.",
        ],
    )
}
