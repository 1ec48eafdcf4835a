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
use trailwarden_events::{Arn, EventError, IdentityKind, Record};
pub use trust::{OWN_ROLE_TRUST_POLICY, member_trust_policy};

// One module per row (or pair of rows) of the README's table, joined in `REVERT_ROWS`.
mod attachments;
mod boundaries;
mod containment;
mod credentials;
mod groups;
mod inline;
mod principals;
mod trust;
pub(crate) mod versions;

/// The reads iam-guard does to gather facts before deciding.
pub const FACT_PERMISSIONS: &[&str] = &[
    "cloudtrail:LookupEvents",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetGroupPolicy",
    "iam:ListGroupPolicies",
    "iam:ListAttachedGroupPolicies",
    "iam:ListPolicyVersions",
    "iam:ListEntitiesForPolicy",
    "iam:GetUser",
    "iam:GetRole",
    "iam:GetGroup",
];

/// What iam-guard's role is denied on trailwarden's own roles (`template.yaml`, `NeverItself`):
/// each would grant them something. Nothing iam-guard does needs it (it never quarantines its own
/// roles), except putting back what an attacker overwrote on them, which then fails, critical.
pub const NEVER_ON_OWN_ROLES: &[&str] = &[
    "iam:AttachRolePolicy",
    "iam:DeleteRolePermissionsBoundary",
    "iam:PutRolePolicy",
];

/// The AWS managed policies iam-guard's role may never attach to anyone (`template.yaml`,
/// `NeverAdministrator`): a revert re-attaches only protected policies, which are guardrails.
pub const NEVER_ATTACHED: &[&str] = &["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"];

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
    if is_read_only(record) {
        return Some(Ignored::ReadOnly);
    }
    aws_managed_role(record, config).map(|role| Ignored::AwsManagedRole { role })
}

/// The role an AWS service changed, when it is one the service manages: a service-linked role
/// (`AWSServiceRoleFor*`, path `/aws-service-role/`) or one IAM Identity Center provisions
/// (`AWSReservedSSO_*`, path `/aws-reserved/sso.amazonaws.com/`). Only the service itself counts:
/// an AWS service acting as itself, or a session of a service-linked role. A call made through a
/// service on someone's behalf (CloudFormation, say) is that someone's.
fn aws_managed_role(record: &Record, config: &Config) -> Option<String> {
    if config.guard_aws_managed_roles {
        return None;
    }
    let actor = &record.actor;
    let by_a_service = actor.kind == IdentityKind::AwsService
        || actor
            .role_arn
            .as_ref()
            .is_some_and(|role| role.resource.starts_with("role/aws-service-role/"));
    if !by_a_service {
        return None;
    }
    let role = optional_param(record, "roleName")?;
    let path = optional_param(record, "path").unwrap_or_default();
    let managed = role.starts_with("AWSServiceRoleFor")
        || role.starts_with("AWSReservedSSO_")
        || path.starts_with("/aws-service-role/")
        || path.starts_with("/aws-reserved/");
    managed.then_some(role)
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
    let mut queries = RevertRow::of(record)
        .map(|row| (row.previous)(record, &subject).unwrap_or_default())
        .unwrap_or_default();
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
    /// The earlier states of the subject its decision needs (from history, or the journal).
    previous: fn(&Record, &Subject) -> Result<Vec<FactQuery>, EventError>,
    decide: fn(&Case) -> Result<Answer, EventError>,
}

