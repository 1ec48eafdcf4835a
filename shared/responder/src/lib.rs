//! The way of an event, shared by every function's `main`: bytes → record → decision → execution →
//! alert. Configuration and clients are made once per cold start ([`Responder::from_env`]); each
//! event goes through [`Responder::handle`]. What differs between functions is their [`Guard`]:
//! each `main` builds its own, so this crate links no AWS client of a guard (only SNS, SQS, the
//! member role's and Security Hub's).

pub mod environment;
mod error;
mod findings;
pub mod logging;
mod members;
pub mod metrics;
mod report;
mod retry;
mod schedule;

pub use error::HandlerError;
pub use findings::Findings;
pub use members::{Account, AccountGuards, MakeGuard, MemberCredentials, MemberError, Members};
pub use report::Report;
use retry::Queued;
pub use retry::{CheckQueue, RetryQueue};
pub use schedule::scheduled_record;
pub use serde_json::Value;
pub use trailwarden_rules::{Config, Function, Guard, Mode, Tripwire};

use aws_config::SdkConfig;
use std::sync::Arc;
use trailwarden_alerts::{Alert, AlertPublisher};
use trailwarden_events::Insight;
use trailwarden_events::redact::redact_text;
use trailwarden_events::{Envelope, EventTime, Record, parse_delivered};
use trailwarden_rules::{Decision, Facts, Ignored, Outcome, StepResult, Verdict, journal, outcome};

/// One function's configuration, guard and alert publisher. A function's binary has its own guard
/// type (`Responder<Tripwire>`), so what its guard never does (a schedule, an insight, an action)
/// is not linked; tests that hold several functions use `Responder` (any guard).
pub struct Responder<G: Guard + ?Sized = dyn Guard> {
    pub guard: Arc<G>,
    pub config: Config,
    pub alerts: AlertPublisher,
    /// `RETRY_QUEUE_URL`'s queue, when set.
    pub retries: Option<RetryQueue>,
    /// `CHECK_QUEUE_URL`'s queue, when set: the scheduled check's fan-out, one message an account.
    pub checks: Option<CheckQueue>,
    /// The function's own account: where `guard` acts. Lambda names it with each invocation
    /// ([`Responder::handle_invocation`]); until then, the alert topic's.
    pub home: String,
    /// The guards of the other accounts (`MEMBER_ROLE_NAME`, organization mode); `None`: an event
    /// of another account changes nothing.
    pub members: Option<Arc<dyn AccountGuards<G>>>,
    /// `SECURITY_HUB_FINDINGS`: the function's Security Hub client, when alerts are also findings.
    pub findings: Option<Findings>,
}

impl<G: Guard + ?Sized> Clone for Responder<G> {
    fn clone(&self) -> Self {
        Responder {
            guard: self.guard.clone(),
            config: self.config.clone(),
            alerts: self.alerts.clone(),
            retries: self.retries.clone(),
            checks: self.checks.clone(),
            home: self.home.clone(),
            members: self.members.clone(),
            findings: self.findings.clone(),
        }
    }
}

impl<G: Guard> Responder<G> {
    /// Reads the configuration from the environment and makes the function's guard with its AWS
    /// clients (`guard`, once per cold start). A bad configuration fails here, with the variable's
    /// name.
    pub async fn from_env(
        guard: impl FnOnce(&SdkConfig) -> G,
    ) -> Result<Responder<G>, trailwarden_rules::ConfigError> {
        let (config, sdk) = load()?;
        Ok(Responder::new(Arc::new(guard(&sdk)), config, &sdk))
    }

    /// [`Responder::from_env`] for a function that acts: with `MEMBER_ROLE_NAME` set, it also acts
    /// in the other accounts of the organization, through a guard made by `guard` for each.
    /// `guard(account's configuration, configuration, function's own configuration)`: what the
    /// guard keeps in the function's own account (iam-guard's journal) uses the last.
    pub async fn acting_from_env(
        guard: fn(&SdkConfig, &Config, &SdkConfig) -> G,
    ) -> Result<Responder<G>, trailwarden_rules::ConfigError>
    where
        G: 'static,
    {
        let (config, sdk) = load()?;
        let home = sdk.clone();
        let in_member = config.clone();
        Ok(
            Responder::new(Arc::new(guard(&sdk, &config, &sdk)), config, &sdk).with_members(
                &sdk,
                Arc::new(move |member| Arc::new(guard(member, &in_member, &home))),
            ),
        )
    }
}

