//! What a function decided about one event ([`Decision`]): an [`Incident`] and a plan of
//! [`Action`]s, or [`Ignored`] with the reason. Apart from `plan`, which declares the actions.

use crate::{Action, Severity};
use std::fmt;
use trailwarden_events::RoleKey;

/// What happened, said once for the alert's first line and the subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    /// "CloudTrail trail audit stopped by user mallory"
    pub summary: String,
    /// The resource that was changed, as a person names it ("trail audit (us-east-1)").
    pub resource: String,
    pub severity: Severity,
    /// What a person should do next, beyond what trailwarden did.
    pub next_steps: Vec<String>,
    /// The later change that replaced the event's change, as a person reads it ("AttachRolePolicy
    /// by role deploy at 2026-11-21T10:05:00Z"). Then nothing of the event is left to revert, and
    /// the plan holds no revert: the later change has its own event, handled on its own.
    pub superseded_by: Option<String>,
    /// What of the change is still in effect because it could be neither undone nor contained
    /// (its previous state unknown, and no one who holds it can be quarantined), and how to undo
    /// it by hand. iam-guard looks again later (`RETRY_QUEUE_URL`) until history answers.
    pub pending: Option<String>,
    /// Where the state a revert puts back came from, when it was read: "previous document from
    /// the journal, as of 2026-11-30T10:00:00Z (snapshot)", or from event history, and whether
    /// the journal could be used.
    pub previous_state: Option<String>,
}

/// What a function decided about one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Nothing to do and nothing to say.
    Ignore(Ignored),
    /// An incident: carry out the plan (which may be empty: alert only) and alert.
    Respond {
        incident: Incident,
        plan: Vec<Action>,
    },
}

impl Decision {
    pub fn plan(&self) -> &[Action] {
        match self {
            Decision::Respond { plan, .. } => plan,
            Decision::Ignore(_) => &[],
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Ignore(why) => write!(f, "ignore: {why}"),
            Decision::Respond { incident, plan } if plan.is_empty() => {
                write!(f, "alert only: {}", incident.summary)
            }
            Decision::Respond { incident, plan } => {
                write!(f, "respond to {}: ", incident.summary)?;
                for (i, action) in plan.iter().enumerate() {
                    write!(f, "{}{action}", if i == 0 { "" } else { "; " })?;
                }
                Ok(())
            }
        }
    }
}

/// Why an event needs nothing from trailwarden. Logged, never alerted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ignored {
    /// The call failed (`errorCode`): it changed nothing.
    FailedCall { error_code: String },
    /// trailwarden's own role made it.
    OwnRole { role: RoleKey },
    /// An `ALLOWED_PRINCIPALS` pattern matches the actor.
    AllowedPrincipal { pattern: String },
    /// The trail is not in `PROTECTED_TRAILS`.
    UnprotectedTrail { trail: String },
    /// This function has no rule for the event.
    NotHandled { event_name: String },
    /// A read-only call changes nothing.
    ReadOnly,
    /// The call left the trail as its desired state says (a repair, or a no-op).
    NoDrift { trail: String },
    /// log-auditor: every digest and log file of the trail validated since the last run.
    LogsIntact { trail: String },
    /// The key or bucket the call changed belongs to no protected trail.
    UnrelatedResource { resource: String },
    /// A policy was detached or deleted: that takes permissions away, and it is not protected.
    UnprotectedPolicyRemoved { policy: String },
    /// An AWS service changed a role it manages (a service-linked role, IAM Identity Center's
    /// `AWSReservedSSO_*`), and `GUARD_AWS_MANAGED_ROLES` is not set.
    AwsManagedRole { role: String },
}

impl Ignored {
    /// The reason's name, for counting (`trailwarden replay`): `failed-call`, `own-role`, ...
    pub fn kind(&self) -> &'static str {
        match self {
            Ignored::FailedCall { .. } => "failed-call",
            Ignored::OwnRole { .. } => "own-role",
            Ignored::AllowedPrincipal { .. } => "allowed-principal",
            Ignored::UnprotectedTrail { .. } => "unprotected-trail",
            Ignored::NotHandled { .. } => "not-handled",
            Ignored::ReadOnly => "read-only",
            Ignored::NoDrift { .. } => "no-drift",
            Ignored::LogsIntact { .. } => "logs-intact",
            Ignored::UnrelatedResource { .. } => "unrelated-resource",
            Ignored::UnprotectedPolicyRemoved { .. } => "unprotected-policy-removed",
            Ignored::AwsManagedRole { .. } => "aws-managed-role",
        }
    }
}

impl fmt::Display for Ignored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ignored::FailedCall { error_code } => {
                write!(f, "the call failed ({error_code}) and changed nothing")
            }
            Ignored::OwnRole { role } => write!(f, "made by trailwarden's own role {role}"),
            Ignored::AllowedPrincipal { pattern } => write!(f, "the actor is allowed by {pattern}"),
            Ignored::UnprotectedTrail { trail } => write!(f, "trail {trail} is not protected"),
            Ignored::NotHandled { event_name } => write!(f, "no rule for {event_name}"),
            Ignored::ReadOnly => write!(f, "a read-only call changes nothing"),
            Ignored::NoDrift { trail } => {
                write!(f, "trail {trail} is left as its desired state says")
            }
            Ignored::LogsIntact { trail } => {
                write!(f, "the log files and digests of trail {trail} are intact")
            }
            Ignored::UnprotectedPolicyRemoved { policy } => write!(
                f,
                "removing {policy} takes permissions away, and it is not in PROTECTED_POLICIES"
            ),
            Ignored::AwsManagedRole { role } => write!(
                f,
                "AWS manages role {role} (GUARD_AWS_MANAGED_ROLES=true answers it too)"
            ),
            Ignored::UnrelatedResource { resource } => {
                write!(f, "{resource} belongs to no protected trail")
            }
        }
    }
}
