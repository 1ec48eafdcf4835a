//! The `trailwarden` command. `trailwarden replay` runs CloudTrail log files through the decisions
//! of all three functions (the code the Lambdas run), so that a team sees what would have been
//! reverted, contained and alerted before it enforces anything. `trailwarden validate-logs`
//! proves a trail's log files intact with CloudTrail's signed digests. `trailwarden actions` lists
//! the action log: every change the functions made.

pub mod actions;
pub mod aws;
mod command;
pub mod env_file;
pub mod live;
pub mod progress;
pub mod replay;
pub mod report;
pub mod run;
pub mod source;
pub mod validate_logs;
pub mod window;

pub use actions::{ActionsArgs, ActionsError, actions};
pub use command::{Cli, Command, Completed, Format, ReplayArgs, ReplayError, replay};
pub use validate_logs::{ValidateError, ValidateLogsArgs, validate_logs};
