//! Reading the configuration from the environment's variables: each variable's syntax and the
//! error that names it. Above `config` (the types) and `tripwire` (whose rule ids it checks).

use crate::config::TripwireSettings;
use crate::config::err;
use crate::desired::{CloudWatchLogs, DataResource, DesiredTrail};
use crate::{Config, ConfigError, Mode, PolicySelector, PrincipalPattern, TrailSelector};
use trailwarden_events::{Arn, Region, RoleKey};

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };

        let topic = get("ALERT_TOPIC_ARN").ok_or_else(|| {
            err(
                "ALERT_TOPIC_ARN",
                "is not set; alerts need an SNS topic ARN",
            )
        })?;
        let alert_topic = Arn::parse("ALERT_TOPIC_ARN", &topic)
            .ok()
            .filter(|a| a.service == "sns" && !a.region.is_empty() && !a.account.is_empty())
            .ok_or_else(|| {
                err(
                    "ALERT_TOPIC_ARN",
                    format!("{topic:?} is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)"),
                )
            })?;

        let mode = match get("MODE").as_deref() {
            None | Some("enforce") => Mode::Enforce,
            Some("dry-run") => Mode::DryRun,
            Some(other) => {
                return Err(err(
                    "MODE",
                    format!("{other:?} is neither \"enforce\" nor \"dry-run\""),
                ));
            }
        };

        let allowed_principals = list(get("ALLOWED_PRINCIPALS"))
            .iter()
            .map(|p| {
                PrincipalPattern::parse(p).map_err(|problem| err("ALLOWED_PRINCIPALS", problem))
            })
            .collect::<Result<_, _>>()?;

        let own_roles = list(get("RESPONDER_ROLE_ARNS"))
            .iter()
            .map(|text| {
                Arn::parse("RESPONDER_ROLE_ARNS", text)
                    .ok()
                    .filter(|a| a.service == "iam")
                    .and_then(|a| RoleKey::from_arn(&a))
                    .ok_or_else(|| {
                        err(
                            "RESPONDER_ROLE_ARNS",
                            format!("{text:?} is not an IAM role ARN"),
                        )
                    })
            })
            .collect::<Result<_, _>>()?;

        let protected_trails = list(get("PROTECTED_TRAILS"))
            .iter()
            .map(|text| {
                if text.starts_with("arn:") {
                    Arn::parse("PROTECTED_TRAILS", text)
                        .ok()
                        .filter(|a| a.service == "cloudtrail" && a.resource_type() == "trail")
                        .map(TrailSelector::Arn)
                        .ok_or_else(|| {
                            err(
                                "PROTECTED_TRAILS",
                                format!("{text:?} is not a CloudTrail trail ARN"),
                            )
                        })
                } else if valid_trail_name(text) {
                    Ok(TrailSelector::Name(text.to_string()))
                } else {
                    Err(err(
                        "PROTECTED_TRAILS",
                        format!("{text:?} is not a trail name (3-128 of A-Z a-z 0-9 . _ -)"),
                    ))
                }
            })
            .collect::<Result<_, _>>()?;

        let protected_policies = list(get("PROTECTED_POLICIES"))
            .iter()
            .map(|text| {
                if text.starts_with("arn:") {
                    Arn::parse("PROTECTED_POLICIES", text)
                        .ok()
                        .filter(|a| a.service == "iam" && a.resource_type() == "policy")
                        .map(PolicySelector::Arn)
                        .ok_or_else(|| {
                            err(
                                "PROTECTED_POLICIES",
                                format!("{text:?} is not an IAM policy ARN"),
                            )
                        })
                } else if text
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+=,.@-_".contains(&b))
                    && text.len() <= 128
                {
                    Ok(PolicySelector::Name(text.to_string()))
                } else {
                    Err(err(
                        "PROTECTED_POLICIES",
                        format!("{text:?} is not a policy name or ARN"),
                    ))
                }
            })
            .collect::<Result<_, _>>()?;

        let flag = |name: &'static str| match get(name).as_deref() {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(err(
                name,
                format!("{other:?} is neither \"true\" nor \"false\""),
            )),
        };
        let contain_actor = flag("CONTAIN_ACTOR")?;
        let guard_aws_managed_roles = flag("GUARD_AWS_MANAGED_ROLES")?;
        let security_hub_findings = flag("SECURITY_HUB_FINDINGS")?;

        let retry_queue = get("RETRY_QUEUE_URL")
            .map(|url| queue_url("RETRY_QUEUE_URL", url))
            .transpose()?;

        let member_role = get("MEMBER_ROLE_NAME")
            .map(|name| {
                // An IAM role name: 1-64 of A-Z a-z 0-9 + = , . @ _ -.
                let ok = (1..=64).contains(&name.len())
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
                if ok {
                    Ok(name)
                } else {
                    Err(err(
                        "MEMBER_ROLE_NAME",
                        format!(
                            "{name:?} is not an IAM role name (1-64 of A-Z a-z 0-9 + = , . @ _ -)"
                        ),
                    ))
                }
            })
            .transpose()?;

        let account_id = |variable: &'static str, text: String| {
            if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
                Ok(text)
            } else {
                Err(err(
                    variable,
                    format!("{text:?} is not an AWS account id (12 digits)"),
                ))
            }
        };
        let management_account = get("MANAGEMENT_ACCOUNT_ID")
            .map(|text| account_id("MANAGEMENT_ACCOUNT_ID", text))
            .transpose()?;
        let accounts = list(get("ACCOUNTS"))
            .into_iter()
            .map(|text| account_id("ACCOUNTS", text))
            .collect::<Result<Vec<_>, _>>()?;
        let regions = list(get("REGIONS"))
            .into_iter()
            .map(|text| {
                Region::parse("REGIONS", &text).map_err(|_| {
                    err(
                        "REGIONS",
                        format!("{text:?} is not an AWS region (like us-east-1)"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let iam_journal_table = get("IAM_JOURNAL_TABLE")
            .map(|table| {
                let ok = (3..=255).contains(&table.len())
                    && table
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
                if ok {
                    Ok(table)
                } else {
                    Err(err(
                        "IAM_JOURNAL_TABLE",
                        format!(
                            "{table:?} is not a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)"
                        ),
                    ))
                }
            })
            .transpose()?;
        let action_log_retention_days = match get("ACTION_LOG_RETENTION_DAYS") {
            None => crate::action_log::DEFAULT_RETENTION_DAYS,
            Some(text) => text
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|days| (1..=3650).contains(days))
                .ok_or_else(|| {
                    err(
                        "ACTION_LOG_RETENTION_DAYS",
                        format!("{text:?} is not a number of days from 1 to 3650"),
                    )
                })?,
        };
        let check_queue = get("CHECK_QUEUE_URL")
            .map(|url| queue_url("CHECK_QUEUE_URL", url))
            .transpose()?;

        let desired_trail = desired_trail(&get)?;

        let tripwire = TripwireSettings::from_lookup(&get)?;

        Ok(Config {
            alert_topic,
            mode,
            allowed_principals,
            own_roles,
            protected_trails,
            protected_policies,
            contain_actor,
            guard_aws_managed_roles,
            retry_queue,
            member_role,
            management_account,
            accounts,
            regions,
            iam_journal_table,
            action_log_retention_days,
            check_queue,
            security_hub_findings,
            tripwire,
            desired_trail,
        })
    }
}

/// The `TRAIL_*` variables: what the deployment declares about its protected trails.
fn desired_trail(get: &dyn Fn(&str) -> Option<String>) -> Result<DesiredTrail, ConfigError> {
    let s3_bucket = get("TRAIL_S3_BUCKET")
        .map(|b| {
            let ok = (3..=63).contains(&b.len())
                && b.bytes().all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-'
                });
            if ok {
                Ok(b)
            } else {
                Err(err(
                    "TRAIL_S3_BUCKET",
                    format!("{b:?} is not an S3 bucket name (3-63 of a-z 0-9 . -)"),
                ))
            }
        })
        .transpose()?;
    let s3_key_prefix = get("TRAIL_S3_KEY_PREFIX")
        .map(|p| {
            if p.len() <= 200 && !p.starts_with('/') {
                Ok(p)
            } else {
                Err(err(
                    "TRAIL_S3_KEY_PREFIX",
                    format!("{p:?} is not a key prefix (at most 200 characters, no leading /)"),
                ))
            }
        })
        .transpose()?;
    let kms_key_id = get("TRAIL_KMS_KEY_ID")
        .map(|k| {
            let arn_ok = Arn::parse("TRAIL_KMS_KEY_ID", &k)
                .is_ok_and(|a| a.service == "kms" && a.resource_type() == "key");
            let id_ok = !k.starts_with("arn:")
                && !k.starts_with("alias/")
                && !k.is_empty()
                && k.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-');
            if arn_ok || id_ok {
                Ok(k)
            } else {
                Err(err(
                    "TRAIL_KMS_KEY_ID",
                    format!(
                        "{k:?} is neither a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID) nor a key id; an alias cannot be compared with the key a trail reports"
                    ),
                ))
            }
        })
        .transpose()?;
    let cloud_watch_logs = match (
        get("TRAIL_CLOUDWATCH_LOGS_GROUP_ARN"),
        get("TRAIL_CLOUDWATCH_LOGS_ROLE_ARN"),
    ) {
        (None, None) => None,
        (Some(group), Some(role)) => {
            if !Arn::parse("TRAIL_CLOUDWATCH_LOGS_GROUP_ARN", &group)
                .is_ok_and(|a| a.service == "logs" && a.resource.starts_with("log-group:"))
            {
                return Err(err(
                    "TRAIL_CLOUDWATCH_LOGS_GROUP_ARN",
                    format!("{group:?} is not a CloudWatch Logs log group ARN"),
                ));
            }
            if !Arn::parse("TRAIL_CLOUDWATCH_LOGS_ROLE_ARN", &role)
                .is_ok_and(|a| a.service == "iam" && a.resource_type() == "role")
            {
                return Err(err(
                    "TRAIL_CLOUDWATCH_LOGS_ROLE_ARN",
                    format!("{role:?} is not an IAM role ARN"),
                ));
            }
            Some(CloudWatchLogs {
                log_group_arn: group,
                role_arn: role,
            })
        }
        (Some(_), None) => {
            return Err(err(
                "TRAIL_CLOUDWATCH_LOGS_ROLE_ARN",
                "is not set, but TRAIL_CLOUDWATCH_LOGS_GROUP_ARN is; a trail writes to a log group with a role",
            ));
        }
        (None, Some(_)) => {
            return Err(err(
                "TRAIL_CLOUDWATCH_LOGS_GROUP_ARN",
                "is not set, but TRAIL_CLOUDWATCH_LOGS_ROLE_ARN is; declare both or neither",
            ));
        }
    };
    let sns_topic = get("TRAIL_SNS_TOPIC")
        .map(|t| {
            let ok = if t.starts_with("arn:") {
                Arn::parse("TRAIL_SNS_TOPIC", &t).is_ok_and(|a| a.service == "sns")
            } else {
                t.len() <= 256
                    && t.bytes()
                        .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
            };
            if ok {
                Ok(t)
            } else {
                Err(err(
                    "TRAIL_SNS_TOPIC",
                    format!("{t:?} is neither an SNS topic name nor an SNS topic ARN"),
                ))
            }
        })
        .transpose()?;
    let data_resources = get("TRAIL_DATA_RESOURCES")
        .map(|text| {
            serde_json::from_str::<Vec<DataResource>>(&text).map_err(|e| {
                err(
                    "TRAIL_DATA_RESOURCES",
                    format!(
                        "is not a JSON array of {{\"Type\": ..., \"Values\": [...]}} ({e}); use [] for none"
                    ),
                )
            })
        })
        .transpose()?;
    let insight_types = get("TRAIL_INSIGHT_TYPES")
        .map(|text| {
            if text == "none" {
                return Ok(vec![]);
            }
            list(Some(text))
                .into_iter()
                .map(|t| match t.as_str() {
                    "ApiCallRateInsight" | "ApiErrorRateInsight" => Ok(t),
                    other => Err(err(
                        "TRAIL_INSIGHT_TYPES",
                        format!(
                            "{other:?} is not ApiCallRateInsight or ApiErrorRateInsight (or \"none\")"
                        ),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    Ok(DesiredTrail {
        s3_bucket,
        s3_key_prefix,
        kms_key_id,
        cloud_watch_logs,
        sns_topic,
        data_resources,
        insight_types,
    })
}

/// An SQS queue's URL.
fn queue_url(variable: &'static str, url: String) -> Result<String, ConfigError> {
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(url)
    } else {
        Err(err(
            variable,
            format!("{url:?} is not a queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)"),
        ))
    }
}

/// A comma-separated list, blanks dropped.
fn list(value: Option<String>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn valid_trail_name(name: &str) -> bool {
    (3..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        && name.as_bytes()[0].is_ascii_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    const TOPIC: (&str, &str) = (
        "ALERT_TOPIC_ARN",
        "arn:aws:sns:us-east-1:123456789012:alerts",
    );

    #[test]
    fn defaults_are_enforce_and_protect_every_trail() {
        let c = config(&[TOPIC]).unwrap();
        assert_eq!(c.mode, Mode::Enforce);
        assert!(c.protected_trails.is_empty());
        assert!(c.allowed_principals.is_empty());
        assert!(!c.contain_actor);
        assert!(!c.security_hub_findings);
    }

    #[test]
    fn reads_every_variable() {
        let c = config(&[
            TOPIC,
            ("MODE", "dry-run"),
            ("ALLOWED_PRINCIPALS", "arn:aws:iam::123456789012:role/BreakGlass, arn:aws:sts::123456789012:assumed-role/Deployer/*"),
            ("RESPONDER_ROLE_ARNS", "arn:aws:iam::123456789012:role/tw/trail-guard-role"),
            ("PROTECTED_TRAILS", "audit,arn:aws:cloudtrail:eu-west-1:123456789012:trail/org"),
            ("PROTECTED_POLICIES", "DenyLeaveOrg,arn:aws:iam::123456789012:policy/Guardrail"),
            ("CONTAIN_ACTOR", "true"),
            ("SECURITY_HUB_FINDINGS", "true"),
        ])
        .unwrap();
        assert_eq!(c.mode, Mode::DryRun);
        assert_eq!(c.allowed_principals.len(), 2);
        assert_eq!(c.own_roles.iter().next().unwrap().name, "trail-guard-role");
        assert_eq!(c.protected_trails[0], TrailSelector::Name("audit".into()));
        assert!(matches!(&c.protected_trails[1], TrailSelector::Arn(a) if a.region == "eu-west-1"));
        assert_eq!(c.protected_policies.len(), 2);
        assert!(c.contain_actor);
        assert!(c.security_hub_findings);
    }

    #[test]
    fn reads_the_desired_trail() {
        let c = config(&[TOPIC]).unwrap();
        assert_eq!(c.desired_trail, DesiredTrail::default(), "nothing declared");
        let c = config(&[
            TOPIC,
            ("TRAIL_S3_BUCKET", "audit-logs"),
            ("TRAIL_S3_KEY_PREFIX", "org"),
            (
                "TRAIL_KMS_KEY_ID",
                "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            ),
            (
                "TRAIL_CLOUDWATCH_LOGS_GROUP_ARN",
                "arn:aws:logs:us-east-1:123456789012:log-group:audit:*",
            ),
            (
                "TRAIL_CLOUDWATCH_LOGS_ROLE_ARN",
                "arn:aws:iam::123456789012:role/trail-to-logs",
            ),
            ("TRAIL_SNS_TOPIC", "trail-deliveries"),
            (
                "TRAIL_DATA_RESOURCES",
                r#"[{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::audit-logs/"]}]"#,
            ),
            (
                "TRAIL_INSIGHT_TYPES",
                "ApiCallRateInsight, ApiErrorRateInsight",
            ),
        ])
        .unwrap();
        let d = &c.desired_trail;
        assert_eq!(d.s3_bucket.as_deref(), Some("audit-logs"));
        assert_eq!(d.s3_key_prefix.as_deref(), Some("org"));
        assert_eq!(
            d.cloud_watch_logs.as_ref().unwrap().role_arn,
            "arn:aws:iam::123456789012:role/trail-to-logs"
        );
        assert_eq!(
            d.data_resources.as_ref().unwrap()[0].kind,
            "AWS::S3::Object"
        );
        assert_eq!(
            d.insight_types.as_deref().unwrap(),
            ["ApiCallRateInsight", "ApiErrorRateInsight"]
        );
        assert!(d.undeclared().is_empty());
        let none = config(&[
            TOPIC,
            ("TRAIL_INSIGHT_TYPES", "none"),
            ("TRAIL_DATA_RESOURCES", "[]"),
        ])
        .unwrap();
        assert_eq!(none.desired_trail.insight_types, Some(vec![]));
        assert_eq!(none.desired_trail.data_resources, Some(vec![]));
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[], "ALERT_TOPIC_ARN: is not set"),
            (
                &[("ALERT_TOPIC_ARN", "alerts")],
                "ALERT_TOPIC_ARN: \"alerts\" is not an SNS topic ARN",
            ),
            (&[TOPIC, ("MODE", "audit")], "MODE: \"audit\" is neither"),
            (
                &[TOPIC, ("ALLOWED_PRINCIPALS", "*")],
                "ALLOWED_PRINCIPALS: \"*\" would allow every principal",
            ),
            (
                &[
                    TOPIC,
                    ("RESPONDER_ROLE_ARNS", "arn:aws:iam::123456789012:user/x"),
                ],
                "RESPONDER_ROLE_ARNS: \"arn:aws:iam::123456789012:user/x\" is not an IAM role ARN",
            ),
            (
                &[TOPIC, ("PROTECTED_TRAILS", "a b")],
                "PROTECTED_TRAILS: \"a b\" is not a trail name",
            ),
            (
                &[TOPIC, ("PROTECTED_TRAILS", "arn:aws:s3:::b")],
                "PROTECTED_TRAILS: \"arn:aws:s3:::b\" is not a CloudTrail trail ARN",
            ),
            (
                &[TOPIC, ("CONTAIN_ACTOR", "yes")],
                "CONTAIN_ACTOR: \"yes\" is neither",
            ),
            (
                &[TOPIC, ("SECURITY_HUB_FINDINGS", "TRUE")],
                "SECURITY_HUB_FINDINGS: \"TRUE\" is neither \"true\" nor \"false\"",
            ),
            (
                &[TOPIC, ("TRAIL_S3_BUCKET", "Audit_Logs")],
                "TRAIL_S3_BUCKET: \"Audit_Logs\" is not an S3 bucket name",
            ),
            (
                &[TOPIC, ("TRAIL_KMS_KEY_ID", "alias/audit")],
                "TRAIL_KMS_KEY_ID: \"alias/audit\" is neither a KMS key ARN",
            ),
            (
                &[
                    TOPIC,
                    (
                        "TRAIL_CLOUDWATCH_LOGS_GROUP_ARN",
                        "arn:aws:logs:us-east-1:123456789012:log-group:audit",
                    ),
                ],
                "TRAIL_CLOUDWATCH_LOGS_ROLE_ARN: is not set, but TRAIL_CLOUDWATCH_LOGS_GROUP_ARN is",
            ),
            (
                &[TOPIC, ("TRAIL_SNS_TOPIC", "a topic")],
                "TRAIL_SNS_TOPIC: \"a topic\" is neither",
            ),
            (
                &[TOPIC, ("TRAIL_DATA_RESOURCES", "AWS::S3::Object")],
                "TRAIL_DATA_RESOURCES: is not a JSON array",
            ),
            (
                &[TOPIC, ("TRAIL_INSIGHT_TYPES", "ApiCallRate")],
                "TRAIL_INSIGHT_TYPES: \"ApiCallRate\" is not",
            ),
        ];
        for (vars, expected) in cases {
            let message = config(vars).unwrap_err().to_string();
            assert!(
                message.starts_with(expected),
                "{message:?} should start with {expected:?}"
            );
        }
    }

    #[test]
    fn patterns_anyone_can_satisfy_are_warned_of_by_name() {
        let c = config(&[
            TOPIC,
            (
                "ALLOWED_PRINCIPALS",
                "arn:aws:iam::123456789012:role/Deployer,\
                 arn:aws:iam::123456789012:role/BreakGlass*,\
                 arn:aws:sts::123456789012:federated-user/ops,\
                 arn:aws:sts::123456789012:assumed-role/*/alice,\
                 arn:aws:sts::123456789012:assumed-role/Deployer/*,\
                 arn:aws:iam::123456789012:user/*",
            ),
        ])
        .unwrap();
        assert_eq!(
            c.warnings(),
            [
                "ALLOWED_PRINCIPALS: arn:aws:iam::123456789012:role/BreakGlass* can be claimed: anyone who may create a role can make one whose name matches \"BreakGlass*\"; name each role exactly",
                "ALLOWED_PRINCIPALS: arn:aws:sts::123456789012:federated-user/ops can be claimed: a federated user's name is chosen by whoever calls GetFederationToken",
                "ALLOWED_PRINCIPALS: arn:aws:sts::123456789012:assumed-role/*/alice can be claimed: the session name (alice) is chosen by whoever assumes the role; match the role instead",
                "ALLOWED_PRINCIPALS: arn:aws:iam::123456789012:user/* can be claimed: anyone who may create a user can make one whose name matches \"*\"; name each user exactly",
            ]
        );
    }
}
