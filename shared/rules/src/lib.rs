//! Pure decisions: a CloudTrail record and the configuration in, a [`Decision`] out. Nothing here
//! talks to AWS, so the decisions are tested on the whole corpus without a network.

pub mod action_log;
mod config;
mod decision;
pub mod desired;
pub mod exemptions;
pub mod facts;
pub mod guard;
pub mod iam;
pub mod journal;
pub mod outcome;
mod plan;
mod principal;
pub mod subject;
pub mod trail;
pub mod tripwire;
mod variables;

pub use action_log::{ACTION_LOG_PERMISSIONS, ActionLogEntry};
pub use config::{Config, ConfigError, Mode, PolicySelector, TrailSelector, TripwireSettings};
pub use decision::{Decision, Ignored, Incident};
pub use desired::{DesiredTrail, ObservedTrail, TrailRef};
pub use facts::{Fact, FactQuery, Facts, LaterChange};
pub use guard::{Guard, Tripwire, Verdict, Work};
pub use outcome::{ActionError, FailureKind, Outcome, StepResult, StepStatus, outcome};
pub use plan::{
    Action, ActionKind, DENY_SESSIONS_SINCE_POLICY_NAME, Principal, PrincipalKind,
    QUARANTINE_POLICY_NAME, REVOKE_SESSIONS_POLICY_NAME, Severity,
};
pub use principal::PrincipalPattern;
pub use subject::Subject;

/// What publishing an alert needs: the topic, and its key (the template encrypts the topic with a
/// key of the stack's own, so that CloudWatch alarms can publish to it too).
pub const ALERT_PERMISSIONS: &[&str] = &["sns:Publish", "kms:GenerateDataKey", "kms:Decrypt"];

/// What Lambda itself does with a function's role, beyond the function's code: write its logs, and
/// send an event that failed every retry to the dead-letter queue.
pub const RUNTIME_PERMISSIONS: &[&str] = &[
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "sqs:SendMessage",
];

/// What a function fed by a queue of its own needs (iam-guard's look-again, trail-guard's check of
/// each member account): sending to it, and Lambda reading the queue back to it.
pub const QUEUE_PERMISSIONS: &[&str] = &[
    "sqs:SendMessage",
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
];

/// What acting in the other accounts of an organization needs (`MEMBER_ROLE_NAME`): assuming the
/// member role there. Every function that acts holds it (the template grants it in organization
/// mode only).
pub const MEMBER_PERMISSIONS: &[&str] = &["sts:AssumeRole"];

/// What listing the organization's accounts needs (the scheduled check's accounts, the alerts'
/// account names): in the management account, through its member role (or with the function's
/// own role when it runs there).
pub const ORGANIZATION_PERMISSIONS: &[&str] = &["organizations:ListAccounts"];

/// What iam-guard's journal of IAM state (`IAM_JOURNAL_TABLE`) needs: a subject's versions and
/// an account's latest (`Query`, the table and its `account` index), each version written once
/// (`PutItem`), a snapshot's 25 a call (`BatchWriteItem`). In the central account only; its KMS key is used through DynamoDB, which the key's
/// policy allows the role.
pub const JOURNAL_PERMISSIONS: &[&str] = &[
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:BatchWriteItem",
];

/// What the snapshot of an account's IAM state reads (in every account, through the member role).
pub const SNAPSHOT_PERMISSIONS: &[&str] = &["iam:GetAccountAuthorizationDetails"];

/// What log file validation reads (log-auditor; `trailwarden_integrity`, whose `store.rs` makes
/// the calls): the trail's bucket (`ListObjectsV2`, `GetObject`, `HeadObject`,
/// `ListObjectVersions`), the trails (`DescribeTrails`, `GetTrail`, `GetTrailStatus`) and
/// CloudTrail's public keys;
/// `kms:Decrypt` for a bucket encrypted with the trail's KMS key. In every account, through the
/// member role.
pub const LOG_VALIDATION_PERMISSIONS: &[&str] = &[
    "s3:ListBucket",
    "s3:GetObject",
    "s3:ListBucketVersions",
    "cloudtrail:DescribeTrails",
    "cloudtrail:GetTrail",
    "cloudtrail:GetTrailStatus",
    "cloudtrail:ListPublicKeys",
    "kms:Decrypt",
];

/// Where log-auditor keeps the last digest it validated of each trail (`IAM_JOURNAL_TABLE`, under
/// its own partition key): in the central account only.
pub const POSITION_PERMISSIONS: &[&str] = &["dynamodb:Query", "dynamodb:PutItem"];

/// What importing an alert as a Security Hub finding needs (`SECURITY_HUB_FINDINGS`): in the
/// account the finding concerns, which is the central one or, through the member role, a member.
/// The template grants it only when `SecurityHubFindings` is true.
pub const FINDINGS_PERMISSIONS: &[&str] = &["securityhub:BatchImportFindings"];

/// trailwarden's Lambda functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    TrailGuard,
    IamGuard,
    Tripwire,
    /// Validates the protected trails' log files on a schedule: it answers no CloudTrail event.
    LogAuditor,
}

impl Function {
    /// Every function.
    pub const ALL: [Function; 4] = [
        Function::IamGuard,
        Function::TrailGuard,
        Function::Tripwire,
        Function::LogAuditor,
    ];

    /// The functions that answer CloudTrail events, in the order a record is shown to them
    /// (`trailwarden replay`).
    pub const ANSWERING_EVENTS: [Function; 3] =
        [Function::IamGuard, Function::TrailGuard, Function::Tripwire];