/// The configuration and the AWS SDK's, from the process environment, once per cold start.
fn load() -> Result<(Config, SdkConfig), trailwarden_rules::ConfigError> {
    let config = Config::from_env()?;
    for warning in config.warnings() {
        tracing::warn!(%warning, "configuration");
    }
    let sdk = environment::sdk_config(|name| std::env::var(name).ok())?;
    Ok((config, sdk))
}

impl<G: Guard + ?Sized> Responder<G> {
    pub fn new(guard: Arc<G>, config: Config, sdk: &SdkConfig) -> Responder<G> {
        let alerts = AlertPublisher::new(
            aws_sdk_sns::Client::new(sdk),
            config.alert_topic.to_string(),
        );
        let retries = config
            .retry_queue
            .clone()
            .map(|url| RetryQueue::new(aws_sdk_sqs::Client::new(sdk), url));
        let checks = config
            .check_queue
            .clone()
            .map(|url| CheckQueue::new(aws_sdk_sqs::Client::new(sdk), url));
        let findings = config
            .security_hub_findings
            .then(|| Findings::new(aws_sdk_securityhub::Client::new(sdk)));
        Responder {
            retries,
            checks,
            findings,
            ..Responder::with_alerts(guard, config, alerts)
        }
    }

    /// A responder that publishes through `alerts` and has no queues (a test's mocked SNS).
    pub fn with_alerts(guard: Arc<G>, config: Config, alerts: AlertPublisher) -> Responder<G> {
        let home = config.alert_topic.account.clone();
        Responder {
            guard,
            config,
            alerts,
            retries: None,
            checks: None,
            home,
            members: None,
            findings: None,
        }
    }

    /// With `MEMBER_ROLE_NAME` set, the guards of the other accounts, made by `make` with the
    /// member role's credentials over `sdk` (the function's own configuration). Without it,
    /// unchanged: account mode.
    pub fn with_members(mut self, sdk: &SdkConfig, make: MakeGuard<G>) -> Responder<G>
    where
        G: 'static,
    {
        self.members = self
            .config
            .member_role
            .as_ref()
            .map(|role| -> Arc<dyn AccountGuards<G>> {
                Arc::new(Members::new(
                    sdk,
                    &self.config.alert_topic.partition,
                    role,
                    self.function().name(),
                    make,
                ))
            });
        self
    }

    /// The function's own account is `account` (the tests' and tools' stand-in for Lambda's).
    pub fn in_account(mut self, account: &str) -> Responder<G> {
        self.home = account.to_string();
        self
    }

    pub fn function(&self) -> Function {
        self.guard.function()
    }

    /// Handles one event. An error means the event must not be dropped: Lambda retries it and then
    /// hands it to the dead-letter destination.
    pub async fn handle(&self, event: Value) -> Result<Report, HandlerError> {
        self.handle_in(&self.home, event).await
    }

    /// Handles one invocation: the function's own account is the one Lambda names in it.
    pub async fn handle_invocation(
        &self,
        invocation: lambda_runtime::LambdaEvent<Value>,
    ) -> Result<Report, HandlerError> {
        let started = std::time::Instant::now();
        let arn = &invocation.context.invoked_function_arn;
        let home = trailwarden_events::Arn::parse("invoked_function_arn", arn)
            .map(|arn| arn.account)
            .unwrap_or_else(|_| self.home.clone());
        let handled = self.handle_in(&home, invocation.payload).await;
        metrics::emit(self.function(), &handled, started);
        handled
    }

    async fn handle_in(&self, home: &str, event: Value) -> Result<Report, HandlerError> {
        // Work handed back through one of trailwarden's queues (one message a delivery).
        if let Some(queued) = retry::from_queue(&event).map_err(HandlerError::BadEvent)? {
            let mut last = None;
            for (event, work) in queued {
                last = Some(match work {
                    Queued::LookAgain { attempt } => {
                        self.handle_attempt(home, event, attempt, None).await?
                    }
                    Queued::CheckAccount { account } => {
                        self.handle_attempt(home, event, 0, Some(&account)).await?
                    }
                });
            }
            return last.ok_or(HandlerError::BadEvent(
                trailwarden_events::EventError::Shape("an SQS delivery with no message".into()),
            ));
        }
        self.handle_attempt(home, event, 0, None).await
    }

