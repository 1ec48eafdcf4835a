//! trail-guard's decisions: what to do when someone blinds CloudTrail, and what the scheduled
//! check finds.
//!
//! Two phases, as in iam-guard: [`facts_needed`] says what the decision must know beyond the
//! record (a trail's current settings; which trails use a key or bucket), the actions crate
//! gathers those [`Facts`], and [`decide`] is pure. The scheduled check works the same way:
//! [`scheduled_facts`] then [`check`]. What each protected trail should be is
//! [`DesiredTrail`] (`config.desired_trail`), compared in [`crate::desired`].

use crate::desired::{
    DesiredTrail, EventSelector, ObservedTrail, TrailChanges, key_region, same_insights, same_key,
    settings_drift,
};
use crate::{
    Action, Config, Decision, Fact, FactQuery, Facts, Ignored, Incident, Severity, TrailRef,
    TrailSelector, exemptions,
};
use serde::Deserialize;
use serde_json::Value;
use trailwarden_events::{Arn, EventError, Record, Region};

/// One of trail-guard's responses: the calls it answers (by event source and names), the facts
/// it needs, and its decision. [`TRAIL_RESPONSES`] is the one place a response is joined:
/// [`facts_needed`], [`decide`] and the event names the template's rule delivers read it.
pub struct TrailResponse {
    pub source: &'static str,
    pub events: &'static [&'static str],
    facts: fn(&Record) -> Vec<FactQuery>,
    decide: fn(&Record, &Config, &Facts) -> Result<Decision, EventError>,
}

/// trail-guard's responses to calls, as the README's table lists them (the schedule is
/// [`check`]).
pub const TRAIL_RESPONSES: &[TrailResponse] = &[
    TrailResponse {
        source: "cloudtrail.amazonaws.com",
        events: &["StopLogging"],
        facts: |_| vec![],
        decide: |r, config, _| stop_logging(r, config),
    },
    TrailResponse {
        source: "cloudtrail.amazonaws.com",
        events: &["UpdateTrail"],
        // The trail as it is now: what the call changed is compared with it.
        facts: |r| {
            r.request::<TrailNamed>()
                .ok()
                .and_then(|named| trail_ref(r, &named.name).ok())
                .map(|trail| vec![FactQuery::Trail { trail }])
                .unwrap_or_default()
        },
        decide: update_trail,
    },
    TrailResponse {
        source: "cloudtrail.amazonaws.com",
        events: &["PutEventSelectors", "PutAdvancedEventSelectors"],
        facts: |_| vec![],
        decide: |r, config, _| put_event_selectors(r, config),
    },
    TrailResponse {
        source: "cloudtrail.amazonaws.com",
        events: &["PutInsightSelectors"],
        facts: |_| vec![],
        decide: |r, config, _| put_insight_selectors(r, config),
    },
    TrailResponse {
        source: "cloudtrail.amazonaws.com",
        events: &["DeleteTrail"],
        facts: |_| vec![],
        decide: |r, config, _| delete_trail(r, config),
    },
    // A trail's key: the trails visible from the event's region say whether it is one.
    TrailResponse {
        source: "kms.amazonaws.com",
        events: &["DisableKey", "ScheduleKeyDeletion"],
        facts: trails_of_the_region,
        decide: key_changed,
    },
    // A trail's bucket, likewise.
    TrailResponse {
        source: "s3.amazonaws.com",
        events: &[
            "PutBucketLifecycle",
            "PutBucketPolicy",
            "DeleteBucketPolicy",
            "PutBucketVersioning",
            "DeleteBucket",
        ],
        facts: trails_of_the_region,
        decide: bucket_changed,
    },
];

impl TrailResponse {
    fn of(record: &Record) -> Option<&'static TrailResponse> {
        let name = record.event_name.as_str();
        TRAIL_RESPONSES
            .iter()
            .find(|r| r.source == record.event_source && r.events.contains(&name))
    }
}

/// Every event name trail-guard answers, of any source.
pub fn event_names() -> std::collections::BTreeSet<&'static str> {
    TRAIL_RESPONSES
        .iter()
        .flat_map(|r| r.events.iter().copied())
        .collect()
}

