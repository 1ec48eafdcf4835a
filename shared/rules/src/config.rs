//! Configuration: what the functions' environment variables say, as types. Reading and checking
//! the variables is `variables`, which sits above the rules it checks against (tripwire's ids), so
//! that the rules can read the configuration without a circle between the two.

use crate::desired::DesiredTrail;
use crate::{PrincipalPattern, Severity};
use std::collections::{BTreeMap, BTreeSet};
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
    pub own_roles: BTreeSet<RoleKey>,
    /// `PROTECTED_TRAILS`: empty means every trail.
    pub protected_trails: Vec<TrailSelector>,
    /// `PROTECTED_POLICIES`: guardrail policies whose removal is put back.
    pub protected_policies: Vec<PolicySelector>,
    /// `CONTAIN_ACTOR`: also contain the actor who made an unauthorized change.
    pub contain_actor: bool,
    /// `RETRY_QUEUE_URL`: the SQS queue through which iam-guard looks again at a change it could
    /// neither undo nor contain yet (`None`: it alerts once and does not look again).
    pub retry_queue: Option<String>,
    /// `GUARD_AWS_MANAGED_ROLES`: also answer what AWS services do to the roles they manage
    /// (service-linked roles, IAM Identity Center's `AWSReservedSSO_*`).
    pub guard_aws_managed_roles: bool,
    /// `MEMBER_ROLE_NAME`: the role trailwarden assumes in the other accounts of the organization
    /// to act there (`None`: account mode, where an event of another account changes nothing).
    pub member_role: Option<String>,
    /// `MANAGEMENT_ACCOUNT_ID`: the organization's management account, where the accounts are
    /// listed (through the member role) for the scheduled check and the alerts' account names.
    pub management_account: Option<String>,
    /// `ACCOUNTS`: the accounts the scheduled check covers, when they are not to be listed.
    pub accounts: Vec<String>,
    /// `REGIONS`: the regions the scheduled check covers besides the function's own, so that a
    /// single-region trail of another region is checked too (multi-region trails are seen from
    /// every region, and checked once).
    pub regions: Vec<trailwarden_events::Region>,
    /// `IAM_JOURNAL_TABLE`: the DynamoDB table of IAM state versions that iam-guard records and
    /// reverts from (`None`: no journal; previous states come from event history alone).
    pub iam_journal_table: Option<String>,
    /// `ACTION_LOG_RETENTION_DAYS`: how long the action log (in `IAM_JOURNAL_TABLE`) keeps each
    /// change trailwarden made.
    pub action_log_retention_days: u32,
    /// `CHECK_QUEUE_URL`: the SQS queue through which trail-guard checks each member account on
    /// its own (`None`: one invocation checks them all, one after the other).
    pub check_queue: Option<String>,
    /// `SECURITY_HUB_FINDINGS`: every alert is also imported into Security Hub as a finding of
    /// the account it concerns.
    pub security_hub_findings: bool,
    /// `TRIPWIRE_*` and `SELF_RESOURCE_PREFIX`: tripwire's rules and trailwarden's own resources.
    pub tripwire: TripwireSettings,
    /// `TRAIL_*`: the desired state of every protected trail, as far as the deployment declares it.
    pub desired_trail: DesiredTrail,
}

/// tripwire's configuration: which rules are off or on, their severities, and trailwarden's own
/// resources. The rule ids are checked against tripwire's rules when read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TripwireSettings {
    /// `TRIPWIRE_DISABLED`: rule ids turned off.
    pub disabled: BTreeSet<&'static str>,
    /// `TRIPWIRE_ENABLED`: rule ids off by default turned on.
    pub enabled: BTreeSet<&'static str>,
    /// `TRIPWIRE_SEVERITY`: `rule-id=severity` overrides.
    pub severity: BTreeMap<&'static str, Severity>,
    /// `SELF_RESOURCE_PREFIX`: trailwarden's own resources are named `<prefix>-...` (the stack
    /// name); its stack is `<prefix>`.
    pub self_prefix: Option<String>,
    /// `ALERT_KEY_ARN`: the KMS key the alert topic is encrypted with. Disabling it, scheduling its
    /// deletion or changing its policy silences every alert.
    pub alert_key: Option<Arn>,
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

pub(crate) fn err(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        problem: problem.into(),
    }
}

impl Config {
    /// True when `role` (a name from a request, in any case: IAM compares role names regardless of
    /// case) is one of trailwarden's own roles, in `account` when one is given.
    pub fn is_own_role_named(&self, role: &str, account: Option<&str>) -> bool {
        let member = self
            .member_role
            .as_deref()
            .is_some_and(|member| member.eq_ignore_ascii_case(role));
        (member && account.is_none_or(|a| self.is_member_account(a)))
            || self.own_roles.iter().any(|own| {
                account.is_none_or(|a| own.account == a) && own.name.eq_ignore_ascii_case(role)
            })
    }

    /// trailwarden's own role, when `role` (a session's role, acting in `account`) is one: one of
    /// `RESPONDER_ROLE_ARNS`, or the member role in the member account it acts in. By role ARN,
    /// never by session name: anyone who can assume a role picks its session name.
    pub fn is_own_role(&self, role: &RoleKey, account: Option<&str>) -> bool {
        self.own_roles.contains(role)
            || self.member_role.as_deref().is_some_and(|member| {
                role.name == member
                    && account.is_some_and(|a| a == role.account && self.is_member_account(a))
            })
    }

    /// An account where the member role is trailwarden's: any but the central one, where the
    /// functions act with their own roles (`RESPONDER_ROLE_ARNS`), so that a role of that name
    /// made there is nobody's.
    fn is_member_account(&self, account: &str) -> bool {
        !self.own_roles.iter().any(|own| own.account == account)
    }

    /// What is legal but weaker than it looks, logged once at cold start: allow-list patterns that
    /// someone other than the principal meant can satisfy.
    pub fn warnings(&self) -> Vec<String> {
        self.allowed_principals
            .iter()
            .filter_map(|p| {
                p.claimable()
                    .map(|why| format!("ALLOWED_PRINCIPALS: {why}"))
            })
            .collect()
    }
}
