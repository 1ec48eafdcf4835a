//! One record through the decisions of every function: the rules the Lambdas run
//! ([`Function::decide`]), the facts they need read from AWS (`--live`) or left unknown, and the
//! answer as the alert would word it. Nothing here changes AWS: a plan is reported, never carried
//! out.

use trailwarden_alerts::Alert;
use trailwarden_events::{Actor, EventError, IdentityKind, Record};
use trailwarden_rules::{
    Config, Decision, Fact, FactQuery, Facts, Function, Ignored, Mode, Outcome, Severity,
    StepResult, StepStatus, outcome,
};

/// Where the facts a decision needs come from.
pub trait FactSource: Sync {
    /// The answers to `queries`, which `function`'s rules ask about `record`.
    fn gather(
        &self,
        function: Function,
        record: &Record,
        config: &Config,
        queries: &[FactQuery],
    ) -> Facts;
}

/// Offline: every fact is unknown, and the answer says which outcome depends on which.
pub struct Offline;

/// The reason an offline fact is unknown, as the rules' texts then quote it.
pub const OFFLINE: &str = "not read: the replay is offline (--live reads it from AWS)";

impl FactSource for Offline {
    fn gather(&self, _: Function, _: &Record, _: &Config, queries: &[FactQuery]) -> Facts {
        Facts::unknown(queries, OFFLINE)
    }
}

/// What one function would have done about a record it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub function: Function,
    pub outcome: Outcome,
    pub severity: Severity,
    /// tripwire's rule id; `None` for the guards, whose rows are named by the event.
    pub rule: Option<&'static str>,
    /// The alert's summary.
    pub reason: String,
    pub resource: String,
    /// Each action of the plan, as the alert words it.
    pub actions: Vec<String>,
    /// The facts that could not be known (offline, or unreadable with `--live`): the outcome
    /// depends on them.
    pub depends_on: Vec<String>,
}

impl Answer {
    /// A revert or a quarantine was planned: the actor is an allow-list candidate if legitimate.
    pub fn changes_something(&self) -> bool {
        !self.actions.is_empty()
    }
}

/// A function's verdict on one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Answered(Answer),
    Ignored(Ignored),
}

/// What trailwarden knows when it replays: its configuration, the account its functions run in
/// (the alert topic's: events of another account are refused in account mode, as the Lambdas
/// do), and where facts come from.
pub struct Replayer<'a> {
    pub config: &'a Config,
    pub home: &'a str,
    pub facts: &'a dyn FactSource,
}

impl Replayer<'_> {
    /// Every function's verdict on `record`, in [`Function::ANSWERING_EVENTS`]'s order. An error: the model
    /// rejects what the record says (the Lambda would return the same error).
    pub fn replay(&self, record: &Record) -> Vec<(Function, Result<Verdict, EventError>)> {
        Function::ANSWERING_EVENTS
            .into_iter()
            .map(|function| (function, self.verdict(function, record)))
            .collect()
    }

    fn verdict(&self, function: Function, record: &Record) -> Result<Verdict, EventError> {
        let account = record.account().unwrap_or(self.home);
        // As the Lambda: a function that acts may act only in its own account without a member
        // role; it then decides without facts, to say what it refused.
        let refused = account != self.home
            && !function.action_kinds().is_empty()
            && self.config.member_role.is_none();
        let queries = if refused {
            Vec::new()
        } else {
            function.facts_needed(record, self.config)
        };
        let facts = self.facts.gather(function, record, self.config, &queries);
        let verdict = function.decide(record, self.config, &facts)?;
        let (incident, plan) = match verdict.decision {
            Decision::Ignore(why) => return Ok(Verdict::Ignored(why)),
            Decision::Respond { incident, plan } => (incident, plan),
        };
        let steps: Vec<StepResult> = plan
            .iter()
            .map(|action| StepResult {
                action: action.clone(),
                status: StepStatus::WouldDo,
                state_before: None,
                state_after: None,
            })
            .collect();
        let outcome = if refused {
            Outcome::Failed
        } else {
            outcome(&steps, incident.superseded_by.is_some())
        };
        let alert = Alert::new(
            function.name(),
            Mode::DryRun,
            record,
            &incident,
            &steps,
            outcome,
        );
        let (reason, severity) = if refused {
            (
                format!(
                    "{} in account {account}, not this function's account {} (account mode, no MEMBER_ROLE_NAME): refused, nothing changed",
                    record.event_name, self.home
                ),
                alert.severity.max(Severity::High),
            )
        } else {
            (alert.summary.clone(), alert.severity)
        };
        let depends_on = queries
            .iter()
            .filter(|q| matches!(facts.get(q), Fact::Unknown(_)))
            .map(ToString::to_string)
            .collect();
        Ok(Verdict::Answered(Answer {
            function,
            outcome,
            severity,
            rule: verdict.rule.map(|r| r.id),
            reason,
            resource: alert.resource,
            actions: alert.actions.into_iter().map(|a| a.action).collect(),
            depends_on,
        }))
    }
}

/// The `ALLOWED_PRINCIPALS` entry that would exempt `actor`: a role's sessions by the role's ARN
/// (never by session name, which whoever assumes the role chooses), a user by its ARN. `None`
/// for root, which no allow-list should hold, and for an actor with no ARN.
pub fn allow_list_entry(actor: &Actor) -> Option<String> {
    match actor.kind {
        IdentityKind::Root => None,
        IdentityKind::AssumedRole => actor
            .role_arn
            .as_ref()
            .or(actor.arn.as_ref())
            .map(ToString::to_string),
        _ => actor.arn.as_ref().map(ToString::to_string),
    }
}
