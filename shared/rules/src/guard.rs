//! [`Guard`]: what one function is, as the event pipeline drives it: its decisions (pure, in this
//! crate) joined to the reads and changes in AWS that carry them out (in `trailwarden-actions`).
//! Each function's `main` builds only its own guard, so its binary links only the clients it calls.
//! tripwire's guard ([`Tripwire`]) is here: it reads and changes nothing, so it needs no I/O crate.

use crate::outcome::StepResult;
use crate::trail::TrailCheck;
use crate::tripwire::{Evaluation, Rule};
use crate::{Action, Config, Decision, Facts, Function, Mode};
use std::future::Future;
use std::pin::Pin;
use trailwarden_events::{EventError, Insight, Record, Region};

/// Work a guard does against AWS, boxed so that guards of different functions share one pipeline.
pub type Work<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a guard decided about one record: the decision, and for tripwire the rule that answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub decision: Decision,
    pub rule: Option<&'static Rule>,
}

impl From<Decision> for Verdict {
    fn from(decision: Decision) -> Verdict {
        Verdict {
            decision,
            rule: None,
        }
    }
}

impl From<Evaluation> for Verdict {
    fn from(evaluation: Evaluation) -> Verdict {
        Verdict {
            decision: evaluation.decision,
            rule: evaluation.rule,
        }
    }
}

/// One function's rules and remediations. The pipeline (`trailwarden-responder`) calls, for each
/// record: [`Guard::gather_facts`], [`Guard::decide`], then [`Guard::execute`] on the plan.
pub trait Guard: Send + Sync {
    fn function(&self) -> Function;

    /// What the decision needs to know beyond the record, read from AWS. Never fails: what cannot
    /// be read is a `Fact::Unknown` that the decision answers.
    fn gather_facts<'a>(&'a self, record: &'a Record, config: &'a Config) -> Work<'a, Facts>;

    /// The function's rules, given the facts [`Guard::gather_facts`] read.
    fn decide(
        &self,
        record: &Record,
        config: &Config,
        facts: &Facts,
    ) -> Result<Verdict, EventError>;

    /// Carries out a plan in order: check, act unless dry-run, read back.
    fn execute<'a>(&'a self, plan: &'a [Action], mode: Mode) -> Work<'a, Vec<StepResult>>;

    /// Whether this function answers the schedule ([`Guard::check_schedule`]).
    fn has_schedule(&self) -> bool {
        false
    }

    /// The `eventName` of the record its scheduled check's alerts carry.
    fn schedule_event_name(&self) -> &'static str {
        "ScheduledCheck"
    }

    /// The scheduled check, for the guard that has one: every resource it keeps in `regions`
    /// compared with its desired state, one check each. Called only when [`Guard::has_schedule`].
    fn check_schedule<'a>(
        &'a self,
        _regions: &'a [Region],
        _account: Option<&'a str>,
        _config: &'a Config,
    ) -> Work<'a, Vec<TrailCheck>> {
        Box::pin(std::future::ready(Vec::new()))
    }

    /// Writes entries of the action log ([`crate::action_log::entries`]: each change made or
    /// attempted, with its step's index), how many were written, or why they could not be. A
    /// guard that changes nothing, or has no table, keeps no log.
    fn log_actions<'a>(
        &'a self,
        _entries: &'a [(usize, crate::ActionLogEntry)],
    ) -> Work<'a, Result<usize, String>> {
        Box::pin(std::future::ready(Ok(0)))
    }

    /// Whether this guard keeps the journal of IAM state ([`Guard::record_versions`]).
    fn keeps_journal(&self) -> bool {
        false
    }

    /// Writes versions of IAM state to the journal, each once (a duplicate is no error). Called
    /// only when [`Guard::keeps_journal`].
    fn record_versions<'a>(
        &'a self,
        _versions: &'a [crate::journal::Version],
    ) -> Work<'a, Result<usize, String>> {
        Box::pin(std::future::ready(Ok(0)))
    }

    /// The snapshot of `account`'s IAM state into the journal, for the guard that keeps one:
    /// what it read and wrote, or why it could not.
    fn snapshot<'a>(
        &'a self,
        _account: &'a str,
    ) -> Work<'a, Result<crate::journal::SnapshotTaken, String>> {
        Box::pin(std::future::ready(Err(
            "this function keeps no journal".into()
        )))
    }

    /// A CloudTrail Insights event, for the guard that answers them. `None`: not handled here.
    fn evaluate_insight(&self, _insight: &Insight, _config: &Config) -> Option<Evaluation> {
        None
    }
}

/// tripwire's guard: detection only. It reads nothing beyond the record and changes nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tripwire;

impl Guard for Tripwire {
    fn function(&self) -> Function {
        Function::Tripwire
    }

    fn gather_facts<'a>(&'a self, _: &'a Record, _: &'a Config) -> Work<'a, Facts> {
        Box::pin(std::future::ready(Facts::new()))
    }

    fn decide(&self, record: &Record, config: &Config, _: &Facts) -> Result<Verdict, EventError> {
        Function::Tripwire.decide(record, config, &Facts::new())
    }

    /// tripwire's decisions plan nothing; an action handed to it anyway is refused, never dropped.
    fn execute<'a>(&'a self, plan: &'a [Action], _: Mode) -> Work<'a, Vec<StepResult>> {
        Box::pin(std::future::ready(crate::outcome::refuse_all(
            plan, "tripwire",
        )))
    }

    fn evaluate_insight(&self, insight: &Insight, config: &Config) -> Option<Evaluation> {
        Some(crate::tripwire::evaluate_insight(insight, config))
    }
}
