//! The two guards that act: [`IamGuard`] and [`TrailGuard`], each its clients, its fact gathering,
//! and the dispatch of its own actions. Each function's `main` builds only its own, so a binary
//! links only the SDK clients its guard calls; [`Executor`] and [`AwsClients::guard`] hold every
//! guard, for tests and tools.

use crate::action_log::ActionLog;
use crate::execute::{Remediate, run_plan};
use crate::journal::Journal;
use crate::remediation::StepReport;
use crate::{AwsClients, IamClients, TrailClients, facts, iam, kms, s3, trail};
use aws_config::SdkConfig;
use std::sync::Arc;
use trailwarden_events::{EventError, Record, Region};
use trailwarden_rules::trail::TrailCheck;
use trailwarden_rules::{
    Action, Config, Fact, FactQuery, Facts, Function, Guard, Mode, StepResult, Tripwire, Verdict,
    Work,
};

/// iam-guard: reverts IAM permission changes exactly (IAM; previous states from the journal, else
/// CloudTrail event history).
#[derive(Clone)]
pub struct IamGuard {
    pub clients: IamClients,
    /// The journal of IAM state (`IAM_JOURNAL_TABLE`), in the central account whichever account
    /// the guard acts in.
    pub journal: Option<Journal>,
    /// The action log, in the same table.
    pub action_log: Option<ActionLog>,
}

/// The action log of a guard acting for `config`: in `IAM_JOURNAL_TABLE`, with `home`'s (the
/// function's own) credentials, whichever account the guard acts in.
fn action_log(config: &Config, home: &SdkConfig) -> Option<ActionLog> {
    config
        .iam_journal_table
        .as_ref()
        .map(|table| ActionLog::new(home, table, config.action_log_retention_days))
}

/// [`Guard::log_actions`] of a guard with (or without) a log.
fn log_to<'a>(
    log: Option<&'a ActionLog>,
    entries: &'a [(usize, trailwarden_rules::ActionLogEntry)],
) -> Work<'a, Result<usize, String>> {
    Box::pin(async move {
        match log {
            Some(log) if !entries.is_empty() => log.write(entries).await.map_err(|e| e.to_string()),
            _ => Ok(0),
        }
    })
}

impl IamGuard {
    pub fn new(sdk: &SdkConfig) -> IamGuard {
        IamGuard::from_clients(IamClients::new(sdk))
    }

    /// The guard acting with `sdk` (an account's credentials), its journal read and written with
    /// `home` (the function's own), when the configuration names one.
    pub fn acting(sdk: &SdkConfig, config: &Config, home: &SdkConfig) -> IamGuard {
        IamGuard {
            journal: config
                .iam_journal_table
                .as_ref()
                .map(|table| Journal::new(home, table)),
            action_log: action_log(config, home),
            ..IamGuard::new(sdk)
        }
    }

    pub fn from_clients(clients: IamClients) -> IamGuard {
        IamGuard {
            clients,
            journal: None,
            action_log: None,
        }
    }

    /// The facts a record needs, each previous state from the journal when it knows one from
    /// before the event; else, and for every other fact, from AWS as [`IamGuard::gather`]. The
    /// facts say where each previous state came from, and when the journal could not be used.
    async fn gather_with_journal(&self, record: &Record, queries: Vec<FactQuery>) -> Facts {
        use trailwarden_rules::journal::{partition_key, what_is_kept};
        let (Some(journal), Some(account)) = (&self.journal, record.account()) else {
            return self.gather(&queries).await;
        };
        let mut known = Facts::new();
        let mut rest = Vec::new();
        let mut notes = Vec::new();
        for query in queries {
            let Some((subject, before)) = query
                .previous_of()
                .filter(|(subject, _)| partition_key(account, subject).is_some())
            else {
                rest.push(query);
                continue;
            };
            let note = match journal.previous(account, &subject, before).await {
                Ok(Some((state, provenance))) => {
                    known.note_provenance(query.clone(), provenance);
                    known = known.with(query, Fact::previous(&subject, state));
                    continue;
                }
                Ok(None) => format!(
                    "the journal holds no {} of the {subject} from before the event: CloudTrail event history was read instead",
                    what_is_kept(&subject)
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "the journal could not be read");
                    format!(
                        "the journal could not be read ({e}): CloudTrail event history was read instead"
                    )
                }
            };
            notes.push((query.clone(), note));
            rest.push(query);
        }
        let mut facts = self.gather(&rest).await;
        facts.extend(known);
        for (query, note) in notes {
            facts.note_provenance(query, note);
        }
        facts
    }

    pub async fn gather(&self, queries: &[FactQuery]) -> Facts {
        Box::pin(facts::gather(&self.clients, queries)).await
    }
}

