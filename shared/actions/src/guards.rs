//! The two guards that act: [`IamGuard`] and [`TrailGuard`], each its clients, its fact gathering,
//! and the dispatch of its own actions. Each function's `main` builds only its own, so a binary
//! links only the SDK clients its guard calls; [`Executor`] and [`AwsClients::guard`] hold every
//! guard, for tests and tools.

use crate::execute::{Remediate, run_plan};
use crate::remediation::StepReport;
use crate::{AwsClients, IamClients, TrailClients, facts, iam, kms, s3, trail};
use aws_config::SdkConfig;
use std::sync::Arc;
use trailwarden_events::{EventError, Record, Region};
use trailwarden_rules::trail::TrailCheck;
use trailwarden_rules::{
    Action, Config, FactQuery, Facts, Function, Guard, Mode, StepResult, Tripwire, Verdict, Work,
};

/// iam-guard: reverts IAM permission changes exactly (IAM, and CloudTrail event history).
#[derive(Clone)]
pub struct IamGuard {
    pub clients: IamClients,
}

impl IamGuard {
    pub fn new(sdk: &SdkConfig) -> IamGuard {
        IamGuard::from_clients(IamClients::new(sdk))
    }

    pub fn from_clients(clients: IamClients) -> IamGuard {
        IamGuard { clients }
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
            self.gather(&trailwarden_rules::iam::facts_needed(record, config))
                .await
        })
    }

    fn decide(
        &self,
        record: &Record,
        config: &Config,
        facts: &Facts,
    ) -> Result<Verdict, EventError> {
        trailwarden_rules::iam::decide(record, config, facts).map(Verdict::from)
    }

    fn execute<'a>(&'a self, plan: &'a [Action], mode: Mode) -> Work<'a, Vec<StepResult>> {
        Box::pin(run_plan(self, Function::IamGuard.name(), plan, mode))
    }
}

/// trail-guard: keeps the protected trails in their desired state (CloudTrail, KMS, S3).
#[derive(Clone)]
pub struct TrailGuard {
    pub clients: TrailClients,
}

impl TrailGuard {
    pub fn new(sdk: &SdkConfig) -> TrailGuard {
        TrailGuard::from_clients(TrailClients::new(sdk))
    }

    pub fn from_clients(clients: TrailClients) -> TrailGuard {
        TrailGuard { clients }
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

    fn gather_facts<'a>(&'a self, record: &'a Record, config: &'a Config) -> Work<'a, Facts> {
        Box::pin(async move {
            self.gather(&trailwarden_rules::trail::facts_needed(record, config))
                .await
        })
    }

    fn decide(
        &self,
        record: &Record,
        config: &Config,
        facts: &Facts,
    ) -> Result<Verdict, EventError> {
        trailwarden_rules::trail::decide(record, config, facts).map(Verdict::from)
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
    /// The guard of `function` over these clients (a test's mocks, say).
    pub fn guard(&self, function: Function) -> Arc<dyn Guard> {
        match function {
            Function::IamGuard => Arc::new(IamGuard::from_clients(self.for_iam_guard())),
            Function::TrailGuard => Arc::new(TrailGuard::from_clients(self.for_trail_guard())),
            Function::Tripwire => Arc::new(Tripwire),
        }
    }
}