fn trails_of_the_region(record: &Record) -> Vec<FactQuery> {
    record
        .region()
        .ok()
        .map(|region| {
            vec![FactQuery::TrailsIn {
                region,
                full: false,
            }]
        })
        .unwrap_or_default()
}

/// The reads trail-guard does to gather facts before deciding.
pub const FACT_PERMISSIONS: &[&str] = &[
    "cloudtrail:DescribeTrails",
    "cloudtrail:GetTrail",
    "cloudtrail:GetTrailStatus",
    "cloudtrail:GetEventSelectors",
    "cloudtrail:GetInsightSelectors",
    "kms:DescribeKey",
];

/// The facts [`decide`] needs for this record. Empty when the record is ignored anyway.
pub fn facts_needed(record: &Record, config: &Config) -> Vec<FactQuery> {
    if exemptions::of_change(record, config).is_some() {
        return vec![];
    }
    TrailResponse::of(record).map_or_else(Vec::new, |response| (response.facts)(record))
}

/// Decides what trail-guard does about one CloudTrail record, given the facts [`facts_needed`]
/// asked for.
pub fn decide(record: &Record, config: &Config, facts: &Facts) -> Result<Decision, EventError> {
    if let Some(why) = exemptions::of_change(record, config) {
        return Ok(Decision::Ignore(why));
    }
    match TrailResponse::of(record) {
        Some(response) => (response.decide)(record, config, facts),
        None => Ok(Decision::Ignore(Ignored::NotHandled {
            event_name: record.event_name.clone(),
        })),
    }
}

#[derive(Deserialize)]
struct TrailNamed {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SelectorsNamed {
    trail_name: String,
}

/// The trail a call names, checked to be protected and of this account: `Err(decision)` when
/// the call must be left alone or refused.
fn protected_trail(
    record: &Record,
    config: &Config,
    name_or_arn: &str,
) -> Result<Result<TrailRef, Decision>, EventError> {
    let trail = trail_ref(record, name_or_arn)?;
    if let Some(refusal) = refuse_other_account(record, &trail) {
        return Ok(Err(refusal));
    }
    if !is_protected(&trail, record.account(), config) {
        return Ok(Err(Decision::Ignore(Ignored::UnprotectedTrail {
            trail: trail.name,
        })));
    }
    Ok(Ok(trail))
}

fn respond(
    summary: String,
    resource: String,
    severity: Severity,
    plan: Vec<Action>,
    next_steps: Vec<String>,
) -> Decision {
    Decision::Respond {
        incident: Incident {
            summary,
            resource,
            severity,
            next_steps,
            superseded_by: None,
        },
        plan,
    }
}

fn ask_why(record: &Record, what: &str) -> String {
    format!(
        "Ask why {} {what}; it is not in ALLOWED_PRINCIPALS.",
        record.actor
    )
}

fn stop_logging(record: &Record, config: &Config) -> Result<Decision, EventError> {
    let trail = match protected_trail(record, config, &record.request::<TrailNamed>()?.name)? {
        Ok(trail) => trail,
        Err(decision) => return Ok(decision),
    };
    let actor = &record.actor;
    Ok(respond(
        format!("CloudTrail logging stopped on trail {} by {actor}", trail.name),
        trail.to_string(),
        Severity::High,
        vec![Action::StartLogging {
            trail,
            stopped_at: Some(record.event_time),
        }],
        vec![
            format!("Ask why {actor} stopped the trail; it is not in ALLOWED_PRINCIPALS."),
            "Review what was done while logging was off: CloudTrail event history keeps management events without a trail.".into(),
        ],
    ))
}

/// What `UpdateTrail` asked for, as CloudTrail records it.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct UpdateRequest {
    is_multi_region_trail: Option<bool>,
    include_global_service_events: Option<bool>,
    enable_log_file_validation: Option<bool>,
    s3_bucket_name: Option<String>,
    s3_key_prefix: Option<String>,
    kms_key_id: Option<String>,
    cloud_watch_logs_log_group_arn: Option<String>,
    sns_topic_name: Option<String>,
}

