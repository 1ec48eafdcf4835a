//! Reading tripwire's configuration ([`TripwireSettings`]): rule ids are checked against
//! [`RULES`](super::RULES), so a mistyped id fails the cold start instead of never firing.

use super::{Rule, rule_by_id};
use crate::config::{TripwireSettings, err};
use crate::{ConfigError, Severity};
use std::collections::{BTreeMap, BTreeSet};

fn rule_ids(
    variable: &'static str,
    value: Option<String>,
) -> Result<BTreeSet<&'static str>, ConfigError> {
    value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|id| {
            rule_by_id(id)
                .map(|r| r.id)
                .ok_or_else(|| err(variable, format!("{id:?} is not a tripwire rule id")))
        })
        .collect()
}

/// A severity by name: `critical`, `high`, `medium`, `low`, `info`.
pub fn parse_severity(text: &str) -> Option<Severity> {
    [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ]
    .into_iter()
    .find(|s| s.as_str() == text)
}

impl TripwireSettings {
    /// Reads `TRIPWIRE_DISABLED`, `TRIPWIRE_ENABLED`, `TRIPWIRE_SEVERITY` and
    /// `SELF_RESOURCE_PREFIX` and `ALERT_KEY_ARN` through `get` (trimmed, blank as unset).
    pub fn from_lookup(
        get: &dyn Fn(&str) -> Option<String>,
    ) -> Result<TripwireSettings, ConfigError> {
        let disabled = rule_ids("TRIPWIRE_DISABLED", get("TRIPWIRE_DISABLED"))?;
        let enabled = rule_ids("TRIPWIRE_ENABLED", get("TRIPWIRE_ENABLED"))?;
        if let Some(both) = disabled.intersection(&enabled).next() {
            return Err(err(
                "TRIPWIRE_ENABLED",
                format!("{both:?} is also in TRIPWIRE_DISABLED"),
            ));
        }
        let mut severity = BTreeMap::new();
        for entry in get("TRIPWIRE_SEVERITY")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let (id, level) = entry.split_once('=').ok_or_else(|| {
                err(
                    "TRIPWIRE_SEVERITY",
                    format!("{entry:?} is not rule-id=severity"),
                )
            })?;
            let rule = rule_by_id(id.trim()).ok_or_else(|| {
                err(
                    "TRIPWIRE_SEVERITY",
                    format!("{:?} is not a tripwire rule id", id.trim()),
                )
            })?;
            let level = parse_severity(level.trim()).ok_or_else(|| {
                err(
                    "TRIPWIRE_SEVERITY",
                    format!(
                        "{:?} is not a severity (critical, high, medium, low, info)",
                        level.trim()
                    ),
                )
            })?;
            severity.insert(rule.id, level);
        }
        let self_prefix = get("SELF_RESOURCE_PREFIX")
            .map(|p| {
                let ok = (1..=128).contains(&p.len())
                    && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && p.as_bytes()[0].is_ascii_alphabetic();
                if ok {
                    Ok(p)
                } else {
                    Err(err(
                        "SELF_RESOURCE_PREFIX",
                        format!(
                            "{p:?} is not a stack name (1-128 of A-Z a-z 0-9 -, starting with a letter)"
                        ),
                    ))
                }
            })
            .transpose()?;
        let alert_key = get("ALERT_KEY_ARN")
            .map(|text| {
                trailwarden_events::Arn::parse("ALERT_KEY_ARN", &text)
                    .ok()
                    .filter(|a| a.service == "kms" && a.resource_type() == "key")
                    .ok_or_else(|| {
                        err(
                            "ALERT_KEY_ARN",
                            format!(
                                "{text:?} is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)"
                            ),
                        )
                    })
            })
            .transpose()?;
        Ok(TripwireSettings {
            disabled,
            enabled,
            severity,
            self_prefix,
            alert_key,
        })
    }

    pub fn is_enabled(&self, rule: &Rule) -> bool {
        if rule.on_by_default {
            !self.disabled.contains(rule.id)
        } else {
            self.enabled.contains(rule.id)
        }
    }

    pub fn severity_of(&self, rule: &Rule) -> Severity {
        self.severity.get(rule.id).copied().unwrap_or(rule.severity)
    }
}
