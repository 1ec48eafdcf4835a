//! iam-guard's decisions: what to do when someone who is not allowed changes who may do what.
//!
//! Two phases keep the decisions pure. [`facts_needed`] says what a record's decision must know
//! that the record does not carry (an overwritten inline policy, a replaced trust policy or
//! boundary, a policy's previous default version); the actions crate gathers those [`Facts`] from
//! AWS; [`decide`] turns record, configuration and facts into a [`Decision`]. Where a fact is
//! [`Fact::Unknown`], nothing is guessed: the principal now holding the unknown permissions is
//! quarantined and the alert is critical.

pub use crate::facts::{Fact, FactQuery, Facts, LaterChange};
pub use crate::subject::Subject;
use crate::{
    Action, Config, Decision, Ignored, Incident, PolicySelector, Principal, PrincipalKind,
    Severity, exemptions,
};
use serde_json::Value;
use trailwarden_events::{Arn, EventError, IdentityKind, Record, RoleKey};

/// The reads iam-guard does to gather facts before deciding.
pub const FACT_PERMISSIONS: &[&str] = &[
    "cloudtrail:LookupEvents",
    "iam:ListPolicyVersions",
    "iam:ListEntitiesForPolicy",
    "iam:GetUser",
    "iam:GetRole",
    "iam:GetGroup",
];

/// True for IAM calls that only read.
pub fn is_read_only(record: &Record) -> bool {
    record.read_only == Some(true)
        || ["Get", "List", "Generate", "Simulate"]
            .iter()
            .any(|prefix| record.event_name.starts_with(prefix))
}

/// Why iam-guard leaves the record alone before looking at what it changed, or `None`.
fn skipped(record: &Record, config: &Config) -> Option<Ignored> {
    if record.event_source != "iam.amazonaws.com" {
        return Some(Ignored::NotHandled {
            event_name: record.event_name.clone(),
        });
    }
    if let Some(why) = exemptions::of_change(record, config) {
        return Some(why);
    }
    is_read_only(record).then_some(Ignored::ReadOnly)
}

/// The facts [`decide`] needs for this record. Empty when the record is ignored anyway.
pub fn facts_needed(record: &Record, config: &Config) -> Vec<FactQuery> {
    if skipped(record, config).is_some() {
        return vec![];
    }
    // A record whose parameters cannot be read needs no facts: decide reports the error.
    let Ok(Some(subject)) = reverted_subject(record, config) else {
        return vec![];
    };
    let mut queries = previous_states(record, &subject).unwrap_or_default();
    // Only an allowed principal's later change stands against a revert: with none configured
    // there is nothing to look up.
    if !config.allowed_principals.is_empty() {
        queries.push(later(record, subject));
    }
    queries
}

fn later(record: &Record, subject: Subject) -> FactQuery {
    FactQuery::LaterChanges {
        subject,
        after: record.event_time,
        event_id: record.event_id.clone(),
    }
}

/// What a revert of this record would put back, or `None` when nothing of it is put back. A
/// change of it after the event means the revert would undo that later change instead.
fn reverted_subject(record: &Record, config: &Config) -> Result<Option<Subject>, EventError> {
    match RevertRow::of(record) {
        Some(row) => (row.subject)(record, config),
        None => Ok(None),
    }
}

/// One row of iam-guard's table: the events it answers, what its revert puts back (the subject
/// whose earlier state it may need and whose later changes stand against it), and its decision.
/// [`REVERT_ROWS`] is the one place a row is joined: [`decide`], [`facts_needed`] and the
/// later-change check all read it.
struct RevertRow {
    events: &'static [&'static str],
    /// `None`: nothing of the record is put back (a creation quarantined, an unprotected removal).
    subject: fn(&Record, &Config) -> Result<Option<Subject>, EventError>,
    decide: fn(&Case) -> Result<Answer, EventError>,
}

/// A row's decision: left alone, or answered (perhaps with an empty plan).
enum Answer {
    Ignore(Ignored),
    Respond(RowPlan),
}

impl RevertRow {
    fn of(record: &Record) -> Option<&'static RevertRow> {
        let name = record.event_name.as_str();
        REVERT_ROWS.iter().find(|row| row.events.contains(&name))
    }
}

