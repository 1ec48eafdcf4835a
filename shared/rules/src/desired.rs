//! A trail's desired state, as the deployment declares it, and its observed state, as read from
//! AWS; and the pure comparison between the two that says what to put back.
//!
//! Always desired, whatever is declared: logging on; multi-region, global service events and log
//! file validation on; management events recorded for reads and writes, no event source
//! excluded. Desired only when declared (`TRAIL_*` variables, see [`crate::Config`]): the S3
//! bucket and prefix, the KMS key, the CloudWatch Logs group and role, the SNS topic, the data
//! event selectors and the insight selectors.

use serde::{Deserialize, Serialize};
use std::fmt;
use trailwarden_events::{Arn, Region};

/// A trail as an action addresses it: its name, its ARN when known, and the region to call.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrailRef {
    pub name: String,
    pub arn: Option<Arn>,
    /// The trail's home region: a multi-region trail is changed only from there.
    pub region: Region,
}

impl TrailRef {
    /// What to pass as `Name` to CloudTrail: the ARN when known (it works from any region for a
    /// shadow trail's home), else the name.
    pub fn api_name(&self) -> String {
        self.arn
            .as_ref()
            .map_or_else(|| self.name.clone(), Arn::to_string)
    }
}

impl fmt::Display for TrailRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "trail {} ({})", self.name, self.region)
    }
}

/// One data resource of an event selector, as CloudTrail's API names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DataResource {
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(rename = "Values", default)]
    pub values: Vec<String>,
}

/// A basic event selector.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventSelector {
    /// `ReadOnly`, `WriteOnly` or `All`.
    pub read_write_type: String,
    pub include_management_events: bool,
    pub exclude_management_event_sources: Vec<String>,
    pub data_resources: Vec<DataResource>,
}

impl EventSelector {
    /// Management events, reads and writes, nothing excluded, with `data_resources`.
    pub fn management(data_resources: Vec<DataResource>) -> EventSelector {
        EventSelector {
            read_write_type: "All".into(),
            include_management_events: true,
            exclude_management_event_sources: vec![],
            data_resources,
        }
    }

    /// True when this selector records every management event, reads and writes.
    pub fn records_all_management_events(&self) -> bool {
        self.include_management_events
            && self.read_write_type == "All"
            && self.exclude_management_event_sources.is_empty()
    }
}

impl fmt::Display for EventSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.read_write_type,
            if self.include_management_events {
                "management events"
            } else {
                "no management events"
            }
        )?;
        if !self.exclude_management_event_sources.is_empty() {
            write!(
                f,
                " except {}",
                self.exclude_management_event_sources.join(", ")
            )?;
        }
        for d in &self.data_resources {
            write!(f, ", data {} {:?}", d.kind, d.values)?;
        }
        Ok(())
    }
}

/// What the deployment declares about its protected trails. `None`: not declared, so not
/// enforced (a change is reported as drift, not put back).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DesiredTrail {
    /// `TRAIL_S3_BUCKET`
    pub s3_bucket: Option<String>,
    /// `TRAIL_S3_KEY_PREFIX`
    pub s3_key_prefix: Option<String>,
    /// `TRAIL_KMS_KEY_ID`: a key ARN or key id.
    pub kms_key_id: Option<String>,
    /// `TRAIL_CLOUDWATCH_LOGS_GROUP_ARN` and `TRAIL_CLOUDWATCH_LOGS_ROLE_ARN`, declared together.
    pub cloud_watch_logs: Option<CloudWatchLogs>,
    /// `TRAIL_SNS_TOPIC`: a topic name or ARN.
    pub sns_topic: Option<String>,
    /// `TRAIL_DATA_RESOURCES`: data events recorded (reads and writes) with management events.
    pub data_resources: Option<Vec<DataResource>>,
    /// `TRAIL_INSIGHT_TYPES`: `ApiCallRateInsight`, `ApiErrorRateInsight`; empty for none.
    pub insight_types: Option<Vec<String>>,
}

/// Where a trail also sends its events: a CloudWatch Logs group, written with a role.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CloudWatchLogs {
    pub log_group_arn: String,
    pub role_arn: String,
}

