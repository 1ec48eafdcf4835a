//! The journal of IAM state (`IAM_JOURNAL_TABLE`): versions of the pieces of IAM state an exact
//! revert needs (inline policies, trust policies, boundaries, default versions), and which version
//! is the one to put back. Pure: reading and writing the table is the actions crate's; this is
//! what the items are and what they mean, so that decisions are tested without a network.
//!
//! An item's key is part of the interface (tools read the table): partition key `pk`
//! `<account>#<subject>`, sort key `sk` `<time the version holds from>#<event id or "snapshot">`
//! (`#revert` after the event id for what trailwarden put back), both strings, so that one query
//! lists a subject's versions in time order. Old versions expire (`expires_at`, [`KEPT_DAYS`]);
//! the snapshot writes a subject's state again before its latest version expires
//! ([`needs_writing`]), so the journal never forgets the state a steady subject is in.

use crate::{Action, Decision, Principal, PrincipalKind, StepResult, StepStatus, Subject};
use trailwarden_events::{EventTime, Record};

/// How long a version is kept (its `expires_at`): a year of history to revert from.
pub const KEPT_DAYS: i64 = 365;

/// The snapshot writes a subject's unchanged state again once its latest version is this old, a
/// month before it would expire.
pub const REWRITE_AFTER_DAYS: i64 = KEPT_DAYS - 30;

/// Where a version came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A snapshot of the account (`GetAccountAuthorizationDetails`).
    Snapshot,
    /// An IAM write trailwarden received: the state it left, at the event's time. `trusted`: the
    /// actor was an allowed principal (their changes are the legitimate state).
    Change {
        event_id: String,
        actor: String,
        trusted: bool,
    },
    /// What trailwarden's own revert put back.
    Revert { event_id: String },
}

/// One version of one piece of IAM state in one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub account: String,
    pub subject: Subject,
    /// The time it holds from.
    pub from: EventTime,
    /// The document (or, for a boundary, the policy ARN; for a default version, its id); `None`
    /// when the state is absent (no such inline policy, no boundary).
    pub state: Option<String>,
    pub origin: Origin,
}

/// The journal's partition key of `subject` in `account`, or `None` for what the journal does not
/// keep (attachments, memberships, keys and passwords are reverted from the event itself). Names
/// are lower-cased: IAM names them regardless of case.
pub fn partition_key(account: &str, subject: &Subject) -> Option<String> {
    let kind = |k: PrincipalKind| match k {
        PrincipalKind::User => "user",
        PrincipalKind::Role => "role",
        PrincipalKind::Group => "group",
    };
    let key = match subject {
        Subject::InlinePolicy { principal, name } => format!(
            "{}/{}/inline/{}",
            kind(principal.kind),
            principal.name.to_ascii_lowercase(),
            name.to_ascii_lowercase()
        ),
        Subject::TrustPolicy { role } => format!("role/{}/trust", role.to_ascii_lowercase()),
        Subject::PermissionsBoundary { principal } => format!(
            "{}/{}/boundary",
            kind(principal.kind),
            principal.name.to_ascii_lowercase()
        ),
        Subject::DefaultVersion { policy } => format!("policy/{policy}/default-version"),
        Subject::Attachment { .. }
        | Subject::GroupMembership { .. }
        | Subject::AccessKey { .. }
        | Subject::LoginProfile { .. } => return None,
    };
    Some(format!("{account}#{key}"))
}

impl Version {
    /// The item's partition key (see [`partition_key`]).
    pub fn pk(&self) -> Option<String> {
        partition_key(&self.account, &self.subject)
    }

    /// The item's sort key: the time it holds from, then what made it (one item per event, and
    /// one for what trailwarden put back after it).
    pub fn sk(&self) -> String {
        match &self.origin {
            Origin::Snapshot => format!("{}#snapshot", self.from),
            Origin::Change { event_id, .. } => format!("{}#{event_id}", self.from),
            Origin::Revert { event_id } => format!("{}#{event_id}#revert", self.from),
        }
    }

    /// When DynamoDB may delete the item (`expires_at`, seconds since the epoch).
    pub fn expires_at(&self) -> i64 {
        self.from.epoch_seconds() + KEPT_DAYS * 86_400
    }

    /// A state to put back: a snapshot's, a trusted change's or trailwarden's own. What a
    /// principal trailwarden reverted wrote never is.
    pub fn restorable(&self) -> bool {
        !matches!(self.origin, Origin::Change { trusted: false, .. })
    }

