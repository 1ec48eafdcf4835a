//! Evidence removed: the trail's CloudWatch Logs group (and, off by default, any log group)
//! deleted, its retention changed or its subscription and metric filters deleted; Bedrock's
//! model invocation logging deleted; a trail bucket's access logs turned off.

use super::{Finding, Seen, finding};
use crate::Config;
use trailwarden_events::Record;

const LOG_GROUP_CALLS: [&str; 4] = [
    "DeleteLogGroup",
    "PutRetentionPolicy",
    "DeleteSubscriptionFilter",
    "DeleteMetricFilter",
];

/// The log group a CloudWatch Logs call names, when it is one of [`LOG_GROUP_CALLS`].
fn log_group_call<'r>(seen: &Seen<'r>) -> Option<&'r str> {
    (seen.source == "logs.amazonaws.com" && LOG_GROUP_CALLS.contains(&seen.name)).then_some(())?;
    seen.record
        .request_str("logGroupName")
        .or_else(|| seen.record.request_str("logGroupIdentifier"))
}

/// Whether `group` in the record's region is the desired trail's log group
/// (`TRAIL_CLOUDWATCH_LOGS_GROUP_ARN`: `arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*`).
fn is_trail_group(group: &str, record: &Record, config: &Config) -> bool {
    let Some(logs) = &config.desired_trail.cloud_watch_logs else {
        return false;
    };
    let arn = logs.log_group_arn.as_str();
    let region = arn.split(':').nth(3).unwrap_or("");
    let name = arn
        .split_once(":log-group:")
        .map(|(_, n)| n.strip_suffix(":*").unwrap_or(n))
        .unwrap_or("");
    // A call may name the group by its ARN (logGroupIdentifier).
    let group = group
        .split_once(":log-group:")
        .map(|(_, n)| n.strip_suffix(":*").unwrap_or(n))
        .unwrap_or(group);
    group == name && region == record.aws_region
}

/// What the call did to the group, and the command that puts it back.
fn log_group_change(record: &Record, group: &str) -> (String, String) {
    let filter = record.request_str("filterName").unwrap_or("?");
    match record.event_name.as_str() {
        "DeleteLogGroup" => (
            format!("log group {group} deleted"),
            format!(
                "Recreate it: aws logs create-log-group --log-group-name {group} (delivery resumes into the new group; what it held is gone, the trail's S3 copy is not)."
            ),
        ),
        "PutRetentionPolicy" => (
            format!(
                "log group {group} set to keep events {} days",
                record
                    .request_parameters
                    .as_ref()
                    .and_then(|p| p.get("retentionInDays"))
                    .map_or_else(|| "?".to_string(), ToString::to_string)
            ),
            format!(
                "Put the earlier retention back: aws logs put-retention-policy --log-group-name {group} --retention-in-days DAYS (or delete-retention-policy to keep events forever)."
            ),
        ),
        "DeleteSubscriptionFilter" => (
            format!("subscription filter {filter} of log group {group} deleted"),
            format!(
                "Recreate it from the CloudTrail record of its PutSubscriptionFilter: aws logs put-subscription-filter --log-group-name {group} --filter-name {filter} --filter-pattern PATTERN --destination-arn ARN."
            ),
        ),
        _ => (
            format!("metric filter {filter} of log group {group} deleted"),
            format!(
                "Recreate it from the CloudTrail record of its PutMetricFilter: aws logs put-metric-filter --log-group-name {group} --filter-name {filter} --filter-pattern PATTERN --metric-transformations ... (its alarm stays silent until then)."
            ),
        ),
    }
}

pub(super) fn trail_log_group_tampered(seen: &Seen<'_>) -> Option<Finding> {
    let group = log_group_call(seen)?;
    is_trail_group(group, seen.record, seen.config).then_some(())?;
    let (what, revert) = log_group_change(seen.record, group);
    finding(
        format!("The trail's {what} by {}", seen.actor),
        format!("log group {group} ({})", seen.record.aws_region),
        &[
            revert.as_str(),
            "The trail's log group feeds the account's metric filters and alarms (CIS monitoring): look at what the actor did while it was blind.",
        ],
    )
}

pub(super) fn log_group_tampered(seen: &Seen<'_>) -> Option<Finding> {
    let group = log_group_call(seen)?;
    let (what, revert) = log_group_change(seen.record, group);
    let mut first = what;
    first[..1].make_ascii_uppercase();
    finding(
        format!("{first} by {}", seen.actor),
        format!("log group {group} ({})", seen.record.aws_region),
        &[revert.as_str()],
    )
}

pub(super) fn bedrock_invocation_logging_deleted(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    (source == "bedrock.amazonaws.com" && name == "DeleteModelInvocationLoggingConfiguration")
        .then_some(())?;
    finding(
        format!(
            "Bedrock model invocation logging deleted by {actor}: prompts and responses are no longer recorded"
        ),
        format!("Bedrock invocation logging ({})", record.aws_region),
        &[
            "Put it back from the CloudTrail record of its PutModelInvocationLoggingConfiguration: aws bedrock put-model-invocation-logging-configuration --logging-config file://config.json.",
            "Look for InvokeModel calls after this time: deleting the logging comes before abusing the models (Stratus bedrock-model-invocation-logging-delete).",
        ],
    )
}

pub(super) fn trail_bucket_access_logs_off(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        config,
    } = *seen;
    (source == "s3.amazonaws.com" && name == "PutBucketLogging").then_some(())?;
    let bucket = record.request_str("bucketName")?;
    (config.desired_trail.s3_bucket.as_deref() == Some(bucket)).then_some(())?;
    // An empty BucketLoggingStatus (no LoggingEnabled) turns server access logging off.
    let enabled = record
        .request_parameters
        .as_ref()
        .and_then(|p| p.get("BucketLoggingStatus"))
        .and_then(|s| s.get("LoggingEnabled"))
        .is_some();
    (!enabled).then_some(())?;
    finding(
        format!(
            "Access logging of the trail's bucket {bucket} turned off by {actor}: reads and deletions of its log files are no longer recorded"
        ),
        format!("S3 bucket {bucket}"),
        &[
            format!("Turn it on again with the earlier target (in the CloudTrail record of the bucket's previous PutBucketLogging): aws s3api put-bucket-logging --bucket {bucket} --bucket-logging-status file://logging.json.").as_str(),
            "Validate the trail's log files since this time (trailwarden validate-logs): who read or deleted them is no longer in the access logs.",
        ],
    )
}