impl DesiredTrail {
    /// The names of the variables not declared, for a person to fill in.
    pub fn undeclared(&self) -> Vec<&'static str> {
        let mut missing = vec![];
        if self.s3_bucket.is_none() {
            missing.push("TRAIL_S3_BUCKET");
        }
        if self.s3_key_prefix.is_none() {
            missing.push("TRAIL_S3_KEY_PREFIX");
        }
        if self.kms_key_id.is_none() {
            missing.push("TRAIL_KMS_KEY_ID");
        }
        if self.cloud_watch_logs.is_none() {
            missing.push("TRAIL_CLOUDWATCH_LOGS_GROUP_ARN/TRAIL_CLOUDWATCH_LOGS_ROLE_ARN");
        }
        if self.sns_topic.is_none() {
            missing.push("TRAIL_SNS_TOPIC");
        }
        if self.data_resources.is_none() {
            missing.push("TRAIL_DATA_RESOURCES");
        }
        if self.insight_types.is_none() {
            missing.push("TRAIL_INSIGHT_TYPES");
        }
        missing
    }

    /// The event selectors a trail must have: management events with the declared data
    /// resources; when none are declared, the data resources of `current` are kept as they are,
    /// each in a selector of its own that records no management events.
    pub fn event_selectors(&self, current: &[EventSelector]) -> Vec<EventSelector> {
        match &self.data_resources {
            Some(declared) => vec![EventSelector::management(declared.clone())],
            None => {
                let mut selectors = vec![EventSelector::management(vec![])];
                selectors.extend(current.iter().filter(|s| !s.data_resources.is_empty()).map(
                    |s| EventSelector {
                        read_write_type: s.read_write_type.clone(),
                        include_management_events: false,
                        exclude_management_event_sources: vec![],
                        data_resources: s.data_resources.clone(),
                    },
                ));
                selectors
            }
        }
    }

    /// True when `current` (basic selectors; `advanced` when advanced selectors are in use)
    /// records what this desired state asks for.
    pub fn selectors_hold(&self, current: &[EventSelector], advanced: bool) -> bool {
        if advanced {
            return false;
        }
        // A trail nobody gave selectors records every management event.
        let management = current.is_empty()
            || current
                .iter()
                .any(EventSelector::records_all_management_events);
        let data = match &self.data_resources {
            None => true,
            Some(declared) => {
                let mut want: Vec<_> = declared.clone();
                let mut have: Vec<_> = current
                    .iter()
                    .flat_map(|s| s.data_resources.iter().cloned())
                    .collect();
                want.sort();
                have.sort();
                want == have
            }
        };
        management && data
    }
}

/// The settings of a trail that `DescribeTrails` / `GetTrail` report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrailSettings {
    pub multi_region: bool,
    pub include_global_service_events: bool,
    pub log_file_validation: bool,
    pub s3_bucket: Option<String>,
    pub s3_key_prefix: Option<String>,
    pub kms_key_id: Option<String>,
    pub cloud_watch_logs_group_arn: Option<String>,
    pub cloud_watch_logs_role_arn: Option<String>,
    /// The topic's ARN as CloudTrail reports it.
    pub sns_topic: Option<String>,
}

/// A trail as read from AWS. `None`: not read (a list of trails reads only their settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedTrail {
    /// Name, ARN and home region.
    pub trail: TrailRef,
    pub settings: TrailSettings,
    pub logging: Option<bool>,
    /// Basic selectors, and whether advanced selectors are in use.
    pub selectors: Option<(Vec<EventSelector>, bool)>,
    pub insight_types: Option<Vec<String>>,
    /// The trail's KMS key state (`Enabled`, `Disabled`, `PendingDeletion`, ...), when it has one.
    pub key_state: Option<String>,
}

/// The settings to change on a trail (`UpdateTrail`). `None`: leave as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrailChanges {
    pub multi_region: Option<bool>,
    pub include_global_service_events: Option<bool>,
    pub log_file_validation: Option<bool>,
    pub s3_bucket: Option<String>,
    pub s3_key_prefix: Option<String>,
    pub kms_key_id: Option<String>,
    pub cloud_watch_logs: Option<CloudWatchLogs>,
    pub sns_topic: Option<String>,
}

impl TrailChanges {
    pub fn is_empty(&self) -> bool {
        *self == TrailChanges::default()
    }

    /// The settings a person reads in the alert, one per change.
    pub fn describe(&self) -> Vec<String> {
        let on = |b: bool| if b { "on" } else { "off" };
        let mut out = vec![];
        if let Some(b) = self.multi_region {
            out.push(format!("multi-region {}", on(b)));
        }
        if let Some(b) = self.include_global_service_events {
            out.push(format!("global service events {}", on(b)));
        }
        if let Some(b) = self.log_file_validation {
            out.push(format!("log file validation {}", on(b)));
        }
        if let Some(v) = &self.s3_bucket {
            out.push(format!("S3 bucket {v}"));
        }
        if let Some(v) = &self.s3_key_prefix {
            out.push(format!("S3 key prefix {v:?}"));
        }
        if let Some(v) = &self.kms_key_id {
            out.push(format!("KMS key {v}"));
        }
        if let Some(v) = &self.cloud_watch_logs {
            out.push(format!("CloudWatch Logs group {}", v.log_group_arn));
        }
        if let Some(v) = &self.sns_topic {
            out.push(format!("SNS topic {v}"));
        }
        out
    }

