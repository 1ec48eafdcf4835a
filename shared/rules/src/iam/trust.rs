//! A role's trust policy replaced: the previous one put back.

use super::{Answer, Case, RevertRow, RowPlan, param, previous, previous_document};
use crate::{Action, Principal, Severity, Subject};
use trailwarden_events::EventError;

pub(super) const ROW: RevertRow = RevertRow {
    events: &["UpdateAssumeRolePolicy"],
    subject: |r, _| {
        Ok(Some(Subject::TrustPolicy {
            role: param(r, "roleName")?,
        }))
    },
    previous: |r, subject| Ok(vec![previous(r, subject.clone())]),
    decide: |case| case.update_trust().map(Answer::Respond),
};

impl Case<'_> {
    fn update_trust(&self) -> Result<RowPlan, EventError> {
        let role = param(self.record, "roleName")?;
        let summary = format!("trust policy of role {role} replaced by {}", self.actor());
        let resource = format!("role {role} (trust policy)");
        let query = previous(self.record, Subject::TrustPolicy { role: role.clone() });
        Ok(match previous_document(self.facts.get(&query)) {
            Ok(Some(document)) => self.revert(
                summary,
                resource,
                Severity::High,
                vec![Action::PutTrustPolicy { role, document }],
            ),
            Ok(None) => self.unknown(
                summary,
                resource,
                "a role always has a trust policy, yet none was found before this change",
                &[Principal::role(role)],
            ),
            Err(why) => self.unknown(
                summary,
                resource,
                &format!("the previous trust policy is unknown ({why})"),
                &[Principal::role(role)],
            ),
        })
    }
}
