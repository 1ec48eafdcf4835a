//! trailwarden itself: its own resources changed, and allowed principals' IAM changes recorded;
//! and the placeholder of CloudTrail Insights events (answered by `evaluate_insight`).

use super::{Finding, Seen, account_of, finding};
use crate::{Config, exemptions};
use serde_json::Value;
use trailwarden_events::Record;

pub(super) fn trailwarden_tampered(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        config,
        actor,
        name,
        ..
    } = *seen;
    let (kind, resource) = self_resource(record, config)?;
    finding(
        format!("{actor} changed trailwarden's own {kind} {resource} ({name})"),
        format!("{kind} {resource}"),
        &[
            "Check that trailwarden's functions, rules, topic and roles are as deployed (redeploy the stack if in doubt): someone may be switching the guard off.",
            "Deployments should run as a principal in ALLOWED_PRINCIPALS, which this actor is not.",
        ],
    )
}

/// An Insights event is not a CloudTrail record: [`evaluate_insight`] answers it.
pub(super) fn cloudtrail_insight(_: &Seen<'_>) -> Option<Finding> {
    None
}

pub(super) fn allowed_iam_change(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        config,
        actor,
        source,
        name,
    } = *seen;
    (source == "iam.amazonaws.com" && !crate::iam::is_read_only(record)).then_some(())?;
    exemptions::allowed_by(&record.actor, config)?;
    finding(
        format!("{name} by allowed principal {actor}"),
        account_of(record),
        &["Nothing to do unless the change was unexpected: recorded for the audit trail."],
    )
}

/// The last part of a name that may be given as an ARN or a URL.
pub(super) fn last_part(text: &str, separators: &[char]) -> String {
    text.rsplit(separators).next().unwrap_or(text).to_string()
}

/// When the record changes one of trailwarden's own resources: its kind and name.
pub(super) fn self_resource(record: &Record, config: &Config) -> Option<(&'static str, String)> {
    let name = record.event_name.as_str();
    if record.read_only == Some(true)
        || ["Get", "List", "Describe"]
            .iter()
            .any(|p| name.starts_with(p))
    {
        return None;
    }
    let prefix = config.tripwire.self_prefix.as_deref();
    let named = |resource: &str| prefix.is_some_and(|p| resource.starts_with(&format!("{p}-")));
    // In a member account, member.yaml's forwarding rules and role are named `<member role>-...`.
    let member = config.member_role.as_deref();
    let forwarding =
        |resource: &str| member.is_some_and(|m| resource.starts_with(&format!("{m}-")));
    match record.service() {
        "lambda" => {
            // Lambda's event names carry an API version: UpdateFunctionCode20150331v2.
            let function = record.request_str("functionName")?;
            let function = if function.starts_with("arn:") {
                function.split(':').nth(6).unwrap_or(function).to_string()
            } else {
                function.to_string()
            };
            named(&function).then_some(("function", function))
        }
        "events" => {
            let rule = record
                .request_str("name")
                .or_else(|| record.request_str("rule"))?;
            let rule = last_part(rule, &['/']);
            (named(&rule) || forwarding(&rule)).then_some(("EventBridge rule", rule))
        }
        "sns" => {
            let arn = record
                .request_str("topicArn")
                .or_else(|| record.request_str("resourceArn"))
                .map(String::from)
                .or_else(|| {
                    // Unsubscribe: the subscription ARN is the topic ARN and an id.
                    record
                        .request_str("subscriptionArn")
                        .and_then(|s| s.rsplit_once(':'))
                        .map(|(topic, _)| topic.to_string())
                })?;
            let topic = last_part(&arn, &[':']);
            (arn == config.alert_topic.to_string() || named(&topic)).then_some(("topic", topic))
        }
        "sqs" => {
            let url = record.request_str("queueUrl")?;
            let queue = last_part(url, &['/']);
            named(&queue).then_some(("queue", queue))
        }
        // IAM compares role names regardless of case: `TRAILWARDEN-IamGuardRole` is the same role.
        "iam" => {
            let role = record.request_str("roleName")?;
            let ours = config.is_own_role_named(role, None);
            let named_ours = prefix.into_iter().chain(member).any(|p| {
                role.to_ascii_lowercase()
                    .starts_with(&format!("{}-", p.to_ascii_lowercase()))
            });
            (ours || named_ours).then(|| ("role", role.to_string()))
        }
        // The alert path: the topic's key, trailwarden's alarms and its log groups.
        "kms" => {
            let key = record.request_str("keyId")?;
            let ours = config.tripwire.alert_key.as_ref()?;
            let id = ours.resource_name();
            (key == ours.to_string() || key == id).then(|| ("alert key", id.to_string()))
        }
        "monitoring" => {
            // DeleteAlarms and DisableAlarmActions name a list; PutMetricAlarm and SetAlarmState one.
            let params = record.request_parameters.as_ref()?;
            let names: Vec<&str> = match (params.get("alarmNames"), params.get("alarmName")) {
                (Some(Value::Array(names)), _) => names.iter().filter_map(Value::as_str).collect(),
                (_, Some(Value::String(name))) => vec![name.as_str()],
                _ => vec![],
            };
            let alarm = names.into_iter().find(|n| named(n))?;
            Some(("alarm", alarm.to_string()))
        }
        "logs" => {
            let group = record.request_str("logGroupName")?;
            prefix
                .is_some_and(|p| group.starts_with(&format!("/aws/lambda/{p}-")))
                .then(|| ("log group", group.to_string()))
        }
        // iam-guard's journal of IAM state: its management events (deleting the table, turning
        // off its recovery or its expiry, a resource policy); item writes are data events.
        "dynamodb" => {
            let table = record
                .request_str("tableName")
                .or_else(|| record.request_str("resourceArn"))?;
            let table = last_part(table, &['/']);
            named(&table).then_some(("journal table", table))
        }
        "cloudformation" => {
            let stack = record.request_str("stackName")?;
            let stack = if stack.starts_with("arn:") {
                stack.split('/').nth(1).unwrap_or(stack).to_string()
            } else {
                stack.to_string()
            };
            (prefix == Some(stack.as_str())).then_some(("stack", stack))
        }
        _ => None,
    }
}