    /// [`Responder::handle`] for raw bytes (a file, a fuzzer, a payload not yet parsed): too large
    /// and not-JSON inputs are refused here with the same errors.
    pub async fn handle_bytes(&self, bytes: &[u8]) -> Result<Report, HandlerError> {
        let event = trailwarden_events::read_json(bytes).map_err(HandlerError::BadEvent)?;
        self.handle(event).await
    }

    /// `only`: the one account a scheduled event is to be checked in (a message of the check
    /// queue).
    async fn handle_attempt(
        &self,
        home: &str,
        event: Value,
        attempt: u32,
        only: Option<&str>,
    ) -> Result<Report, HandlerError> {
        match parse_delivered(&event).map_err(HandlerError::BadEvent)? {
            // Boxed: the whole way of a record is one future too deep for the compiler otherwise.
            Envelope::Record(record) => {
                Box::pin(self.handle_record(home, &record, &event, attempt)).await
            }
            Envelope::Scheduled(scheduled) => {
                Box::pin(self.handle_scheduled(home, &scheduled, &event, only)).await
            }
            Envelope::Insight(insight) => self.handle_insight(&insight).await,
        }
    }

    async fn handle_record(
        &self,
        home: &str,
        record: &Record,
        event: &Value,
        attempt: u32,
    ) -> Result<Report, HandlerError> {
        let guard = match self.guard_for(home, record).await {
            Ok(guard) => guard,
            Err(refusal) => return Box::pin(self.refuse(record, refusal)).await,
        };
        let facts = guard.gather_facts(record, &self.config).await;
        let Verdict { decision, rule } = guard
            .decide(record, &self.config, &facts)
            .map_err(HandlerError::BadEvent)?;
        tracing::info!(
            event_id = %record.event_id,
            event_name = %record.event_name,
            actor = %redact_text(&record.actor.to_string()),
            decision = %redact_text(&decision.to_string()),
            "decided"
        );
        // The state the change left, whoever made it: recorded before anything is done about it.
        let mut unrecorded = self
            .record_versions(&guard, &journal::left_by(record, &decision))
            .await
            .err();
        let (incident, plan) = match decision {
            Decision::Ignore(why) => {
                if let Some(detail) = unrecorded {
                    return Err(HandlerError::JournalNotWritten {
                        event_id: record.event_id.clone(),
                        detail,
                    });
                }
                return Ok(Report::ignored(&record.event_id, self.function(), &why));
            }
            Decision::Respond { incident, plan } => (incident, plan),
        };
        let steps = guard.execute(&plan, self.config.mode).await;
        let unlogged = self.log_actions(&guard, record, &steps).await;
        if unrecorded.is_none() {
            unrecorded = self
                .record_versions(&guard, &journal::put_back(record, &steps, EventTime::now()))
                .await
                .err();
        }
        let outcome = outcome(&steps, incident.superseded_by.is_some());
        let alert = Alert::new(
            self.function().name(),
            self.config.mode,
            record,
            &incident,
            &steps,
            outcome,
        );
        // tripwire's alerts name the rule that answered.
        let mut alert = match rule {
            Some(rule) => alert.with_rule(rule.id, rule.explanation),
            None => alert,
        };
        if let (Some(pending), Some(queue)) = (&incident.pending, &self.retries) {
            let age = EventTime::now().epoch_seconds() - record.event_time.epoch_seconds();
            // Bounded by the looks too: an event time in the future must not make it endless.
            let left = if attempt >= retry::MAX_LOOKS {
                0
            } else {
                retry::WINDOW_SECONDS - age
            };
            if left > 0 {
                let delay = left.min(retry::DELAY_SECONDS);
                match queue.send(event, attempt.saturating_add(1), delay).await {
                    Ok(()) if attempt > 0 => {
                        // Still unknown: said once already, at the first look.
                        tracing::info!(event_id = %record.event_id, attempt, delay, "looking again later");
                        return Ok(Report::deferred(record, self.function(), pending));
                    }
                    Ok(()) => alert.notes.push(format!(
                        "trailwarden looks again every {} minutes, until an hour after the event, and alerts when it can put the change back or gives up.",
                        retry::DELAY_SECONDS / 60
                    )),
                    Err(why) => alert.notes.push(format!(
                        "trailwarden could not schedule another look ({why}): undo the change by hand."
                    )),
                }
            } else {
                // An hour of looking: give up, and keep the event.
                alert.outcome = Outcome::Failed;
                alert.error = Some(format!(
                    "after {attempt} looks over an hour, still not undone: {pending}"
                ));
                self.publish(&alert).await?;
                return Err(HandlerError::NotUndone {
                    event_id: record.event_id.clone(),
                    detail: pending.clone(),
                });
            }
        }
        alert.notes.extend(unlogged);
        if let Some(detail) = &unrecorded {
            alert.notes.push(format!(
                "The journal of IAM state could not be written ({detail}): the event is retried until it is, and kept in the dead-letter queue if it never is."
            ));
        }
        let message_id = self.publish(&alert).await?;
        if outcome == Outcome::Failed {
            // The alert is out; the error makes Lambda retry and, in the end, keep the event.
            return Err(HandlerError::remediation_failed(record, &steps));
        }
        if let Some(detail) = unrecorded {
            return Err(HandlerError::JournalNotWritten {
                event_id: record.event_id.clone(),
                detail,
            });
        }
        Ok(Report::responded(&alert, message_id))
    }

