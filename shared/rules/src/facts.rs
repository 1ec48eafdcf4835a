//! Facts: what a decision needs to know that the record does not say, gathered from AWS by the
//! actions crate between two pure phases. A rule lists its [`FactQuery`]s (`facts_needed`), the
//! executor answers each with a [`Fact`] (never failing: what cannot be read is
//! [`Fact::Unknown`] with the reason), and the rule decides from record, configuration and
//! [`Facts`]. iam-guard asks about earlier states of IAM resources and their changes after the
//! event; trail-guard about trails.

use crate::desired::ObservedTrail;
use crate::subject::Subject;
use crate::{Principal, TrailRef};
use std::collections::HashMap;
use trailwarden_events::{Actor, Arn, EventTime, Region};

/// Something a decision needs to know that the record does not say.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FactQuery {
    /// What `subject` was just before the event (`before`, `event_id`): from CloudTrail event
    /// history, the latest earlier change of that resource.
    PreviousState {
        subject: Subject,
        before: EventTime,
        event_id: String,
    },
    /// The default version `policy` had before `new_default` became its default.
    PreviousDefaultVersion {
        policy: Arn,
        new_default: String,
        before: EventTime,
        event_id: String,
    },
    /// The users and roles a managed policy is attached to, and the members of the groups it is
    /// attached to (a group cannot be quarantined: its members are).
    AttachedTo { policy: Arn },
    /// The users of a group.
    GroupMembers { group: String },
    /// Every statement a group's policies make (inline and attached), as one document.
    GroupPolicies { group: String },
    /// The document of a managed policy's default version, as it is now.
    PolicyDocument { policy: Arn },
    /// The changes of `subject` after the event (`after`, `event_id`), from CloudTrail event
    /// history: what a revert of the event would undo besides the event's own change.
    LaterChanges {
        subject: Subject,
        after: EventTime,
        event_id: String,
    },
    /// One trail's settings as they are now (`GetTrail`, one call).
    Trail { trail: TrailRef },
    /// Every trail that applies to `region` (multi-region trails of other home regions included),
    /// with only their settings, or (`full`) also status, selectors, insights and key state.
    TrailsIn { region: Region, full: bool },
    /// One trail in full (settings, status, selectors, insights, key state), for the scheduled
    /// check: each protected trail is read on its own, so that one that cannot be read does not
    /// hide the others.
    TrailState { trail: TrailRef },
}

impl std::fmt::Display for FactQuery {
    /// What is asked, as a person reads it ("the previous state of the inline policy ...").
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FactQuery::PreviousState { subject, .. } => {
                write!(f, "the state of the {subject} before the event")
            }
            FactQuery::PreviousDefaultVersion { policy, .. } => {
                write!(f, "the default version of {policy} before the event")
            }
            FactQuery::AttachedTo { policy } => write!(f, "who {policy} is attached to"),
            FactQuery::GroupMembers { group } => write!(f, "the members of group {group}"),
            FactQuery::GroupPolicies { group } => write!(f, "the policies of group {group}"),
            FactQuery::PolicyDocument { policy } => write!(f, "the document of {policy}"),
            FactQuery::LaterChanges { subject, .. } => {
                write!(f, "the changes of the {subject} after the event")
            }
            FactQuery::Trail { trail } | FactQuery::TrailState { trail } => {
                write!(f, "the current state of {trail}")
            }
            FactQuery::TrailsIn { region, .. } => write!(f, "the trails of {region}"),
        }
    }
}

impl FactQuery {
    /// The piece of IAM state whose earlier version the query asks for, and before when: what
    /// the journal can answer.
    pub fn previous_of(&self) -> Option<(Subject, EventTime)> {
        match self {
            FactQuery::PreviousState {
                subject, before, ..
            } => Some((subject.clone(), *before)),
            FactQuery::PreviousDefaultVersion { policy, before, .. } => Some((
                Subject::DefaultVersion {
                    policy: policy.clone(),
                },
                *before,
            )),
            _ => None,
        }
    }
}

/// The answer to a [`FactQuery`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    /// The previous document of an inline policy or a trust policy (or a managed policy's default
    /// document, for [`FactQuery::PolicyDocument`]); `None`: there was none.
    Document(Option<String>),
    /// The previous permissions boundary; `None`: there was none.
    Boundary(Option<Arn>),
    /// The previous default version of a managed policy (for [`FactQuery::PreviousDefaultVersion`]).
    DefaultVersion(String),
    /// Principals (for [`FactQuery::AttachedTo`]).
    Principals(Vec<Principal>),
    /// One trail as it is now (for [`FactQuery::Trail`] and [`FactQuery::TrailState`]); `None`
    /// when it does not exist.
    Trail(Option<Box<ObservedTrail>>),
    /// Trails as they are now (for [`FactQuery::TrailsIn`]).
    Trails(Vec<ObservedTrail>),
    /// Changes made after the event, earliest first (for [`FactQuery::LaterChanges`]).
    Changes(Vec<LaterChange>),
    /// Cannot be known for certain, and why.
    Unknown(String),
}

