//! tripwire's decisions: detection-only rules for events that must be seen at once but should not
//! be reverted blindly. Each rule has an id, a severity and a short explanation; each can be turned
//! off (`TRIPWIRE_DISABLED`), on (`TRIPWIRE_ENABLED`, for rules off by default) or given another
//! severity (`TRIPWIRE_SEVERITY`). A decision is `Respond` with an empty plan (the alert's outcome is
//! `alert-only`) or `Ignore`; nothing here changes AWS.
//!
//! Rules are tried in the order of [`RULES`]; the first that matches and passes its gate answers.
//! The gate differs by rule ([`Gate`]): a failed call changed nothing, but a failed
//! `LeaveOrganization` or a failed call as root is still worth a person's attention.

use crate::{Config, ConfigError, Decision, Ignored, Incident, Severity, exemptions};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use trailwarden_events::{IdentityKind, Insight, Record};

/// Which of the common checks a rule applies before alerting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// A change: failed calls, trailwarden's own roles and allowed principals are left alone.
    Change,
    /// An attempt is enough: failed calls alert too ("attempted"); trailwarden's own roles and
    /// allowed principals are left alone.
    Attempt,
    /// Who and whether it worked do not matter (root, sign-ins): only trailwarden's own roles are
    /// left alone. The allow-list is for changes, not for identities.
    Always,
    /// The rule is about allowed principals: failed calls and trailwarden's roles are left alone.
    AllowedOnly,
}

impl Gate {
    /// Why this gate leaves the record alone, or `None`.
    fn leaves_alone(self, record: &Record, config: &Config) -> Option<Ignored> {
        let own_role =
            || exemptions::own_role(&record.actor, config).map(|role| Ignored::OwnRole { role });
        match self {
            Gate::Change => exemptions::of_change(record, config),
            Gate::Always => own_role(),
            // A failed attempt counts too: only trailwarden and allowed principals are left alone.
            Gate::Attempt => exemptions::of_actor(&record.actor, config),
            Gate::AllowedOnly => exemptions::failed(record).or_else(own_role),
        }
    }
}

/// One detection rule: its id, severity, gate and detection in one declaration (so no id can be
/// declared without a detection, or a detection exist without its id).
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub explanation: &'static str,
    pub on_by_default: bool,
    pub gate: Gate,
    /// The event names tripwire's EventBridge rule must deliver for this rule, beyond root
    /// activity, IAM writes and trailwarden's own resources.
    pub event_names: &'static [&'static str],
    /// What the rule finds in a record, or `None`.
    detect: fn(&Seen<'_>) -> Option<Finding>,
}

impl PartialEq for Rule {
    fn eq(&self, other: &Rule) -> bool {
        self.id == other.id
    }
}

impl Eq for Rule {}

const fn rule(
    id: &'static str,
    severity: Severity,
    gate: Gate,
    explanation: &'static str,
    detect: fn(&Seen<'_>) -> Option<Finding>,
) -> Rule {
    Rule {
        id,
        severity,
        explanation,
        on_by_default: true,
        gate,
        event_names: &[],
        detect,
    }
}

impl Rule {
    const fn delivering(self, event_names: &'static [&'static str]) -> Rule {
        Rule {
            event_names,
            ..self
        }
    }
}