    /// Writes the changes made (or attempted) for `record` to the action log, when the guard
    /// keeps one. A log that cannot be written loses no revert and no alert: the alert's note
    /// (returned) says so, and the log line.
    async fn log_actions(
        &self,
        guard: &G,
        record: &Record,
        steps: &[StepResult],
    ) -> Option<String> {
        let entries = trailwarden_rules::action_log::entries(
            self.function(),
            record,
            steps,
            EventTime::now(),
        );
        match guard.log_actions(&entries).await {
            Ok(_) => None,
            Err(why) => {
                tracing::warn!(event_id = %record.event_id, error = %redact_text(&why), "action log not written");
                Some(format!(
                    "The action log could not be written ({why}): this alert is the only record of what trailwarden changed."
                ))
            }
        }
    }

    /// Writes versions of IAM state to the journal, when the guard keeps one.
    async fn record_versions(
        &self,
        guard: &G,
        versions: &[journal::Version],
    ) -> Result<(), String> {
        if versions.is_empty() || !guard.keeps_journal() {
            return Ok(());
        }
        let written = guard.record_versions(versions).await?;
        tracing::info!(versions = versions.len(), written, "journal");
        Ok(())
    }

    /// The guard that acts in the record's account: the function's own in its account (and for a
    /// function that never acts, anywhere), a member account's through its member role; never
    /// the function's own credentials in another account.
    async fn guard_for(&self, home: &str, record: &Record) -> Result<Arc<G>, Refusal> {
        self.guard_in(home, record.account().unwrap_or(home)).await
    }

    /// The guard that acts in `account` ([`Responder::guard_for`]).
    async fn guard_in(&self, home: &str, account: &str) -> Result<Arc<G>, Refusal> {
        if account == home || self.function().action_kinds().is_empty() {
            return Ok(self.guard.clone());
        }
        match &self.members {
            Some(members) => members.guard_in(account).await.map_err(Refusal::MemberRole),
            None => Err(Refusal::AccountMode {
                account: account.to_string(),
                home: home.to_string(),
            }),
        }
    }

    /// An event trailwarden may not act on in its account: nothing changes anywhere; an alert
    /// says so (unless the event needs no answer whatever the account), and the error keeps it.
    async fn refuse(&self, record: &Record, refusal: Refusal) -> Result<Report, HandlerError> {
        // Decided without facts (no clients may read that account): only to know whether the
        // event would be answered at all, and what with.
        let decision = self
            .guard
            .decide(record, &self.config, &Facts::new())
            .map_err(HandlerError::BadEvent)?
            .decision;
        let (incident, plan) = match decision {
            Decision::Ignore(why) => {
                return Ok(Report::ignored(&record.event_id, self.function(), &why));
            }
            Decision::Respond { incident, plan } => (incident, plan),
        };
        let would = plan
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        let floor = refusal.severity();
        let (summary, next_steps, error) = refusal.explain(&record.event_name, &would);
        let refused = trailwarden_rules::Incident {
            previous_state: None,
            summary,
            severity: incident.severity.max(floor),
            next_steps: next_steps
                .into_iter()
                .chain(incident.next_steps.iter().cloned())
                .collect(),
            superseded_by: None,
            pending: None,
            ..incident
        };
        let mut alert = Alert::new(
            self.function().name(),
            self.config.mode,
            record,
            &refused,
            &[],
            Outcome::Failed,
        );
        alert.error = Some(error.to_string());
        self.publish(&alert).await?;
        Err(error)
    }

