//! Group membership: a user removed from a group again.

use crate::error::FromSdk;
use crate::remediation::{Remediation, Standing, StepReport, WhenGone, remediate};
use crate::{ActionError, IamClients};
use trailwarden_rules::Mode;

async fn in_group(c: &IamClients, user: &str, group: &str) -> Result<bool, ActionError> {
    let out = call!(
        "iam:ListGroupsForUser",
        format!("user {user}"),
        c.iam.list_groups_for_user().user_name(user).max_items(1000)
    )?;
    Ok(out.groups().iter().any(|g| g.group_name() == group))
}

struct RemoveFromGroup<'a> {
    c: &'a IamClients,
    user: &'a str,
    group: &'a str,
}

impl Remediation for RemoveFromGroup<'_> {
    type State = bool;

    async fn read(&self) -> Result<bool, ActionError> {
        in_group(self.c, self.user, self.group).await
    }

    fn standing(&self, member: &bool) -> Standing {
        if *member {
            Standing::Needed
        } else {
            Standing::InEffect
        }
    }

    fn describe(&self, member: &bool) -> String {
        let (user, group) = (self.user, self.group);
        if *member {
            format!("user {user} is in group {group}")
        } else {
            format!("user {user} is not in group {group}")
        }
    }

    async fn act(&self) -> Result<(), ActionError> {
        call!(
            "iam:RemoveUserFromGroup",
            format!("user {}", self.user),
            self.c
                .iam
                .remove_user_from_group()
                .user_name(self.user)
                .group_name(self.group)
        )
        .map(|_| ())
    }

    fn when_gone(&self) -> WhenGone {
        WhenGone::InEffect(self.describe(&false))
    }

    fn not_in_effect(&self, _: &bool) -> ActionError {
        ActionError::not_in_effect(
            "iam:RemoveUserFromGroup",
            format!("user {}", self.user),
            format!(
                "the call succeeded but the user is still in group {}",
                self.group
            ),
        )
    }
}

pub(crate) async fn remove_user_from_group(
    c: &IamClients,
    user: &str,
    group: &str,
    mode: Mode,
) -> StepReport {
    remediate(&RemoveFromGroup { c, user, group }, mode).await
}