/// Every rule, in the order they are tried.
pub const RULES: &[Rule] = &[
    rule(
        "root-access-key-created",
        Severity::Critical,
        Gate::Change,
        "an access key for the root user: long-lived, unrestricted credentials",
        root_access_key_created,
    ),
    rule(
        "root-activity",
        Severity::High,
        Gate::Always,
        "the root user signed in or called an API; day-to-day work never needs root",
        root_activity,
    ),
    rule(
        "console-login-failed",
        Severity::Medium,
        Gate::Always,
        "a failed console sign-in; many in a row mean someone is guessing a password",
        console_login_failed,
    )
    .delivering(&["ConsoleLogin"]),
    rule(
        "console-login-without-mfa",
        Severity::Medium,
        Gate::Always,
        "an IAM user signed in to the console with a password alone",
        console_login_without_mfa,
    )
    .delivering(&["ConsoleLogin"]),
    rule(
        "guardduty-disabled",
        Severity::High,
        Gate::Change,
        "GuardDuty detector deleted or disabled: threat detection is off",
        guardduty_disabled,
    )
    .delivering(&["DeleteDetector", "UpdateDetector"]),
    rule(
        "config-recording-stopped",
        Severity::High,
        Gate::Change,
        "AWS Config recorder stopped or deleted, or its delivery channel deleted",
        config_recording_stopped,
    )
    .delivering(&[
        "StopConfigurationRecorder",
        "DeleteConfigurationRecorder",
        "DeleteDeliveryChannel",
    ]),
    rule(
        "securityhub-disabled",
        Severity::High,
        Gate::Change,
        "Security Hub disabled: findings and standards checks are off",
        securityhub_disabled,
    )
    .delivering(&["DisableSecurityHub"]),
    rule(
        "access-analyzer-deleted",
        Severity::Medium,
        Gate::Change,
        "IAM Access Analyzer deleted: external access is no longer reported",
        access_analyzer_deleted,
    )
    .delivering(&["DeleteAnalyzer"]),
    rule(
        "flow-logs-deleted",
        Severity::Medium,
        Gate::Change,
        "VPC flow logs deleted: network traffic is no longer recorded",
        flow_logs_deleted,
    )
    .delivering(&["DeleteFlowLogs"]),
    rule(
        "dns-query-logging-removed",
        Severity::Medium,
        Gate::Change,
        "Route 53 Resolver query logging deleted or detached: DNS queries are no longer recorded",
        dns_query_logging_removed,
    )
    .delivering(&[
        "DeleteResolverQueryLogConfig",
        "DisassociateResolverQueryLogConfig",
    ]),
    rule(
        "leave-organization",
        Severity::Critical,
        Gate::Attempt,
        "the account tried to leave its AWS Organization, escaping its SCPs and central logging",
        leave_organization,
    )
    .delivering(&["LeaveOrganization"]),
    rule(
        "federation-token",
        Severity::Medium,
        Gate::Change,
        "GetFederationToken: sessions that outlive the deletion of the access key that made them",
        federation_token,
    )
    .delivering(&["GetFederationToken"]),
    rule(
        "cloudtrail-insight",
        Severity::Medium,
        Gate::Always,
        "CloudTrail Insights saw an unusual rate of an API call or of its errors",
        cloudtrail_insight,
    ),
    rule(
        "trailwarden-tampered",
        Severity::Critical,
        Gate::Attempt,
        "a change to trailwarden's own functions, rules, topic, queues, roles or stack",
        trailwarden_tampered,
    ),
    Rule {
        on_by_default: false,
        ..rule(
            "allowed-iam-change",
            Severity::Info,
            Gate::AllowedOnly,
            "an IAM change by an allowed principal, for the audit trail",
            allowed_iam_change,
        )
    },
];

/// The rule with this id.
pub fn rule_by_id(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// tripwire's configuration, read with the rest at cold start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// `TRIPWIRE_DISABLED`: rule ids turned off.
    pub disabled: BTreeSet<&'static str>,
    /// `TRIPWIRE_ENABLED`: rule ids off by default turned on.
    pub enabled: BTreeSet<&'static str>,
    /// `TRIPWIRE_SEVERITY`: `rule-id=severity` overrides.
    pub severity: BTreeMap<&'static str, Severity>,
    /// `SELF_RESOURCE_PREFIX`: trailwarden's own resources are named `<prefix>-...` (the stack
    /// name); its stack is `<prefix>`.
    pub self_prefix: Option<String>,
}

fn problem(variable: &'static str, problem: String) -> ConfigError {
    ConfigError { variable, problem }
}

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
                .ok_or_else(|| problem(variable, format!("{id:?} is not a tripwire rule id")))
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