    /// tripwire: a CloudTrail Insights event is alerted (when an unusual rate starts), never acted on.
    async fn handle_insight(&self, insight: &Insight) -> Result<Report, HandlerError> {
        let Some(evaluation) = self.guard.evaluate_insight(insight, &self.config) else {
            return Ok(Report::ignored(
                &insight.event_id,
                self.function(),
                &Ignored::NotHandled {
                    event_name: "AWS Insight via CloudTrail".into(),
                },
            ));
        };
        tracing::info!(event_id = %insight.event_id, decision = %evaluation.decision, "decided");
        let incident = match evaluation.decision {
            Decision::Ignore(why) => {
                return Ok(Report::ignored(&insight.event_id, self.function(), &why));
            }
            Decision::Respond { incident, .. } => incident,
        };
        let mut alert =
            Alert::for_insight(self.function().name(), self.config.mode, insight, &incident);
        if let Some(rule) = evaluation.rule {
            alert = alert.with_rule(rule.id, rule.explanation);
        }
        let message_id = self.publish(&alert).await?;
        Ok(Report::responded(&alert, message_id))
    }

    /// Publishes the alert and logs that it went out; a failed publish is the handler's error. In
    /// organization mode one topic hears of every account: the subject names the alert's, and
    /// subject and body its name where it can be read. With `SECURITY_HUB_FINDINGS`, the
    /// finding is imported first, and a finding not imported is said in the alert's notes.
    async fn publish(&self, alert: &Alert) -> Result<String, HandlerError> {
        let noted = self.with_finding(alert).await;
        let alert = noted.as_ref().unwrap_or(alert);
        let mut named;
        let alert = match (&self.config.member_role, &alert.event.account) {
            (Some(_), Some(account)) => {
                named = alert.clone();
                named.account_in_subject = true;
                // Names come through the member role: only the functions that act have one.
                if let (Some(members), Some(management)) =
                    (&self.members, &self.config.management_account)
                {
                    named.event.account_name =
                        members.account_name(management, &self.home, account).await;
                }
                &named
            }
            _ => alert,
        };
        let message_id = self
            .alerts
            .publish(alert)
            .await
            .map_err(HandlerError::AlertNotPublished)?;
        tracing::info!(event_id = %alert.event.id, outcome = %alert.outcome, severity = %alert.severity, message_id, "alerted");
        Ok(message_id)
    }

    /// What the function's rules need to know beyond the record, read from AWS.
    pub async fn gather_facts(&self, record: &Record) -> Facts {
        self.guard.gather_facts(record, &self.config).await
    }
}

/// Why an event's account is not one the function may act in.
enum Refusal {
    /// Account mode: the event is of another account than the function's.
    AccountMode { account: String, home: String },
    /// Organization mode: the member role of the event's account cannot be assumed.
    MemberRole(MemberError),
}

impl Refusal {
    /// The least severity of its alert: a member role that cannot be assumed leaves a change in
    /// place that trailwarden would have undone.
    fn severity(&self) -> trailwarden_rules::Severity {
        match self {
            Refusal::AccountMode { .. } => trailwarden_rules::Severity::High,
            Refusal::MemberRole(_) => trailwarden_rules::Severity::Critical,
        }
    }

    /// The alert's summary and first next steps, and the handler's error.
    fn explain(self, event_name: &str, would: &str) -> (String, Vec<String>, HandlerError) {
        let would = if would.is_empty() {
            String::new()
        } else {
            format!(" (it would: {would})")
        };
        match self {
            Refusal::AccountMode { account, home } => (
                format!(
                    "{event_name} in account {account}, not this function's account {home}: nothing changed{would}"
                ),
                vec![
                    format!("trailwarden here acts only in account {home} (account mode: no MEMBER_ROLE_NAME). To answer account {account}, deploy with Deployment=organization and member.yaml in that account."),
                    "If no forwarding rule of yours sends that account's events here, find out who sent this one.".into(),
                ],
                HandlerError::ForeignAccount { account, home },
            ),
            Refusal::MemberRole(error) => (
                format!(
                    "{event_name} in account {}: its member role cannot be assumed, nothing changed{would}",
                    error.account
                ),
                vec![
                    format!("Check that {} exists in account {} (member.yaml) and trusts trailwarden's roles; a member administrator may have deleted or edited it.", error.role_arn, error.account),
                    "Until it can be assumed, undo the change by hand.".into(),
                ],
                HandlerError::MemberRoleUnavailable(error),
            ),
        }
    }
}
