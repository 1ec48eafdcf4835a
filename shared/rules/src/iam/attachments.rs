//! Managed policies attached (detached again) and protected ones detached (attached again): the
//! two rows of an attachment.

use super::{
    Answer, Case, RevertRow, RowPlan, is_protected_arn, no_previous, only_denies, policy_arn,
    principal_of,
};
use crate::{Action, Fact, FactQuery, Ignored, Severity, Subject};
use trailwarden_events::{EventError, Record};

/// The attachment a `Attach*Policy`/`Detach*Policy` record names.
fn attachment(r: &Record) -> Result<Subject, EventError> {
    Ok(Subject::Attachment {
        principal: principal_of(r)?,
        policy: policy_arn(r)?,
    })
}

pub(super) const ATTACH: RevertRow = RevertRow {
    events: &["AttachUserPolicy", "AttachRolePolicy", "AttachGroupPolicy"],
    subject: |r, _| attachment(r).map(Some),
    // What the policy says: a revert never detaches one that only denies.
    previous: |r, _| {
        Ok(vec![FactQuery::PolicyDocument {
            policy: policy_arn(r)?,
        }])
    },
    decide: |case| case.attach().map(Answer::Respond),
};

// Removals take permissions away: only a protected policy's is put back.
pub(super) const DETACH: RevertRow = RevertRow {
    events: &["DetachUserPolicy", "DetachRolePolicy", "DetachGroupPolicy"],
    subject: |r, config| {
        if !is_protected_arn(&policy_arn(r)?, config) {
            return Ok(None);
        }
        attachment(r).map(Some)
    },
    previous: no_previous,
    decide: |case| {
        let policy = policy_arn(case.record)?;
        if !is_protected_arn(&policy, case.config) {
            return Ok(Answer::Ignore(Ignored::UnprotectedPolicyRemoved {
                policy: policy.to_string(),
            }));
        }
        case.detach().map(Answer::Respond)
    },
};

impl Case<'_> {
    fn attach(&self) -> Result<RowPlan, EventError> {
        let principal = principal_of(self.record)?;
        let policy = policy_arn(self.record)?;
        let summary = format!(
            "policy {} attached to {principal} by {}",
            policy.resource_name(),
            self.actor()
        );
        let resource = format!("{principal} ({policy})");
        // A revert never grants: detaching a guardrail would.
        let keeps = if is_protected_arn(&policy, self.config) {
            Some("it is in PROTECTED_POLICIES")
        } else if matches!(
            self.facts.get(&FactQuery::PolicyDocument { policy: policy.clone() }),
            Fact::Document(Some(document)) if only_denies(&document)
        ) {
            Some("every statement of it denies")
        } else {
            None
        };
        if let Some(why) = keeps {
            let mut row = self.revert(summary, resource, Severity::Medium, vec![]);
            row.unauthorized = false;
            row.next_steps.push(format!(
                "trailwarden leaves {} attached: {why}, and detaching it would grant {principal} more.",
                policy.resource_name()
            ));
            return Ok(row);
        }
        Ok(self.revert(
            summary,
            resource,
            if policy.resource_name() == "AdministratorAccess" {
                Severity::Critical
            } else {
                Severity::High
            },
            vec![Action::DetachPolicy { principal, policy }],
        ))
    }

    fn detach(&self) -> Result<RowPlan, EventError> {
        let policy = policy_arn(self.record)?;
        let principal = principal_of(self.record)?;
        Ok(self.revert(
            format!(
                "protected policy {} detached from {principal} by {}",
                policy.resource_name(),
                self.actor()
            ),
            format!("{principal} ({policy})"),
            Severity::High,
            vec![Action::AttachPolicy { principal, policy }],
        ))
    }
}
