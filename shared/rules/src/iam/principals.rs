//! A new user or role: quarantined, not undone (it is kept for investigation).

use super::{Answer, Case, RevertRow, RowPlan, no_previous, optional_param};
use crate::{Action, Principal, PrincipalKind, Severity};
use serde_json::Value;
use trailwarden_events::{Arn, EventError};

// Nothing of the record is put back: no subject.
pub(super) const CREATE: RevertRow = RevertRow {
    events: &["CreateUser", "CreateRole"],
    subject: |_, _| Ok(None),
    previous: no_previous,
    decide: |case| case.create_principal().map(Answer::Respond),
};

impl Case<'_> {
    fn create_principal(&self) -> Result<RowPlan, EventError> {
        let r = self.record;
        let (kind, key) = match r.event_name.as_str() {
            "CreateUser" => (PrincipalKind::User, "user"),
            _ => (PrincipalKind::Role, "role"),
        };
        let created = r.response_elements.as_ref().and_then(|e| e.get(key));
        let name = created
            .and_then(|c| {
                c.get(if key == "user" {
                    "userName"
                } else {
                    "roleName"
                })
            })
            .and_then(Value::as_str)
            .map(String::from)
            .or_else(|| {
                optional_param(
                    r,
                    if key == "user" {
                        "userName"
                    } else {
                        "roleName"
                    },
                )
            })
            .ok_or_else(|| EventError::Request {
                event_name: r.event_name.clone(),
                reason: format!("the new {key}'s name is missing"),
            })?;
        let arn = created
            .and_then(|c| c.get("arn"))
            .and_then(Value::as_str)
            .map(|a| Arn::parse("responseElements arn", a))
            .transpose()?;
        let principal = Principal { kind, name };
        let summary = format!("{principal} created by {}", self.actor());
        let resource = arn
            .as_ref()
            .map_or_else(|| principal.to_string(), Arn::to_string);
        Ok(match self.creation_refusal(&principal, arn.as_ref()) {
            None => {
                let mut row = self.revert(
                    summary,
                    resource,
                    Severity::High,
                    vec![Action::Quarantine {
                        principal: principal.clone(),
                    }],
                );
                row.next_steps.push(format!(
                    "{principal} is kept for investigation; delete it once it is understood."
                ));
                row
            }
            Some(why) => RowPlan {
                next_steps: vec![format!("{principal} is not quarantined: {why}.")],
                ..self.revert(summary, resource, Severity::High, vec![])
            },
        })
    }
}
