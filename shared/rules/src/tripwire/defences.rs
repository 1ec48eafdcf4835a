//! The account's detective controls switched off: GuardDuty, AWS Config, Security Hub, IAM Access
//! Analyzer, VPC flow logs, Route 53 query logging.

use super::{Finding, Seen, finding};
use serde_json::Value;
use trailwarden_events::Record;

pub(super) fn guardduty_disabled(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    (source == "guardduty.amazonaws.com").then_some(())?;
    let detector = record.request_str("detectorId").unwrap_or("?");
    let verb = match name {
        "DeleteDetector" => "deleted",
        "UpdateDetector"
            if record
                .request_parameters
                .as_ref()
                .and_then(|p| p.get("enable"))
                .and_then(Value::as_bool)
                == Some(false) =>
        {
            "disabled"
        }
        _ => return None,
    };
    finding(
        format!("GuardDuty detector {detector} {verb} by {actor}"),
        format!("GuardDuty detector {detector} ({})", record.aws_region),
        &[
            "Turn GuardDuty back on in this region (a deleted detector loses its findings and settings).",
            "Ask the actor why; an attacker turns detection off before acting.",
        ],
    )
}

pub(super) fn config_recording_stopped(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    (source == "config.amazonaws.com").then_some(())?;
    let (what, subject) = match name {
        "StopConfigurationRecorder" => (
            "stopped",
            format!(
                "AWS Config recorder {}",
                record
                    .request_str("configurationRecorderName")
                    .unwrap_or("?")
            ),
        ),
        "DeleteConfigurationRecorder" => (
            "deleted",
            format!(
                "AWS Config recorder {}",
                record
                    .request_str("configurationRecorderName")
                    .unwrap_or("?")
            ),
        ),
        "DeleteDeliveryChannel" => (
            "deleted",
            format!(
                "AWS Config delivery channel {}",
                record.request_str("deliveryChannelName").unwrap_or("?")
            ),
        ),
        _ => return None,
    };
    finding(
        format!("{subject} {what} by {actor}"),
        format!("{subject} ({})", record.aws_region),
        &[
            "Start the recorder again (aws configservice start-configuration-recorder) or recreate what was deleted.",
            "Changes made while Config was not recording are missing from its history: review CloudTrail for that window.",
        ],
    )
}

pub(super) fn securityhub_disabled(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    (source == "securityhub.amazonaws.com" && name == "DisableSecurityHub").then_some(())?;
    finding(
        format!("Security Hub disabled by {actor}"),
        format!("Security Hub ({})", record.aws_region),
        &[
            "Enable Security Hub again in this region; its findings and standards settings must be set up anew.",
            "Ask the actor why.",
        ],
    )
}

pub(super) fn access_analyzer_deleted(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    (source == "access-analyzer.amazonaws.com" && name == "DeleteAnalyzer").then_some(())?;
    let analyzer = record.request_str("analyzerName").unwrap_or("?");
    finding(
        format!("IAM Access Analyzer {analyzer} deleted by {actor}"),
        format!("Access Analyzer {analyzer} ({})", record.aws_region),
        &[
            "Create the analyzer again; resources shared outside the account are not reported meanwhile.",
        ],
    )
}

pub(super) fn flow_logs_deleted(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    (source == "ec2.amazonaws.com" && name == "DeleteFlowLogs").then_some(())?;
    let ids = flow_log_ids(record);
    finding(
        format!("VPC flow logs {ids} deleted by {actor}"),
        format!("flow logs {ids} ({})", record.aws_region),
        &[
            "Create the flow logs again for the VPCs, subnets or interfaces they covered.",
            "Traffic in the meantime is not recorded: look at what else the actor did.",
        ],
    )
}

pub(super) fn dns_query_logging_removed(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    (source == "route53resolver.amazonaws.com").then_some(())?;
    let config_id = record
        .request_str("resolverQueryLogConfigId")
        .unwrap_or("?");
    let summary = match name {
        "DeleteResolverQueryLogConfig" => {
            format!("Route 53 Resolver query logging config {config_id} deleted by {actor}")
        }
        "DisassociateResolverQueryLogConfig" => format!(
            "Route 53 Resolver query logging {config_id} detached from {} by {actor}",
            record.request_str("resourceId").unwrap_or("a VPC")
        ),
        _ => return None,
    };
    finding(
        summary,
        format!("query logging config {config_id} ({})", record.aws_region),
        &["Recreate the query logging config and associate it with the VPCs again."],
    )
}

pub(super) fn flow_log_ids(record: &Record) -> String {
    // EC2 records it as DeleteFlowLogsRequest.FlowLogId: one {"content": id} or a list of them.
    let ids: Vec<&str> = match record
        .request_parameters
        .as_ref()
        .and_then(|p| p.get("DeleteFlowLogsRequest"))
        .and_then(|r| r.get("FlowLogId"))
    {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.get("content").and_then(Value::as_str))
            .collect(),
        Some(one) => one
            .get("content")
            .and_then(Value::as_str)
            .into_iter()
            .collect(),
        None => vec![],
    };
    if ids.is_empty() {
        "?".into()
    } else {
        ids.join(", ")
    }
}
