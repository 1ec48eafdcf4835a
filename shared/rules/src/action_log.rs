//! The action log: one entry for every change trailwarden makes in an account (and every change it
//! tried and failed to make), for the auditor's "what did the responder change, where, when". Kept
//! in the stack's table (`IAM_JOURNAL_TABLE`) under its own partition key, [`PARTITION`], sorted
//! by time, so that `trailwarden actions` reads a time range newest first with one query. What an
//! entry holds is decided here, from the record and the steps; writing it is the guards'.

use crate::{Action, Function, StepResult, StepStatus};
use serde::{Deserialize, Serialize};
use trailwarden_events::{EventTime, Record};

/// The partition key of every entry: no `account` attribute either, so the journal's index by
/// account (the snapshot's) never sees them.
pub const PARTITION: &str = "action-log";

/// `ACTION_LOG_RETENTION_DAYS` when unset (the template's `ActionLogRetentionDays`).
pub const DEFAULT_RETENTION_DAYS: u32 = 400;

/// What writing an entry needs (in the central account's table, through DynamoDB's use of its key).
pub const ACTION_LOG_PERMISSIONS: &[&str] = &["dynamodb:PutItem"];

/// One change, as the log keeps it and `trailwarden actions` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionLogEntry {
    /// When trailwarden acted (RFC 3339, UTC).
    pub time: String,
    pub account: String,
    pub region: String,
    /// The resource changed, as an ARN (IAM paths are not known from the action: `user/alice`).
    pub resource: String,
    /// What was done, as the alert says it.
    pub action: String,
    /// The state read before acting and after, as a person reads them (`None`: not read).
    pub state_before: Option<String>,
    pub state_after: Option<String>,
    /// The CloudTrail event answered (the schedule's event for a scheduled repair).
    pub event_id: String,
    pub event_name: String,
    pub function: String,
    /// `done`, or `failed` with the error.
    pub outcome: String,
    pub error: Option<String>,
}

impl ActionLogEntry {
    /// The entry's sort key: time first (newest first is a reversed query), then what makes two
    /// entries of one second apart.
    pub fn sort_key(&self, step: usize) -> String {
        format!("{}#{}#{}#{step}", self.time, self.account, self.event_id)
    }
}

/// The entries for the steps of one plan carried out for `record` at `at`: each change made
/// (`done`) or attempted (`failed`). What was already in effect, superseded, not attempted or
/// only checked (dry-run) changed nothing, and is not logged.
pub fn entries(
    function: Function,
    record: &Record,
    steps: &[StepResult],
    at: EventTime,
) -> Vec<(usize, ActionLogEntry)> {
    let account = record.account().unwrap_or("unknown").to_string();
    let partition = record
        .actor
        .arn
        .as_ref()
        .map(|arn| arn.partition.clone())
        .unwrap_or_else(|| "aws".to_string());
    steps
        .iter()
        .enumerate()
        .filter_map(|(index, step)| {
            let (outcome, error) = match &step.status {
                StepStatus::Done => ("done", None),
                StepStatus::Failed(e) => ("failed", Some(e.to_string())),
                _ => return None,
            };
            Some((
                index,
                ActionLogEntry {
                    time: at.to_string(),
                    account: account.clone(),
                    region: region_of(&step.action)
                        .unwrap_or(&record.aws_region)
                        .to_string(),
                    resource: resource_arn(&step.action, &partition, &account),
                    action: step.action.to_string(),
                    state_before: step.state_before.clone(),
                    state_after: step.state_after.clone(),
                    event_id: record.event_id.clone(),
                    event_name: record.event_name.clone(),
                    function: function.name().to_string(),
                    outcome: outcome.to_string(),
                    error,
                },
            ))
        })
        .collect()
}

/// Where the action acted, when it is not the record's region (a trail's home, a key's region).
fn region_of(action: &Action) -> Option<&str> {
    match action {
        Action::StartLogging { trail, .. }
        | Action::UpdateTrail { trail, .. }
        | Action::PutEventSelectors { trail, .. }
        | Action::PutInsightSelectors { trail, .. }
        | Action::CreateTrail { trail, .. } => Some(trail.region.as_str()),
        Action::CancelKeyDeletion { region, .. }
        | Action::EnableKey { region, .. }
        | Action::EnableBucketVersioning { region, .. } => Some(region.as_str()),
        _ => None,
    }
}

/// The ARN of what the action changes.
pub fn resource_arn(action: &Action, partition: &str, account: &str) -> String {
    let iam = |resource: String| format!("arn:{partition}:iam::{account}:{resource}");
    match action {
        Action::StartLogging { trail, .. }
        | Action::UpdateTrail { trail, .. }
        | Action::PutEventSelectors { trail, .. }
        | Action::PutInsightSelectors { trail, .. }
        | Action::CreateTrail { trail, .. } => match &trail.arn {
            Some(arn) => arn.to_string(),
            None => format!(
                "arn:{partition}:cloudtrail:{}:{account}:trail/{}",
                trail.region, trail.name
            ),
        },
        Action::CancelKeyDeletion { key, region } | Action::EnableKey { key, region } => {
            if key.starts_with("arn:") {
                key.clone()
            } else {
                format!("arn:{partition}:kms:{region}:{account}:key/{key}")
            }
        }
        Action::EnableBucketVersioning { bucket, .. } => format!("arn:{partition}:s3:::{bucket}"),
        Action::SetDefaultPolicyVersion { policy, .. }
        | Action::DeletePolicyVersion { policy, .. } => policy.to_string(),
        Action::DetachPolicy { principal, .. }
        | Action::AttachPolicy { principal, .. }
        | Action::PutInlinePolicy { principal, .. }
        | Action::DeleteInlinePolicy { principal, .. }
        | Action::PutPermissionsBoundary { principal, .. }
        | Action::Quarantine { principal } => {
            iam(format!("{}/{}", principal.kind.as_str(), principal.name))
        }
        Action::RemoveUserFromGroup { user, .. }
        | Action::DeactivateAccessKey { user, .. }
        | Action::DeleteLoginProfile { user } => iam(format!("user/{user}")),
        Action::PutTrustPolicy { role, .. }
        | Action::RevokeRoleSessions { role }
        | Action::DenyRoleSessionsSince { role, .. } => iam(format!("role/{role}")),
    }
}
