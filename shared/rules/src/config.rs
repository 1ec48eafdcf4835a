//! Configuration: the same environment variables in every function. A bad value fails the cold
//! start with a message naming the variable.

use crate::PrincipalPattern;
use std::collections::BTreeSet;
use std::fmt;
use thiserror::Error;
use trailwarden_events::{Arn, RoleKey};

/// Whether trailwarden changes anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Revert and alert.
    Enforce,
    /// Read as in enforce mode, change nothing, alert what would have been done.
    DryRun,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Enforce => "enforce",
            Mode::DryRun => "dry-run",
        })
    }
}

/// A `PROTECTED_TRAILS` entry: a trail name, or a trail ARN (which also fixes region and account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrailSelector {
    Name(String),
    Arn(Arn),
}

/// A `PROTECTED_POLICIES` entry: a managed policy ARN, or a policy name (managed or inline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySelector {
    Name(String),
    Arn(Arn),
}

#[derive(Debug, Clone)]
pub struct Config {
    /// `ALERT_TOPIC_ARN`: the SNS topic alerts go to.
    pub alert_topic: Arn,
    /// `MODE`: `enforce` (default) or `dry-run`.
    pub mode: Mode,
    /// `ALLOWED_PRINCIPALS`: whose changes are left alone.
    pub allowed_principals: Vec<PrincipalPattern>,
    /// `RESPONDER_ROLE_ARNS`: trailwarden's own execution roles; what they do is its own work.
    pub responder_roles: BTreeSet<RoleKey>,
    /// `PROTECTED_TRAILS`: empty means every trail.
    pub protected_trails: Vec<TrailSelector>,
    /// `PROTECTED_POLICIES`: guardrail policies whose removal is put back.
    pub protected_policies: Vec<PolicySelector>,
    /// `CONTAIN_ACTOR`: also contain the actor who made an unauthorized change.
    pub contain_actor: bool,
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

fn err(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        problem: problem.into(),
    }
}

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

        let responder_roles = list(get("RESPONDER_ROLE_ARNS"))
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

        let contain_actor = match get("CONTAIN_ACTOR").as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(err(
                    "CONTAIN_ACTOR",
                    format!("{other:?} is neither \"true\" nor \"false\""),
                ));
            }
        };

        Ok(Config {
            alert_topic,
            mode,
            allowed_principals,
            responder_roles,
            protected_trails,
            protected_policies,
            contain_actor,
        })
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
        ])
        .unwrap();
        assert_eq!(c.mode, Mode::DryRun);
        assert_eq!(c.allowed_principals.len(), 2);
        assert_eq!(
            c.responder_roles.iter().next().unwrap().name,
            "trail-guard-role"
        );
        assert_eq!(c.protected_trails[0], TrailSelector::Name("audit".into()));
        assert!(matches!(&c.protected_trails[1], TrailSelector::Arn(a) if a.region == "eu-west-1"));
        assert_eq!(c.protected_policies.len(), 2);
        assert!(c.contain_actor);
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
        ];
        for (vars, expected) in cases {
            let message = config(vars).unwrap_err().to_string();
            assert!(
                message.starts_with(expected),
                "{message:?} should start with {expected:?}"
            );
        }
    }
}
