//! KMS actions on a trail's key: cancel its deletion, enable it. Each reads the key's state
//! first (DescribeKey), acts unless in dry-run, and reads it back.

use crate::error::FromSdk;
use crate::execute::StepReport;
use crate::{ActionError, StepStatus, TrailClients};
use trailwarden_events::Region;
use trailwarden_rules::Mode;

/// The key's state as KMS names it: `Enabled`, `Disabled`, `PendingDeletion`, ...
pub(crate) async fn key_state(
    clients: &TrailClients,
    key: &str,
    region: &Region,
) -> Result<String, ActionError> {
    let out = clients
        .kms
        .get(region)
        .describe_key()
        .key_id(key_id(key))
        .send()
        .await
        .map_err(|e| ActionError::from_sdk("kms:DescribeKey", resource(key, region), &e))?;
    Ok(out
        .key_metadata()
        .and_then(|m| m.key_state())
        .map_or_else(|| "Unknown".to_string(), |s| s.as_str().to_string()))
}

/// The key id of a key ARN: the call already goes to the key's region, and KMS (and the local
/// emulator, which knows keys only by id) takes the id there.
fn key_id(key: &str) -> &str {
    key.rsplit_once(":key/").map_or(key, |(_, id)| id)
}

fn resource(key: &str, region: &Region) -> String {
    format!("KMS key {key} ({region})")
}

fn state(key: &str, region: &Region, state: &str) -> Option<String> {
    Some(format!("{} is {state}", resource(key, region)))
}

/// Check, cancel, read back: three calls, one when no deletion is pending.
pub(crate) async fn cancel_key_deletion(
    clients: &TrailClients,
    key: &str,
    region: &Region,
    mode: Mode,
) -> StepReport {
    let before = key_state(clients, key, region).await?;
    if before != "PendingDeletion" {
        return Ok((StepStatus::AlreadyInEffect, state(key, region, &before)));
    }
    if mode == Mode::DryRun {
        return Ok((StepStatus::WouldDo, state(key, region, &before)));
    }
    clients
        .kms
        .get(region)
        .cancel_key_deletion()
        .key_id(key_id(key))
        .send()
        .await
        .map_err(|e| ActionError::from_sdk("kms:CancelKeyDeletion", resource(key, region), &e))?;
    let after = key_state(clients, key, region).await?;
    if after == "PendingDeletion" {
        return Err(ActionError::not_in_effect(
            "kms:CancelKeyDeletion",
            resource(key, region),
            "CancelKeyDeletion succeeded but the key is still pending deletion",
        ));
    }
    Ok((StepStatus::Done, state(key, region, &after)))
}

/// Check, enable, read back: three calls, one when the key is enabled.
pub(crate) async fn enable_key(
    clients: &TrailClients,
    key: &str,
    region: &Region,
    mode: Mode,
) -> StepReport {
    let before = key_state(clients, key, region).await?;
    if before == "Enabled" {
        return Ok((StepStatus::AlreadyInEffect, state(key, region, &before)));
    }
    if mode == Mode::DryRun {
        return Ok((StepStatus::WouldDo, state(key, region, &before)));
    }
    clients
        .kms
        .get(region)
        .enable_key()
        .key_id(key_id(key))
        .send()
        .await
        .map_err(|e| ActionError::from_sdk("kms:EnableKey", resource(key, region), &e))?;
    let after = key_state(clients, key, region).await?;
    if after != "Enabled" {
        return Err(ActionError::not_in_effect(
            "kms:EnableKey",
            resource(key, region),
            format!("EnableKey succeeded but the key is {after}"),
        ));
    }
    Ok((StepStatus::Done, state(key, region, &after)))
}