impl Settings {
    /// Reads `TRIPWIRE_DISABLED`, `TRIPWIRE_ENABLED`, `TRIPWIRE_SEVERITY` and
    /// `SELF_RESOURCE_PREFIX` through `get` (trimmed, blank as unset).
    pub fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let disabled = rule_ids("TRIPWIRE_DISABLED", get("TRIPWIRE_DISABLED"))?;
        let enabled = rule_ids("TRIPWIRE_ENABLED", get("TRIPWIRE_ENABLED"))?;
        if let Some(both) = disabled.intersection(&enabled).next() {
            return Err(problem(
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
                problem(
                    "TRIPWIRE_SEVERITY",
                    format!("{entry:?} is not rule-id=severity"),
                )
            })?;
            let rule = rule_by_id(id.trim()).ok_or_else(|| {
                problem(
                    "TRIPWIRE_SEVERITY",
                    format!("{:?} is not a tripwire rule id", id.trim()),
                )
            })?;
            let level = parse_severity(level.trim()).ok_or_else(|| {
                problem(
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
                    Err(problem(
                        "SELF_RESOURCE_PREFIX",
                        format!(
                            "{p:?} is not a stack name (1-128 of A-Z a-z 0-9 -, starting with a letter)"
                        ),
                    ))
                }
            })
            .transpose()?;
        Ok(Settings {
            disabled,
            enabled,
            severity,
            self_prefix,
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

/// A decision and the rule behind it (none when ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub decision: Decision,
    pub rule: Option<&'static Rule>,
}

/// The event names tripwire's EventBridge rule delivers beyond root activity, IAM writes and
/// trailwarden's own resources: each rule's own (the template's pattern is written from these).
pub fn event_names() -> BTreeSet<&'static str> {
    RULES
        .iter()
        .flat_map(|r| r.event_names.iter().copied())
        .collect()
}

/// Decides what tripwire does about one CloudTrail record: an alert, or nothing.
pub fn decide(
    record: &Record,
    config: &Config,
) -> Result<Decision, trailwarden_events::EventError> {
    Ok(evaluate(record, config).decision)
}

/// The decision and the rule that made it.
pub fn evaluate(record: &Record, config: &Config) -> Evaluation {
    let settings = &config.tripwire;
    let mut first_reason: Option<Ignored> = None;
    for rule in RULES.iter().filter(|r| settings.is_enabled(r)) {
        let Some(finding) = detect(rule, record, config) else {
            continue;
        };
        if let Some(why) = rule.gate.leaves_alone(record, config) {
            first_reason.get_or_insert(why);
            continue;
        }
        let attempted = record.failed();
        let summary = match (&record.error_code, attempted) {
            (Some(code), true) if !finding.summary.contains(code.as_str()) => {
                format!("{} (attempt failed: {code})", finding.summary)
            }
            _ => finding.summary,
        };
        return Evaluation {
            decision: Decision::Respond {
                incident: Incident {
                    summary,
                    resource: finding.resource,
                    severity: settings.severity_of(rule),
                    next_steps: finding.next_steps,
                    superseded_by: None,
                },
                plan: vec![],
            },
            rule: Some(rule),
        };
    }
    Evaluation {
        decision: Decision::Ignore(first_reason.unwrap_or_else(|| Ignored::NotHandled {
            event_name: record.event_name.clone(),
        })),
        rule: None,
    }
}

/// Decides what tripwire does about a CloudTrail Insights event: the start of an unusual rate is
/// alerted; its end is not.
pub fn evaluate_insight(insight: &Insight, config: &Config) -> Evaluation {
    let ignore = |what: &str| Evaluation {
        decision: Decision::Ignore(Ignored::NotHandled {
            event_name: format!("AWS Insight via CloudTrail ({what})"),
        }),
        rule: None,
    };
    let Some(rule) = rule_by_id("cloudtrail-insight").filter(|r| config.tripwire.is_enabled(r))
    else {
        return ignore("rule cloudtrail-insight is off");
    };
    if insight.state.as_deref() == Some("End") {
        return ignore("End");
    }
    let api = insight.api_name.as_deref().unwrap_or("an API call");
    let what = match insight.insight_type.as_deref() {
        Some("ApiErrorRateInsight") => "error rate",
        _ => "call rate",
    };
    let account = insight
        .recipient_account_id
        .as_deref()
        .unwrap_or("unknown account");
    Evaluation {
        decision: Decision::Respond {
            incident: Incident {
                summary: format!("CloudTrail Insights: unusual {what} of {api}"),
                resource: format!("account {account} in {}", insight.aws_region),
                severity: config.tripwire.severity_of(rule),
                next_steps: vec![
                    format!(
                        "Look at who called {api} in the insight's window (CloudTrail event history, filter by event name)."
                    ),
                    "A burst from one principal can be enumeration or a runaway script; from many, a deployment.".into(),
                ],
                superseded_by: None,
            },
            plan: vec![],
        },
        rule: Some(rule),
    }
}

/// What a matching rule says about the record.
struct Finding {
    summary: String,
    resource: String,
    next_steps: Vec<String>,
}

fn finding(summary: String, resource: String, next_steps: &[&str]) -> Option<Finding> {
    Some(Finding {
        summary,
        resource,
        next_steps: next_steps.iter().map(|s| s.to_string()).collect(),
    })
}

fn account_of(record: &Record) -> String {
    format!("account {}", record.account().unwrap_or("unknown"))
}

fn is_console_login(record: &Record) -> bool {
    record.event_source == "signin.amazonaws.com" && record.event_name == "ConsoleLogin"
}

/// `responseElements.ConsoleLogin`: `Success` or `Failure`.
fn login_result(record: &Record) -> Option<&str> {
    record.response_str("ConsoleLogin")
}

fn mfa_used(record: &Record) -> Option<&str> {
    record
        .additional_event_data
        .as_ref()?
        .get("MFAUsed")?
        .as_str()
}

/// The record as a rule's detection reads it.
#[derive(Clone, Copy)]
struct Seen<'a> {
    record: &'a Record,
    config: &'a Config,
    actor: &'a trailwarden_events::Actor,
    source: &'a str,
    name: &'a str,
}

fn detect(rule: &Rule, record: &Record, config: &Config) -> Option<Finding> {
    (rule.detect)(&Seen {
        record,
        config,
        actor: &record.actor,
        source: record.event_source.as_str(),
        name: record.event_name.as_str(),
    })
}

fn root_access_key_created(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    // Only root can create root's keys: a CreateAccessKey by root naming no user.
    (actor.kind == IdentityKind::Root
        && source == "iam.amazonaws.com"
        && name == "CreateAccessKey"
        && record.request_str("userName").is_none())
    .then_some(())?;
    let key = record
        .response_elements
        .as_ref()
        .and_then(|r| r.get("accessKey"))
        .and_then(|k| k.get("accessKeyId"))
        .and_then(Value::as_str)
        .unwrap_or("(id not in the record)");
    finding(
        format!("Access key {key} created for the root user"),
        format!("root user of {}", account_of(record)),
        &[
            "Delete the root access key unless there is a written need for it: no IAM policy can restrict root.",
            "Find out who holds the root password and MFA device, and rotate both if in doubt.",
        ],
    )
}

fn root_activity(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        name,
        ..
    } = *seen;
    (actor.kind == IdentityKind::Root
        && record.event_type.as_deref() != Some("AwsServiceEvent")
        && actor.invoked_by.is_none())
    .then_some(())?;
    let summary = if is_console_login(record) {
        match login_result(record) {
            Some("Failure") => "Failed console sign-in as the root user".to_string(),
            _ => format!(
                "Root user signed in to the console (MFA {})",
                match mfa_used(record) {
                    Some("Yes") => "yes",
                    Some("No") => "NO",
                    _ => "unknown",
                }
            ),
        }
    } else {
        format!("Root user called {}:{name}", record.service())
    };
    finding(
        summary,
        account_of(record),
        &[
            "Confirm with the account owner that this was them and why root was needed.",
            "If nobody claims it: reset the root password, check its MFA device, and review what root did since (CloudTrail, user identity type Root).",
        ],
    )
}

