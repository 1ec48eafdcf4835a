//! trail-guard's decisions: what to do when someone blinds CloudTrail.

use crate::{Action, Config, Decision, Ignored, Incident, Severity, TrailRef, TrailSelector, gate};
use serde::Deserialize;
use trailwarden_events::{Arn, EventError, Record, Region};

/// The events trail-guard's rule delivers.
pub const EVENT_NAMES: &[&str] = &["StopLogging"];

/// Decides what trail-guard does about one CloudTrail record.
pub fn decide(record: &Record, config: &Config) -> Result<Decision, EventError> {
    if let Some(why) = gate::ignored(record, config) {
        return Ok(Decision::Ignore(why));
    }
    match (record.event_source.as_str(), record.event_name.as_str()) {
        ("cloudtrail.amazonaws.com", "StopLogging") => stop_logging(record, config),
        (_, name) => Ok(Decision::Ignore(Ignored::NotHandled {
            event_name: name.to_string(),
        })),
    }
}

#[derive(Deserialize)]
struct TrailNamed {
    name: String,
}

fn stop_logging(record: &Record, config: &Config) -> Result<Decision, EventError> {
    let trail = trail_ref(record, &record.request::<TrailNamed>()?.name)?;
    if let Some(refusal) = refuse_other_account(record, &trail) {
        return Ok(refusal);
    }
    if !is_protected(&trail, record.account(), config) {
        return Ok(Decision::Ignore(Ignored::UnprotectedTrail {
            trail: trail.name,
        }));
    }
    let actor = &record.actor;
    Ok(Decision::Respond {
        incident: Incident {
            summary: format!("CloudTrail logging stopped on trail {} by {actor}", trail.name),
            resource: trail.to_string(),
            severity: Severity::High,
            next_steps: vec![
                format!("Ask why {actor} stopped the trail; it is not in ALLOWED_PRINCIPALS."),
                "Review what was done while logging was off: CloudTrail event history keeps management events without a trail.".into(),
            ],
        },
        plan: vec![Action::StartLogging { trail }],
    })
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
