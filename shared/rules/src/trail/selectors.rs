//! What a protected trail records: its event selectors and its Insights put back.

use super::{SelectorsNamed, TrailResponse, ask_why, protected_trail, respond};
use crate::desired::{EventSelector, same_insights};
use crate::{Action, Config, Decision, Ignored, Severity};
use serde::Deserialize;
use serde_json::Value;
use trailwarden_events::{EventError, Record};

pub(super) const EVENT_SELECTORS: TrailResponse = TrailResponse {
    source: "cloudtrail.amazonaws.com",
    events: &["PutEventSelectors", "PutAdvancedEventSelectors"],
    facts: |_| vec![],
    decide: |r, config, _| put_event_selectors(r, config),
};

pub(super) const INSIGHT_SELECTORS: TrailResponse = TrailResponse {
    source: "cloudtrail.amazonaws.com",
    events: &["PutInsightSelectors"],
    facts: |_| vec![],
    decide: |r, config, _| put_insight_selectors(r, config),
};

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
