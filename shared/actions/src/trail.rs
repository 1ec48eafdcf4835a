//! CloudTrail actions, and the trail facts trail-guard decides from. Every call goes to the
//! trail's home region (`TrailRef.region`): a multi-region trail can be changed only there, and
//! an error says so when AWS refuses for that reason.

use crate::error::FromSdk;
use crate::remediation::{Remediation, Standing, StepReport, remediate};
use crate::{ActionError, TrailClients};
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

/// A stopped trail logging again, unless it was stopped again after the event.
struct StartLogging<'a> {
    clients: &'a TrailClients,
    trail: &'a TrailRef,
    stopped_at: Option<EventTime>,
}

impl Remediation for StartLogging<'_> {
    type State = LoggingStatus;

    async fn read(&self) -> Result<LoggingStatus, ActionError> {
        logging_status(self.clients, self.trail).await
    }

    fn standing(&self, status: &LoggingStatus) -> Standing {
        if status.logging {
            return Standing::InEffect;
        }
        match (self.stopped_at, status.stopped_at) {
            (Some(event), Some(latest)) if latest > event => Standing::Superseded(format!(
                "{} was stopped again at {latest}, after this event's stop at {event}; left as it is",
                self.trail
            )),
            _ => Standing::Needed,
        }
    }

    fn describe(&self, status: &LoggingStatus) -> String {
        if status.logging {
            format!("{} is logging", self.trail)
        } else {
            format!("{} is not logging", self.trail)
        }
    }

    async fn act(&self) -> Result<(), ActionError> {
        let trail = self.trail;
        self.clients
            .cloudtrail
            .get(&trail.region)
            .start_logging()
            .name(trail.api_name())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                home(
                    ActionError::from_sdk("cloudtrail:StartLogging", trail.to_string(), &e),
                    trail,
                )
            })
    }

    fn not_in_effect(&self, _: &LoggingStatus) -> ActionError {
        ActionError::not_in_effect(
            "cloudtrail:StartLogging",
            self.trail.to_string(),
            "StartLogging succeeded but the trail still reports that it is not logging",
        )
    }
}

/// Check, start, read back: three calls, and only one when the trail is already logging or was
/// stopped again after the event (`stopped_at`, at CloudTrail's one-second precision).
pub(crate) async fn start_logging(
    clients: &TrailClients,
    trail: &TrailRef,
    stopped_at: &Option<EventTime>,
    mode: Mode,
) -> StepReport {
    remediate(
        &StartLogging {
            clients,
            trail,
            stopped_at: *stopped_at,
        },
        mode,
    )
    .await
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

/// A trail's event selectors put back (advanced selectors replaced).
struct PutEventSelectors<'a> {
    clients: &'a TrailClients,
    trail: &'a TrailRef,
    selectors: &'a [EventSelector],
    /// The selectors as compared.
    want: Vec<EventSelector>,
}

impl Remediation for PutEventSelectors<'_> {
    /// The basic selectors, and whether advanced selectors are in use.
    type State = (Vec<EventSelector>, bool);

    async fn read(&self) -> Result<(Vec<EventSelector>, bool), ActionError> {
        get_selectors(self.clients, self.trail).await
    }

    fn standing(&self, (selectors, advanced): &(Vec<EventSelector>, bool)) -> Standing {
        if !advanced && *selectors == self.want {
            Standing::InEffect
        } else {
            Standing::Needed
        }
    }

    fn describe(&self, (selectors, advanced): &(Vec<EventSelector>, bool)) -> String {
        describe_selectors(self.trail, selectors, *advanced)
    }

    async fn act(&self) -> Result<(), ActionError> {
        let trail = self.trail;
        self.clients
            .cloudtrail
            .get(&trail.region)
            .put_event_selectors()
            .trail_name(trail.api_name())
            .set_event_selectors(Some(self.selectors.iter().map(to_sdk_selector).collect()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                home(
                    ActionError::from_sdk("cloudtrail:PutEventSelectors", trail.to_string(), &e),
                    trail,
                )
            })
    }

    fn not_in_effect(&self, after: &(Vec<EventSelector>, bool)) -> ActionError {
        ActionError::not_in_effect(
            "cloudtrail:PutEventSelectors",
            self.trail.to_string(),
            format!("PutEventSelectors succeeded but {}", self.describe(after)),
        )
    }
}

/// Check, put, read back: three calls, one when the selectors are already the desired ones.
pub(crate) async fn put_event_selectors(
    clients: &TrailClients,
    trail: &TrailRef,
    selectors: &[EventSelector],
    mode: Mode,
) -> StepReport {
    let want = normalise(selectors.to_vec());
    remediate(
        &PutEventSelectors {
            clients,
            trail,
            selectors,
            want,
        },
        mode,
    )
    .await
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

/// A trail's insight selectors put back.
struct PutInsightSelectors<'a> {
    clients: &'a TrailClients,
    trail: &'a TrailRef,
    types: &'a [String],
}

impl Remediation for PutInsightSelectors<'_> {
    type State = Vec<String>;

    async fn read(&self) -> Result<Vec<String>, ActionError> {
        get_insights(self.clients, self.trail).await
    }

    fn standing(&self, types: &Vec<String>) -> Standing {
        if same_insights(types, self.types) {
            Standing::InEffect
        } else {
            Standing::Needed
        }
    }

    fn describe(&self, types: &Vec<String>) -> String {
        describe_insights(self.trail, types)
    }

    async fn act(&self) -> Result<(), ActionError> {
        let trail = self.trail;
        self.clients
            .cloudtrail
            .get(&trail.region)
            .put_insight_selectors()
            .trail_name(trail.api_name())
            .set_insight_selectors(Some(
                self.types
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
            .map(|_| ())
            .map_err(|e| {
                home(
                    ActionError::from_sdk("cloudtrail:PutInsightSelectors", trail.to_string(), &e),
                    trail,
                )
            })
    }

    fn not_in_effect(&self, after: &Vec<String>) -> ActionError {
        ActionError::not_in_effect(
            "cloudtrail:PutInsightSelectors",
            self.trail.to_string(),
            format!("PutInsightSelectors succeeded but {}", self.describe(after)),
        )
    }
}

pub(crate) async fn put_insight_selectors(
    clients: &TrailClients,
    trail: &TrailRef,
    types: &[String],
    mode: Mode,
) -> StepReport {
    remediate(
        &PutInsightSelectors {
            clients,
            trail,
            types,
        },
        mode,
    )
    .await
}

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
