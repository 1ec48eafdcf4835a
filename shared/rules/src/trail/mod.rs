//! trail-guard's decisions: what to do when someone blinds CloudTrail, and what the scheduled
//! check finds.
//!
//! Two phases, as in iam-guard: [`facts_needed`] says what the decision must know beyond the
//! record (a trail's current settings; which trails use a key or bucket), the actions crate
//! gathers those [`Facts`], and [`decide`] is pure. The scheduled check works the same way:
//! [`scheduled_facts`], [`states_needed`], then [`check`]. What each protected trail should be is
//! [`DesiredTrail`] (`config.desired_trail`), compared in [`crate::desired`].

use crate::desired::{DesiredTrail, ObservedTrail};
use crate::{
    Action, Config, Decision, Fact, FactQuery, Facts, Ignored, Incident, Severity, TrailRef,
    TrailSelector, exemptions,
};
use serde::Deserialize;
use trailwarden_events::{Arn, EventError, Record, Region};

// One module per response (or pair) of the README's table, joined in `TRAIL_RESPONSES`; and the
// schedule.
mod buckets;
mod deletion;
mod keys;
mod logging;
mod schedule;
mod selectors;
mod settings;

pub use schedule::{TrailCheck, check, scheduled_facts, states_needed};

/// One of trail-guard's responses: the calls it answers (by event source and names), the facts
/// it needs, and its decision. [`TRAIL_RESPONSES`] is the one place a response is joined:
/// [`facts_needed`], [`decide`] and the event names the template's rule delivers read it.
pub struct TrailResponse {
    pub source: &'static str,
    pub events: &'static [&'static str],
    facts: fn(&Record) -> Vec<FactQuery>,
    decide: fn(&Record, &Config, &Facts) -> Result<Decision, EventError>,
}

/// trail-guard's responses to calls, as the README's table lists them, each declared in its own
/// module (the schedule is [`check`]).
pub const TRAIL_RESPONSES: &[TrailResponse] = &[
    logging::RESPONSE,
    settings::RESPONSE,
    selectors::EVENT_SELECTORS,
    selectors::INSIGHT_SELECTORS,
    deletion::RESPONSE,
    keys::RESPONSE,
    buckets::RESPONSE,
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
            previous_state: None,
            summary,
            resource,
            severity,
            next_steps,
            superseded_by: None,
            pending: None,
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
            previous_state: None,
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
            pending: None,
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
