//! CloudTrail actions.

use crate::execute::StepReport;
use crate::{ActionError, AwsClients, StepStatus};
use trailwarden_rules::{Mode, TrailRef};

async fn is_logging(clients: &AwsClients, trail: &TrailRef) -> Result<bool, ActionError> {
    let status = clients
        .cloudtrail
        .get(&trail.region)
        .get_trail_status()
        .name(trail.api_name())
        .send()
        .await
        .map_err(|e| ActionError::from_sdk("cloudtrail:GetTrailStatus", trail.to_string(), &e))?;
    Ok(status.is_logging().unwrap_or(false))
}

/// Check, start, read back: three calls, and only one when the trail is already logging.
pub(crate) async fn start_logging(
    clients: &AwsClients,
    trail: &TrailRef,
    mode: Mode,
) -> StepReport {
    if is_logging(clients, trail).await? {
        return Ok((
            StepStatus::AlreadyInEffect,
            Some(format!("{trail} is logging")),
        ));
    }
    if mode == Mode::DryRun {
        return Ok((StepStatus::WouldDo, Some(format!("{trail} is not logging"))));
    }
    clients
        .cloudtrail
        .get(&trail.region)
        .start_logging()
        .name(trail.api_name())
        .send()
        .await
        .map_err(|e| ActionError::from_sdk("cloudtrail:StartLogging", trail.to_string(), &e))?;
    if is_logging(clients, trail).await? {
        Ok((StepStatus::Done, Some(format!("{trail} is logging"))))
    } else {
        Err(ActionError::not_in_effect(
            "cloudtrail:StartLogging",
            trail.to_string(),
            "StartLogging succeeded but the trail still reports that it is not logging",
        ))
    }
}
