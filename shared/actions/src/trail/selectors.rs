//! What a trail records put back: its event selectors and its Insights.

use super::home;
use super::state::{get_insights, get_selectors, normalise, to_sdk_selector};
use crate::error::FromSdk;
use crate::remediation::{Remediation, Standing, StepReport, remediate};
use crate::{ActionError, TrailClients};
use aws_sdk_cloudtrail::types::{InsightSelector, InsightType};
use trailwarden_rules::desired::{EventSelector, same_insights};
use trailwarden_rules::{Mode, TrailRef};

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
