//! What a decision produces: an incident, and a plan of actions that puts things back.

use serde::Serialize;
use std::fmt;
use trailwarden_events::{Arn, Region, RoleKey};

/// How urgent an alert is. The names are the alert's `severity` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A trail as an action addresses it: its name, its ARN when known, and the region to call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailRef {
    pub name: String,
    pub arn: Option<Arn>,
    /// The trail's home region: a multi-region trail is changed only from there.
    pub region: Region,
}

impl TrailRef {
    /// What to pass as `Name` to CloudTrail: the ARN when known (it works from any region for a
    /// shadow trail's home), else the name.
    pub fn api_name(&self) -> String {
        self.arn
            .as_ref()
            .map_or_else(|| self.name.clone(), Arn::to_string)
    }
}

impl fmt::Display for TrailRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "trail {} ({})", self.name, self.region)
    }
}

/// One thing trailwarden does to AWS. Each knows the IAM permissions it needs ([`ActionKind`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `cloudtrail:StartLogging` on a stopped trail.
    StartLogging { trail: TrailRef },
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::StartLogging { .. } => ActionKind::StartLogging,
        }
    }
}

impl fmt::Display for Action {
    /// What a person reads in the alert: the action in the imperative.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::StartLogging { trail } => write!(f, "start logging on {trail}"),
        }
    }
}

/// The kinds of action, each with the IAM permissions its execution needs (reads to check the
/// current state and verify the result included). The template's roles are checked against these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum ActionKind {
    StartLogging,
}

impl ActionKind {
    pub const ALL: &'static [ActionKind] = &[ActionKind::StartLogging];

    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            ActionKind::StartLogging => &["cloudtrail:GetTrailStatus", "cloudtrail:StartLogging"],
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::StartLogging => "StartLogging",
        }
    }
}

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
}

/// Why an event needs nothing from trailwarden. Logged, never alerted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ignored {
    /// The call failed (`errorCode`): it changed nothing.
    FailedCall { error_code: String },
    /// trailwarden's own role made it.
    Responder { role: RoleKey },
    /// An `ALLOWED_PRINCIPALS` pattern matches the actor.
    AllowedPrincipal { pattern: String },
    /// The trail is not in `PROTECTED_TRAILS`.
    UnprotectedTrail { trail: String },
    /// This function has no rule for the event.
    NotHandled { event_name: String },
    /// A read-only call changes nothing.
    ReadOnly,
}

impl Ignored {
    /// The alert `outcome` this would carry if reported (only `allowed` is ever reported).
    pub fn outcome(&self) -> Option<&'static str> {
        matches!(self, Ignored::AllowedPrincipal { .. }).then_some("allowed")
    }
}

impl fmt::Display for Ignored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ignored::FailedCall { error_code } => {
                write!(f, "the call failed ({error_code}) and changed nothing")
            }
            Ignored::Responder { role } => write!(f, "made by trailwarden's own role {role}"),
            Ignored::AllowedPrincipal { pattern } => write!(f, "the actor is allowed by {pattern}"),
            Ignored::UnprotectedTrail { trail } => write!(f, "trail {trail} is not protected"),
            Ignored::NotHandled { event_name } => write!(f, "no rule for {event_name}"),
            Ignored::ReadOnly => write!(f, "a read-only call changes nothing"),
        }
    }
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
