//! The scheduled check (trail-guard): every protected trail of every account it covers compared
//! with its desired state and repaired, one alert per trail repaired; in organization mode each
//! member account through its member role, handed to the check queue or checked here in turn.

use crate::{HandlerError, Refusal, Report, Responder};
use serde_json::Value;
use trailwarden_alerts::Alert;
use trailwarden_events::redact::redact_text;
use trailwarden_events::{Record, Region, Scheduled};
use trailwarden_rules::{Decision, Guard, Ignored, Outcome, outcome};

impl<G: Guard + ?Sized> Responder<G> {
    /// The scheduled check (trail-guard): every protected trail compared with its desired state,
    /// all drift repaired, one alert per trail repaired, nothing when all is well. A failed
    /// repair is alerted, and then returned as an error after every trail was handled. In
    /// organization mode, every account of the organization: each through the check queue when
    /// there is one (one message an account), else one after the other here.
    pub(crate) async fn handle_scheduled(
        &self,
        home: &str,
        scheduled: &Scheduled,
        event: &Value,
        only: Option<&str>,
    ) -> Result<Report, HandlerError> {
        if !self.guard.has_schedule() {
            return Ok(Report::ignored(
                &scheduled.id,
                self.function(),
                &Ignored::NotHandled {
                    event_name: "Scheduled Event".into(),
                },
            ));
        }
        let region = Region::parse("region", &scheduled.region).map_err(HandlerError::BadEvent)?;
        let mut sweep = Sweep::default();
        let accounts = match only {
            Some(account) => vec![account.to_string()],
            None => self.accounts_to_check(home, scheduled, &mut sweep).await?,
        };
        // iam-guard's schedule is the snapshot of IAM state into its journal.
        if self.guard.keeps_journal() {
            return self.take_snapshots(home, scheduled, &accounts, sweep).await;
        }
        let (here, handed): (Vec<String>, Vec<String>) = match (&self.checks, only) {
            // The schedule's own invocation hands every other account to the check queue.
            (Some(queue), None) => {
                let (here, others): (Vec<String>, Vec<String>) =
                    accounts.into_iter().partition(|a| a == home);
                for (account, why) in queue.send_all(event, &others).await {
                    let record = scheduled_record(&in_account(scheduled, &account), "*")
                        .map_err(HandlerError::BadEvent)?;
                    self.unchecked(&mut sweep, &record, &account, why, Unchecked::Trails)
                        .await?;
                }
                (here, others)
            }
            _ => (accounts, Vec::new()),
        };
        for account in &here {
            Box::pin(self.check_account(
                home,
                &region,
                &in_account(scheduled, account),
                &mut sweep,
            ))
            .await?;
        }
        if let Some(error) = sweep.failure {
            return Err(error);
        }
        let mut report = Report::checked(
            &scheduled.id,
            self.function(),
            sweep.checked,
            &sweep.alerted,
        );
        if let (false, Some(reason)) = (handed.is_empty(), report.reason.as_mut()) {
            reason.push_str(&format!(
                "; {} account(s) handed to the check queue",
                handed.len()
            ));
        }
        Ok(report)
    }

    /// The accounts the schedule covers: its own in account mode; in organization mode `ACCOUNTS`,
    /// or the organization's active accounts listed in `MANAGEMENT_ACCOUNT_ID` (when they cannot
    /// be, a critical alert, and the function's own account is still checked).
    async fn accounts_to_check(
        &self,
        home: &str,
        scheduled: &Scheduled,
        sweep: &mut Sweep,
    ) -> Result<Vec<String>, HandlerError> {
        let own = scheduled
            .account
            .clone()
            .unwrap_or_else(|| home.to_string());
        let Some(members) = &self.members else {
            return Ok(vec![own]);
        };
        let mut accounts = if !self.config.accounts.is_empty() {
            self.config.accounts.clone()
        } else if let Some(management) = &self.config.management_account {
            match members.list_accounts(management, home).await {
                Ok(listed) => listed.into_iter().map(|a| a.id).collect(),
                Err(why) => {
                    let record = scheduled_record(&in_account(scheduled, management), "*")
                        .map_err(HandlerError::BadEvent)?;
                    self.unchecked(
                        sweep,
                        &record,
                        management,
                        why.to_string(),
                        Unchecked::Accounts,
                    )
                    .await?;
                    vec![]
                }
            }
        } else {
            vec![]
        };
        if !accounts.contains(&own) {
            accounts.insert(0, own);
        }
        Ok(accounts)
    }

