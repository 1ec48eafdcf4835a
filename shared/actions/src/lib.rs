//! Carries out a plan against AWS. Every action first reads the current state (so a duplicate
//! delivery or a person who was faster gives `already in effect`, not an error), then acts unless in
//! dry-run, then reads the result back. The permissions each action needs are declared beside it in
//! `trailwarden_rules::ActionKind::permissions`.

pub mod action_log;
mod clients;
mod error;
mod execute;
pub mod facts;
mod guards;
pub mod iam;
pub mod journal;
mod kms;
mod remediation;
mod s3;
mod trail;

pub use clients::{AwsClients, IamClients, Regional, TrailClients, s3_client};
pub use error::{ActionError, FailureKind, FromSdk};
pub use guards::{Executor, IamGuard, TrailGuard};
pub use trailwarden_rules::outcome::{Outcome, StepResult, StepStatus, outcome};

/// The guard of a function that answers events, with its clients built from `sdk`: for tests
/// and tools that run them all (`None` for log-auditor: [`AwsClients::guard`]). A function's
/// `main` builds only its own (`IamGuard::new`, `TrailGuard::new`, `Tripwire`).
pub fn guard_for(
    function: trailwarden_rules::Function,
    sdk: &aws_config::SdkConfig,
) -> Option<std::sync::Arc<dyn trailwarden_rules::Guard>> {
    AwsClients::new(sdk).guard(function)
}
