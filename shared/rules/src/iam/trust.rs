//! A role's trust policy replaced: the previous one put back.

use super::{Answer, Case, RevertRow, RowPlan, param, previous, previous_document};
use crate::Config;
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

/// The trust policy of trailwarden's own roles, as `template.yaml` writes it (its test checks
/// that they are the same): only Lambda assumes them.
pub const OWN_ROLE_TRUST_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// The trust policy of the member role, as `member.yaml` writes it (its test checks that they are
/// the same): only trailwarden's own roles in the central account (`RESPONDER_ROLE_ARNS`) assume it.
pub fn member_trust_policy(config: &Config) -> String {
    let partition = &config.alert_topic.partition;
    let roles: Vec<String> = config
        .own_roles
        .iter()
        .map(|r| {
            // Written out, not built as a JSON object: the text must not depend on how
            // serde_json happens to order keys in this build.
            serde_json::Value::String(format!(
                "arn:{partition}:iam::{}:role/{}",
                r.account, r.name
            ))
            .to_string()
        })
        .collect();
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":[{}]}},"Action":"sts:AssumeRole"}}]}}"#,
        roles.join(",")
    )
}

impl Case<'_> {
    fn update_trust(&self) -> Result<RowPlan, EventError> {
        let role = param(self.record, "roleName")?;
        let summary = format!("trust policy of role {role} replaced by {}", self.actor());
        let resource = format!("role {role} (trust policy)");
        if self.is_own_role(&role) {
            // Known from the templates, never from history: whoever rewrote it may have written
            // history too (an earlier change of their own, put back as "the previous state").
            let document = match &self.config.member_role {
                Some(member) if member.eq_ignore_ascii_case(&role) => {
                    member_trust_policy(self.config)
                }
                _ => OWN_ROLE_TRUST_POLICY.into(),
            };
            let mut row = self.revert(
                summary,
                resource,
                Severity::Critical,
                vec![Action::PutTrustPolicy {
                    role: role.clone(),
                    document,
                }],
            );
            row.next_steps.push(format!(
                "Role {role} is trailwarden's own: anyone who assumed it since this change acted as trailwarden; look for its sessions in CloudTrail."
            ));
            return Ok(row);
        }
        let query = previous(self.record, Subject::TrustPolicy { role: role.clone() });
        Ok(match previous_document(self.facts.get(&query)) {
            // Whoever assumed the role through the backdoor keeps no session of it.
            Ok(Some(document)) => self.revert(
                summary,
                resource,
                Severity::High,
                vec![
                    Action::PutTrustPolicy {
                        role: role.clone(),
                        document,
                    },
                    Action::DenyRoleSessionsSince {
                        role,
                        since: self.record.event_time,
                    },
                ],
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