impl Remediate for IamGuard {
    fn remediate<'a>(&'a self, action: &'a Action, mode: Mode) -> Option<Work<'a, StepReport>> {
        trailwarden_rules::carry_out!(IamGuard, action, &self.clients, mode)
    }
}

impl Guard for IamGuard {
    fn function(&self) -> Function {
        Function::IamGuard
    }

    fn gather_facts<'a>(&'a self, record: &'a Record, config: &'a Config) -> Work<'a, Facts> {
        Box::pin(async move {
            let queries = Function::IamGuard.facts_needed(record, config);
            self.gather_with_journal(record, queries).await
        })
    }

    fn keeps_journal(&self) -> bool {
        self.journal.is_some()
    }

    fn log_actions<'a>(
        &'a self,
        entries: &'a [(usize, trailwarden_rules::ActionLogEntry)],
    ) -> Work<'a, Result<usize, String>> {
        log_to(self.action_log.as_ref(), entries)
    }

    fn has_schedule(&self) -> bool {
        self.journal.is_some()
    }

    fn record_versions<'a>(
        &'a self,
        versions: &'a [trailwarden_rules::journal::Version],
    ) -> Work<'a, Result<usize, String>> {
        Box::pin(async move {
            let Some(journal) = &self.journal else {
                return Ok(0);
            };
            let mut written = 0;
            for version in versions {
                let version = crate::journal::verified(&self.clients, version)
                    .await
                    .map_err(|e| format!("the state to record could not be read: {e}"))?;
                if journal.write(&version).await.map_err(|e| e.to_string())? {
                    written += 1;
                }
            }
            Ok(written)
        })
    }

    fn snapshot<'a>(
        &'a self,
        account: &'a str,
    ) -> Work<'a, Result<trailwarden_rules::journal::SnapshotTaken, String>> {
        Box::pin(async move {
            let Some(journal) = &self.journal else {
                return Err("no IAM_JOURNAL_TABLE".into());
            };
            crate::journal::take_snapshot(&self.clients.iam, journal, account)
                .await
                .map_err(|e| e.to_string())
        })
    }

    fn decide(
        &self,
        record: &Record,
        config: &Config,
        facts: &Facts,
    ) -> Result<Verdict, EventError> {
        Function::IamGuard.decide(record, config, facts)
    }

    fn execute<'a>(&'a self, plan: &'a [Action], mode: Mode) -> Work<'a, Vec<StepResult>> {
        Box::pin(run_plan(self, Function::IamGuard.name(), plan, mode))
    }
}

/// trail-guard: keeps the protected trails in their desired state (CloudTrail, KMS, S3).
#[derive(Clone)]
pub struct TrailGuard {
    pub clients: TrailClients,
    /// The action log (`IAM_JOURNAL_TABLE`), in the function's own account.
    pub action_log: Option<ActionLog>,
}

impl TrailGuard {
    pub fn new(sdk: &SdkConfig) -> TrailGuard {
        TrailGuard::from_clients(TrailClients::new(sdk))
    }

    /// The guard acting with `sdk` (an account's credentials); of the function's own account
    /// (`home`) it writes only the action log.
    pub fn acting(sdk: &SdkConfig, config: &Config, home: &SdkConfig) -> TrailGuard {
        TrailGuard {
            action_log: action_log(config, home),
            ..TrailGuard::new(sdk)
        }
    }

    pub fn from_clients(clients: TrailClients) -> TrailGuard {
        TrailGuard {
            clients,
            action_log: None,
        }
    }

    pub async fn gather(&self, queries: &[FactQuery]) -> Facts {
        Box::pin(trail::gather_all(&self.clients, queries)).await
    }
}