fn update_trail(record: &Record, config: &Config, facts: &Facts) -> Result<Decision, EventError> {
    let trail = match protected_trail(record, config, &record.request::<TrailNamed>()?.name)? {
        Ok(trail) => trail,
        Err(decision) => return Ok(decision),
    };
    let request: UpdateRequest = record.request()?;
    let desired = &config.desired_trail;
    let mut next_steps = vec![ask_why(record, "changed the trail")];
    // Settings the call changed that nothing declares: reported, not put back.
    let undeclared: Vec<String> = [
        (
            request.s3_bucket_name.as_ref(),
            desired.s3_bucket.is_none(),
            "S3 bucket",
            "TRAIL_S3_BUCKET",
        ),
        (
            request.s3_key_prefix.as_ref(),
            desired.s3_key_prefix.is_none(),
            "S3 key prefix",
            "TRAIL_S3_KEY_PREFIX",
        ),
        (
            request.kms_key_id.as_ref(),
            desired.kms_key_id.is_none(),
            "KMS key",
            "TRAIL_KMS_KEY_ID",
        ),
        (
            request.cloud_watch_logs_log_group_arn.as_ref(),
            desired.cloud_watch_logs.is_none(),
            "CloudWatch Logs group",
            "TRAIL_CLOUDWATCH_LOGS_GROUP_ARN",
        ),
        (
            request.sns_topic_name.as_ref(),
            desired.sns_topic.is_none(),
            "SNS topic",
            "TRAIL_SNS_TOPIC",
        ),
    ]
    .into_iter()
    .filter_map(|(value, undeclared, what, variable)| {
        let value = value?;
        undeclared.then(|| {
            format!(
                "{what} set to {} ({variable} is not declared, so it was not put back)",
                if value.is_empty() {
                    "none".to_string()
                } else {
                    format!("{value:?}")
                }
            )
        })
    })
    .collect();
    let changes = match facts.get(&FactQuery::Trail {
        trail: trail.clone(),
    }) {
        Fact::Trail(Some(observed)) => settings_drift(&observed.settings, desired),
        Fact::Trail(None) => {
            next_steps.push(format!(
                "{trail} no longer exists: it was deleted after this change; the DeleteTrail event is answered on its own."
            ));
            return Ok(respond(
                format!(
                    "Settings of trail {} changed by {}",
                    trail.name, record.actor
                ),
                trail.to_string(),
                Severity::High,
                vec![],
                next_steps,
            ));
        }
        // The trail could not be read: judge from what the call asked for.
        _ => changes_from_request(&request, desired),
    };
    if changes.is_empty() && undeclared.is_empty() {
        return Ok(Decision::Ignore(Ignored::NoDrift { trail: trail.name }));
    }
    for drift in &undeclared {
        next_steps.push(format!("Drift: {drift}."));
    }
    let summary = format!(
        "Settings of trail {} changed by {}",
        trail.name, record.actor
    );
    let (severity, plan) = if changes.is_empty() {
        (Severity::Medium, vec![])
    } else {
        (
            Severity::High,
            vec![Action::UpdateTrail {
                trail: trail.clone(),
                changes,
            }],
        )
    };
    Ok(respond(
        summary,
        trail.to_string(),
        severity,
        plan,
        next_steps,
    ))
}

/// The departures an `UpdateTrail` request made, when the trail itself cannot be read.
fn changes_from_request(request: &UpdateRequest, desired: &DesiredTrail) -> TrailChanges {
    let mut c = TrailChanges::default();
    if request.is_multi_region_trail == Some(false) {
        c.multi_region = Some(true);
    }
    if request.include_global_service_events == Some(false) {
        c.include_global_service_events = Some(true);
    }
    if request.enable_log_file_validation == Some(false) {
        c.log_file_validation = Some(true);
    }
    let differs = |asked: &Option<String>, want: &Option<String>| match (asked, want) {
        (Some(a), Some(w)) if a != w => Some(w.clone()),
        _ => None,
    };
    c.s3_bucket = differs(&request.s3_bucket_name, &desired.s3_bucket);
    c.s3_key_prefix = differs(&request.s3_key_prefix, &desired.s3_key_prefix);
    if let (Some(asked), Some(want)) = (&request.kms_key_id, &desired.kms_key_id)
        && !same_key(Some(asked), want)
    {
        c.kms_key_id = Some(want.clone());
    }
    if let (Some(asked), Some(want)) = (
        &request.cloud_watch_logs_log_group_arn,
        &desired.cloud_watch_logs,
    ) && asked.trim_end_matches(":*") != want.log_group_arn.trim_end_matches(":*")
    {
        c.cloud_watch_logs = Some(want.clone());
    }
    c.sns_topic = differs(&request.sns_topic_name, &desired.sns_topic);
    c
}