    /// True when `settings` already have every change.
    pub fn hold_in(&self, settings: &TrailSettings) -> bool {
        self.multi_region.is_none_or(|b| b == settings.multi_region)
            && self
                .include_global_service_events
                .is_none_or(|b| b == settings.include_global_service_events)
            && self
                .log_file_validation
                .is_none_or(|b| b == settings.log_file_validation)
            && self
                .s3_bucket
                .as_ref()
                .is_none_or(|b| settings.s3_bucket.as_ref() == Some(b))
            && self
                .s3_key_prefix
                .as_ref()
                .is_none_or(|p| settings.s3_key_prefix.as_deref().unwrap_or("") == p)
            && self
                .kms_key_id
                .as_ref()
                .is_none_or(|k| same_key(settings.kms_key_id.as_deref(), k))
            && self.cloud_watch_logs.as_ref().is_none_or(|c| {
                same_log_group(
                    settings.cloud_watch_logs_group_arn.as_deref(),
                    &c.log_group_arn,
                ) && settings.cloud_watch_logs_role_arn.as_deref() == Some(c.role_arn.as_str())
            })
            && self
                .sns_topic
                .as_ref()
                .is_none_or(|t| same_topic(settings.sns_topic.as_deref(), t))
    }
}

/// The changes that bring `settings` to the desired state: the always-desired ones, and the
/// declared ones.
pub fn settings_drift(settings: &TrailSettings, desired: &DesiredTrail) -> TrailChanges {
    let mut c = TrailChanges::default();
    if !settings.multi_region {
        c.multi_region = Some(true);
    }
    // A multi-region trail must also record global service events.
    if !settings.include_global_service_events {
        c.include_global_service_events = Some(true);
    }
    if !settings.log_file_validation {
        c.log_file_validation = Some(true);
    }
    if let Some(bucket) = &desired.s3_bucket
        && settings.s3_bucket.as_ref() != Some(bucket)
    {
        c.s3_bucket = Some(bucket.clone());
    }
    if let Some(prefix) = &desired.s3_key_prefix
        && settings.s3_key_prefix.as_deref().unwrap_or("") != prefix
    {
        c.s3_key_prefix = Some(prefix.clone());
    }
    if let Some(key) = &desired.kms_key_id
        && !same_key(settings.kms_key_id.as_deref(), key)
    {
        c.kms_key_id = Some(key.clone());
    }
    if let Some(logs) = &desired.cloud_watch_logs
        && !(same_log_group(
            settings.cloud_watch_logs_group_arn.as_deref(),
            &logs.log_group_arn,
        ) && settings.cloud_watch_logs_role_arn.as_deref() == Some(logs.role_arn.as_str()))
    {
        c.cloud_watch_logs = Some(logs.clone());
    }
    if let Some(topic) = &desired.sns_topic
        && !same_topic(settings.sns_topic.as_deref(), topic)
    {
        c.sns_topic = Some(topic.clone());
    }
    c
}

/// The region a KMS key lives in: its ARN's, or `fallback` for a bare key id or alias (which
/// names a key of the caller's region).
pub fn key_region(key: &str, fallback: &Region) -> Region {
    Arn::parse("the KMS key", key)
        .ok()
        .and_then(|a| Region::parse("the key ARN's region", &a.region).ok())
        .unwrap_or_else(|| fallback.clone())
}

/// A trail reports its key as an ARN; a key may be declared by ARN or by id.
pub fn same_key(actual: Option<&str>, declared: &str) -> bool {
    actual.is_some_and(|a| a == declared || a.ends_with(&format!("/{declared}")))
}

/// A log group ARN with or without the `:*` CloudFormation's `!GetAtt` adds.
fn same_log_group(actual: Option<&str>, declared: &str) -> bool {
    actual.is_some_and(|a| a.trim_end_matches(":*") == declared.trim_end_matches(":*"))
}

/// A topic declared by name or ARN; CloudTrail reports the ARN.
fn same_topic(actual: Option<&str>, declared: &str) -> bool {
    let name = |t: &str| t.rsplit(':').next().unwrap_or(t).to_string();
    actual.is_some_and(|a| a == declared || name(a) == name(declared))
}

/// Insight types compared as sets.
pub fn same_insights(actual: &[String], declared: &[String]) -> bool {
    let mut a = actual.to_vec();
    let mut d = declared.to_vec();
    a.sort();
    a.dedup();
    d.sort();
    d.dedup();
    a == d
}