    /// Where the state came from, as the alert says it ("previous document from the journal, as
    /// of 2026-11-30T10:00:00Z (snapshot)").
    pub fn provenance(&self) -> String {
        let how = match &self.origin {
            Origin::Snapshot => "snapshot".to_string(),
            Origin::Change {
                event_id, actor, ..
            } => format!("event {event_id}, by {actor}"),
            Origin::Revert { event_id } => {
                format!("put back by trailwarden after event {event_id}")
            }
        };
        format!(
            "previous {} from the journal, as of {} ({how})",
            what_is_kept(&self.subject),
            self.from
        )
    }
}

/// What the journal keeps of `subject`, as a person names it.
pub fn what_is_kept(subject: &Subject) -> &'static str {
    match subject {
        Subject::PermissionsBoundary { .. } => "permissions boundary",
        Subject::DefaultVersion { .. } => "default version",
        _ => "document",
    }
}

/// The name under which the journal keeps the names of a principal's inline policies, as a
/// snapshot saw them (`.../inline/*`: no IAM name holds `*`). What tells that a policy put under a
/// new name was not there before, and is deleted rather than the principal quarantined.
pub const INLINE_NAMES: &str = "*";

/// The journal's subject for the names of `principal`'s inline policies ([`INLINE_NAMES`]).
pub fn inline_names(principal: &Principal) -> Subject {
    Subject::InlinePolicy {
        principal: principal.clone(),
        name: INLINE_NAMES.into(),
    }
}

/// The state of [`inline_names`]: the names, lower-cased and sorted, as a JSON array.
pub fn names_state<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let mut names: Vec<String> = names.into_iter().map(str::to_ascii_lowercase).collect();
    names.sort();
    names.dedup();
    serde_json::Value::from(names).to_string()
}

/// The snapshot from before `before` that shows the principal without an inline policy `name`
/// (`names`: the versions of its [`inline_names`]), when the journal holds no version of the
/// policy itself from before then: the policy was absent. `None`: the journal cannot tell.
pub fn absent_by_snapshot<'a>(
    names: &'a [Version],
    name: &str,
    before: EventTime,
) -> Option<&'a Version> {
    let latest = prior_state(names, before)?;
    if latest.origin != Origin::Snapshot {
        return None;
    }
    let listed: Vec<String> = serde_json::from_str(latest.state.as_deref()?).ok()?;
    (!listed.contains(&name.to_ascii_lowercase())).then_some(latest)
}

/// The state to put back for `subject` for an event at `before`, and where it came from, as the
/// journal knows it (`versions`: the subject's; `names`: for an inline policy, those of its
/// principal's [`inline_names`]): the prior restorable version, or for a policy name the journal
/// never saw, its absence in a snapshot from before. `None`: the journal does not know.
pub fn previous_of(
    subject: &Subject,
    versions: &[Version],
    names: &[Version],
    before: EventTime,
) -> Option<(Option<String>, String)> {
    if let Some(version) = prior_state(versions, before) {
        return Some((version.state.clone(), version.provenance()));
    }
    let Subject::InlinePolicy { principal, name } = subject else {
        return None;
    };
    let snapshot = absent_by_snapshot(names, name, before)?;
    Some((
        None,
        format!(
            "no previous document: the journal's snapshot of {principal} as of {} holds no inline policy {name}",
            snapshot.from
        ),
    ))
}

/// The pieces of IAM state a successful write left, each with its new state (`None`: absent):
/// inline policies put or deleted, trust policies, boundaries (set by `CreateUser`/`CreateRole`
/// too), managed policies' default versions. Empty for a failed call and for what the journal does not keep.
pub fn changes_of(record: &Record) -> Vec<(Subject, Option<String>)> {
    if record.error_code.is_some() || record.event_source != "iam.amazonaws.com" {
        return vec![];
    }
    let principal = || crate::iam::principal_of(record).ok();
    let name = |key: &str| record.request_str(key).map(String::from);
    let subjects: Vec<Subject> = match record.event_name.as_str() {
        "PutUserPolicy" | "PutRolePolicy" | "PutGroupPolicy" | "DeleteUserPolicy"
        | "DeleteRolePolicy" | "DeleteGroupPolicy" => principal()
            .zip(name("policyName"))
            .map(|(principal, name)| Subject::InlinePolicy { principal, name })
            .into_iter()
            .collect(),
        "UpdateAssumeRolePolicy" => name("roleName")
            .map(|role| Subject::TrustPolicy { role })
            .into_iter()
            .collect(),
        "CreateRole" => name("roleName")
            .map(|role| {
                vec![
                    Subject::TrustPolicy { role: role.clone() },
                    Subject::PermissionsBoundary {
                        principal: Principal::role(&role),
                    },
                ]
            })
            .unwrap_or_default(),
        "CreateUser"
        | "PutUserPermissionsBoundary"
        | "PutRolePermissionsBoundary"
        | "DeleteUserPermissionsBoundary"
        | "DeleteRolePermissionsBoundary" => principal()
            .map(|principal| Subject::PermissionsBoundary { principal })
            .into_iter()
            .collect(),
        _ => vec![],
    };
    let mut changes: Vec<(Subject, Option<String>)> = subjects
        .into_iter()
        .filter_map(|subject| {
            let state = subject.state_left_by(record)?;
            Some((subject, state))
        })
        .collect();
    changes.extend(default_version_of(record));
    changes
}