/// A basic event selector as CloudTrail records it in `requestParameters`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecordedSelector {
    #[serde(default = "all")]
    read_write_type: String,
    #[serde(default = "yes")]
    include_management_events: bool,
    #[serde(default)]
    exclude_management_event_sources: Vec<String>,
    #[serde(default)]
    data_resources: Vec<RecordedDataResource>,
}

#[derive(Deserialize)]
struct RecordedDataResource {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    values: Vec<String>,
}

fn all() -> String {
    "All".into()
}

fn yes() -> bool {
    true
}

impl From<RecordedSelector> for EventSelector {
    fn from(r: RecordedSelector) -> EventSelector {
        EventSelector {
            read_write_type: r.read_write_type,
            include_management_events: r.include_management_events,
            exclude_management_event_sources: r.exclude_management_event_sources,
            data_resources: r
                .data_resources
                .into_iter()
                .map(|d| crate::desired::DataResource {
                    kind: d.kind,
                    values: d.values,
                })
                .collect(),
        }
    }
}

/// True when recorded advanced selectors record every management event: a selector whose only
/// field is `eventCategory` equal to `Management`.
fn advanced_records_all_management(selectors: &Value) -> bool {
    selectors.as_array().is_some_and(|list| {
        list.iter().any(|s| {
            let fields = s.get("fieldSelectors").and_then(Value::as_array);
            fields.is_some_and(|f| {
                f.len() == 1
                    && f[0].get("field").and_then(Value::as_str) == Some("eventCategory")
                    && f[0].get("equals") == Some(&serde_json::json!(["Management"]))
            })
        })
    })
}

fn put_event_selectors(record: &Record, config: &Config) -> Result<Decision, EventError> {
    let named: SelectorsNamed = record.request()?;
    let trail = match protected_trail(record, config, &named.trail_name)? {
        Ok(trail) => trail,
        Err(decision) => return Ok(decision),
    };
    let params = record.request_parameters.as_ref();
    let basic: Vec<EventSelector> = match params.and_then(|p| p.get("eventSelectors")) {
        Some(v) => Vec::<RecordedSelector>::deserialize(v)
            .map_err(|e| EventError::Request {
                event_name: record.event_name.clone(),
                reason: format!("eventSelectors: {e}"),
            })?
            .into_iter()
            .map(EventSelector::from)
            .collect(),
        None => vec![],
    };
    let advanced = params.and_then(|p| p.get("advancedEventSelectors"));
    let desired = &config.desired_trail;
    let holds = match advanced {
        Some(adv) => desired.data_resources.is_none() && advanced_records_all_management(adv),
        None => desired.selectors_hold(&basic, false),
    };
    if holds {
        return Ok(Decision::Ignore(Ignored::NoDrift { trail: trail.name }));
    }
    let mut next_steps = vec![ask_why(record, "changed what the trail records")];
    if advanced.is_some() {
        next_steps.push(
            "The advanced event selectors set by the call are replaced by basic ones; data events are recorded only as TRAIL_DATA_RESOURCES declares.".into(),
        );
    } else if desired.data_resources.is_none() {
        next_steps.push(
            "TRAIL_DATA_RESOURCES is not declared: the data resources the call set are kept as they are.".into(),
        );
    }
    Ok(respond(
        format!(
            "Event selectors of trail {} changed by {}: management events are no longer all recorded",
            trail.name, record.actor
        ),
        trail.to_string(),
        Severity::High,
        vec![Action::PutEventSelectors {
            selectors: desired.event_selectors(&basic),
            trail,
        }],
        next_steps,
    ))
}