/// A row that needs no earlier state.
fn no_previous(_: &Record, _: &Subject) -> Result<Vec<FactQuery>, EventError> {
    Ok(vec![])
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

/// iam-guard's rows, as the README's table lists them, each declared in its own module; any other
/// IAM write is alerted only.
const REVERT_ROWS: &[RevertRow] = &[
    attachments::ATTACH,
    inline::PUT,
    versions::ROW,
    groups::ADD_USER,
    trust::ROW,
    boundaries::ROW,
    credentials::ACCESS_KEY,
    credentials::LOGIN_PROFILE,
    containment::KEY_ACTIVATED,
    principals::CREATE,
    attachments::DETACH,
    inline::DELETE,
];

fn previous(record: &Record, subject: Subject) -> FactQuery {
    FactQuery::PreviousState {
        subject,
        before: record.event_time,
        event_id: record.event_id.clone(),
    }
}

/// Whether a revert row answers the record (else iam-guard's answer is an alert only).
pub fn has_revert_row(record: &Record) -> bool {
    RevertRow::of(record).is_some()
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
    /// What stays in effect, uncontained (see [`Incident::pending`]).
    pending: Option<String>,
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
            pending: None,
        }
    }

    /// A legitimate change of `subject` after the event (by an allowed principal) replaced the
    /// event's change: putting it back would undo that later change. The revert is dropped; the
    /// alert says why. A later change by anyone else does not count: it is no more legitimate than
    /// the event (an attacker who re-activates the key they created must not keep it), and those
    /// that grant have their own revert. Where history could not say, the revert goes ahead and
    /// the alert says what could not be checked.
    fn supersede(&self, subject: &Subject, row: &mut RowPlan) {
        // Only an allowed principal's later change stands (facts_needed asks for none without).
        if self.config.allowed_principals.is_empty() {
            return;
        }
        match self.facts.get(&later(self.record, subject.clone())) {
            Fact::Changes(changes) => {
                let allowed = changes.iter().find_map(|c| {
                    let own = exemptions::own_role(&c.actor, self.record.account(), self.config).is_some();
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
            // Only a check that was needed and failed is worth a line: a fresh event's is answered
            // (no history yet) without a call, and says nothing.
            Fact::Unknown(why) => row.next_steps.push(format!(
                "Look in CloudTrail event history for a change of the {subject} after this event by an allowed principal: trailwarden could not ({why}). If there is one, this revert undid it: make that change again."
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
            pending: None,
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
        let mut quarantine = |holder: &Principal, next_steps: &mut Vec<String>| match self
            .quarantine_refusal(holder, None)
        {
            None => plan.push(Action::Quarantine {
                principal: holder.clone(),
            }),
            Some(why) => next_steps.push(format!("{holder} is not quarantined: {why}.")),
        };
        for holder in holders {
            if holder.kind != PrincipalKind::Group {
                quarantine(holder, &mut next_steps);
                continue;
            }
            // A group cannot be quarantined: its members are, meanwhile.
            match self.facts.get(&FactQuery::GroupMembers {
                group: holder.name.clone(),
            }) {
                Fact::Principals(members) => {
                    next_steps.push(format!(
                        "{holder} cannot be quarantined itself: its {} members are, until the previous state is restored.",
                        members.len()
                    ));
                    for member in &members {
                        quarantine(member, &mut next_steps);
                    }
                }
                Fact::Unknown(why) => next_steps.push(format!(
                    "{holder} cannot be quarantined itself, and its members could not be listed ({why}): contain them by hand."
                )),
                _ => quarantine(holder, &mut next_steps),
            }
        }
        if !plan.is_empty() {
            next_steps.push(format!(
                "Remove the inline policy {} once the previous state is restored.",
                crate::QUARANTINE_POLICY_NAME
            ));
        }
        // Nothing undone and no one contained: the change stays until history (or a person) says
        // what to put back.
        let pending = plan.is_empty().then(|| {
            format!("{unknown}; no one who holds it could be quarantined, so it is still in effect")
        });
        RowPlan {
            summary: format!("{summary}; previous state unknown"),
            resource,
            severity: Severity::Critical,
            plan,
            next_steps,
            unauthorized: true,
            superseded_by: None,
            pending,
        }
    }

    /// True when `role` (a name from the request, in any case: IAM compares role names regardless
    /// of case) is one of trailwarden's own roles in the event's account.
    fn is_own_role(&self, role: &str) -> bool {
        let account = self.record.account().unwrap_or_default();
        self.config.is_own_role_named(role, Some(account))
    }

    /// Why `principal` must not be quarantined, or `None`. Names come from the request, in any
    /// case: IAM compares them regardless of case, and so do these checks.
    fn quarantine_refusal(&self, principal: &Principal, full_arn: Option<&Arn>) -> Option<String> {
        self.refusal(principal, full_arn, true)
    }

    /// Why a principal created by this record's actor must not be quarantined, or `None`. An
    /// allowed pattern exempts actors, not what an actor who is not allowed creates: a role
    /// `BreakGlass-x` made by mallory is quarantined even when `role/BreakGlass*` is allowed.
    fn creation_refusal(&self, principal: &Principal, full_arn: Option<&Arn>) -> Option<String> {
        self.refusal(principal, full_arn, false)
    }

    fn refusal(
        &self,
        principal: &Principal,
        full_arn: Option<&Arn>,
        allowed_exempts: bool,
    ) -> Option<String> {
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
        if principal.kind == PrincipalKind::Role && self.is_own_role(&principal.name) {
            return Some("it is trailwarden's own role".into());
        }
        if !allowed_exempts {
            return None;
        }
        self.config
            .allowed_principals
            .iter()
            .find(|p| p.matches_ignoring_case(&by_name) || full_arn.is_some_and(|a| p.matches(a)))
            .map(|p| format!("it is allowed by {p}"))
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
                pending: row.pending,
                previous_state: self.facts.previous_state_provenance(),
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
        pending: None,
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

/// True when a policy document has statements and every one of them denies: taking such a policy
/// away grants, so no revert does.
fn only_denies(document: &str) -> bool {
    let Ok(document) = serde_json::from_str::<Value>(document) else {
        return false;
    };
    let statements = match &document["Statement"] {
        Value::Array(statements) => statements.iter().collect::<Vec<_>>(),
        one @ Value::Object(_) => vec![one],
        _ => return false,
    };
    !statements.is_empty() && statements.iter().all(|s| s["Effect"] == "Deny")
}

// IAM names policies regardless of case: a request may write a protected name in any case.
fn is_protected_arn(policy: &Arn, config: &Config) -> bool {
    config.protected_policies.iter().any(|s| match s {
        PolicySelector::Arn(arn) => {
            arn.partition == policy.partition
                && arn.account == policy.account
                && arn.resource.eq_ignore_ascii_case(&policy.resource)
        }
        PolicySelector::Name(name) => name.eq_ignore_ascii_case(policy.resource_name()),
    })
}

fn is_protected_name(name: &str, config: &Config) -> bool {
    config.protected_policies.iter().any(|s| match s {
        PolicySelector::Arn(arn) => arn.resource_name().eq_ignore_ascii_case(name),
        PolicySelector::Name(n) => n.eq_ignore_ascii_case(name),
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
        // The README's table: 12 rows, 26 event names.
        assert_eq!((REVERT_ROWS.len(), seen.len()), (12, 26));
    }
}
