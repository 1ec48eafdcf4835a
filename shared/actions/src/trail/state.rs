//! A trail's state as CloudTrail reports it: status, settings, selectors, Insights. Read by the
//! remediations (check, read back) and by the facts trail-guard decides from.

use super::home;
use crate::error::FromSdk;
use crate::{ActionError, TrailClients};
use aws_sdk_cloudtrail::types::{
    DataResource as SdkDataResource, EventSelector as SdkEventSelector, ReadWriteType, Trail,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use trailwarden_events::EventTime;
use trailwarden_rules::TrailRef;
use trailwarden_rules::desired::{DataResource, EventSelector, TrailSettings};

/// A trail's logging status: whether it logs, and when it was last stopped.
pub(super) struct LoggingStatus {
    pub(super) logging: bool,
    pub(super) stopped_at: Option<EventTime>,
}

pub(super) async fn logging_status(
    clients: &TrailClients,
    trail: &TrailRef,
) -> Result<LoggingStatus, ActionError> {
    let status = clients
        .cloudtrail
        .get(&trail.region)
        .get_trail_status()
        .name(trail.api_name())
        .send()
        .await
        .map_err(|e| {
            home(
                ActionError::from_sdk("cloudtrail:GetTrailStatus", trail.to_string(), &e),
                trail,
            )
        })?;
    Ok(LoggingStatus {
        logging: status.is_logging().unwrap_or(false),
        stopped_at: status
            .stop_logging_time()
            .map(|t| EventTime::from_epoch_seconds(t.secs())),
    })
}

pub(super) fn settings_of(t: &Trail) -> TrailSettings {
    let owned = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(String::from);
    TrailSettings {
        multi_region: t.is_multi_region_trail().unwrap_or(false),
        include_global_service_events: t.include_global_service_events().unwrap_or(false),
        log_file_validation: t.log_file_validation_enabled().unwrap_or(false),
        s3_bucket: owned(t.s3_bucket_name()),
        s3_key_prefix: owned(t.s3_key_prefix()),
        kms_key_id: owned(t.kms_key_id()),
        cloud_watch_logs_group_arn: owned(t.cloud_watch_logs_log_group_arn()),
        cloud_watch_logs_role_arn: owned(t.cloud_watch_logs_role_arn()),
        sns_topic: owned(t.sns_topic_arn()),
    }
}

/// The trail's settings, or `None` when it does not exist.
pub(super) async fn get_settings(
    clients: &TrailClients,
    trail: &TrailRef,
) -> Result<Option<TrailSettings>, ActionError> {
    match clients
        .cloudtrail
        .get(&trail.region)
        .get_trail()
        .name(trail.api_name())
        .send()
        .await
    {
        Ok(out) => Ok(out.trail().map(settings_of)),
        Err(e) if e.code() == Some("TrailNotFoundException") => Ok(None),
        Err(e) => Err(home(
            ActionError::from_sdk("cloudtrail:GetTrail", trail.to_string(), &e),
            trail,
        )),
    }
}

pub(super) async fn settings_or_gone(
    clients: &TrailClients,
    trail: &TrailRef,
) -> Result<TrailSettings, ActionError> {
    get_settings(clients, trail)
        .await?
        .ok_or_else(|| ActionError {
            call: "cloudtrail:GetTrail",
            resource: trail.to_string(),
            kind: crate::FailureKind::NotFound,
            code: Some("TrailNotFoundException".into()),
            message: format!("{trail} does not exist"),
        })
}

pub(super) fn from_sdk_selector(s: &SdkEventSelector) -> EventSelector {
    EventSelector {
        read_write_type: s
            .read_write_type()
            .map_or_else(|| "All".to_string(), |r| r.as_str().to_string()),
        include_management_events: s.include_management_events().unwrap_or(true),
        exclude_management_event_sources: s.exclude_management_event_sources().to_vec(),
        data_resources: s
            .data_resources()
            .iter()
            .map(|d| DataResource {
                kind: d.r#type().unwrap_or_default().to_string(),
                values: d.values().to_vec(),
            })
            .collect(),
    }
}

pub(super) fn to_sdk_selector(s: &EventSelector) -> SdkEventSelector {
    SdkEventSelector::builder()
        .read_write_type(ReadWriteType::from(s.read_write_type.as_str()))
        .include_management_events(s.include_management_events)
        .set_exclude_management_event_sources(Some(s.exclude_management_event_sources.clone()))
        .set_data_resources(Some(
            s.data_resources
                .iter()
                .map(|d| {
                    SdkDataResource::builder()
                        .r#type(&d.kind)
                        .set_values(Some(d.values.clone()))
                        .build()
                })
                .collect(),
        ))
        .build()
}

/// Basic selectors (sorted, to compare) and whether advanced selectors are in use.
pub(super) async fn get_selectors(
    clients: &TrailClients,
    trail: &TrailRef,
) -> Result<(Vec<EventSelector>, bool), ActionError> {
    let out = clients
        .cloudtrail
        .get(&trail.region)
        .get_event_selectors()
        .trail_name(trail.api_name())
        .send()
        .await
        .map_err(|e| {
            home(
                ActionError::from_sdk("cloudtrail:GetEventSelectors", trail.to_string(), &e),
                trail,
            )
        })?;
    Ok((
        normalise(
            out.event_selectors()
                .iter()
                .map(from_sdk_selector)
                .collect(),
        ),
        !out.advanced_event_selectors().is_empty(),
    ))
}

pub(super) fn normalise(mut selectors: Vec<EventSelector>) -> Vec<EventSelector> {
    for s in &mut selectors {
        s.data_resources.sort();
        s.exclude_management_event_sources.sort();
    }
    selectors.sort();
    selectors
}

/// The trail's insight types; none when Insights are not enabled.
pub(super) async fn get_insights(
    clients: &TrailClients,
    trail: &TrailRef,
) -> Result<Vec<String>, ActionError> {
    match clients
        .cloudtrail
        .get(&trail.region)
        .get_insight_selectors()
        .trail_name(trail.api_name())
        .send()
        .await
    {
        Ok(out) => Ok(out
            .insight_selectors()
            .iter()
            .filter_map(|s| s.insight_type().map(|t| t.as_str().to_string()))
            .collect()),
        Err(e) if e.code() == Some("InsightNotEnabledException") => Ok(vec![]),
        Err(e) => Err(home(
            ActionError::from_sdk("cloudtrail:GetInsightSelectors", trail.to_string(), &e),
            trail,
        )),
    }
}

/// How a person reads a trail's settings in the alert.
pub(super) fn describe(trail: &TrailRef, s: &TrailSettings) -> String {
    let on = |b: bool| if b { "on" } else { "off" };
    let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
    format!(
        "{trail}: multi-region {}, global service events {}, log file validation {}, S3 bucket {}{}, KMS key {}, CloudWatch Logs group {}, SNS topic {}",
        on(s.multi_region),
        on(s.include_global_service_events),
        on(s.log_file_validation),
        or_none(&s.s3_bucket),
        s.s3_key_prefix
            .as_ref()
            .map(|p| format!(" (prefix {p})"))
            .unwrap_or_default(),
        or_none(&s.kms_key_id),
        or_none(&s.cloud_watch_logs_group_arn),
        or_none(&s.sns_topic),
    )
}