fn console_login_failed(seen: &Seen<'_>) -> Option<Finding> {
    let Seen { record, actor, .. } = *seen;
    (is_console_login(record) && login_result(record) == Some("Failure")).then_some(())?;
    let reason = record.error_message.as_deref().unwrap_or("no reason given");
    finding(
        format!("Failed console sign-in for {actor} ({reason})"),
        actor
            .arn
            .as_ref()
            .map_or_else(|| account_of(record), ToString::to_string),
        &[
            "One failure is a typo; many from one IP are password guessing: look for more from the same source IP.",
            "If the user did not try to sign in, reset their password and make sure MFA is on.",
        ],
    )
}

fn console_login_without_mfa(seen: &Seen<'_>) -> Option<Finding> {
    let Seen { record, actor, .. } = *seen;
    (is_console_login(record)
        && login_result(record) == Some("Success")
        && actor.kind == IdentityKind::IamUser
        && mfa_used(record) == Some("No"))
    .then_some(())?;
    finding(
        format!("{actor} signed in to the console without MFA"),
        actor
            .arn
            .as_ref()
            .map_or_else(|| account_of(record), ToString::to_string),
        &[
            "Ask the user to confirm the sign-in; then enable MFA for them.",
            "Consider a policy that denies everything without aws:MultiFactorAuthPresent for console users.",
        ],
    )
}

