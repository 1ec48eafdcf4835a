//! CloudTrail actions, and the trail facts trail-guard decides from. Every call goes to the
//! trail's home region (`TrailRef.region`): a multi-region trail can be changed only there, and
//! an error says so when AWS refuses for that reason.

use crate::error::FromSdk;
use crate::execute::StepReport;
use crate::{ActionError, StepStatus, TrailClients};
use aws_sdk_cloudtrail::types::{
    DataResource as SdkDataResource, EventSelector as SdkEventSelector, InsightSelector,
    InsightType, ReadWriteType, Trail,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use trailwarden_events::{Arn, EventTime, Region};
use trailwarden_rules::desired::{
    DataResource, DesiredTrail, EventSelector, ObservedTrail, TrailChanges, TrailSettings,
    key_region, same_insights,
};
use trailwarden_rules::{Fact, FactQuery, Facts, Mode, TrailRef};

/// A trail's logging status: whether it logs, and when it was last stopped.
struct LoggingStatus {
    logging: bool,
    stopped_at: Option<EventTime>,
}

async fn logging_status(
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

/// Says where a multi-region trail must be changed from, when AWS refused for that reason.
fn home(mut error: ActionError, trail: &TrailRef) -> ActionError {
    if error.code.as_deref() == Some("InvalidHomeRegionException") {
        error.message = format!(
            "{}; trailwarden called {}, which is not the trail's home region, and a multi-region trail is changed only from its home region",
            error.message, trail.region
        );
    }
    error
}

/// Check, start, read back: three calls, and only one when the trail is already logging or was
/// stopped again after the event (`stopped_at`, at CloudTrail's one-second precision).
pub(crate) async fn start_logging(
    clients: &TrailClients,
    trail: &TrailRef,
    stopped_at: Option<EventTime>,
    mode: Mode,
) -> StepReport {
    let before = logging_status(clients, trail).await?;
    if before.logging {
        return Ok((
            StepStatus::AlreadyInEffect,
            Some(format!("{trail} is logging")),
        ));
    }
    if let (Some(event), Some(latest)) = (stopped_at, before.stopped_at)
        && latest > event
    {
        return Ok((
            StepStatus::Superseded,
            Some(format!(
                "{trail} was stopped again at {latest}, after this event's stop at {event}; left as it is"
            )),
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
        .map_err(|e| {
            home(
                ActionError::from_sdk("cloudtrail:StartLogging", trail.to_string(), &e),
                trail,
            )
        })?;
    if logging_status(clients, trail).await?.logging {
        Ok((StepStatus::Done, Some(format!("{trail} is logging"))))
    } else {
        Err(ActionError::not_in_effect(
            "cloudtrail:StartLogging",
            trail.to_string(),
            "StartLogging succeeded but the trail still reports that it is not logging",
        ))
    }
}

fn settings_of(t: &Trail) -> TrailSettings {
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

/// How a person reads a trail's settings in the alert.
fn describe(trail: &TrailRef, s: &TrailSettings) -> String {
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

/// The trail's settings, or `None` when it does not exist.
async fn get_settings(
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

async fn settings_or_gone(
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

/// Check (GetTrail), update, read back: three calls, one when the settings already hold.
pub(crate) async fn update_trail(
    clients: &TrailClients,
    trail: &TrailRef,
    changes: &TrailChanges,
    mode: Mode,
) -> StepReport {
    let before = settings_or_gone(clients, trail).await?;
    if changes.hold_in(&before) {
        return Ok((StepStatus::AlreadyInEffect, Some(describe(trail, &before))));
    }
    if mode == Mode::DryRun {
        return Ok((StepStatus::WouldDo, Some(describe(trail, &before))));
    }
    let mut request = clients
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
    request.send().await.map_err(|e| {
        home(
            ActionError::from_sdk("cloudtrail:UpdateTrail", trail.to_string(), &e),
            trail,
        )
    })?;
    let after = settings_or_gone(clients, trail).await?;
    if changes.hold_in(&after) {
        Ok((StepStatus::Done, Some(describe(trail, &after))))
    } else {
        Err(ActionError::not_in_effect(
            "cloudtrail:UpdateTrail",
            trail.to_string(),
            format!(
                "UpdateTrail succeeded but the trail reads back as {}",
                describe(trail, &after)
            ),
        ))
    }
}

fn from_sdk_selector(s: &SdkEventSelector) -> EventSelector {
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

fn to_sdk_selector(s: &EventSelector) -> SdkEventSelector {
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
async fn get_selectors(
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

fn normalise(mut selectors: Vec<EventSelector>) -> Vec<EventSelector> {
    for s in &mut selectors {
        s.data_resources.sort();
        s.exclude_management_event_sources.sort();
    }
    selectors.sort();
    selectors
}

fn describe_selectors(trail: &TrailRef, selectors: &[EventSelector], advanced: bool) -> String {
    let list: Vec<String> = selectors.iter().map(ToString::to_string).collect();
    format!(
        "{trail} records: {}{}",
        if list.is_empty() {
            "the default (all management events)".to_string()
        } else {
            list.join("; ")
        },
        if advanced {
            " (advanced selectors in use)"
        } else {
            ""
        }
    )
}

/// Check, put, read back: three calls, one when the selectors are already the desired ones.
pub(crate) async fn put_event_selectors(
    clients: &TrailClients,
    trail: &TrailRef,
    selectors: &[EventSelector],
    mode: Mode,
) -> StepReport {
    let want = normalise(selectors.to_vec());
    let (before, advanced) = get_selectors(clients, trail).await?;
    if !advanced && before == want {
        return Ok((
            StepStatus::AlreadyInEffect,
            Some(describe_selectors(trail, &before, advanced)),
        ));
    }
    if mode == Mode::DryRun {
        return Ok((
            StepStatus::WouldDo,
            Some(describe_selectors(trail, &before, advanced)),
        ));
    }
    clients
        .cloudtrail
        .get(&trail.region)
        .put_event_selectors()
        .trail_name(trail.api_name())
        .set_event_selectors(Some(selectors.iter().map(to_sdk_selector).collect()))
        .send()
        .await
        .map_err(|e| {
            home(
                ActionError::from_sdk("cloudtrail:PutEventSelectors", trail.to_string(), &e),
                trail,
            )
        })?;
    let (after, advanced) = get_selectors(clients, trail).await?;
    if !advanced && after == want {
        Ok((
            StepStatus::Done,
            Some(describe_selectors(trail, &after, advanced)),
        ))
    } else {
        Err(ActionError::not_in_effect(
            "cloudtrail:PutEventSelectors",
            trail.to_string(),
            format!(
                "PutEventSelectors succeeded but {}",
                describe_selectors(trail, &after, advanced)
            ),
        ))
    }
}

/// The trail's insight types; none when Insights are not enabled.
async fn get_insights(
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

fn describe_insights(trail: &TrailRef, types: &[String]) -> String {
    if types.is_empty() {
        format!("{trail} has no Insights")
    } else {
        format!("{trail} has Insights {}", types.join(", "))
    }
}

pub(crate) async fn put_insight_selectors(
    clients: &TrailClients,
    trail: &TrailRef,
    types: &[String],
    mode: Mode,
) -> StepReport {
    let before = get_insights(clients, trail).await?;
    if same_insights(&before, types) {
        return Ok((
            StepStatus::AlreadyInEffect,
            Some(describe_insights(trail, &before)),
        ));
    }
    if mode == Mode::DryRun {
        return Ok((StepStatus::WouldDo, Some(describe_insights(trail, &before))));
    }
    clients
        .cloudtrail
        .get(&trail.region)
        .put_insight_selectors()
        .trail_name(trail.api_name())
        .set_insight_selectors(Some(
            types
                .iter()
                .map(|t| {
                    InsightSelector::builder()
                        .insight_type(InsightType::from(t.as_str()))
                        .build()
                })
                .collect(),
        ))
        .send()
        .await
        .map_err(|e| {
            home(
                ActionError::from_sdk("cloudtrail:PutInsightSelectors", trail.to_string(), &e),
                trail,
            )
        })?;
    let after = get_insights(clients, trail).await?;
    if same_insights(&after, types) {
        Ok((StepStatus::Done, Some(describe_insights(trail, &after))))
    } else {
        Err(ActionError::not_in_effect(
            "cloudtrail:PutInsightSelectors",
            trail.to_string(),
            format!(
                "PutInsightSelectors succeeded but {}",
                describe_insights(trail, &after)
            ),
        ))
    }
}

/// Check (GetTrail), create, read back: three calls, one when the trail exists.
pub(crate) async fn create_trail(
    clients: &TrailClients,
    trail: &TrailRef,
    desired: &DesiredTrail,
    mode: Mode,
) -> StepReport {
    if let Some(settings) = get_settings(clients, trail).await? {
        return Ok((
            StepStatus::AlreadyInEffect,
            Some(describe(trail, &settings)),
        ));
    }
    if mode == Mode::DryRun {
        return Ok((StepStatus::WouldDo, Some(format!("{trail} does not exist"))));
    }
    let mut request = clients
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
    request.send().await.map_err(|e| {
        home(
            ActionError::from_sdk("cloudtrail:CreateTrail", trail.to_string(), &e),
            trail,
        )
    })?;
    match get_settings(clients, trail).await? {
        Some(settings) => Ok((StepStatus::Done, Some(describe(trail, &settings)))),
        None => Err(ActionError::not_in_effect(
            "cloudtrail:CreateTrail",
            trail.to_string(),
            "CreateTrail succeeded but the trail cannot be found",
        )),
    }
}

/// Answers every query of trail-guard's decisions; never fails.
pub async fn gather_all(clients: &TrailClients, queries: &[FactQuery]) -> Facts {
    let mut facts = Facts::new();
    for query in queries {
        let fact = gather(clients, query).await;
        crate::facts::note(&mut facts, query, fact);
    }
    facts
}

/// Answers a trail fact; never fails (what cannot be read is `Unknown`, with the reason).
pub(crate) async fn gather(clients: &TrailClients, query: &FactQuery) -> Fact {
    match query {
        FactQuery::Trail { trail } => match get_settings(clients, trail).await {
            Ok(None) => Fact::Trail(None),
            Ok(Some(settings)) => match observe(clients, trail.clone(), settings, false).await {
                Ok(observed) => Fact::Trail(Some(Box::new(observed))),
                Err(e) => Fact::Unknown(e.to_string()),
            },
            Err(e) => Fact::Unknown(e.to_string()),
        },
        FactQuery::TrailsIn { region, full } => match trails_in(clients, region, *full).await {
            Ok(trails) => Fact::Trails(trails),
            Err(e) => Fact::Unknown(e.to_string()),
        },
        other => Fact::Unknown(format!("{other:?} is not a trail fact")),
    }
}

/// Every trail that applies to `region`, each addressed in its home region.
async fn trails_in(
    clients: &TrailClients,
    region: &Region,
    full: bool,
) -> Result<Vec<ObservedTrail>, ActionError> {
    let out = clients
        .cloudtrail
        .get(region)
        .describe_trails()
        .include_shadow_trails(true)
        .send()
        .await
        .map_err(|e| {
            ActionError::from_sdk(
                "cloudtrail:DescribeTrails",
                format!("trails in {region}"),
                &e,
            )
        })?;
    let mut trails = Vec::new();
    for t in out.trail_list() {
        let Some(name) = t.name() else { continue };
        let arn = t.trail_arn().and_then(|a| Arn::parse("TrailARN", a).ok());
        // A trail is changed from its home region; without a readable one, say so.
        let home = t
            .home_region()
            .ok_or_else(|| format!("trail {name} reports no home region"))
            .and_then(|h| Region::parse("HomeRegion", h).map_err(|e| e.to_string()))
            .map_err(|why| {
                ActionError::not_in_effect(
                    "cloudtrail:DescribeTrails",
                    format!("trail {name}"),
                    why,
                )
            })?;
        let trail = TrailRef {
            name: name.to_string(),
            arn,
            region: home,
        };
        trails.push(observe(clients, trail, settings_of(t), full).await?);
    }
    Ok(trails)
}

/// The trail with its settings, and (`full`) its status, selectors, insights and key state.
async fn observe(
    clients: &TrailClients,
    trail: TrailRef,
    settings: TrailSettings,
    full: bool,
) -> Result<ObservedTrail, ActionError> {
    if !full {
        return Ok(ObservedTrail {
            trail,
            settings,
            logging: None,
            selectors: None,
            insight_types: None,
            key_state: None,
        });
    }
    let logging = logging_status(clients, &trail).await?.logging;
    let selectors = get_selectors(clients, &trail).await?;
    let insights = get_insights(clients, &trail).await?;
    let key_state = match &settings.kms_key_id {
        Some(key) => {
            let region = key_region(key, &trail.region);
            Some(crate::kms::key_state(clients, key, &region).await?)
        }
        None => None,
    };
    Ok(ObservedTrail {
        trail,
        settings,
        logging: Some(logging),
        selectors: Some(selectors),
        insight_types: Some(insights),
        key_state,
    })
}
