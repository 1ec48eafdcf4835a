//! [`LogAuditor`]: log-auditor's guard. It answers no CloudTrail event; its schedule validates
//! every protected trail of an account from where the last run stopped ([`Positions`]), and each
//! trail whose validation finds a problem is one critical alert ([`crate::incident`]).

use crate::positions::Positions;
use crate::store::{Store, StoreError};
use crate::validate::{Range, TrailLocation, Validation, validate};
use aws_config::SdkConfig;
use std::collections::BTreeMap;
use trailwarden_events::{Arn, EventError, EventTime, Record, Region};
use trailwarden_rules::trail::{TrailCheck, is_protected};
use trailwarden_rules::{
    Action, Config, Decision, Facts, Function, Guard, Ignored, Incident, Mode, Severity,
    StepResult, TrailRef, Verdict, Work,
};

/// A trail never validated starts this far back.
pub const FIRST_LOOK_SECONDS: i64 = 24 * 3_600;

/// At most this much of a trail's backlog per run (a missed week is caught up over the next
/// runs, each within the function's timeout).
pub const MAX_SECONDS_PER_RUN: i64 = 7 * 24 * 3_600;

/// Reads at a time, per trail.
const CONCURRENCY: usize = 16;

pub struct LogAuditor {
    /// The account's configuration: its own, or a member account's through the member role.
    sdk: SdkConfig,
    /// In the function's own account (`IAM_JOURNAL_TABLE`); `None` without it: every run looks
    /// back [`FIRST_LOOK_SECONDS`].
    positions: Option<Positions>,
}

impl LogAuditor {
    /// The guard for the account of `sdk`, keeping its positions with `home`'s credentials.
    pub fn acting(sdk: &SdkConfig, config: &Config, home: &SdkConfig) -> LogAuditor {
        LogAuditor {
            sdk: sdk.clone(),
            positions: config
                .iam_journal_table
                .as_ref()
                .map(|table| Positions::new(aws_sdk_dynamodb::Client::new(home), table)),
        }
    }

    /// Every protected trail whose home is one of `regions`, each once.
    async fn protected_trails(
        &self,
        regions: &[Region],
        account: &str,
        config: &Config,
    ) -> Result<Vec<Arn>, StoreError> {
        let mut trails = Vec::new();
        for region in regions {
            let store = Store::in_region(&self.sdk, region.as_str());
            for arn in store.trails_at_home().await? {
                let Ok(parsed) = Arn::parse("TrailARN", &arn) else {
                    continue;
                };
                let trail = TrailRef {
                    name: parsed.resource_name().to_string(),
                    region: region.clone(),
                    arn: Some(parsed),
                };
                if !is_protected(&trail, Some(account), config) {
                    continue;
                }
                if let Some(arn) = trail.arn.filter(|arn| !trails.contains(arn)) {
                    trails.push(arn);
                }
            }
        }
        Ok(trails)
    }

    /// One trail's validation from its positions, which then move on.
    async fn audit(
        &self,
        trail: &Arn,
        arn: &str,
        account: &str,
        now: EventTime,
    ) -> Result<Audit, StoreError> {
        let store = Store::in_region(&self.sdk, &trail.region);
        let facts = store.trail(arn).await?;
        let logging = store.logging(arn, facts.validation_enabled).await?;
        let location = TrailLocation::resolve(
            &store,
            trail,
            facts.bucket,
            facts.prefix,
            facts.organization_trail,
            account,
        )
        .await?;
        let positions = match &self.positions {
            Some(p) => p.load(account, arn).await?,
            None => BTreeMap::new(),
        };
        let since = EventTime::from_epoch_seconds(now.epoch_seconds() - FIRST_LOOK_SECONDS);
        let oldest = positions
            .values()
            .filter_map(|p| EventTime::parse(&p.end).ok())
            .min()
            .unwrap_or(since);
        let until = EventTime::from_epoch_seconds(
            (oldest.epoch_seconds() + MAX_SECONDS_PER_RUN).min(now.epoch_seconds()),
        );
        let validation = validate(
            &store,
            &location,
            &[],
            Range { since, until },
            &positions,
            &logging,
            now,
            CONCURRENCY,
            &(),
        )
        .await?;
        let saved = match &self.positions {
            Some(p) => p.save(account, arn, &validation.last).await.err(),
            None => None,
        };
        Ok(Audit {
            bucket: location.bucket,
            validation,
            saved,
        })
    }
}