/// The default version a call left a managed policy with: `SetDefaultPolicyVersion`'s,
/// `CreatePolicyVersion`'s when made default, `CreatePolicy`'s first.
fn default_version_of(record: &Record) -> Option<(Subject, Option<String>)> {
    let text = |v: &serde_json::Value| v.as_str().map(String::from);
    let (policy, version) = match record.event_name.as_str() {
        "SetDefaultPolicyVersion" | "CreatePolicyVersion" => (
            record.request_str("policyArn")?.to_string(),
            crate::iam::versions::new_default_version(record).ok()??,
        ),
        "CreatePolicy" => {
            let policy = record.response_elements.as_ref()?.get("policy")?;
            (
                text(policy.get("arn")?)?,
                text(policy.get("defaultVersionId")?)?,
            )
        }
        _ => return None,
    };
    let policy = trailwarden_events::Arn::parse("policyArn", &policy).ok()?;
    Some((Subject::DefaultVersion { policy }, Some(version)))
}

/// The versions `record` left, as the journal records them: at the event's time, trusted when
/// trailwarden leaves the change alone (an allowed principal's, its own, an AWS service's on its
/// own role: `Decision::Ignore`), untrusted when it answered it as unauthorized. Every write is
/// recorded, in dry-run too: recording changes nothing in the account.
pub fn left_by(record: &Record, decision: &Decision) -> Vec<Version> {
    let Some(account) = record.account() else {
        return vec![];
    };
    let trusted = matches!(decision, Decision::Ignore(_));
    changes_of(record)
        .into_iter()
        .map(|(subject, state)| Version {
            account: account.to_string(),
            subject,
            from: record.event_time,
            state,
            origin: Origin::Change {
                event_id: record.event_id.clone(),
                actor: record.actor.to_string(),
                trusted,
            },
        })
        .collect()
}

/// The states trailwarden's steps put back for `record` (done, or found already in effect), as of
/// `at`: a state to return to after a later attack.
pub fn put_back(record: &Record, steps: &[StepResult], at: EventTime) -> Vec<Version> {
    let Some(account) = record.account() else {
        return vec![];
    };
    steps
        .iter()
        .filter(|s| matches!(s.status, StepStatus::Done | StepStatus::AlreadyInEffect))
        .filter_map(|step| match &step.action {
            Action::PutInlinePolicy {
                principal,
                name,
                document,
            } => Some((
                Subject::InlinePolicy {
                    principal: principal.clone(),
                    name: name.clone(),
                },
                Some(document.clone()),
            )),
            Action::DeleteInlinePolicy {
                principal, name, ..
            } => Some((
                Subject::InlinePolicy {
                    principal: principal.clone(),
                    name: name.clone(),
                },
                None,
            )),
            Action::PutTrustPolicy { role, document } => Some((
                Subject::TrustPolicy { role: role.clone() },
                Some(document.clone()),
            )),
            Action::PutPermissionsBoundary { principal, policy } => Some((
                Subject::PermissionsBoundary {
                    principal: principal.clone(),
                },
                Some(policy.to_string()),
            )),
            Action::SetDefaultPolicyVersion { policy, version } => Some((
                Subject::DefaultVersion {
                    policy: policy.clone(),
                },
                Some(version.clone()),
            )),
            _ => None,
        })
        .map(|(subject, state)| Version {
            account: account.to_string(),
            subject,
            from: at,
            state,
            origin: Origin::Revert {
                event_id: record.event_id.clone(),
            },
        })
        .collect()
}

/// Two states of one subject are the same: equal as JSON when both are JSON (IAM and CloudTrail
/// space and order a document as they like), else equal as text.
pub fn same_state(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => {
            a == b
                || matches!(
                    (
                        serde_json::from_str::<serde_json::Value>(a),
                        serde_json::from_str::<serde_json::Value>(b),
                    ),
                    (Ok(x), Ok(y)) if x == y
                )
        }
        (None, None) => true,
        _ => false,
    }
}