impl Remediate for TrailGuard {
    fn remediate<'a>(&'a self, action: &'a Action, mode: Mode) -> Option<Work<'a, StepReport>> {
        trailwarden_rules::carry_out!(TrailGuard, action, &self.clients, mode)
    }
}

impl Guard for TrailGuard {
    fn function(&self) -> Function {
        Function::TrailGuard
    }

    fn log_actions<'a>(
        &'a self,
        entries: &'a [(usize, trailwarden_rules::ActionLogEntry)],
    ) -> Work<'a, Result<usize, String>> {
        log_to(self.action_log.as_ref(), entries)
    }

    fn gather_facts<'a>(&'a self, record: &'a Record, config: &'a Config) -> Work<'a, Facts> {
        Box::pin(async move {
            self.gather(&Function::TrailGuard.facts_needed(record, config))
                .await
        })
    }

    fn decide(
        &self,
        record: &Record,
        config: &Config,
        facts: &Facts,
    ) -> Result<Verdict, EventError> {
        Function::TrailGuard.decide(record, config, facts)
    }

    fn execute<'a>(&'a self, plan: &'a [Action], mode: Mode) -> Work<'a, Vec<StepResult>> {
        Box::pin(run_plan(self, Function::TrailGuard.name(), plan, mode))
    }

    fn has_schedule(&self) -> bool {
        true
    }

    fn check_schedule<'a>(
        &'a self,
        regions: &'a [Region],
        account: Option<&'a str>,
        config: &'a Config,
    ) -> Work<'a, Vec<TrailCheck>> {
        Box::pin(async move {
            use trailwarden_rules::trail::{check, scheduled_facts, states_needed};
            let mut facts = self.gather(&scheduled_facts(regions)).await;
            let states = states_needed(regions, account, config, &facts);
            facts.extend(self.gather(&states).await);
            check(regions, account, config, &facts)
        })
    }
}

/// Carries out any plan with every client: for tests and tools. A function's `main` builds only
/// its own guard instead.
#[derive(Clone)]
pub struct Executor {
    pub clients: AwsClients,
    iam: IamGuard,
    trail: TrailGuard,
}

impl Executor {
    pub fn new(clients: AwsClients) -> Self {
        Executor {
            iam: IamGuard::from_clients(clients.for_iam_guard()),
            trail: TrailGuard::from_clients(clients.for_trail_guard()),
            clients,
        }
    }

    pub async fn execute(&self, plan: &[Action], mode: Mode) -> Vec<StepResult> {
        run_plan(self, "trailwarden", plan, mode).await
    }

    /// Gathers the facts a decision asks for, each from the guard whose fact it is.
    pub async fn gather(&self, queries: &[FactQuery]) -> Facts {
        let (trail, iam): (Vec<_>, Vec<_>) = queries.iter().cloned().partition(|q| {
            matches!(
                q,
                FactQuery::Trail { .. } | FactQuery::TrailsIn { .. } | FactQuery::TrailState { .. }
            )
        });
        let mut facts = self.iam.gather(&iam).await;
        facts.extend(self.trail.gather(&trail).await);
        facts
    }
}

impl Remediate for Executor {
    fn remediate<'a>(&'a self, action: &'a Action, mode: Mode) -> Option<Work<'a, StepReport>> {
        if action.kind().function() == Function::IamGuard {
            self.iam.remediate(action, mode)
        } else {
            self.trail.remediate(action, mode)
        }
    }
}

impl AwsClients {
    /// The guard of `function` over these clients (a test's mocks, say); `None` for log-auditor,
    /// whose guard (`trailwarden_integrity::LogAuditor`) answers no event and reads the journal
    /// table, so is built there.
    pub fn guard(&self, function: Function) -> Option<Arc<dyn Guard>> {
        match function {
            Function::IamGuard => Some(Arc::new(IamGuard::from_clients(self.for_iam_guard()))),
            Function::TrailGuard => {
                Some(Arc::new(TrailGuard::from_clients(self.for_trail_guard())))
            }
            Function::Tripwire => Some(Arc::new(Tripwire)),
            Function::LogAuditor => None,
        }
    }
}
