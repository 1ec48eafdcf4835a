//! tripwire's decisions: detection-only rules for events that must be seen at once but should not
//! be reverted blindly. Each rule has an id, a severity and a short explanation; each can be turned
//! off (`TRIPWIRE_DISABLED`), on (`TRIPWIRE_ENABLED`, for rules off by default) or given another
//! severity (`TRIPWIRE_SEVERITY`). A decision is `Respond` with an empty plan (the alert's outcome is
//! `alert-only`) or `Ignore`; nothing here changes AWS.
//!
//! Rules are tried in the order of [`RULES`]; the first that matches and passes its gate answers.
//! The gate differs by rule ([`Gate`]): a failed call changed nothing, but a failed
//! `LeaveOrganization` or a failed call as root is still worth a person's attention.

use crate::{Config, Decision, Ignored, Incident, Severity, exemptions};
use std::collections::BTreeSet;
use trailwarden_events::{Insight, Record};

// The detections by area (each rule's declaration is in `RULES`), and the configuration.
mod access;
mod account;
mod authentication;
mod credentials;
mod defences;
mod identity_center;
mod logging;
mod organization;
mod own;
mod root;
mod settings;
mod signin;

pub use settings::parse_severity;

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
        let own_role = || {
            exemptions::own_role(&record.actor, record.account(), config)
                .map(|role| Ignored::OwnRole { role })
        };
        match self {
            Gate::Change => exemptions::of_change(record, config),
            Gate::Always => own_role(),
            // A failed attempt counts too: only trailwarden and allowed principals are left alone.
            Gate::Attempt => exemptions::of_actor(record, config),
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
        root::root_access_key_created,
    ),
    // Before root-activity: the root user removing its own MFA is worth its own words.
    rule(
        "mfa-removed",
        Severity::High,
        Gate::Change,
        "an MFA device deactivated or deleted for another user or for the root user: their sign-in is one password away",
        authentication::mfa_removed,
    ),
    rule(
        "root-activity",
        Severity::High,
        Gate::Always,
        "the root user signed in or called an API; day-to-day work never needs root",
        root::root_activity,
    ),
    rule(
        "console-login-failed",
        Severity::Medium,
        Gate::Always,
        "a failed console sign-in; many in a row mean someone is guessing a password",
        signin::console_login_failed,
    )
    .delivering(&["ConsoleLogin"]),
    rule(
        "console-login-without-mfa",
        Severity::Medium,
        Gate::Always,
        "an IAM user signed in to the console with a password alone",
        signin::console_login_without_mfa,
    )
    .delivering(&["ConsoleLogin"]),
    rule(
        "guardduty-disabled",
        Severity::High,
        Gate::Change,
        "GuardDuty detector deleted or disabled: threat detection is off",
        defences::guardduty_disabled,
    )
    .delivering(&["DeleteDetector", "UpdateDetector"]),
    rule(
        "config-recording-stopped",
        Severity::High,
        Gate::Change,
        "AWS Config recorder stopped or deleted, or its delivery channel deleted",
        defences::config_recording_stopped,
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
        defences::securityhub_disabled,
    )
    .delivering(&["DisableSecurityHub"]),
    rule(
        "access-analyzer-deleted",
        Severity::Medium,
        Gate::Change,
        "IAM Access Analyzer deleted: external access is no longer reported",
        defences::access_analyzer_deleted,
    )
    .delivering(&["DeleteAnalyzer"]),
    rule(
        "flow-logs-deleted",
        Severity::Medium,
        Gate::Change,
        "VPC flow logs deleted: network traffic is no longer recorded",
        defences::flow_logs_deleted,
    )
    .delivering(&["DeleteFlowLogs"]),
    rule(
        "dns-query-logging-removed",
        Severity::Medium,
        Gate::Change,
        "Route 53 Resolver query logging deleted or detached: DNS queries are no longer recorded",
        defences::dns_query_logging_removed,
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
        organization::leave_organization,
    )
    .delivering(&["LeaveOrganization"]),
    rule(
        "federation-token",
        Severity::Medium,
        Gate::Change,
        "GetFederationToken: sessions that outlive the deletion of the access key that made them",
        credentials::federation_token,
    )
    .delivering(&["GetFederationToken"]),
    rule(
        "cloudtrail-insight",
        Severity::Medium,
        Gate::Always,
        "CloudTrail Insights saw an unusual rate of an API call or of its errors",
        own::cloudtrail_insight,
    ),
    rule(
        "trailwarden-tampered",
        Severity::Critical,
        Gate::Attempt,
        "a change to trailwarden's own functions, rules, topic and its key, queues, alarms, log groups, roles, journal table or stack",
        own::trailwarden_tampered,
    ),
    // After trailwarden-tampered: a change to trailwarden's own resources is answered there.
    rule(
        "roles-anywhere-changed",
        Severity::High,
        Gate::Change,
        "an IAM Roles Anywhere trust anchor or profile created or updated: certificates from outside AWS can take the account's roles",
        access::roles_anywhere_changed,
    )
    .delivering(&[
        "CreateTrustAnchor",
        "UpdateTrustAnchor",
        "CreateProfile",
        "UpdateProfile",
    ]),
    // IAM writes already reach tripwire: nothing to deliver.
    rule(
        "identity-provider-changed",
        Severity::High,
        Gate::Change,
        "a SAML or OpenID Connect identity provider created, changed or deleted: a door into the account that no user list shows",
        access::identity_provider_changed,
    ),
    rule(
        "signin-token-federated",
        Severity::Medium,
        Gate::Change,
        "a console sign-in token for a federated session made from an IAM user's access key: long-term keys turned into a console session",
        access::signin_token_federated,
    )
    .delivering(&["GetSigninToken"]),
    rule(
        "organization-guardrail-removed",
        Severity::Critical,
        Gate::Change,
        "a service or resource control policy detached, deleted or rewritten, or the policy type disabled: the organization's guardrails removed",
        organization::guardrail_removed,
    )
    .delivering(&[
        "DetachPolicy",
        "DeletePolicy",
        "UpdatePolicy",
        "DisablePolicyType",
    ]),
    rule(
        "guardduty-findings-silenced",
        Severity::High,
        Gate::Change,
        "GuardDuty told to trust IP addresses, archive findings, or stop reporting member accounts: findings silenced without turning the detector off",
        defences::guardduty_findings_silenced,
    )
    .delivering(&[
        "CreateIPSet",
        "UpdateIPSet",
        "CreateFilter",
        "UpdateFilter",
        "DisassociateFromAdministratorAccount",
        "DisassociateFromMasterAccount",
        "StopMonitoringMembers",
        "DeleteMembers",
    ]),
    rule(
        "detector-disabled",
        Severity::High,
        Gate::Change,
        "Amazon Macie or Inspector disabled, or a Detective graph deleted: a detector off",
        defences::detector_disabled,
    )
    .delivering(&["DisableMacie", "Disable", "DeleteGraph"]),
    rule(
        "detective-rule-removed",
        Severity::Medium,
        Gate::Change,
        "an AWS Config rule or conformance pack deleted, or Security Hub told to drop a product's findings or a custom action: one check off",
        defences::detective_rule_removed,
    )
    .delivering(&[
        "DeleteConfigRule",
        "DeleteConformancePack",
        "DisableImportFindingsForProduct",
        "DeleteActionTarget",
    ]),
    rule(
        "trail-log-group-tampered",
        Severity::High,
        Gate::Change,
        "the trail's CloudWatch Logs group (TRAIL_CLOUDWATCH_LOGS_GROUP_ARN) deleted, its retention changed, or its subscription or metric filters deleted: the account's log alarms go blind",
        logging::trail_log_group_tampered,
    )
    .delivering(&[
        "DeleteLogGroup",
        "PutRetentionPolicy",
        "DeleteSubscriptionFilter",
        "DeleteMetricFilter",
    ]),
    Rule {
        on_by_default: false,
        ..rule(
            "log-group-tampered",
            Severity::Low,
            Gate::Change,
            "any other CloudWatch Logs group deleted, its retention changed, or its subscription or metric filters deleted",
            logging::log_group_tampered,
        )
        .delivering(&[
            "DeleteLogGroup",
            "PutRetentionPolicy",
            "DeleteSubscriptionFilter",
            "DeleteMetricFilter",
        ])
    },
    rule(
        "bedrock-invocation-logging-deleted",
        Severity::Medium,
        Gate::Change,
        "Bedrock model invocation logging deleted: prompts and responses are no longer recorded",
        logging::bedrock_invocation_logging_deleted,
    )
    .delivering(&["DeleteModelInvocationLoggingConfiguration"]),
    rule(
        "trail-bucket-access-logs-off",
        Severity::High,
        Gate::Change,
        "server access logging of the trail's bucket (TRAIL_S3_BUCKET) turned off: reads and deletions of log files are no longer recorded",
        logging::trail_bucket_access_logs_off,
    )
    .delivering(&["PutBucketLogging"]),
    rule(
        "s3-account-public-access-block-off",
        Severity::High,
        Gate::Change,
        "S3 Block Public Access for the whole account deleted or any of its four settings turned off",
        account::s3_account_public_access_block_off,
    )
    .delivering(&[
        "DeleteAccountPublicAccessBlock",
        "PutAccountPublicAccessBlock",
    ]),
    rule(
        "ebs-encryption-by-default-off",
        Severity::Medium,
        Gate::Change,
        "EBS encryption by default turned off in a region",
        account::ebs_encryption_by_default_off,
    )
    .delivering(&["DisableEbsEncryptionByDefault"]),
    rule(
        "kms-key-deletion-scheduled",
        Severity::Medium,
        Gate::Change,
        "a customer KMS key scheduled for deletion (not the trail's key, which trail-guard answers, nor the alert key): ransomware and data loss",
        account::kms_key_deletion_scheduled,
    )
    .delivering(&["ScheduleKeyDeletion"]),
    rule(
        "identity-center-admin-granted",
        Severity::High,
        Gate::Change,
        "IAM Identity Center: an account assignment or a permission set created, or a permission set given AdministratorAccess (or IAMFullAccess, PowerUserAccess) or an inline policy allowing every action",
        identity_center::admin_granted,
    )
    .delivering(&[
        "CreateAccountAssignment",
        "AttachManagedPolicyToPermissionSet",
        "PutInlinePolicyToPermissionSet",
        "CreatePermissionSet",
    ]),
    rule(
        "password-policy-weakened",
        Severity::Medium,
        Gate::Change,
        "the account's password policy deleted, or set below the CIS baseline (14 characters, 24 remembered)",
        authentication::password_policy_weakened,
    ),
    Rule {
        on_by_default: false,
        ..rule(
            "allowed-iam-change",
            Severity::Info,
            Gate::AllowedOnly,
            "an IAM change by an allowed principal, for the audit trail",
            own::allowed_iam_change,
        )
    },
];

/// The rules that answer IAM writes iam-guard has no revert row for. iam-guard alerts on every
/// such write; for these it leaves the alert to tripwire, whose alert says more (one alert for one
/// call).
const ANSWERING_IAM_WRITES: [&str; 3] = [
    "identity-provider-changed",
    "mfa-removed",
    "password-policy-weakened",
];

/// The tripwire rule that answers this IAM write, whatever its gate and whether it is on (turning
/// it off silences the call): see [`ANSWERING_IAM_WRITES`].
pub fn answers_iam_write(record: &Record, config: &Config) -> Option<&'static str> {
    RULES
        .iter()
        .filter(|r| ANSWERING_IAM_WRITES.contains(&r.id))
        .find(|r| detect(r, record, config).is_some())
        .map(|r| r.id)
}

/// The rule with this id.
pub fn rule_by_id(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
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
                    previous_state: None,
                    summary,
                    resource: finding.resource,
                    severity: settings.severity_of(rule),
                    next_steps: finding.next_steps,
                    superseded_by: None,
                    pending: None,
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
                previous_state: None,
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
                pending: None,
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