fn put_insight_selectors(record: &Record, config: &Config) -> Result<Decision, EventError> {
    let named: SelectorsNamed = record.request()?;
    let trail = match protected_trail(record, config, &named.trail_name)? {
        Ok(trail) => trail,
        Err(decision) => return Ok(decision),
    };
    let set: Vec<String> = record
        .request_parameters
        .as_ref()
        .and_then(|p| p.get("insightSelectors"))
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|s| {
                    s.get("insightType")
                        .and_then(Value::as_str)
                        .map(String::from)
                })
                .collect()
        })
        .unwrap_or_default();
    let summary = format!(
        "Insight selectors of trail {} changed by {} to {}",
        trail.name,
        record.actor,
        if set.is_empty() {
            "none".to_string()
        } else {
            set.join(", ")
        }
    );
    match &config.desired_trail.insight_types {
        Some(declared) if same_insights(&set, declared) => {
            Ok(Decision::Ignore(Ignored::NoDrift { trail: trail.name }))
        }
        Some(declared) => Ok(respond(
            summary,
            trail.to_string(),
            Severity::Medium,
            vec![Action::PutInsightSelectors {
                trail,
                insight_types: declared.clone(),
            }],
            vec![ask_why(record, "changed the trail's Insights")],
        )),
        None => Ok(respond(
            summary,
            trail.to_string(),
            Severity::Medium,
            vec![],
            vec![
                ask_why(record, "changed the trail's Insights"),
                "Drift: TRAIL_INSIGHT_TYPES is not declared, so the insight selectors were not put back.".into(),
            ],
        )),
    }
}

fn delete_trail(record: &Record, config: &Config) -> Result<Decision, EventError> {
    let trail = match protected_trail(record, config, &record.request::<TrailNamed>()?.name)? {
        Ok(trail) => trail,
        Err(decision) => return Ok(decision),
    };
    let summary = format!("Trail {} deleted by {}", trail.name, record.actor);
    Ok(recreate(
        trail,
        summary,
        &config.desired_trail,
        ask_why(record, "deleted the trail"),
    ))
}

/// The answer to a deleted trail: create it again and start it, or (nothing declared to create
/// it from) a critical alert saying what is missing.
fn recreate(trail: TrailRef, summary: String, desired: &DesiredTrail, why: String) -> Decision {
    let undeclared = desired.undeclared();
    if desired.s3_bucket.is_none() {
        return respond(
            format!("{summary}; it cannot be created again: its desired state is not declared"),
            trail.to_string(),
            Severity::Critical,
            vec![],
            vec![
                why,
                format!(
                    "Create {trail} again by hand. To have trailwarden do it, declare at least TRAIL_S3_BUCKET; not declared: {}.",
                    undeclared.join(", ")
                ),
            ],
        );
    }
    let mut plan = vec![
        Action::CreateTrail {
            trail: trail.clone(),
            desired: desired.clone(),
        },
        Action::StartLogging {
            trail: trail.clone(),
            stopped_at: None,
        },
    ];
    if desired
        .data_resources
        .as_ref()
        .is_some_and(|d| !d.is_empty())
    {
        plan.push(Action::PutEventSelectors {
            trail: trail.clone(),
            selectors: desired.event_selectors(&[]),
        });
    }
    if let Some(types) = desired.insight_types.as_ref().filter(|t| !t.is_empty()) {
        plan.push(Action::PutInsightSelectors {
            trail: trail.clone(),
            insight_types: types.clone(),
        });
    }
    let mut next_steps = vec![
        why,
        "Events between the deletion and the new trail were not delivered by this trail: review CloudTrail event history for that time.".into(),
    ];
    if !undeclared.is_empty() {
        next_steps.push(format!(
            "The new trail has only what is declared; not declared: {}.",
            undeclared.join(", ")
        ));
    }
    respond(
        summary,
        trail.to_string(),
        Severity::Critical,
        plan,
        next_steps,
    )
}

/// Protected trails of `facts` for a `TrailsIn` query, or why they are not known.
fn trails_in(facts: &Facts, region: &Region, full: bool) -> Result<Vec<ObservedTrail>, String> {
    match facts.get(&FactQuery::TrailsIn {
        region: region.clone(),
        full,
    }) {
        Fact::Trails(trails) => Ok(trails),
        Fact::Unknown(why) => Err(why),
        _ => Err("the facts answered with something other than trails".into()),
    }
}