/// Whether the snapshot writes `current` (a state it read at `current.from`), given the journal's
/// latest version of the subject: when the journal knows nothing, holds another state, or its
/// version is about to expire. A steady account costs no write.
pub fn needs_writing(latest: Option<&Version>, current: &Version) -> bool {
    match latest {
        // Absent, and never known present: nothing to say (no boundary, say).
        None => current.state.is_some(),
        Some(latest) => {
            !same_state(latest.state.as_deref(), current.state.as_deref())
                || current.from.epoch_seconds() - latest.from.epoch_seconds()
                    > REWRITE_AFTER_DAYS * 86_400
        }
    }
}

/// The subject a partition key names, names lower-cased as the key holds them (enough to write
/// another version under the same key). `None` for a key of another account or not the journal's.
pub fn subject_of_key(account: &str, pk: &str) -> Option<Subject> {
    let key = pk.strip_prefix(account)?.strip_prefix('#')?;
    if let Some(policy) = key
        .strip_prefix("policy/")
        .and_then(|k| k.strip_suffix("/default-version"))
    {
        let policy = trailwarden_events::Arn::parse("pk", policy).ok()?;
        return Some(Subject::DefaultVersion { policy });
    }
    let parts: Vec<&str> = key.split('/').collect();
    let kind = |k: &str| match k {
        "user" => Some(PrincipalKind::User),
        "role" => Some(PrincipalKind::Role),
        "group" => Some(PrincipalKind::Group),
        _ => None,
    };
    let principal = |k: &str, name: &str| {
        Some(Principal {
            kind: kind(k)?,
            name: name.to_string(),
        })
    };
    match parts.as_slice() {
        [k, name, "inline", policy] => Some(Subject::InlinePolicy {
            principal: principal(k, name)?,
            name: policy.to_string(),
        }),
        ["role", role, "trust"] => Some(Subject::TrustPolicy {
            role: role.to_string(),
        }),
        [k @ ("user" | "role"), name, "boundary"] => Some(Subject::PermissionsBoundary {
            principal: principal(k, name)?,
        }),
        _ => None,
    }
}

/// What one snapshot of an account did: the pieces of state it read, and the versions it wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SnapshotTaken {
    pub read: usize,
    pub written: usize,
}

/// What the snapshot of an account writes: each state it read (`current`: every inline policy
/// of every user, role and group, every role's trust policy, every user's and role's boundary or
/// its absence, every customer managed policy's default version) that the journal does not already hold as its latest ([`needs_writing`]), and
/// the absence of what the journal holds as present but the account no longer has (a policy
/// deleted while no event reached trailwarden: never to be put back on a guess). `latest`: the
/// journal's latest version of each of the account's subjects.
pub fn snapshot_writes(
    account: &str,
    at: EventTime,
    current: Vec<(Subject, Option<String>)>,
    latest: &std::collections::HashMap<String, Version>,
) -> Vec<Version> {
    let mut writes = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (subject, state) in current {
        let version = Version {
            account: account.to_string(),
            subject,
            from: at,
            state,
            origin: Origin::Snapshot,
        };
        let Some(pk) = version.pk() else { continue };
        if needs_writing(latest.get(&pk), &version) {
            writes.push(version);
        }
        seen.insert(pk);
    }
    let mut gone: Vec<&Version> = latest
        .iter()
        .filter(|(pk, v)| !seen.contains(*pk) && v.state.is_some())
        .map(|(_, v)| v)
        .collect();
    gone.sort_by_key(|v| v.pk());
    writes.extend(gone.into_iter().map(|v| Version {
        account: account.to_string(),
        subject: v.subject.clone(),
        from: at,
        state: None,
        origin: Origin::Snapshot,
    }));
    writes
}

