//! A managed policy's new version or new default: the previous default made default again, the
//! created version deleted.

use super::{Answer, Case, RevertRow, RowPlan, other_account, param, policy_arn, previous_default};
use crate::{Action, Fact, FactQuery, Severity, Subject};
use serde_json::Value;
use trailwarden_events::{EventError, Record};

pub(super) const ROW: RevertRow = RevertRow {
    events: &["CreatePolicyVersion", "SetDefaultPolicyVersion"],
    subject: |r, _| {
        Ok(Some(Subject::DefaultVersion {
            policy: policy_arn(r)?,
        }))
    },
    previous: previous_default_version,
    decide: |case| case.policy_version().map(Answer::Respond),
};

/// The default version before the record, and who holds the policy (quarantined if it is unknown).
fn previous_default_version(
    record: &Record,
    subject: &Subject,
) -> Result<Vec<FactQuery>, EventError> {
    let Subject::DefaultVersion { policy } = subject else {
        return Ok(vec![]);
    };
    let Some(new_default) = new_default_version(record)? else {
        return Ok(vec![]);
    };
    Ok(vec![
        FactQuery::PreviousDefaultVersion {
            policy: policy.clone(),
            new_default,
            before: record.event_time,
            event_id: record.event_id.clone(),
        },
        FactQuery::AttachedTo {
            policy: policy.clone(),
        },
    ])
}

/// The version a call made the default, if it did.
pub(crate) fn new_default_version(record: &Record) -> Result<Option<String>, EventError> {
    match record.event_name.as_str() {
        "SetDefaultPolicyVersion" => Ok(Some(param(record, "versionId")?)),
        "CreatePolicyVersion" => {
            let set = record
                .request_parameters
                .as_ref()
                .and_then(|p| p.get("setAsDefault"))
                .is_some_and(|v| v.as_bool() == Some(true) || v.as_str() == Some("true"));
            if !set {
                return Ok(None);
            }
            Ok(record
                .response_elements
                .as_ref()
                .and_then(|e| e.get("policyVersion"))
                .and_then(|v| v.get("versionId"))
                .and_then(Value::as_str)
                .map(String::from))
        }
        _ => Ok(None),
    }
}

impl Case<'_> {
    fn policy_version(&self) -> Result<RowPlan, EventError> {
        let r = self.record;
        let policy = policy_arn(r)?;
        let account = r.account().unwrap_or_default();
        if policy.account != account {
            return Ok(other_account(r, &policy.to_string(), &policy.account));
        }
        let created = match r.event_name.as_str() {
            "CreatePolicyVersion" => Some(
                r.response_elements
                    .as_ref()
                    .and_then(|e| e.get("policyVersion"))
                    .and_then(|v| v.get("versionId"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| EventError::Request {
                        event_name: r.event_name.clone(),
                        reason: "responseElements.policyVersion.versionId is missing".into(),
                    })?
                    .to_string(),
            ),
            _ => None,
        };
        let summary = match &created {
            Some(v) => format!(
                "version {v} of policy {} created by {}",
                policy.resource_name(),
                self.actor()
            ),
            None => format!(
                "default version of policy {} changed to {} by {}",
                policy.resource_name(),
                param(r, "versionId")?,
                self.actor()
            ),
        };
        let resource = policy.to_string();
        let mut plan = vec![];
        if let Some(new_default) = new_default_version(r)? {
            let query = FactQuery::PreviousDefaultVersion {
                policy: policy.clone(),
                new_default: new_default.clone(),
                before: r.event_time,
                event_id: r.event_id.clone(),
            };
            match previous_default(self.facts.get(&query)) {
                Ok(version) if version != new_default => {
                    plan.push(Action::SetDefaultPolicyVersion {
                        policy: policy.clone(),
                        version,
                    });
                }
                // The call made default what already was: nothing to put back.
                Ok(_) => {}
                Err(why) => {
                    let holders = match self.facts.get(&FactQuery::AttachedTo {
                        policy: policy.clone(),
                    }) {
                        Fact::Principals(p) => p,
                        _ => vec![],
                    };
                    let mut row = self.unknown(
                        summary,
                        resource,
                        &format!("the previous default version is unknown ({why})"),
                        &holders,
                    );
                    if holders.is_empty() {
                        row.next_steps.push(
                            "No user or role this policy is attached to could be listed to quarantine."
                                .into(),
                        );
                    }
                    return Ok(row);
                }
            }
        }
        if let Some(version) = created {
            plan.push(Action::DeletePolicyVersion { policy, version });
        }
        Ok(self.revert(summary, resource, Severity::High, plan))
    }
}
