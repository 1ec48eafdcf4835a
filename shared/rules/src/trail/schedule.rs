//! The scheduled check: every protected trail of a region compared with its desired state.

use super::{is_protected, recreate, respond, trails_in};
use crate::desired::{DesiredTrail, ObservedTrail, key_region, same_insights, settings_drift};
use crate::{
    Action, Config, Decision, FactQuery, Facts, Ignored, Severity, TrailRef, TrailSelector,
};
use trailwarden_events::Region;

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