    /// What the function's rules need to know about `record` beyond it, read from AWS by its
    /// guard ([`Guard::gather_facts`]) before [`Function::decide`].
    pub fn facts_needed(
        self,
        record: &trailwarden_events::Record,
        config: &Config,
    ) -> Vec<FactQuery> {
        match self {
            Function::IamGuard => iam::facts_needed(record, config),
            Function::TrailGuard => trail::facts_needed(record, config),
            Function::Tripwire | Function::LogAuditor => Vec::new(),
        }
    }

    /// The function's decision about one record, given the facts: the code its guard runs in the
    /// Lambda ([`Guard::decide`]), callable without one (`trailwarden replay`).
    pub fn decide(
        self,
        record: &trailwarden_events::Record,
        config: &Config,
        facts: &Facts,
    ) -> Result<Verdict, trailwarden_events::EventError> {
        match self {
            Function::IamGuard => {
                let decision = iam::decide(record, config, facts)?;
                // An IAM write no revert row answers, which a tripwire rule answers with more to
                // say (an identity provider, another user's MFA, the password policy): tripwire's
                // alert alone, one alert for one call. (Here, not in iam: tripwire uses iam.)
                let tripwires = matches!(decision, Decision::Respond { .. })
                    && !iam::has_revert_row(record)
                    && tripwire::answers_iam_write(record, config).is_some();
                Ok(Verdict::from(if tripwires {
                    Decision::Ignore(Ignored::NotHandled {
                        event_name: record.event_name.clone(),
                    })
                } else {
                    decision
                }))
            }
            Function::TrailGuard => trail::decide(record, config, facts).map(Verdict::from),
            Function::Tripwire => Ok(tripwire::evaluate(record, config).into()),
            Function::LogAuditor => Ok(Decision::Ignore(Ignored::NotHandled {
                event_name: record.event_name.clone(),
            })
            .into()),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Function::TrailGuard => "trail-guard",
            Function::IamGuard => "iam-guard",
            Function::Tripwire => "tripwire",
            Function::LogAuditor => "log-auditor",
        }
    }

    /// The actions this function's decisions can plan (declared with each kind, in `plan`).
    pub fn action_kinds(self) -> &'static [ActionKind] {
        ActionKind::of(self)
    }

    /// The reads the function does to gather facts before deciding.
    pub fn fact_permissions(self) -> &'static [&'static str] {
        match self {
            Function::Tripwire => &[],
            Function::LogAuditor => LOG_VALIDATION_PERMISSIONS,
            Function::TrailGuard => trail::FACT_PERMISSIONS,
            Function::IamGuard => iam::FACT_PERMISSIONS,
        }
    }

    /// Every IAM permission the function's code uses: its actions', its fact gathering's and
    /// publishing alerts. The template's role for the function holds exactly these and
    /// [`RUNTIME_PERMISSIONS`].
    pub fn permissions(self) -> std::collections::BTreeSet<&'static str> {
        let mut all: std::collections::BTreeSet<_> = self
            .action_kinds()
            .iter()
            .flat_map(|k| k.permissions().iter().copied())
            .collect();
        all.extend(self.fact_permissions().iter().copied());
        all.extend(ALERT_PERMISSIONS.iter().copied());
        all.extend(FINDINGS_PERMISSIONS.iter().copied());
        if self != Function::Tripwire && self != Function::LogAuditor {
            all.extend(QUEUE_PERMISSIONS.iter().copied());
        }
        if self.acts_in_members() {
            all.extend(MEMBER_PERMISSIONS.iter().copied());
            all.extend(ORGANIZATION_PERMISSIONS.iter().copied());
        }
        if self == Function::LogAuditor {
            all.extend(POSITION_PERMISSIONS.iter().copied());
        }
        if !self.action_kinds().is_empty() {
            all.extend(ACTION_LOG_PERMISSIONS.iter().copied());
        }
        if self == Function::IamGuard {
            all.extend(JOURNAL_PERMISSIONS.iter().copied());
            all.extend(SNAPSHOT_PERMISSIONS.iter().copied());
        }
        all
    }

    /// Whether the function reads or changes the organization's other accounts (through their
    /// member role): those with actions, and log-auditor's validation.
    pub fn acts_in_members(self) -> bool {
        !self.action_kinds().is_empty() || self == Function::LogAuditor
    }

    /// What the function does in a member account, through the member role: its actions and its
    /// fact gathering (alerts, logs and queues stay in the central account).
    pub fn member_permissions(self) -> std::collections::BTreeSet<&'static str> {
        let mut all: std::collections::BTreeSet<_> = self
            .action_kinds()
            .iter()
            .flat_map(|k| k.permissions().iter().copied())
            .chain(self.fact_permissions().iter().copied())
            .collect();
        if !all.is_empty() {
            all.extend(ORGANIZATION_PERMISSIONS.iter().copied());
            // Its alerts' findings, imported in the account they concern.
            all.extend(FINDINGS_PERMISSIONS.iter().copied());
        }
        if self == Function::IamGuard {
            all.extend(SNAPSHOT_PERMISSIONS.iter().copied());
        }
        all
    }

    /// The member role's permissions (`member.yaml`): what every function does in a member
    /// account.
    pub fn member_role_permissions() -> std::collections::BTreeSet<&'static str> {
        Function::ALL
            .into_iter()
            .flat_map(Function::member_permissions)
            .collect()
    }
}