    /// One account's check: its protected trails compared with their desired state and repaired,
    /// through the account's member role when it is not the function's own.
    async fn check_account(
        &self,
        home: &str,
        region: &Region,
        scheduled: &Scheduled,
        sweep: &mut Sweep,
    ) -> Result<(), HandlerError> {
        let account = scheduled
            .account
            .clone()
            .unwrap_or_else(|| home.to_string());
        let guard = match self.guard_in(home, &account).await {
            Ok(guard) => guard,
            Err(refusal) => {
                let record = scheduled_record(scheduled, "*").map_err(HandlerError::BadEvent)?;
                let why = match refusal {
                    Refusal::MemberRole(e) => e.to_string(),
                    Refusal::AccountMode { home, .. } => {
                        format!("this function acts only in its own account {home}")
                    }
                };
                return self
                    .unchecked(sweep, &record, &account, why, Unchecked::Trails)
                    .await;
            }
        };
        // The function's region first: a missing trail named without its region is made there.
        let mut regions = vec![region.clone()];
        regions.extend(self.config.regions.iter().filter(|r| *r != region).cloned());
        let checks = guard
            .check_schedule(&regions, Some(&account), &self.config)
            .await;
        sweep.checked += checks.len();
        for check in checks {
            tracing::info!(event_id = %scheduled.id, account = %account, trail = %check.trail, decision = %redact_text(&check.decision.to_string()), "checked");
            let Decision::Respond { incident, plan } = check.decision else {
                continue;
            };
            let record =
                scheduled_record_named(scheduled, &check.trail, self.guard.schedule_event_name())
                    .map_err(HandlerError::BadEvent)?;
            let steps = guard.execute(&plan, self.config.mode).await;
            let unlogged = self.log_actions(&guard, &record, &steps).await;
            let outcome = outcome(&steps, incident.superseded_by.is_some());
            let mut alert = Alert::new(
                self.function().name(),
                self.config.mode,
                &record,
                &incident,
                &steps,
                outcome,
            );
            alert.notes.extend(unlogged);
            let message_id = self.publish(&alert).await?;
            if outcome == Outcome::Failed && sweep.failure.is_none() {
                sweep.failure = Some(HandlerError::remediation_failed(&record, &steps));
            }
            sweep.alerted.push((alert, message_id));
        }
        Ok(())
    }

    /// iam-guard's schedule: the snapshot of each account's IAM state into the journal (through
    /// its member role for another account), one after the other. An account whose snapshot
    /// cannot be taken is a failed, critical alert; the others are still taken.
    async fn take_snapshots(
        &self,
        home: &str,
        scheduled: &Scheduled,
        accounts: &[String],
        mut sweep: Sweep,
    ) -> Result<Report, HandlerError> {
        let (mut read, mut written) = (0, 0);
        for account in accounts {
            let scheduled = in_account(scheduled, account);
            let taken = match self.guard_in(home, account).await {
                Ok(guard) => guard.snapshot(account).await,
                Err(Refusal::MemberRole(e)) => Err(e.to_string()),
                Err(Refusal::AccountMode { home, .. }) => {
                    Err(format!("this function acts only in its own account {home}"))
                }
            };
            match taken {
                Ok(taken) => {
                    tracing::info!(event_id = %scheduled.id, account = %account, read = taken.read, written = taken.written, "snapshot");
                    read += taken.read;
                    written += taken.written;
                }
                Err(why) => {
                    let record = scheduled_record(&scheduled, "iam-snapshot")
                        .map_err(HandlerError::BadEvent)?;
                    self.unchecked(&mut sweep, &record, account, why, Unchecked::Snapshot)
                        .await?;
                }
            }
        }
        if let Some(error) = sweep.failure {
            return Err(error);
        }
        Ok(Report {
            event_id: scheduled.id.clone(),
            function: self.function().name().to_string(),
            outcome: "snapshot".into(),
            severity: None,
            reason: Some(format!(
                "IAM snapshot of {} account(s): {read} piece(s) of state read, {written} version(s) written to the journal",
                accounts.len()
            )),
            actions: vec![],
            alert_message_id: None,
        })
    }