/// One trail's audit: what validation found, and whether the position could not be saved.
struct Audit {
    bucket: String,
    validation: Validation,
    saved: Option<StoreError>,
}

/// The check of one trail: its incident, or all intact.
fn check_of(arn: &str, account: &str, audit: Result<Audit, StoreError>) -> TrailCheck {
    let decision = match audit {
        Err(e) => respond(Incident {
            summary: format!(
                "log file validation of trail {arn} in account {account} could not run"
            ),
            resource: format!("trail {arn}"),
            severity: Severity::High,
            next_steps: vec![format!(
                "{e}. Until it can run, no one knows whether the trail's log files are intact: check the function's role (and the member role) can read the trail's bucket and call cloudtrail:ListPublicKeys."
            )],
            superseded_by: None,
            pending: None,
            previous_state: None,
        }),
        Ok(audit) => {
            let mut incident =
                crate::incident::incident(arn, account, &audit.bucket, &audit.validation);
            if let (Some(e), Some(incident)) = (&audit.saved, incident.as_mut()) {
                incident.next_steps.push(format!(
                    "Where this validation stopped could not be saved ({e}): the next run validates the same digests again."
                ));
            }
            match incident {
                Some(incident) => respond(incident),
                None => Decision::Ignore(Ignored::LogsIntact {
                    trail: arn.to_string(),
                }),
            }
        }
    };
    TrailCheck {
        trail: arn.to_string(),
        decision,
    }
}

fn respond(incident: Incident) -> Decision {
    Decision::Respond {
        incident,
        plan: vec![],
    }
}

impl Guard for LogAuditor {
    fn function(&self) -> Function {
        Function::LogAuditor
    }

    fn gather_facts<'a>(&'a self, _: &'a Record, _: &'a Config) -> Work<'a, Facts> {
        Box::pin(std::future::ready(Facts::new()))
    }

    fn decide(
        &self,
        record: &Record,
        config: &Config,
        facts: &Facts,
    ) -> Result<Verdict, EventError> {
        Function::LogAuditor.decide(record, config, facts)
    }

    /// log-auditor plans nothing; an action handed to it anyway is refused, never dropped.
    fn execute<'a>(&'a self, plan: &'a [Action], _: Mode) -> Work<'a, Vec<StepResult>> {
        Box::pin(std::future::ready(trailwarden_rules::outcome::refuse_all(
            plan,
            "log-auditor",
        )))
    }

    fn has_schedule(&self) -> bool {
        true
    }

    fn schedule_event_name(&self) -> &'static str {
        "LogValidation"
    }

    /// Every protected trail of the account validated from where the last run stopped: one check
    /// per trail (an incident when anything is not valid, or when it could not run).
    fn check_schedule<'a>(
        &'a self,
        regions: &'a [Region],
        account: Option<&'a str>,
        config: &'a Config,
    ) -> Work<'a, Vec<TrailCheck>> {
        Box::pin(async move {
            let account = account.unwrap_or(config.alert_topic.account.as_str());
            let now = EventTime::now();
            let trails = match self.protected_trails(regions, account, config).await {
                Ok(trails) => trails,
                Err(e) => return vec![check_of("*", account, Err(e))],
            };
            let mut checks = Vec::new();
            for trail in trails {
                let arn = trail.to_string();
                let audit = self.audit(&trail, &arn, account, now).await;
                checks.push(check_of(&arn, account, audit));
            }
            checks
        })
    }
}