impl Fact {
    /// The previous state of `subject` as event history recorded it (a document, or a boundary's
    /// ARN; `None`: there was none), typed by what the subject holds. A recorded boundary that is
    /// not an ARN is unknown, not guessed at.
    pub fn previous(subject: &Subject, state: Option<String>) -> Fact {
        match subject {
            Subject::InlinePolicy { .. } | Subject::TrustPolicy { .. } => Fact::Document(state),
            Subject::PermissionsBoundary { .. } => match state {
                None => Fact::Boundary(None),
                Some(text) => match Arn::parse("the previous permissions boundary", &text) {
                    Ok(arn) => Fact::Boundary(Some(arn)),
                    Err(e) => Fact::Unknown(e.to_string()),
                },
            },
            Subject::DefaultVersion { .. } => match state {
                Some(version) => Fact::DefaultVersion(version),
                None => Fact::Unknown("no previous default version".into()),
            },
            other => Fact::Unknown(format!("no previous state is kept for the {other}")),
        }
    }
}

/// A change of a resource that event history holds from after the event being decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaterChange {
    pub event_name: String,
    pub time: EventTime,
    /// Who made it: only a change by an allowed principal is a legitimate one that stands.
    pub actor: Actor,
}

impl std::fmt::Display for LaterChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} by {} at {}", self.event_name, self.actor, self.time)
    }
}

/// The facts gathered for one record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    answers: HashMap<FactQuery, Fact>,
    /// Where an answer came from, when it matters to a person (a previous state: the journal or
    /// event history).
    provenance: HashMap<FactQuery, String>,
}

impl Facts {
    pub fn new() -> Facts {
        Facts::default()
    }

    pub fn insert(&mut self, query: FactQuery, fact: Fact) {
        self.answers.insert(query, fact);
    }

    /// Takes every answer of `other` (gathered apart).
    pub fn extend(&mut self, other: Facts) {
        self.answers.extend(other.answers);
        self.provenance.extend(other.provenance);
    }

    /// Every one of `queries` unknown, for the same reason (facts that cannot be read at all).
    pub fn unknown(queries: &[FactQuery], why: &str) -> Facts {
        let mut facts = Facts::new();
        for query in queries {
            facts.insert(query.clone(), Fact::Unknown(why.to_string()));
        }
        facts
    }

    pub fn with(mut self, query: FactQuery, fact: Fact) -> Facts {
        self.insert(query, fact);
        self
    }

    /// Says where the answer to `query` came from.
    pub fn note_provenance(&mut self, query: FactQuery, provenance: String) {
        self.provenance.insert(query, provenance);
    }

    /// Where the previous states among the answers came from, one sentence.
    pub fn previous_state_provenance(&self) -> Option<String> {
        let mut said: Vec<&str> = self
            .provenance
            .iter()
            .filter(|(q, _)| {
                matches!(
                    q,
                    FactQuery::PreviousState { .. } | FactQuery::PreviousDefaultVersion { .. }
                )
            })
            .map(|(_, p)| p.as_str())
            .collect();
        said.sort_unstable();
        (!said.is_empty()).then(|| said.join("; "))
    }

    /// The answer, or `Unknown` when the fact was not gathered.
    pub fn get(&self, query: &FactQuery) -> Fact {
        self.answers
            .get(query)
            .cloned()
            .unwrap_or_else(|| Fact::Unknown("the fact was not gathered".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_previous_state_is_typed_by_its_subject_and_a_bad_boundary_is_unknown() {
        let role = Principal::role("app");
        let boundary = Subject::PermissionsBoundary {
            principal: role.clone(),
        };
        let arn = "arn:aws:iam::123456789012:policy/boundary";
        assert_eq!(
            Fact::previous(&boundary, Some(arn.into())),
            Fact::Boundary(Some(Arn::parse("t", arn).unwrap()))
        );
        assert_eq!(Fact::previous(&boundary, None), Fact::Boundary(None));
        assert!(matches!(
            Fact::previous(&boundary, Some("not an arn".into())),
            Fact::Unknown(why) if why.contains("the previous permissions boundary")
        ));
        let trust = Subject::TrustPolicy { role: "app".into() };
        assert_eq!(
            Fact::previous(&trust, Some("{}".into())),
            Fact::Document(Some("{}".into()))
        );
        let key = Subject::AccessKey {
            user: "alice".into(),
            access_key_id: "AKIA".into(),
        };
        assert!(matches!(Fact::previous(&key, None), Fact::Unknown(_)));
    }
}