/// iam-guard's rows, as the README's table lists them; any other IAM write is alerted only.
const REVERT_ROWS: &[RevertRow] = &[
    RevertRow {
        events: &["AttachUserPolicy", "AttachRolePolicy", "AttachGroupPolicy"],
        subject: |r, _| {
            Ok(Some(Subject::Attachment {
                principal: principal_of(r)?,
                policy: policy_arn(r)?,
            }))
        },
        decide: |case| case.attach().map(Answer::Respond),
    },
    RevertRow {
        events: &["PutUserPolicy", "PutRolePolicy", "PutGroupPolicy"],
        subject: |r, _| inline_policy(r).map(Some),
        decide: |case| case.put_inline().map(Answer::Respond),
    },
    RevertRow {
        events: &["CreatePolicyVersion", "SetDefaultPolicyVersion"],
        subject: |r, _| {
            Ok(Some(Subject::DefaultVersion {
                policy: policy_arn(r)?,
            }))
        },
        decide: |case| case.policy_version().map(Answer::Respond),
    },
    RevertRow {
        events: &["AddUserToGroup"],
        subject: |r, _| {
            Ok(Some(Subject::GroupMembership {
                user: param(r, "userName")?,
                group: param(r, "groupName")?,
            }))
        },
        decide: |case| case.add_user_to_group().map(Answer::Respond),
    },
    RevertRow {
        events: &["UpdateAssumeRolePolicy"],
        subject: |r, _| {
            Ok(Some(Subject::TrustPolicy {
                role: param(r, "roleName")?,
            }))
        },
        decide: |case| case.update_trust().map(Answer::Respond),
    },
    RevertRow {
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
        decide: |case| case.boundary().map(Answer::Respond),
    },
    RevertRow {
        events: &["CreateAccessKey"],
        subject: |r, _| {
            let (user, access_key_id) = created_key(r)?;
            Ok(Some(Subject::AccessKey {
                user,
                access_key_id,
            }))
        },
        decide: |case| case.create_access_key().map(Answer::Respond),
    },
    RevertRow {
        events: &["CreateLoginProfile", "UpdateLoginProfile"],
        subject: |r, _| {
            Ok(Some(Subject::LoginProfile {
                user: login_profile_user(r)?,
            }))
        },
        decide: |case| case.login_profile().map(Answer::Respond),
    },
    // A new principal is quarantined, not undone: nothing of it is put back.
    RevertRow {
        events: &["CreateUser", "CreateRole"],
        subject: |_, _| Ok(None),
        decide: |case| case.create_principal().map(Answer::Respond),
    },
    // Removals take permissions away: only a protected policy's is put back.
    RevertRow {
        events: &["DetachUserPolicy", "DetachRolePolicy", "DetachGroupPolicy"],
        subject: |r, config| {
            let policy = policy_arn(r)?;
            if !is_protected_arn(&policy, config) {
                return Ok(None);
            }
            Ok(Some(Subject::Attachment {
                principal: principal_of(r)?,
                policy,
            }))
        },
        decide: |case| {
            let policy = policy_arn(case.record)?;
            if !is_protected_arn(&policy, case.config) {
                return Ok(Answer::Ignore(Ignored::UnprotectedPolicyRemoved {
                    policy: policy.to_string(),
                }));
            }
            case.detach().map(Answer::Respond)
        },
    },
    RevertRow {
        events: &["DeleteUserPolicy", "DeleteRolePolicy", "DeleteGroupPolicy"],
        subject: |r, config| {
            if !is_protected_name(&param(r, "policyName")?, config) {
                return Ok(None);
            }
            inline_policy(r).map(Some)
        },
        decide: |case| {
            let name = param(case.record, "policyName")?;
            if !is_protected_name(&name, case.config) {
                return Ok(Answer::Ignore(Ignored::UnprotectedPolicyRemoved {
                    policy: format!("inline policy {name}"),
                }));
            }
            case.delete_inline().map(Answer::Respond)
        },
    },
];

/// The inline policy a `Put`/`Delete` `*Policy` record names.
fn inline_policy(record: &Record) -> Result<Subject, EventError> {
    Ok(Subject::InlinePolicy {
        principal: principal_of(record)?,
        name: param(record, "policyName")?,
    })
}

fn previous(record: &Record, subject: Subject) -> FactQuery {
    FactQuery::PreviousState {
        subject,
        before: record.event_time,
        event_id: record.event_id.clone(),
    }
}

