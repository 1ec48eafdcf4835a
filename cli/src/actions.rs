//! `trailwarden actions`: the action log, newest first: every change trailwarden's functions made
//! (or tried to make) in an account, with the state before and after and the event it answered.
//! For the auditor's "what did the responder change, where, when".

use crate::window::{End, parse_time};
use std::io::Write;
use trailwarden_actions::action_log::ActionLog;
use trailwarden_events::EventTime;
use trailwarden_rules::ActionLogEntry;

#[derive(Debug, clap::Args)]
pub struct ActionsArgs {
    /// Only changes in this account.
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// Only changes from TIME (2026-11-02T10:00:00Z, 2026-11-02, or an age: 7d, 12h).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only changes until TIME (a date: through its end).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Only changes of this resource (its ARN).
    #[arg(long, value_name = "ARN")]
    pub resource: Option<String>,
    /// The stack's table (its output JournalTable, `<stack>-iam-journal`); default: the
    /// environment's IAM_JOURNAL_TABLE, as the functions read it.
    #[arg(long, value_name = "NAME", env = "IAM_JOURNAL_TABLE")]
    pub table: Option<String>,
    /// One JSON document (an array of entries) instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ActionsError {
    #[error("{0}")]
    Argument(String),
    #[error("the action log could not be read: {0}")]
    Read(#[from] trailwarden_actions::ActionError),
    #[error("stdout: {0}")]
    Output(#[from] std::io::Error),
}

/// Lists the entries; how many were listed.
pub fn actions(args: &ActionsArgs, stdout: &mut dyn Write) -> Result<usize, ActionsError> {
    let table = args.table.clone().ok_or_else(|| {
        ActionsError::Argument(
            "no table: pass --table (the stack's <stack>-iam-journal) or set IAM_JOURNAL_TABLE"
                .into(),
        )
    })?;
    let now = EventTime::now();
    let at = |text: &Option<String>, end, flag: &str| {
        text.as_deref()
            .map(|t| {
                parse_time(t, end, now).map_err(|e| ActionsError::Argument(format!("{flag}: {e}")))
            })
            .transpose()
    };
    let since = at(&args.since, End::Since, "--since")?;
    let until = at(&args.until, End::Until, "--until")?;
    if let (Some(since), Some(until)) = (since, until)
        && since > until
    {
        return Err(ActionsError::Argument(format!(
            "--since {since} is after --until {until}"
        )));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ActionsError::Argument(format!("cannot start the AWS client: {e}")))?;
    let entries = runtime.block_on(async {
        let sdk = crate::aws::sdk_config().await;
        // The log keeps entries a retention apart; reading needs none of it.
        ActionLog::new(&sdk, table, 1).list(since, until).await
    })?;
    let selected: Vec<&ActionLogEntry> = entries
        .iter()
        .filter(|e| args.account.as_ref().is_none_or(|a| &e.account == a))
        .filter(|e| args.resource.as_ref().is_none_or(|r| &e.resource == r))
        .collect();
    if args.json {
        serde_json::to_writer_pretty(&mut *stdout, &selected).map_err(std::io::Error::from)?;
        writeln!(stdout)?;
    } else {
        stdout.write_all(table_of(&selected).as_bytes())?;
    }
    stdout.flush()?;
    Ok(selected.len())
}

/// One entry a block: a line of when, where, what and how it ended, then its resource, states and
/// event (long texts, which a table's columns would cut).
fn table_of(entries: &[&ActionLogEntry]) -> String {
    if entries.is_empty() {
        return "no changes in the action log for this selection\n".into();
    }
    let mut out = String::new();
    for e in entries {
        out.push_str(&format!(
            "{}  {}  {}  {:<7} {}\n",
            e.time, e.account, e.region, e.outcome, e.action
        ));
        out.push_str(&format!("    resource: {}\n", e.resource));
        if let Some(before) = &e.state_before {
            out.push_str(&format!("    before:   {before}\n"));
        }
        if let Some(after) = &e.state_after {
            out.push_str(&format!("    after:    {after}\n"));
        }
        if let Some(error) = &e.error {
            out.push_str(&format!("    error:    {error}\n"));
        }
        out.push_str(&format!(
            "    answered: {} {} ({})\n",
            e.event_name, e.event_id, e.function
        ));
    }
    out.push_str(&format!("{} change(s)\n", entries.len()));
    out
}