/// The state to put back for an event at `before`: the latest restorable version from before the
/// event's second. A version of the same second is left out: its order against the event is
/// unknown (a snapshot of that second may already hold the change). `None`: the journal does not
/// know, and the revert falls back to event history.
pub fn prior_state(versions: &[Version], before: EventTime) -> Option<&Version> {
    versions
        .iter()
        .filter(|v| v.restorable() && v.from.epoch_seconds() < before.epoch_seconds())
        .max_by(|a, b| {
            a.from
                .epoch_seconds()
                .cmp(&b.from.epoch_seconds())
                .then_with(|| a.sk().cmp(&b.sk()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Principal;

    const ACCOUNT: &str = "222222222222";

    fn at(time: &str) -> EventTime {
        EventTime::parse(time).unwrap()
    }

    fn inline() -> Subject {
        Subject::InlinePolicy {
            principal: Principal::user("Bob"),
            name: "Backdoor".into(),
        }
    }

    fn version(time: &str, state: Option<&str>, origin: Origin) -> Version {
        Version {
            account: ACCOUNT.into(),
            subject: inline(),
            from: at(time),
            state: state.map(String::from),
            origin,
        }
    }

    fn change(id: &str, trusted: bool) -> Origin {
        Origin::Change {
            event_id: id.into(),
            actor: if trusted {
                "role Deployer"
            } else {
                "user mallory"
            }
            .into(),
            trusted,
        }
    }

    #[test]
    fn the_keys_are_the_account_and_subject_then_the_time_and_the_event() {
        let v = version("2026-11-30T10:00:00Z", Some("{}"), change("e-1", true));
        // IAM names are one whatever their case: so are the keys.
        assert_eq!(
            v.pk().as_deref(),
            Some("222222222222#user/bob/inline/backdoor")
        );
        assert_eq!(v.sk(), "2026-11-30T10:00:00Z#e-1");
        let snapshot = version("2026-11-30T09:00:00Z", None, Origin::Snapshot);
        assert_eq!(snapshot.sk(), "2026-11-30T09:00:00Z#snapshot");
        assert_eq!(
            partition_key(ACCOUNT, &Subject::TrustPolicy { role: "Ops".into() }).as_deref(),
            Some("222222222222#role/ops/trust")
        );
        assert_eq!(
            partition_key(ACCOUNT, &Subject::LoginProfile { user: "bob".into() }),
            None,
            "reverted from the event itself"
        );
    }

    #[test]
    fn two_unallowed_changes_in_a_row_end_with_the_state_before_both() {
        let versions = [
            version("2026-11-30T09:00:00Z", Some("v0"), Origin::Snapshot),
            version("2026-11-30T10:00:00Z", Some("evil-1"), change("e-1", false)),
            version("2026-11-30T10:00:02Z", Some("evil-2"), change("e-2", false)),
        ];
        // The revert of the second change: not evil-1, which was itself an attack.
        let prior = prior_state(&versions, at("2026-11-30T10:00:02Z")).unwrap();
        assert_eq!(prior.state.as_deref(), Some("v0"));
        assert_eq!(
            prior.provenance(),
            "previous document from the journal, as of 2026-11-30T09:00:00Z (snapshot)"
        );
    }

    #[test]
    fn after_an_allowed_change_and_an_attackers_the_allowed_change_comes_back() {
        let versions = [
            version("2026-11-30T09:00:00Z", Some("v0"), Origin::Snapshot),
            version("2026-11-30T09:30:00Z", Some("v1"), change("e-1", true)),
            version("2026-11-30T10:00:00Z", Some("evil"), change("e-2", false)),
        ];
        let prior = prior_state(&versions, at("2026-11-30T10:00:00Z")).unwrap();
        assert_eq!(prior.state.as_deref(), Some("v1"));
        assert_eq!(
            prior.provenance(),
            "previous document from the journal, as of 2026-11-30T09:30:00Z (event e-1, by role Deployer)"
        );
        // A version that says the policy was absent is a state too: put back by deleting.
        let absent = [version("2026-11-30T09:00:00Z", None, Origin::Snapshot)];
        assert_eq!(
            prior_state(&absent, at("2026-11-30T10:00:00Z"))
                .unwrap()
                .state,
            None
        );
    }

    #[test]
    fn nothing_before_the_events_second_is_not_a_state_to_guess() {
        // A snapshot of the same second may already hold the change; a later one certainly may.
        let versions = [
            version(
                "2026-11-30T10:00:00Z",
                Some("maybe-after"),
                Origin::Snapshot,
            ),
            version("2026-11-30T11:00:00Z", Some("after"), Origin::Snapshot),
        ];
        assert_eq!(prior_state(&versions, at("2026-11-30T10:00:00Z")), None);
        assert_eq!(prior_state(&[], at("2026-11-30T10:00:00Z")), None);
        // trailwarden's own revert is a state to go back to.
        let reverted = [version(
            "2026-11-30T09:59:00Z",
            Some("v0"),
            Origin::Revert {
                event_id: "e-0".into(),
            },
        )];
        assert_eq!(
            prior_state(&reverted, at("2026-11-30T10:00:00Z"))
                .unwrap()
                .state
                .as_deref(),
            Some("v0")
        );
    }
}
