//! A trail's departing settings put back (`UpdateTrail`).

use super::home;
use super::state::{describe, settings_or_gone};
use crate::error::FromSdk;
use crate::remediation::{Remediation, Standing, StepReport, remediate};
use crate::{ActionError, TrailClients};
use trailwarden_rules::desired::{TrailChanges, TrailSettings};
use trailwarden_rules::{Mode, TrailRef};

/// A trail's departing settings put back.
struct UpdateTrail<'a> {
    clients: &'a TrailClients,
    trail: &'a TrailRef,
    changes: &'a TrailChanges,
}

impl Remediation for UpdateTrail<'_> {
    type State = TrailSettings;

    async fn read(&self) -> Result<TrailSettings, ActionError> {
        settings_or_gone(self.clients, self.trail).await
    }

    fn standing(&self, settings: &TrailSettings) -> Standing {
        if self.changes.hold_in(settings) {
            Standing::InEffect
        } else {
            Standing::Needed
        }
    }

    fn describe(&self, settings: &TrailSettings) -> String {
        describe(self.trail, settings)
    }

    async fn act(&self) -> Result<(), ActionError> {
        let (trail, changes) = (self.trail, self.changes);
        let mut request = self
            .clients
            .cloudtrail
            .get(&trail.region)
            .update_trail()
            .name(trail.api_name())
            .set_is_multi_region_trail(changes.multi_region)
            .set_include_global_service_events(changes.include_global_service_events)
            .set_enable_log_file_validation(changes.log_file_validation)
            .set_s3_bucket_name(changes.s3_bucket.clone())
            .set_s3_key_prefix(changes.s3_key_prefix.clone())
            .set_kms_key_id(changes.kms_key_id.clone())
            .set_sns_topic_name(changes.sns_topic.clone());
        if let Some(logs) = &changes.cloud_watch_logs {
            request = request
                .cloud_watch_logs_log_group_arn(&logs.log_group_arn)
                .cloud_watch_logs_role_arn(&logs.role_arn);
        }
        request.send().await.map(|_| ()).map_err(|e| {
            home(
                ActionError::from_sdk("cloudtrail:UpdateTrail", trail.to_string(), &e),
                trail,
            )
        })
    }

    fn not_in_effect(&self, after: &TrailSettings) -> ActionError {
        ActionError::not_in_effect(
            "cloudtrail:UpdateTrail",
            self.trail.to_string(),
            format!(
                "UpdateTrail succeeded but the trail reads back as {}",
                describe(self.trail, after)
            ),
        )
    }
}

/// Check (GetTrail), update, read back: three calls, one when the settings already hold.
pub(crate) async fn update_trail(
    clients: &TrailClients,
    trail: &TrailRef,
    changes: &TrailChanges,
    mode: Mode,
) -> StepReport {
    remediate(
        &UpdateTrail {
            clients,
            trail,
            changes,
        },
        mode,
    )
    .await
}