fn guardduty_disabled(seen: &Seen<'_>) -> Option<Finding> {
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

fn config_recording_stopped(seen: &Seen<'_>) -> Option<Finding> {
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

fn securityhub_disabled(seen: &Seen<'_>) -> Option<Finding> {
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

fn access_analyzer_deleted(seen: &Seen<'_>) -> Option<Finding> {
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

fn flow_logs_deleted(seen: &Seen<'_>) -> Option<Finding> {
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

fn dns_query_logging_removed(seen: &Seen<'_>) -> Option<Finding> {
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

fn leave_organization(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    (source == "organizations.amazonaws.com" && name == "LeaveOrganization").then_some(())?;
    let summary = if record.failed() {
        format!("{actor} tried to take the account out of its AWS Organization")
    } else {
        format!("The account left its AWS Organization (LeaveOrganization by {actor})")
    };
    finding(
        summary,
        account_of(record),
        &[
            "Treat the actor's credentials as compromised until they explain: leaving the organization drops its SCPs and organization trail.",
            "An SCP denying organizations:LeaveOrganization in member accounts prevents this.",
        ],
    )
}

fn federation_token(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    (source == "sts.amazonaws.com" && name == "GetFederationToken").then_some(())?;
    let federated = record.request_str("name").unwrap_or("?");
    finding(
        format!("{actor} created federated session credentials for {federated}"),
        format!("federated user {federated} of {}", account_of(record)),
        &[
            "Federation tokens last up to 36 hours and survive deleting the access key that made them; deny the session with a policy on the user (aws:TokenIssueTime) if unexpected.",
            "Check whether the caller's access key is expected to be used from this IP.",
        ],
    )
}

fn trailwarden_tampered(seen: &Seen<'_>) -> Option<Finding> {
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
fn cloudtrail_insight(_: &Seen<'_>) -> Option<Finding> {
    None
}

fn allowed_iam_change(seen: &Seen<'_>) -> Option<Finding> {
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

fn flow_log_ids(record: &Record) -> String {
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

/// The last part of a name that may be given as an ARN or a URL.
fn last_part(text: &str, separators: &[char]) -> String {
    text.rsplit(separators).next().unwrap_or(text).to_string()
}

/// When the record changes one of trailwarden's own resources: its kind and name.
fn self_resource(record: &Record, config: &Config) -> Option<(&'static str, String)> {
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
            named(&rule).then_some(("EventBridge rule", rule))
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
        "iam" => {
            let role = record.request_str("roleName")?;
            let ours = config.own_roles.iter().any(|r| r.name == role);
            (ours || named(role)).then(|| ("role", role.to_string()))
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