fn key_changed(record: &Record, config: &Config, facts: &Facts) -> Result<Decision, EventError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct KeyNamed {
        key_id: String,
    }
    let key_id = record.request::<KeyNamed>()?.key_id;
    let region = record.region()?;
    let account = record.account();
    let declared = config
        .desired_trail
        .kms_key_id
        .as_ref()
        .filter(|d| same_key(Some(&key_id), d) || same_key(Some(d), &key_id));
    let known = trails_in(facts, &region, false);
    let using: Vec<ObservedTrail> = known
        .as_ref()
        .map(|trails| {
            trails
                .iter()
                .filter(|t| is_protected(&t.trail, account, config))
                .filter(|t| same_key(t.settings.kms_key_id.as_deref(), &key_id))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let resource = format!("KMS key {key_id}");
    if using.is_empty() && declared.is_none() {
        return Ok(match known {
            Ok(_) => Decision::Ignore(Ignored::UnrelatedResource { resource }),
            Err(why) => respond(
                format!(
                    "{} on {resource} by {}; whether a protected trail uses it is unknown",
                    record.event_name, record.actor
                ),
                resource,
                Severity::Medium,
                vec![],
                vec![format!(
                    "Check whether a trail uses the key: the trails could not be read ({why})."
                )],
            ),
        });
    }
    // Act on the key as the trail names it (its ARN) when known.
    let key = using
        .iter()
        .find_map(|t| t.settings.kms_key_id.clone())
        .or_else(|| declared.cloned())
        .unwrap_or_else(|| key_id.clone());
    let key_region = key_region(&key, &region);
    let names: Vec<String> = using.iter().map(|t| t.trail.name.clone()).collect();
    let whose = if names.is_empty() {
        "the declared trail key (TRAIL_KMS_KEY_ID)".to_string()
    } else {
        format!("the key of trail {}", names.join(", "))
    };
    let (what, severity) = match record.event_name.as_str() {
        "ScheduleKeyDeletion" => ("scheduled for deletion", Severity::Critical),
        _ => ("disabled", Severity::High),
    };
    Ok(respond(
        format!("KMS key {key_id}, {whose}, {what} by {}", record.actor),
        format!("KMS key {key} ({key_region})"),
        severity,
        vec![
            Action::CancelKeyDeletion {
                key: key.clone(),
                region: key_region.clone(),
            },
            Action::EnableKey {
                key,
                region: key_region,
            },
        ],
        vec![
            ask_why(record, &format!("{what} the trail's key")),
            "While the key is disabled CloudTrail cannot encrypt, so it delivers no log files: check the trail's delivery errors (GetTrailStatus).".into(),
        ],
    ))
}

fn bucket_changed(record: &Record, config: &Config, facts: &Facts) -> Result<Decision, EventError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct BucketNamed {
        bucket_name: String,
    }
    let bucket = record.request::<BucketNamed>()?.bucket_name;
    let region = record.region()?;
    let account = record.account();
    let declared = config.desired_trail.s3_bucket.as_ref() == Some(&bucket);
    let known = trails_in(facts, &region, false);
    let names: Vec<String> = known
        .as_ref()
        .map(|trails| {
            trails
                .iter()
                .filter(|t| is_protected(&t.trail, account, config))
                .filter(|t| t.settings.s3_bucket.as_ref() == Some(&bucket))
                .map(|t| t.trail.name.clone())
                .collect()
        })
        .unwrap_or_default();
    let resource = format!("S3 bucket {bucket}");
    if names.is_empty() && !declared {
        return Ok(match known {
            Ok(_) => Decision::Ignore(Ignored::UnrelatedResource { resource }),
            Err(why) => respond(
                format!(
                    "{} on {resource} by {}; whether a protected trail uses it is unknown",
                    record.event_name, record.actor
                ),
                resource,
                Severity::Medium,
                vec![],
                vec![format!(
                    "Check whether a trail delivers to the bucket: the trails could not be read ({why})."
                )],
            ),
        });
    }
    let whose = if names.is_empty() {
        "the declared trail bucket (TRAIL_S3_BUCKET)".to_string()
    } else {
        format!("the log bucket of trail {}", names.join(", "))
    };
    let mut plan = vec![];
    let (what, advice) = match record.event_name.as_str() {
        "PutBucketLifecycle" => (
            "lifecycle rules changed",
            "Review the bucket's lifecycle rules: log files may be set to expire.",
        ),
        "PutBucketPolicy" => (
            "policy replaced",
            "Review the bucket policy: it may deny CloudTrail's delivery or open the logs to others.",
        ),
        "DeleteBucketPolicy" => (
            "policy deleted",
            "Put the bucket policy back: without it CloudTrail cannot deliver log files.",
        ),
        "DeleteBucket" => (
            "deleted",
            "Create the bucket again with the policy CloudTrail needs: until then the trail delivers nothing.",
        ),
        _ => {
            let status = record
                .request_parameters
                .as_ref()
                .and_then(|p| p.pointer("/VersioningConfiguration/Status"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !status.eq_ignore_ascii_case("Suspended") {
                return Ok(Decision::Ignore(Ignored::NoDrift {
                    trail: names.join(", "),
                }));
            }
            plan.push(Action::EnableBucketVersioning {
                bucket: bucket.clone(),
                region: region.clone(),
            });
            (
                "versioning suspended",
                "Check for log files deleted or overwritten while versioning was suspended.",
            )
        }
    };
    Ok(respond(
        format!("S3 bucket {bucket}, {whose}: {what} by {}", record.actor),
        resource,
        Severity::High,
        plan,
        vec![ask_why(record, "changed the trail's bucket"), advice.into()],
    ))
}

/// The facts the scheduled check needs: every trail that applies to the function's region, with
/// its status, selectors, insights and key state.
pub fn scheduled_facts(region: &Region) -> Vec<FactQuery> {
    vec![FactQuery::TrailsIn {
        region: region.clone(),
        full: true,
    }]
}

/// What the scheduled check decided about one trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailCheck {
    /// The trail, or the check itself when the trails could not be read.
    pub trail: String,
    pub decision: Decision,
}

/// The scheduled check: every protected trail that applies to `region` compared with its desired
/// state. One [`Decision::Respond`] per trail that departs from it (or is missing); a trail as it
/// should be is ignored ([`Ignored::NoDrift`]).
pub fn check(
    region: &Region,
    account: Option<&str>,
    config: &Config,
    facts: &Facts,
) -> Vec<TrailCheck> {
    let trails = match trails_in(facts, region, true) {
        Ok(trails) => trails,
        Err(why) => {
            return vec![TrailCheck {
                trail: format!("trails in {region}"),
                decision: respond(
                    format!("The scheduled check could not read the trails in {region}"),
                    format!("CloudTrail ({region})"),
                    Severity::Critical,
                    vec![],
                    vec![format!("Check the protected trails by hand: {why}.")],
                ),
            }];
        }
    };
    let mut checks: Vec<TrailCheck> = trails
        .iter()
        .filter(|t| is_protected(&t.trail, account, config))
        .map(|t| TrailCheck {
            trail: t.trail.name.clone(),
            decision: drift(t, &config.desired_trail),
        })
        .collect();
    // A protected trail named in PROTECTED_TRAILS that is not there was deleted unseen.
    for selector in &config.protected_trails {
        let (name, arn) = match selector {
            TrailSelector::Name(name) => (name.clone(), None),
            TrailSelector::Arn(arn) if arn.region == region.as_str() => {
                (arn.resource_name().to_string(), Some(arn.clone()))
            }
            // A single-region trail of another region is not seen from here.
            TrailSelector::Arn(_) => continue,
        };
        if trails.iter().any(|t| t.trail.name == name) {
            continue;
        }
        let trail = TrailRef {
            name: name.clone(),
            arn,
            region: region.clone(),
        };
        checks.push(TrailCheck {
            decision: recreate(
                trail,
                format!("Protected trail {name} is missing: the scheduled check did not find it"),
                &config.desired_trail,
                "Find out who deleted the trail: look for DeleteTrail in CloudTrail event history."
                    .into(),
            ),
            trail: name,
        });
    }
    checks
}

/// One trail against its desired state.
fn drift(observed: &ObservedTrail, desired: &DesiredTrail) -> Decision {
    let trail = &observed.trail;
    let mut found = vec![];
    let mut plan = vec![];
    let mut severity = Severity::High;
    if observed.logging == Some(false) {
        found.push("logging stopped".to_string());
        plan.push(Action::StartLogging {
            trail: trail.clone(),
            stopped_at: None,
        });
    }
    if let (Some(key), Some(state)) = (&observed.settings.kms_key_id, &observed.key_state)
        && state != "Enabled"
    {
        let region = key_region(key, &trail.region);
        found.push(format!("its KMS key is {state}"));
        if state == "PendingDeletion" {
            severity = Severity::Critical;
            plan.push(Action::CancelKeyDeletion {
                key: key.clone(),
                region: region.clone(),
            });
        }
        plan.push(Action::EnableKey {
            key: key.clone(),
            region,
        });
    }
    let changes = settings_drift(&observed.settings, desired);
    if !changes.is_empty() {
        found.push(format!(
            "settings departed ({})",
            changes.describe().join(", ")
        ));
        plan.push(Action::UpdateTrail {
            trail: trail.clone(),
            changes,
        });
    }
    if let Some((basic, advanced)) = &observed.selectors
        && !desired.selectors_hold(basic, *advanced)
    {
        found.push("event selectors departed".into());
        plan.push(Action::PutEventSelectors {
            trail: trail.clone(),
            selectors: desired.event_selectors(if *advanced { &[] } else { basic }),
        });
    }
    if let (Some(declared), Some(actual)) = (&desired.insight_types, &observed.insight_types)
        && !same_insights(actual, declared)
    {
        found.push("insight selectors departed".into());
        plan.push(Action::PutInsightSelectors {
            trail: trail.clone(),
            insight_types: declared.clone(),
        });
    }
    if found.is_empty() {
        return Decision::Ignore(Ignored::NoDrift {
            trail: trail.name.clone(),
        });
    }
    respond(
        format!("Drift on trail {} found by the scheduled check: {}", trail.name, found.join("; ")),
        trail.to_string(),
        severity,
        plan,
        vec![
            "No event reported this change (it happened while EventBridge could not see it, or its event was lost): look for it in CloudTrail event history.".into(),
        ],
    )
}

/// The trail a request names, by name (in the event's region) or by ARN (in the ARN's region).
pub fn trail_ref(record: &Record, name_or_arn: &str) -> Result<TrailRef, EventError> {
    if name_or_arn.starts_with("arn:") {
        let arn = Arn::parse("requestParameters.name", name_or_arn)?;
        if arn.service != "cloudtrail" || arn.resource_type() != "trail" {
            return Err(EventError::NotAnArn {
                field: "requestParameters.name".into(),
                value: name_or_arn.into(),
            });
        }
        let region = Region::parse("the trail ARN's region", &arn.region)?;
        Ok(TrailRef {
            name: arn.resource_name().to_string(),
            region,
            arn: Some(arn),
        })
    } else {
        Ok(TrailRef {
            name: name_or_arn.to_string(),
            arn: None,
            region: record.region()?,
        })
    }
}

/// trailwarden acts only in the account the event belongs to.
fn refuse_other_account(record: &Record, trail: &TrailRef) -> Option<Decision> {
    let arn = trail.arn.as_ref()?;
    let account = record.account()?;
    (arn.account != account).then(|| Decision::Respond {
        incident: Incident {
            summary: format!(
                "{} names trail {arn} of account {}, not this account {account}",
                record.event_name, arn.account
            ),
            resource: arn.to_string(),
            severity: Severity::High,
            next_steps: vec![
                "Check the trail from its own account; trailwarden does not act across accounts."
                    .into(),
            ],
            superseded_by: None,
        },
        plan: vec![],
    })
}

/// `PROTECTED_TRAILS` empty protects every trail; a name matches in any region, an ARN exactly.
pub fn is_protected(trail: &TrailRef, account: Option<&str>, config: &Config) -> bool {
    config.protected_trails.is_empty()
        || config
            .protected_trails
            .iter()
            .any(|selector| match selector {
                TrailSelector::Name(name) => *name == trail.name,
                TrailSelector::Arn(arn) => {
                    arn.resource_name() == trail.name
                        && arn.region == trail.region.as_str()
                        && Some(arn.account.as_str())
                            == account.or(trail.arn.as_ref().map(|a| a.account.as_str()))
                }
            })
}
