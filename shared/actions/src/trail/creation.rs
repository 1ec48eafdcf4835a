//! A deleted trail created again in its desired state.

use super::home;
use super::state::{describe, get_settings};
use crate::error::FromSdk;
use crate::remediation::{Remediation, Standing, StepReport, remediate};
use crate::{ActionError, TrailClients};
use trailwarden_rules::desired::{DesiredTrail, TrailSettings};
use trailwarden_rules::{Mode, TrailRef};

/// A deleted trail created again in its desired state.
struct CreateTrail<'a> {
    clients: &'a TrailClients,
    trail: &'a TrailRef,
    desired: &'a DesiredTrail,
}

impl Remediation for CreateTrail<'_> {
    type State = Option<TrailSettings>;

    async fn read(&self) -> Result<Option<TrailSettings>, ActionError> {
        get_settings(self.clients, self.trail).await
    }

    fn standing(&self, settings: &Option<TrailSettings>) -> Standing {
        match settings {
            Some(_) => Standing::InEffect,
            None => Standing::Needed,
        }
    }

    fn describe(&self, settings: &Option<TrailSettings>) -> String {
        match settings {
            Some(settings) => describe(self.trail, settings),
            None => format!("{} does not exist", self.trail),
        }
    }

    async fn act(&self) -> Result<(), ActionError> {
        let (trail, desired) = (self.trail, self.desired);
        let mut request = self
            .clients
            .cloudtrail
            .get(&trail.region)
            .create_trail()
            .name(&trail.name)
            .set_s3_bucket_name(desired.s3_bucket.clone())
            .set_s3_key_prefix(desired.s3_key_prefix.clone())
            .is_multi_region_trail(true)
            .include_global_service_events(true)
            .enable_log_file_validation(true)
            .set_kms_key_id(desired.kms_key_id.clone())
            .set_sns_topic_name(desired.sns_topic.clone());
        if let Some(logs) = &desired.cloud_watch_logs {
            request = request
                .cloud_watch_logs_log_group_arn(&logs.log_group_arn)
                .cloud_watch_logs_role_arn(&logs.role_arn);
        }
        request.send().await.map(|_| ()).map_err(|e| {
            home(
                ActionError::from_sdk("cloudtrail:CreateTrail", trail.to_string(), &e),
                trail,
            )
        })
    }

    fn not_in_effect(&self, _: &Option<TrailSettings>) -> ActionError {
        ActionError::not_in_effect(
            "cloudtrail:CreateTrail",
            self.trail.to_string(),
            "CreateTrail succeeded but the trail cannot be found",
        )
    }
}

/// Check (GetTrail), create, read back: three calls, one when the trail exists.
pub(crate) async fn create_trail(
    clients: &TrailClients,
    trail: &TrailRef,
    desired: &DesiredTrail,
    mode: Mode,
) -> StepReport {
    remediate(
        &CreateTrail {
            clients,
            trail,
            desired,
        },
        mode,
    )
    .await
}
