//! A user's or role's permissions boundary set or removed: the previous one put back (a new one
//! where there was none is left: it only limits).

use super::{Answer, Case, RevertRow, RowPlan, param, previous, previous_boundary, principal_of};
use crate::{Action, Severity, Subject};
use trailwarden_events::EventError;

pub(super) const ROW: RevertRow = RevertRow {
    events: &[
        "PutRolePermissionsBoundary",
        "PutUserPermissionsBoundary",
        "DeleteRolePermissionsBoundary",
        "DeleteUserPermissionsBoundary",
    ],
    subject: |r, _| {
        Ok(Some(Subject::PermissionsBoundary {
            principal: principal_of(r)?,
        }))
    },
    previous: |r, subject| Ok(vec![previous(r, subject.clone())]),
    decide: |case| case.boundary().map(Answer::Respond),
};

impl Case<'_> {
    fn boundary(&self) -> Result<RowPlan, EventError> {
        let principal = principal_of(self.record)?;
        let removed = self.record.event_name.starts_with("Delete");
        let summary = if removed {
            format!(
                "permissions boundary of {principal} removed by {}",
                self.actor()
            )
        } else {
            format!(
                "permissions boundary of {principal} set to {} by {}",
                param(self.record, "permissionsBoundary")?,
                self.actor()
            )
        };
        let resource = format!("{principal} (permissions boundary)");
        let query = previous(
            self.record,
            Subject::PermissionsBoundary {
                principal: principal.clone(),
            },
        );
        Ok(match previous_boundary(self.facts.get(&query)) {
            Ok(Some(policy)) => self.revert(
                summary,
                resource,
                Severity::High,
                vec![Action::PutPermissionsBoundary { principal, policy }],
            ),
            // Removing a boundary that was never there changed nothing.
            Ok(None) if removed => self.revert(summary, resource, Severity::Medium, vec![]),
            // A boundary where there was none only limits: a revert never removes one (that
            // would grant, and a forged event could ask for it).
            Ok(None) => {
                let mut row = self.revert(summary, resource, Severity::High, vec![]);
                row.unauthorized = false;
                row.next_steps.push(format!(
                    "{principal} had no permissions boundary before; a boundary only limits what it may do, so trailwarden never removes one. Remove it by hand if it is unwanted."
                ));
                row
            }
            Err(why) => self.unknown(
                summary,
                resource,
                &format!("the previous permissions boundary is unknown ({why})"),
                &[principal],
            ),
        })
    }
}
