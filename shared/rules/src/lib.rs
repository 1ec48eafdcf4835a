//! Pure decisions: a CloudTrail record and the configuration in, a [`Decision`] out. Nothing here
//! talks to AWS, so the decisions are tested on the whole corpus without a network.

mod config;
pub mod gate;
mod plan;
mod principal;
pub mod trail;

pub use config::{Config, ConfigError, Mode, PolicySelector, TrailSelector};
pub use plan::{Action, ActionKind, Decision, Ignored, Incident, Severity, TrailRef};
pub use principal::PrincipalPattern;

/// trailwarden's Lambda functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    TrailGuard,
}

impl Function {
    pub fn name(self) -> &'static str {
        match self {
            Function::TrailGuard => "trail-guard",
        }
    }

    /// The actions this function's decisions can plan.
    pub fn action_kinds(self) -> &'static [ActionKind] {
        match self {
            Function::TrailGuard => &[ActionKind::StartLogging],
        }
    }

    /// Every IAM permission the function's code uses: its actions' and publishing alerts.
    pub fn permissions(self) -> std::collections::BTreeSet<&'static str> {
        let mut all: std::collections::BTreeSet<_> = self
            .action_kinds()
            .iter()
            .flat_map(|k| k.permissions().iter().copied())
            .collect();
        all.insert("sns:Publish");
        all
    }
}
