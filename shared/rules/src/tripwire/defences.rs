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

pub(super) fn guardduty_findings_silenced(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    (source == "guardduty.amazonaws.com").then_some(())?;
    let detector = record.request_str("detectorId").unwrap_or("?");
    let flag = |key: &str| {
        record
            .request_parameters
            .as_ref()
            .and_then(|p| p.get(key))
            .and_then(Value::as_bool)
    };
    let accounts = || {
        let ids: Vec<&str> = record
            .request_parameters
            .as_ref()
            .and_then(|p| p.get("accountIds"))
            .and_then(Value::as_array)
            .map(|ids| ids.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if ids.is_empty() {
            "?".to_string()
        } else {
            ids.join(" ")
        }
    };
    let (summary, revert) = match name {
        // A trusted IP list: GuardDuty raises no finding for traffic from its addresses.
        "CreateIPSet" if flag("activate") != Some(false) => {
            let id = record.response_str("ipSetId").unwrap_or("?");
            (
                format!(
                    "GuardDuty trusted IP list {} ({}) added by {actor}: no finding for its addresses",
                    record.request_str("name").unwrap_or(id),
                    record.request_str("location").unwrap_or("?")
                ),
                format!(
                    "Put it back: aws guardduty delete-ip-set --detector-id {detector} --ip-set-id {id} (an exact revert of a new list)."
                ),
            )
        }
        // Deactivating a list (and nothing else) only narrows what is trusted.
        "UpdateIPSet" if flag("activate") != Some(false) || record.request_str("location").is_some() => {
            let id = record.request_str("ipSetId").unwrap_or("?");
            (
                format!(
                    "GuardDuty trusted IP list {id} changed by {actor}: no finding for its addresses"
                ),
                format!(
                    "Turn it off until checked: aws guardduty update-ip-set --detector-id {detector} --ip-set-id {id} --no-activate."
                ),
            )
        }
        "CreateFilter" | "UpdateFilter" if record.request_str("action") == Some("ARCHIVE") => {
            let filter = record
                .request_str("name")
                .or_else(|| record.request_str("filterName"))
                .unwrap_or("?");
            let revert = if name == "CreateFilter" {
                format!(
                    "Put it back: aws guardduty delete-filter --detector-id {detector} --filter-name {filter} (an exact revert of a new filter); then unarchive what it archived (aws guardduty unarchive-findings)."
                )
            } else {
                format!(
                    "Stop it archiving: aws guardduty update-filter --detector-id {detector} --filter-name {filter} --action NOOP; then unarchive what it archived (aws guardduty unarchive-findings)."
                )
            };
            (
                format!(
                    "GuardDuty filter {filter} set to archive its findings by {actor}: they never reach anyone"
                ),
                revert,
            )
        }
        // The old name of the same call is still accepted and logged under it.
        "DisassociateFromAdministratorAccount" | "DisassociateFromMasterAccount" => (
            format!(
                "GuardDuty detector {detector} taken out of its administrator account by {actor}: the administrator no longer sees this account's findings"
            ),
            "From the administrator account, invite it again (aws guardduty create-members, then invite-members); the member accepts with aws guardduty accept-administrator-invitation.".to_string(),
        ),
        "StopMonitoringMembers" => {
            let ids = accounts();
            (
                format!(
                    "GuardDuty stopped monitoring member accounts {ids} (by {actor})"
                ),
                format!(
                    "Put it back: aws guardduty start-monitoring-members --detector-id {detector} --account-ids {ids} (an exact revert)."
                ),
            )
        }
        "DeleteMembers" => {
            let ids = accounts();
            (
                format!(
                    "GuardDuty member accounts {ids} removed by {actor}: their findings no longer reach this administrator"
                ),
                format!(
                    "Add them again: aws guardduty create-members --detector-id {detector} --account-details ..., then invite-members (organization members: enable them again from the delegated administrator)."
                ),
            )
        }
        _ => return None,
    };
    Some(Finding {
        summary,
        resource: format!("GuardDuty detector {detector} ({})", record.aws_region),
        next_steps: vec![
            revert,
            "GuardDuty stays on but says less: look at what the actor did next, with GuardDuty's silence in mind.".into(),
        ],
    })
}

pub(super) fn detector_disabled(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    let (what, subject, revert) = match (source, name) {
        ("macie2.amazonaws.com", "DisableMacie") => (
            "disabled: sensitive data in S3 is no longer found, and its findings and settings are deleted",
            "Amazon Macie".to_string(),
            "Enable it again: aws macie2 enable-macie; then recreate its discovery jobs (they were deleted with it).".to_string(),
        ),
        ("inspector2.amazonaws.com", "Disable") => {
            let types = string_list(record, "resourceTypes");
            let accounts = string_list(record, "accountIds");
            (
                "disabled: vulnerabilities are no longer scanned",
                format!(
                    "Amazon Inspector ({}{})",
                    types.as_deref().unwrap_or("every resource type"),
                    accounts
                        .as_deref()
                        .map(|a| format!(", accounts {a}"))
                        .unwrap_or_default()
                ),
                format!(
                    "Put it back: aws inspector2 enable --resource-types {}{} (an exact revert; findings come back as it scans again).",
                    types.as_deref().unwrap_or("EC2 ECR LAMBDA"),
                    accounts
                        .as_deref()
                        .map(|a| format!(" --account-ids {a}"))
                        .unwrap_or_default()
                ),
            )
        }
        ("detective.amazonaws.com", "DeleteGraph") => (
            "deleted: its behaviour graph and the investigations it held are gone",
            format!(
                "Amazon Detective graph {}",
                record.request_str("graphArn").unwrap_or("?")
            ),
            "Create a graph again (aws detective create-graph) and invite its members again; the deleted data cannot be brought back.".to_string(),
        ),
        _ => return None,
    };
    finding(
        format!("{subject} {what} (by {actor})"),
        format!("{subject} ({})", record.aws_region),
        &[
            revert.as_str(),
            "Ask the actor why; an attacker turns detection off before acting.",
        ],
    )
}

pub(super) fn detective_rule_removed(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    let (subject, revert) = match (source, name) {
        ("config.amazonaws.com", "DeleteConfigRule") => {
            let rule = record.request_str("configRuleName").unwrap_or("?");
            (
                format!("AWS Config rule {rule} deleted"),
                "Recreate it from the CloudTrail record of its PutConfigRule: aws configservice put-config-rule --config-rule file://rule.json.".to_string(),
            )
        }
        ("config.amazonaws.com", "DeleteConformancePack") => {
            let pack = record.request_str("conformancePackName").unwrap_or("?");
            (
                format!("AWS Config conformance pack {pack} deleted"),
                format!(
                    "Deploy it again: aws configservice put-conformance-pack --conformance-pack-name {pack} --template-s3-uri URI (the template of its PutConformancePack record)."
                ),
            )
        }
        ("securityhub.amazonaws.com", "DisableImportFindingsForProduct") => {
            let subscription = record.request_str("productSubscriptionArn").unwrap_or("?");
            (
                format!(
                    "Security Hub stopped taking findings from {subscription}"
                ),
                "Put it back: aws securityhub enable-import-findings-for-product --product-arn PRODUCT_ARN (the product of that subscription, from aws securityhub describe-products).".to_string(),
            )
        }
        ("securityhub.amazonaws.com", "DeleteActionTarget") => {
            let target = record.request_str("actionTargetArn").unwrap_or("?");
            (
                format!("Security Hub custom action {target} deleted"),
                format!(
                    "Recreate it with the same id: aws securityhub create-action-target --id {} --name NAME --description TEXT (the rules that match it name its ARN).",
                    target.rsplit('/').next().unwrap_or("ID")
                ),
            )
        }
        _ => return None,
    };
    finding(
        format!("{subject} by {actor}"),
        format!("{subject} ({})", record.aws_region),
        &[
            revert.as_str(),
            "What the control checked went unwatched meanwhile: look at that window in CloudTrail.",
        ],
    )
}

/// A list of strings in `requestParameters`, joined with spaces (as the CLI takes them).
fn string_list(record: &Record, key: &str) -> Option<String> {
    let items: Vec<&str> = record
        .request_parameters
        .as_ref()?
        .get(key)?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    (!items.is_empty()).then(|| items.join(" "))
}
