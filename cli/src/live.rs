//! `--live`: the facts a decision needs, read from AWS by the guards the Lambdas run (their
//! `gather_facts`: CloudTrail event history, IAM, CloudTrail trails, the journal), in member
//! accounts through the member role. Only reads: no remediation is ever carried out, in any mode.

use crate::replay::FactSource;
use std::sync::Arc;
use trailwarden_actions::{IamGuard, TrailGuard};
use trailwarden_events::Record;
use trailwarden_responder::Members;
use trailwarden_rules::{Config, FactQuery, Facts, Function, Guard};

/// The guards of the account the command runs in and, with `MEMBER_ROLE_NAME`, of the others.
pub struct Live {
    runtime: tokio::runtime::Handle,
    home: String,
    iam: Arc<IamGuard>,
    trail: Arc<TrailGuard>,
    iam_members: Option<Members<IamGuard>>,
    trail_members: Option<Members<TrailGuard>>,
}

/// The session name of the member role's sessions: CloudTrail in each account says who read.
const SESSION: &str = "trailwarden-replay";

impl Live {
    pub fn new(
        sdk: &aws_config::SdkConfig,
        config: &Config,
        home: &str,
        runtime: tokio::runtime::Handle,
    ) -> Live {
        let partition = &config.alert_topic.partition;
        let (in_member, own) = (config.clone(), sdk.clone());
        let iam_members = config.member_role.as_ref().map(|role| {
            Members::new(
                sdk,
                partition,
                role,
                SESSION,
                // The journal is read with the command's own credentials, as the function does.
                Arc::new(move |member: &aws_config::SdkConfig| {
                    Arc::new(IamGuard::acting(member, &in_member, &own))
                }),
            )
        });
        let trail_members = config.member_role.as_ref().map(|role| {
            Members::new(
                sdk,
                partition,
                role,
                SESSION,
                Arc::new(|member: &aws_config::SdkConfig| Arc::new(TrailGuard::new(member))),
            )
        });
        Live {
            runtime,
            home: home.to_string(),
            iam: Arc::new(IamGuard::acting(sdk, config, sdk)),
            trail: Arc::new(TrailGuard::new(sdk)),
            iam_members,
            trail_members,
        }
    }
}

async fn gather<G: Guard + ?Sized + 'static>(
    home: &Arc<G>,
    members: Option<&Members<G>>,
    at_home: bool,
    record: &Record,
    config: &Config,
    queries: &[FactQuery],
) -> Facts {
    let guard = match (at_home, members) {
        (true, _) => home.clone(),
        (false, Some(members)) => {
            match members.guard_in(record.account().unwrap_or_default()).await {
                Ok(guard) => guard,
                Err(e) => return Facts::unknown(queries, &e.to_string()),
            }
        }
        (false, None) => {
            return Facts::unknown(queries, "another account, and no MEMBER_ROLE_NAME");
        }
    };
    guard.gather_facts(record, config).await
}

impl FactSource for Live {
    fn gather(
        &self,
        function: Function,
        record: &Record,
        config: &Config,
        queries: &[FactQuery],
    ) -> Facts {
        if queries.is_empty() {
            return Facts::new();
        }
        let at_home = record.account().is_none_or(|a| a == self.home);
        self.runtime.block_on(async {
            match function {
                Function::IamGuard => {
                    gather(
                        &self.iam,
                        self.iam_members.as_ref(),
                        at_home,
                        record,
                        config,
                        queries,
                    )
                    .await
                }
                Function::TrailGuard => {
                    gather(
                        &self.trail,
                        self.trail_members.as_ref(),
                        at_home,
                        record,
                        config,
                        queries,
                    )
                    .await
                }
                Function::Tripwire | Function::LogAuditor => Facts::new(),
            }
        })
    }
}
