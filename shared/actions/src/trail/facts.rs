//! The trail facts trail-guard decides from; never an error (what cannot be read is `Unknown`).

use super::state::{get_insights, get_selectors, get_settings, logging_status, settings_of};
use crate::error::FromSdk;
use crate::{ActionError, TrailClients};
use trailwarden_events::{Arn, Region};
use trailwarden_rules::desired::{ObservedTrail, TrailSettings, key_region};
use trailwarden_rules::{Fact, FactQuery, Facts, TrailRef};

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
async fn gather(clients: &TrailClients, query: &FactQuery) -> Fact {
    match query {
        // One trail: its settings (`Trail`), or everything the scheduled check reads (`TrailState`).
        FactQuery::Trail { trail } | FactQuery::TrailState { trail } => {
            let full = matches!(query, FactQuery::TrailState { .. });
            match get_settings(clients, trail).await {
                Ok(None) => Fact::Trail(None),
                Ok(Some(settings)) => match observe(clients, trail.clone(), settings, full).await {
                    Ok(observed) => Fact::Trail(Some(Box::new(observed))),
                    Err(e) => Fact::Unknown(e.to_string()),
                },
                Err(e) => Fact::Unknown(e.to_string()),
            }
        }
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
