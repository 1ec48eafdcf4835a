//! The scheduled check: every protected trail of the regions it covers compared with its desired
//! state, each once.

use super::{is_protected, recreate, respond, trails_in};
use crate::desired::{DesiredTrail, ObservedTrail, key_region, same_insights, settings_drift};
use crate::{
    Action, Config, Decision, Fact, FactQuery, Facts, Ignored, Severity, TrailRef, TrailSelector,
};
use trailwarden_events::Region;

/// The facts the scheduled check needs first: the trails that apply to each region it covers,
/// listed with their settings (one call a region, `DescribeTrails`).
pub fn scheduled_facts(regions: &[Region]) -> Vec<FactQuery> {
    regions
        .iter()
        .map(|region| FactQuery::TrailsIn {
            region: region.clone(),
            full: false,
        })
        .collect()
}

/// The facts the scheduled check needs next: each protected trail of the lists in full, once
/// however many regions list it. Only protected trails are read (a decoy trail whose key denies
/// `DescribeKey`, or an organization trail's shadow, is no concern of the check), each on its own.
pub fn states_needed(
    regions: &[Region],
    account: Option<&str>,
    config: &Config,
    listed: &Facts,
) -> Vec<FactQuery> {
    let (trails, _) = listings(regions, listed);
    trails
        .into_iter()
        .filter(|t| is_protected(&t.trail, account, config))
        .map(|t| FactQuery::TrailState { trail: t.trail })
        .collect()
}

/// What the scheduled check decided about one trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailCheck {
    /// The trail, or the check itself when the trails could not be read.
    pub trail: String,
    pub decision: Decision,
}

/// The trails the regions list, each once: a multi-region trail is listed by every region (its
/// shadows), always with its home region, so (name, home region) is the trail. Also the regions
/// whose trails could not be listed, with why.
fn listings(regions: &[Region], facts: &Facts) -> (Vec<ObservedTrail>, Vec<(Region, String)>) {
    let mut trails: Vec<ObservedTrail> = Vec::new();
    let mut unlisted = Vec::new();
    for region in regions {
        match trails_in(facts, region, false) {
            Ok(listed) => {
                for t in listed {
                    let seen = trails
                        .iter()
                        .any(|s| s.trail.name == t.trail.name && s.trail.region == t.trail.region);
                    if !seen {
                        trails.push(t);
                    }
                }
            }
            Err(why) => unlisted.push((region.clone(), why)),
        }
    }
    (trails, unlisted)
}

/// The scheduled check: every protected trail that applies to one of `regions` (the first is the
/// function's own) compared with its desired state, from the lists ([`scheduled_facts`]) and
/// each trail's state ([`states_needed`]), each trail once. One [`Decision::Respond`] per trail
/// that departs from it, is missing, or could not be read, and per region whose trails could not
/// be listed (the others are checked all the same); a trail as it should be is ignored
/// ([`Ignored::NoDrift`]).
pub fn check(
    regions: &[Region],
    account: Option<&str>,
    config: &Config,
    facts: &Facts,
) -> Vec<TrailCheck> {
    let (trails, unlisted) = listings(regions, facts);
    let mut checks: Vec<TrailCheck> = unlisted
        .iter()
        .map(|(region, why)| TrailCheck {
            trail: format!("trails in {region}"),
            decision: respond(
                format!("The scheduled check could not read the trails in {region}"),
                format!("CloudTrail ({region})"),
                Severity::Critical,
                vec![],
                vec![format!("Check the protected trails by hand: {why}.")],
            ),
        })
        .collect();
    checks.extend(
        trails
            .iter()
            .filter(|t| is_protected(&t.trail, account, config))
            .map(|t| TrailCheck {
                trail: t.trail.name.clone(),
                decision: match facts.get(&FactQuery::TrailState {
                    trail: t.trail.clone(),
                }) {
                    Fact::Trail(Some(observed)) => drift(&observed, &config.desired_trail),
                    Fact::Trail(None) => {
                        unreadable(&t.trail, "it was listed, then not found".into())
                    }
                    Fact::Unknown(why) => unreadable(&t.trail, why),
                    _ => unreadable(&t.trail, "its state was not read".into()),
                },
            }),
    );
    let listed = |region: &Region| !unlisted.iter().any(|(r, _)| r == region);
    // A protected trail named in PROTECTED_TRAILS that is not there was deleted unseen: said only
    // when every list that could hold it was read.
    for selector in &config.protected_trails {
        let (name, arn, region) = match selector {
            TrailSelector::Name(name) if unlisted.is_empty() => match regions.first() {
                Some(first) => (name.clone(), None, first.clone()),
                None => continue,
            },
            TrailSelector::Arn(arn) => {
                let Some(region) = regions.iter().find(|r| r.as_str() == arn.region) else {
                    // A single-region trail of a region not covered is not seen from here.
                    continue;
                };
                // Another account's trail is that account's check, never recreated here.
                if account.is_some_and(|a| a != arn.account) || !listed(region) {
                    continue;
                }
                (
                    arn.resource_name().to_string(),
                    Some(arn.clone()),
                    region.clone(),
                )
            }
            TrailSelector::Name(_) => continue,
        };
        let present = trails.iter().any(|t| {
            t.trail.name == name && (arn.is_none() || t.trail.region.as_str() == region.as_str())
        });
        if present {
            continue;
        }
        let trail = TrailRef {
            name: name.clone(),
            arn,
            region,
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

/// A protected trail whose state could not be read: said, critical; the others are still checked.
fn unreadable(trail: &TrailRef, why: String) -> Decision {
    respond(
        format!(
            "The scheduled check could not read protected trail {}",
            trail.name
        ),
        trail.to_string(),
        Severity::Critical,
        vec![],
        vec![format!(
            "Check {trail} by hand: {why}. The other protected trails were checked."
        )],
    )
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
