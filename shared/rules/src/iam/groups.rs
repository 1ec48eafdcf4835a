//! A user added to a group: removed again.

use super::{Answer, Case, RevertRow, RowPlan, no_previous, param};
use crate::{Action, Severity, Subject};
use trailwarden_events::EventError;

pub(super) const ADD_USER: RevertRow = RevertRow {
    events: &["AddUserToGroup"],
    subject: |r, _| {
        Ok(Some(Subject::GroupMembership {
            user: param(r, "userName")?,
            group: param(r, "groupName")?,
        }))
    },
    previous: no_previous,
    decide: |case| case.add_user_to_group().map(Answer::Respond),
};

impl Case<'_> {
    fn add_user_to_group(&self) -> Result<RowPlan, EventError> {
        let user = param(self.record, "userName")?;
        let group = param(self.record, "groupName")?;
        Ok(self.revert(
            format!("user {user} added to group {group} by {}", self.actor()),
            format!("user {user} (group {group})"),
            Severity::High,
            vec![Action::RemoveUserFromGroup { user, group }],
        ))
    }
}