    /// An account whose trails could not be checked (or whose snapshot could not be taken, or
    /// whose organization could not be listed): a failed, critical alert for it; the error comes
    /// after the other accounts were handled.
    async fn unchecked(
        &self,
        sweep: &mut Sweep,
        record: &Record,
        account: &str,
        why: String,
        what: Unchecked,
    ) -> Result<(), HandlerError> {
        let (summary, by_hand) = match what {
            Unchecked::Trails => (
                format!("the trails of account {account} could not be checked"),
                format!("Until it can be, check the account's trails by hand: {why}."),
            ),
            Unchecked::Accounts => (
                format!("the organization's accounts could not be listed in account {account}"),
                format!(
                    "Until they can be, only this function's own account and ACCOUNTS are covered: {why}."
                ),
            ),
            Unchecked::Snapshot => (
                format!("the IAM snapshot of account {account} could not be taken"),
                format!(
                    "Until it can be, reverts in the account rely on what the journal already holds and on event history: {why}."
                ),
            ),
        };
        let incident = trailwarden_rules::Incident {
            previous_state: None,
            summary,
            resource: format!("account {account}"),
            severity: trailwarden_rules::Severity::Critical,
            next_steps: vec![
                by_hand,
                "A member administrator may have deleted or edited the member role (member.yaml), or removed the account from the organization.".into(),
            ],
            superseded_by: None,
            pending: None,
        };
        let mut alert = Alert::new(
            self.function().name(),
            self.config.mode,
            record,
            &incident,
            &[],
            Outcome::Failed,
        );
        alert.error = Some(why.clone());
        let message_id = self.publish(&alert).await?;
        if sweep.failure.is_none() {
            sweep.failure = Some(match what {
                Unchecked::Snapshot => HandlerError::SnapshotNotTaken {
                    account: account.to_string(),
                    detail: why,
                },
                Unchecked::Trails | Unchecked::Accounts => HandlerError::AccountUnchecked {
                    account: account.to_string(),
                    detail: why,
                },
            });
        }
        sweep.alerted.push((alert, message_id));
        Ok(())
    }
}

/// What could not be done for an account.
#[derive(Clone, Copy)]
enum Unchecked {
    Trails,
    /// The organization's accounts could not be listed (in the management account).
    Accounts,
    Snapshot,
}

/// What one scheduled check found, over every account it covered.
#[derive(Default)]
struct Sweep {
    checked: usize,
    alerted: Vec<(Alert, String)>,
    failure: Option<HandlerError>,
}

/// The schedule's event as it applies to `account`: for another account than the schedule's own,
/// its id says which (the alerts' event ids, `<schedule id>/<account>/<trail>`, stay one per alert
/// when two accounts have a trail of the same name).
fn in_account(scheduled: &Scheduled, account: &str) -> Scheduled {
    let id = if scheduled.account.as_deref() == Some(account) {
        scheduled.id.clone()
    } else {
        format!("{}/{account}", scheduled.id)
    };
    Scheduled {
        id,
        account: Some(account.to_string()),
        ..scheduled.clone()
    }
}

/// The record an alert of the scheduled check carries: no API call caused it, so it names the
/// schedule (`eventSource` `events.amazonaws.com`, `eventName` `ScheduledCheck`) and the trail
/// (`eventID` `<schedule event id>/<trail>`, one per alert; `<schedule event id>/<account>/<trail>`
/// for another account of the organization).
pub fn scheduled_record(
    scheduled: &Scheduled,
    trail: &str,
) -> Result<Record, trailwarden_events::EventError> {
    scheduled_record_named(scheduled, trail, "ScheduledCheck")
}

/// [`scheduled_record`] with the guard's own `eventName` (log-auditor's `LogValidation`).
pub fn scheduled_record_named(
    scheduled: &Scheduled,
    trail: &str,
    event_name: &str,
) -> Result<Record, trailwarden_events::EventError> {
    Record::from_value(&serde_json::json!({
        "eventVersion": "1.09",
        "eventTime": scheduled.time.to_string(),
        "eventSource": "events.amazonaws.com",
        "eventName": event_name,
        "eventType": "ScheduledCheck",
        "awsRegion": scheduled.region,
        "eventID": format!("{}/{trail}", scheduled.id),
        "recipientAccountId": scheduled.account,
        "userIdentity": {"type": "AWSService", "invokedBy": "events.amazonaws.com"},
        "requestParameters": {"trail": trail},
        "resources": scheduled.resources,
    }))
}
