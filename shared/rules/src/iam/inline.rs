//! Inline policies put (the previous document put back, or the new one deleted) and protected
//! ones deleted (put back; trailwarden's own containment policies: see `containment`).

use super::containment::containment_policy;
use super::{
    Answer, Case, RevertRow, RowPlan, is_protected_name, param, previous, previous_document,
    principal_of,
};
use crate::{Action, FactQuery, Ignored, PrincipalKind, Severity, Subject};
use trailwarden_events::{EventError, Record};

pub(super) const PUT: RevertRow = RevertRow {
    events: &["PutUserPolicy", "PutRolePolicy", "PutGroupPolicy"],
    subject: |r, _| inline_policy(r).map(Some),
    previous: |r, subject| Ok([vec![previous(r, subject.clone())], members(subject)].concat()),
    decide: |case| case.put_inline().map(Answer::Respond),
};

// Removals take permissions away: only a protected policy's is put back, and trailwarden's own
// containment (see `containment`).
pub(super) const DELETE: RevertRow = RevertRow {
    events: &["DeleteUserPolicy", "DeleteRolePolicy", "DeleteGroupPolicy"],
    subject: |r, config| {
        if containment_policy(r)?.is_none() && !is_protected_name(&param(r, "policyName")?, config)
        {
            return Ok(None);
        }
        inline_policy(r).map(Some)
    },
    // Containment is put back as trailwarden writes it, with no earlier document to read.
    previous: |r, subject| {
        Ok(match containment_policy(r)? {
            Some(_) => vec![],
            None => [vec![previous(r, subject.clone())], members(subject)].concat(),
        })
    },
    decide: |case| {
        if let Some(ours) = containment_policy(case.record)? {
            return case.containment_removed(ours).map(Answer::Respond);
        }
        let name = param(case.record, "policyName")?;
        if !is_protected_name(&name, case.config) {
            return Ok(Answer::Ignore(Ignored::UnprotectedPolicyRemoved {
                policy: format!("inline policy {name}"),
            }));
        }
        case.delete_inline().map(Answer::Respond)
    },
};

/// For a group's inline policy, its members: they are contained if the change cannot be undone.
fn members(subject: &Subject) -> Vec<FactQuery> {
    match subject {
        Subject::InlinePolicy { principal, .. } if principal.kind == PrincipalKind::Group => {
            vec![FactQuery::GroupMembers {
                group: principal.name.clone(),
            }]
        }
        _ => vec![],
    }
}

/// The inline policy a `Put`/`Delete` `*Policy` record names.
fn inline_policy(record: &Record) -> Result<Subject, EventError> {
    Ok(Subject::InlinePolicy {
        principal: principal_of(record)?,
        name: param(record, "policyName")?,
    })
}

impl Case<'_> {
    fn put_inline(&self) -> Result<RowPlan, EventError> {
        let principal = principal_of(self.record)?;
        let name = param(self.record, "policyName")?;
        let document = param(self.record, "policyDocument")?;
        let summary = format!(
            "inline policy {name} put on {principal} by {}",
            self.actor()
        );
        let resource = format!("{principal} (inline policy {name})");
        let subject = inline_policy(self.record)?;
        Ok(
            match previous_document(self.facts.get(&previous(self.record, subject))) {
                Ok(Some(previous)) => self.revert(
                    summary,
                    resource,
                    Severity::High,
                    vec![Action::PutInlinePolicy {
                        principal,
                        name,
                        document: previous,
                    }],
                ),
                Ok(None) => self.revert(
                    summary,
                    resource,
                    Severity::High,
                    vec![Action::DeleteInlinePolicy {
                        principal,
                        name,
                        document,
                    }],
                ),
                Err(why) => self.unknown(
                    summary,
                    resource,
                    &format!("the previous document of inline policy {name} is unknown ({why})"),
                    &[principal],
                ),
            },
        )
    }

    fn delete_inline(&self) -> Result<RowPlan, EventError> {
        let name = param(self.record, "policyName")?;
        let principal = principal_of(self.record)?;
        let summary = format!(
            "protected inline policy {name} deleted from {principal} by {}",
            self.actor()
        );
        let resource = format!("{principal} (inline policy {name})");
        let subject = inline_policy(self.record)?;
        Ok(
            match previous_document(self.facts.get(&previous(self.record, subject))) {
                Ok(Some(document)) => self.revert(
                    summary,
                    resource,
                    Severity::High,
                    vec![Action::PutInlinePolicy {
                        principal,
                        name,
                        document,
                    }],
                ),
                Ok(None) => self.unknown(
                    summary,
                    resource,
                    &format!("no earlier document of inline policy {name} was found"),
                    &[principal],
                ),
                Err(why) => self.unknown(
                    summary,
                    resource,
                    &format!("the deleted document of inline policy {name} is unknown ({why})"),
                    &[principal],
                ),
            },
        )
    }
}
