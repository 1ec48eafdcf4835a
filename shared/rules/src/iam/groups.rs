//! A user added to a group: removed again, unless every statement of the group's policies denies
//! (removing the user from a deny group would grant).

use super::{Answer, Case, RevertRow, RowPlan, only_denies, param};
use crate::{Action, Fact, FactQuery, Severity, Subject};
use trailwarden_events::EventError;

pub(super) const ADD_USER: RevertRow = RevertRow {
    events: &["AddUserToGroup"],
    subject: |r, _| {
        Ok(Some(Subject::GroupMembership {
            user: param(r, "userName")?,
            group: param(r, "groupName")?,
        }))
    },
    // What the group's policies say: a revert never takes a user out of a group that only denies.
    previous: |r, _| {
        Ok(vec![FactQuery::GroupPolicies {
            group: param(r, "groupName")?,
        }])
    },
    decide: |case| case.add_user_to_group().map(Answer::Respond),
};

impl Case<'_> {
    fn add_user_to_group(&self) -> Result<RowPlan, EventError> {
        let user = param(self.record, "userName")?;
        let group = param(self.record, "groupName")?;
        let summary = format!("user {user} added to group {group} by {}", self.actor());
        let resource = format!("user {user} (group {group})");
        if let Fact::Document(Some(statements)) = self.facts.get(&FactQuery::GroupPolicies {
            group: group.clone(),
        }) && only_denies(&statements)
        {
            let mut row = self.revert(summary, resource, Severity::Medium, vec![]);
            row.unauthorized = false;
            row.next_steps.push(format!(
                "trailwarden leaves user {user} in group {group}: every statement of the group's policies denies, and removing the user would grant more."
            ));
            return Ok(row);
        }
        Ok(self.revert(
            summary,
            resource,
            Severity::High,
            vec![Action::RemoveUserFromGroup { user, group }],
        ))
    }
}
