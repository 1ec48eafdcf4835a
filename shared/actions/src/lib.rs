//! Carries out a plan against AWS. Every action first reads the current state (so a duplicate
//! delivery or a person who was faster gives `already in effect`, not an error), then acts unless in
//! dry-run, then reads the result back. The permissions each action needs are declared beside it in
//! `trailwarden_rules::ActionKind::permissions`.

mod clients;
mod error;
mod execute;
pub mod facts;
pub mod iam;
mod kms;
mod s3;
mod trail;

pub use clients::{AwsClients, Regional};
pub use error::{ActionError, FailureKind};
pub use execute::{Executor, Outcome, StepResult, StepStatus, outcome};