/// The previous states a revert of this record (of `subject`) puts back.
fn previous_states(record: &Record, subject: &Subject) -> Result<Vec<FactQuery>, EventError> {
    Ok(match subject {
        Subject::InlinePolicy { .. }
        | Subject::TrustPolicy { .. }
        | Subject::PermissionsBoundary { .. } => vec![previous(record, subject.clone())],
        Subject::DefaultVersion { policy } => {
            let Some(new_default) = new_default_version(record)? else {
                return Ok(vec![]);
            };
            vec![
                FactQuery::PreviousDefaultVersion {
                    policy: policy.clone(),
                    new_default,
                    before: record.event_time,
                    event_id: record.event_id.clone(),
                },
                FactQuery::AttachedTo {
                    policy: policy.clone(),
                },
            ]
        }
        _ => vec![],
    })
}

/// Decides what iam-guard does about one CloudTrail record, given the facts [`facts_needed`] asked
/// for.
pub fn decide(record: &Record, config: &Config, facts: &Facts) -> Result<Decision, EventError> {
    if let Some(why) = skipped(record, config) {
        return Ok(Decision::Ignore(why));
    }
    let case = Case {
        record,
        config,
        facts,
    };
    let answer = match RevertRow::of(record) {
        Some(row) => (row.decide)(&case)?,
        None => Answer::Respond(case.alert_only()),
    };
    let mut row = match answer {
        Answer::Ignore(why) => return Ok(Decision::Ignore(why)),
        Answer::Respond(row) => row,
    };
    if row.unauthorized
        && !row.plan.is_empty()
        && let Some(subject) = reverted_subject(record, config)?
    {
        case.supersede(&subject, &mut row);
    }
    Ok(case.finish(row))
}

/// What a row decided, before the actor's containment is added.
struct RowPlan {
    summary: String,
    resource: String,
    severity: Severity,
    plan: Vec<Action>,
    next_steps: Vec<String>,
    /// An unauthorized change that trailwarden responds to (containment applies), not alert-only.
    unauthorized: bool,
    /// The later change that replaced the event's (see [`Case::supersede`]).
    superseded_by: Option<String>,
}

/// The change being decided: its record, the configuration, and the facts read for it.
struct Case<'a> {
    record: &'a Record,
    config: &'a Config,
    facts: &'a Facts,
}

