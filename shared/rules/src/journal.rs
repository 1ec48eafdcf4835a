//! The journal of IAM state (`IAM_JOURNAL_TABLE`): versions of the pieces of IAM state an exact
//! revert needs (inline policies, trust policies, boundaries, default versions), and which version
//! is the one to put back. Pure: reading and writing the table is the actions crate's; this is
//! what the items are and what they mean, so that decisions are tested without a network.
//!
//! An item's key is part of the interface (tools read the table): partition key `pk`
//! `<account>#<subject>`, sort key `sk` `<time the version holds from>#<event id or "snapshot">`,
//! both strings, so that one query lists a subject's versions in time order.

use crate::{PrincipalKind, Subject};
use trailwarden_events::EventTime;

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

    /// The item's sort key: the time it holds from, then what made it (one item per event).
    pub fn sk(&self) -> String {
        let made_by = match &self.origin {
            Origin::Snapshot => "snapshot",
            Origin::Change { event_id, .. } | Origin::Revert { event_id } => event_id,
        };
        format!("{}#{made_by}", self.from)
    }

    /// A state to put back: a snapshot's, a trusted change's or trailwarden's own. What a
    /// principal trailwarden reverted wrote never is.
    pub fn restorable(&self) -> bool {
        !matches!(self.origin, Origin::Change { trusted: false, .. })
    }

    /// Where the state came from, as the alert says it.
    pub fn provenance(&self) -> String {
        let how = match &self.origin {
            Origin::Snapshot => "snapshot".to_string(),
            Origin::Change {
                event_id, actor, ..
            } => format!("event {event_id}, by {actor}"),
            Origin::Revert { event_id } => format!("put back by trailwarden, event {event_id}"),
        };
        format!("from the journal, as of {} ({how})", self.from)
    }
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
            "from the journal, as of 2026-11-30T09:00:00Z (snapshot)"
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
            "from the journal, as of 2026-11-30T09:30:00Z (event e-1, by role Deployer)"
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