impl Case<'_> {
    fn actor(&self) -> String {
        self.record.actor.to_string()
    }

    fn revert(
        &self,
        summary: String,
        resource: String,
        severity: Severity,
        plan: Vec<Action>,
    ) -> RowPlan {
        RowPlan {
            next_steps: vec![format!(
                "Ask why {} made this change; it is not in ALLOWED_PRINCIPALS.",
                self.actor()
            )],
            summary,
            resource,
            severity,
            plan,
            unauthorized: true,
            superseded_by: None,
        }
    }

    /// A legitimate change of `subject` after the event (by an allowed principal) replaced the
    /// event's change: putting it back would undo that later change. The revert is dropped; the
    /// alert says why. A later change by anyone else does not count: it is no more legitimate than
    /// the event (an attacker who re-activates the key they created must not keep it), and those
    /// that grant have their own revert. Where history could not say, the revert goes ahead and
    /// the alert says what could not be checked.
    fn supersede(&self, subject: &Subject, row: &mut RowPlan) {
        match self.facts.get(&later(self.record, subject.clone())) {
            Fact::Changes(changes) => {
                let allowed = changes.iter().find_map(|c| {
                    let own = exemptions::own_role(&c.actor, self.config).is_some();
                    exemptions::allowed_by(&c.actor, self.config)
                        .filter(|_| !own)
                        .map(|p| (c, p))
                });
                if let Some((change, pattern)) = allowed {
                    row.plan.clear();
                    row.superseded_by = Some(change.to_string());
                    row.next_steps.insert(
                        0,
                        format!(
                            "The {subject} was changed again after this event ({change}, allowed by {pattern}); trailwarden left it as it is, since putting this event's change back would undo that later change."
                        ),
                    );
                }
            }
            Fact::Unknown(why) => row.next_steps.push(format!(
                "trailwarden could not check whether the {subject} was changed again after this event by an allowed principal ({why}); if it was, this revert undid that later change."
            )),
            _ => {}
        }
    }

    fn alert_only(&self) -> RowPlan {
        let r = self.record;
        RowPlan {
            summary: format!("IAM {} called by {}", r.event_name, self.actor()),
            resource: resource_of(r),
            severity: Severity::Medium,
            plan: vec![],
            next_steps: vec![format!(
                "Check that {} was expected; trailwarden does not revert it.",
                r.event_name
            )],
            unauthorized: false,
            superseded_by: None,
        }
    }

    /// The previous state is not known: quarantine who now holds the unknown permissions.
    fn unknown(
        &self,
        summary: String,
        resource: String,
        unknown: &str,
        holders: &[Principal],
    ) -> RowPlan {
        let mut plan = vec![];
        let mut next_steps = vec![format!(
            "trailwarden could not revert this: {unknown}. Find the previous state and restore it by hand."
        )];
        for holder in holders {
            match self.quarantine_refusal(holder, None) {
                None => plan.push(Action::Quarantine {
                    principal: holder.clone(),
                }),
                Some(why) => next_steps.push(format!("{holder} is not quarantined: {why}.")),
            }
        }
        if !plan.is_empty() {
            next_steps.push(format!(
                "Remove the inline policy {} once the previous state is restored.",
                crate::QUARANTINE_POLICY_NAME
            ));
        }
        RowPlan {
            summary: format!("{summary}; previous state unknown"),
            resource,
            severity: Severity::Critical,
            plan,
            next_steps,
            unauthorized: true,
            superseded_by: None,
        }
    }

    /// Why `principal` must not be quarantined, or `None`.
    fn quarantine_refusal(&self, principal: &Principal, full_arn: Option<&Arn>) -> Option<String> {
        let account = self.record.account().unwrap_or_default();
        if let Some(arn) = full_arn
            && arn.account != account
        {
            return Some(format!(
                "it belongs to account {}, not this account {account}",
                arn.account
            ));
        }
        let resource_type = match principal.kind {
            PrincipalKind::User => "user",
            PrincipalKind::Role => "role",
            PrincipalKind::Group => {
                return Some(
                    "a group cannot be quarantined; quarantine its members by hand if needed"
                        .into(),
                );
            }
        };
        let by_name = Arn {
            partition: full_arn.map_or_else(|| "aws".into(), |a| a.partition.clone()),
            service: "iam".into(),
            region: String::new(),
            account: account.to_string(),
            resource: format!("{resource_type}/{}", principal.name),
        };
        if principal.kind == PrincipalKind::Role
            && let Some(key) = RoleKey::from_arn(&by_name)
            && self.config.own_roles.contains(&key)
        {
            return Some("it is trailwarden's own role".into());
        }
        self.config
            .allowed_principals
            .iter()
            .find(|p| p.matches(&by_name) || full_arn.is_some_and(|a| p.matches(a)))
            .map(|p| format!("it is allowed by {p}"))
    }

    fn attach(&self) -> Result<RowPlan, EventError> {
        let principal = principal_of(self.record)?;
        let policy = policy_arn(self.record)?;
        Ok(self.revert(
            format!(
                "policy {} attached to {principal} by {}",
                policy.resource_name(),
                self.actor()
            ),
            format!("{principal} ({policy})"),
            if policy.resource_name() == "AdministratorAccess" {
                Severity::Critical
            } else {
                Severity::High
            },
            vec![Action::DetachPolicy { principal, policy }],
        ))
    }

    fn put_inline(&self) -> Result<RowPlan, EventError> {
        let principal = principal_of(self.record)?;
        let name = param(self.record, "policyName")?;
        let document = param(self.record, "policyDocument")?;
        let summary = format!(
            "inline policy {name} put on {principal} by {}",
            self.actor()
        );
        let resource = format!("{principal} (inline policy {name})");
        let subject = Subject::InlinePolicy {
            principal: principal.clone(),
            name: name.clone(),
        };
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
            Ok(None) => self.revert(
                summary,
                resource,
                Severity::High,
                vec![Action::DeletePermissionsBoundary { principal }],
            ),
            Err(why) => self.unknown(
                summary,
                resource,
                &format!("the previous permissions boundary is unknown ({why})"),
                &[principal],
            ),
        })
    }

    fn create_access_key(&self) -> Result<RowPlan, EventError> {
        let (user, access_key_id) = created_key(self.record)?;
        Ok(self.revert(
            format!(
                "access key {access_key_id} created for user {user} by {}",
                self.actor()
            ),
            format!("user {user} (access key {access_key_id})"),
            Severity::High,
            vec![Action::DeactivateAccessKey {
                user,
                access_key_id,
            }],
        ))
    }

    fn login_profile(&self) -> Result<RowPlan, EventError> {
        let r = self.record;
        let user = login_profile_user(r)?;
        let what = if r.event_name == "CreateLoginProfile" {
            "created"
        } else {
            "changed"
        };
        let mut row = self.revert(
            format!("console password of user {user} {what} by {}", self.actor()),
            format!("user {user} (login profile)"),
            Severity::High,
            vec![Action::DeleteLoginProfile { user: user.clone() }],
        );
        if r.event_name == "UpdateLoginProfile" {
            row.next_steps.push(format!(
                "A password cannot be put back: give user {user} a new console password once the change is explained."
            ));
        }
        Ok(row)
    }

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
        Ok(match self.quarantine_refusal(&principal, arn.as_ref()) {
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

    fn delete_inline(&self) -> Result<RowPlan, EventError> {
        let name = param(self.record, "policyName")?;
        let principal = principal_of(self.record)?;
        let summary = format!(
            "protected inline policy {name} deleted from {principal} by {}",
            self.actor()
        );
        let resource = format!("{principal} (inline policy {name})");
        let subject = Subject::InlinePolicy {
            principal: principal.clone(),
            name: name.clone(),
        };
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

    /// Adds the actor's containment (`CONTAIN_ACTOR=true`) and makes the decision.
    fn finish(&self, mut row: RowPlan) -> Decision {
        if row.unauthorized && self.config.contain_actor {
            self.contain_actor(&mut row);
        }
        Decision::Respond {
            incident: Incident {
                summary: capitalise(&row.summary),
                resource: row.resource,
                severity: row.severity,
                next_steps: row.next_steps,
                superseded_by: row.superseded_by,
            },
            plan: row.plan,
        }
    }

    fn contain_actor(&self, row: &mut RowPlan) {
        let actor = &self.record.actor;
        let account = self.record.account();
        if actor.account.as_deref() != account {
            row.next_steps.push(format!(
                "{actor} belongs to another account; contain it from there."
            ));
            return;
        }
        match (&actor.kind, actor.role()) {
            (IdentityKind::IamUser, _) if actor.used_long_term_key() => {
                let user = actor
                    .user_name
                    .clone()
                    .or_else(|| actor.arn.as_ref().map(|a| a.resource_name().to_string()));
                if let (Some(user), Some(key)) = (user, actor.access_key_id.clone()) {
                    row.plan.push(Action::DeactivateAccessKey {
                        user,
                        access_key_id: key,
                    });
                }
            }
            (IdentityKind::AssumedRole, Some(role)) => {
                row
                    .plan
                    .push(Action::RevokeRoleSessions { role: role.name });
            }
            _ => row.next_steps.push(format!(
                "CONTAIN_ACTOR is set, but {actor} used no long-term key or role session that trailwarden can contain; contain it by hand."
            )),
        }
    }
}

/// A previous document: known (`Ok`, `None` when there was none) or unknown and why (`Err`).
fn previous_document(fact: Fact) -> Result<Option<String>, String> {
    match fact {
        Fact::Document(document) => Ok(document),
        other => Err(not_known(other)),
    }
}

/// A previous permissions boundary, likewise.
fn previous_boundary(fact: Fact) -> Result<Option<Arn>, String> {
    match fact {
        Fact::Boundary(policy) => Ok(policy),
        other => Err(not_known(other)),
    }
}

/// A previous default version, likewise.
fn previous_default(fact: Fact) -> Result<String, String> {
    match fact {
        Fact::DefaultVersion(version) => Ok(version),
        other => Err(not_known(other)),
    }
}

fn not_known(fact: Fact) -> String {
    match fact {
        Fact::Unknown(why) => why,
        _ => "the facts answered with something other than a state".into(),
    }
}

/// The user and id of the access key a `CreateAccessKey` record created.
fn created_key(r: &Record) -> Result<(String, String), EventError> {
    let key = r
        .response_elements
        .as_ref()
        .and_then(|e| e.get("accessKey"))
        .ok_or_else(|| EventError::Request {
            event_name: r.event_name.clone(),
            reason: "responseElements.accessKey is missing".into(),
        })?;
    let field = |name: &str| key.get(name).and_then(Value::as_str).map(String::from);
    let access_key_id = field("accessKeyId").ok_or_else(|| EventError::Request {
        event_name: r.event_name.clone(),
        reason: "responseElements.accessKey.accessKeyId is missing".into(),
    })?;
    let user = field("userName")
        .or_else(|| optional_param(r, "userName"))
        .ok_or_else(|| EventError::Request {
            event_name: r.event_name.clone(),
            reason: "the key's userName is missing".into(),
        })?;
    Ok((user, access_key_id))
}

/// The user whose console password a `CreateLoginProfile` or `UpdateLoginProfile` record set.
fn login_profile_user(r: &Record) -> Result<String, EventError> {
    optional_param(r, "userName")
        .or_else(|| {
            r.response_elements
                .as_ref()
                .and_then(|e| e.get("loginProfile"))
                .and_then(|p| p.get("userName"))
                .and_then(Value::as_str)
                .map(String::from)
        })
        .ok_or_else(|| EventError::Request {
            event_name: r.event_name.clone(),
            reason: "userName is missing".into(),
        })
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn other_account(record: &Record, resource: &str, account: &str) -> RowPlan {
    RowPlan {
        summary: format!(
            "{} names {resource} of account {account}, not this account {}",
            record.event_name,
            record.account().unwrap_or("unknown")
        ),
        resource: resource.to_string(),
        severity: Severity::High,
        plan: vec![],
        next_steps: vec![
            "Check the resource from its own account; trailwarden does not act across accounts."
                .into(),
        ],
        unauthorized: false,
        superseded_by: None,
    }
}

/// A required string of `requestParameters`.
fn param(record: &Record, key: &str) -> Result<String, EventError> {
    optional_param(record, key).ok_or_else(|| EventError::Request {
        event_name: record.event_name.clone(),
        reason: format!("{key} is missing"),
    })
}

fn optional_param(record: &Record, key: &str) -> Option<String> {
    record
        .request_parameters
        .as_ref()?
        .get(key)?
        .as_str()
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// The user, role or group a call names, from the kind in its name (`AttachRolePolicy`: role).
pub fn principal_of(record: &Record) -> Result<Principal, EventError> {
    let name = record.event_name.as_str();
    let (kind, key) = if name.contains("User") {
        (PrincipalKind::User, "userName")
    } else if name.contains("Role") {
        (PrincipalKind::Role, "roleName")
    } else if name.contains("Group") {
        (PrincipalKind::Group, "groupName")
    } else {
        return Err(EventError::Request {
            event_name: name.to_string(),
            reason: "the call names no user, role or group".into(),
        });
    };
    Ok(Principal {
        kind,
        name: param(record, key)?,
    })
}

fn policy_arn(record: &Record) -> Result<Arn, EventError> {
    let text = param(record, "policyArn")?;
    let arn = Arn::parse("requestParameters.policyArn", &text)?;
    if arn.service != "iam" || arn.resource_type() != "policy" {
        return Err(EventError::NotAnArn {
            field: "requestParameters.policyArn".into(),
            value: text,
        });
    }
    Ok(arn)
}

/// The version a call made the default, if it did.
fn new_default_version(record: &Record) -> Result<Option<String>, EventError> {
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

fn is_protected_arn(policy: &Arn, config: &Config) -> bool {
    config.protected_policies.iter().any(|s| match s {
        PolicySelector::Arn(arn) => arn == policy,
        PolicySelector::Name(name) => name == policy.resource_name(),
    })
}

fn is_protected_name(name: &str, config: &Config) -> bool {
    config.protected_policies.iter().any(|s| match s {
        PolicySelector::Arn(arn) => arn.resource_name() == name,
        PolicySelector::Name(n) => n == name,
    })
}

/// How a person names what the call changed, for an alert-only event.
fn resource_of(record: &Record) -> String {
    let Some(params) = record.request_parameters.as_ref() else {
        return "IAM".into();
    };
    for (key, kind) in [
        ("userName", "user"),
        ("roleName", "role"),
        ("groupName", "group"),
        ("instanceProfileName", "instance profile"),
        ("policyArn", "policy"),
        ("policyName", "policy"),
    ] {
        if let Some(name) = params.get(key).and_then(Value::as_str) {
            return format!("{kind} {name}");
        }
    }
    "IAM".into()
}

#[cfg(test)]
mod tests {
    use super::REVERT_ROWS;
    use std::collections::BTreeSet;

    #[test]
    fn no_event_is_in_two_rows_and_none_is_a_read() {
        let mut seen = BTreeSet::new();
        for row in REVERT_ROWS {
            for event in row.events {
                assert!(seen.insert(*event), "{event} is in two rows");
                assert!(
                    !["Get", "List", "Generate", "Simulate"]
                        .iter()
                        .any(|p| event.starts_with(p)),
                    "{event} is a read"
                );
            }
        }
        // The README's table: 11 rows, 25 event names.
        assert_eq!((REVERT_ROWS.len(), seen.len()), (11, 25));
    }
}
