//! The command line: `trailwarden replay`'s arguments, and the run from them to the report and
//! the exit code.

use crate::progress::Progress;
use crate::replay::{FactSource, Offline, Replayer};
use crate::run::{Run, S3Reader};
use crate::source::{LogObject, Source, local_files, s3_files};
use crate::window::{End, Window, parse_time};
use std::io::Write;
use std::path::PathBuf;
use trailwarden_events::EventTime;
use trailwarden_rules::Config;

#[derive(Debug, clap::Parser)]
#[command(
    name = "trailwarden",
    version,
    about = "trailwarden's command-line tool: what its functions would have done, from your CloudTrail logs, whether those logs are intact, and what its functions changed."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Runs CloudTrail log files through the rules of iam-guard, trail-guard and tripwire, and
    /// reports every revert, quarantine and alert they would have made. Changes nothing.
    Replay(ReplayArgs),
    /// Validates a trail's log files over a time range with CloudTrail's signed hourly digests:
    /// every log file unchanged and present, every digest signed and chained, no hour missing.
    /// Exit 0 when everything is valid, 1 when anything is not.
    ValidateLogs(crate::validate_logs::ValidateLogsArgs),
    /// Lists the action log, newest first: every change trailwarden's functions made (or tried
    /// to make) in an account, with the state before and after and the event it answered.
    Actions(crate::actions::ActionsArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// CloudTrail log files (.json.gz or .json), folders (CloudTrail's S3 layout, of an account or
    /// an organization), or s3://BUCKET/PREFIX.
    #[arg(required = true, value_name = "SOURCE")]
    pub sources: Vec<String>,
    /// Only records from TIME (2026-11-02T10:00:00Z, 2026-11-02, or an age: 90d, 12h); date
    /// folders before it are not read.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only records until TIME (a date: through its end); date folders after it are not read.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// The functions' configuration as NAME=value lines, read instead of the environment.
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// Read the facts the decisions need (event history, IAM, trails, the journal) from AWS.
    /// Only reads: nothing is ever changed.
    #[arg(long)]
    pub live: bool,
    /// Write one JSON object per answer (not for ignored records) to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// The summary as a table or one JSON document.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Exit 1 when anything (a file, a record) could not be read.
    #[arg(long)]
    pub strict: bool,
}

/// Why a replay did not start or could not finish: exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("{0}")]
    Argument(String),
    #[error("configuration: {0}")]
    Config(#[from] trailwarden_rules::ConfigError),
    #[error(transparent)]
    Source(#[from] crate::source::SourceError),
    #[error("{what}: {error}")]
    Output { what: String, error: std::io::Error },
}

/// The run completed (`0`), or it did and `--strict` found something unreadable (`1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completed {
    Clean,
    Unreadable,
}

impl ReplayArgs {
    fn window(&self) -> Result<Window, ReplayError> {
        let now = EventTime::now();
        let at = |text: &Option<String>, end, flag: &str| {
            text.as_deref()
                .map(|t| {
                    parse_time(t, end, now)
                        .map_err(|e| ReplayError::Argument(format!("{flag}: {e}")))
                })
                .transpose()
        };
        let window = Window {
            since: at(&self.since, End::Since, "--since")?,
            until: at(&self.until, End::Until, "--until")?,
        };
        if let (Some(since), Some(until)) = (window.since, window.until)
            && since > until
        {
            return Err(ReplayError::Argument(format!(
                "--since {since} is after --until {until}"
            )));
        }
        Ok(window)
    }

    /// The functions' configuration: from `--env-file`, else from the environment.
    fn config(&self) -> Result<Config, ReplayError> {
        match &self.env_file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    ReplayError::Argument(format!("--env-file {}: {e}", path.display()))
                })?;
                let vars = crate::env_file::parse(&text).map_err(|e| {
                    ReplayError::Argument(format!("--env-file {}: {e}", path.display()))
                })?;
                Ok(Config::from_lookup(|name| vars.get(name).cloned())?)
            }
            None => Ok(Config::from_env()?),
        }
    }
}

/// `trailwarden replay`: the summary goes to `stdout`.
pub fn replay(args: &ReplayArgs, stdout: &mut dyn Write) -> Result<Completed, ReplayError> {
    let window = args.window()?;
    let config = args.config()?;
    for warning in config.warnings() {
        eprintln!("trailwarden replay: warning: {warning}");
    }
    let sources = args
        .sources
        .iter()
        .map(|s| Source::parse(s).map_err(ReplayError::Argument))
        .collect::<Result<Vec<_>, _>>()?;
    let needs_aws = args.live || sources.iter().any(|s| matches!(s, Source::S3 { .. }));
    let runtime = needs_aws
        .then(|| {
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| ReplayError::Argument(format!("cannot start the AWS client: {e}")))
        })
        .transpose()?;
    let sdk = runtime
        .as_ref()
        .map(|rt| rt.block_on(crate::aws::sdk_config()));
    let s3 = sdk.as_ref().map(trailwarden_actions::s3_client);

    let mut objects: Vec<LogObject> = Vec::new();
    for source in &sources {
        match source {
            Source::Path(path) => objects.extend(local_files(path, &window)?),
            Source::S3 { bucket, prefix } => {
                let (Some(rt), Some(s3)) = (&runtime, &s3) else {
                    return Err(ReplayError::Argument(format!(
                        "s3://{bucket}/{prefix}: no AWS client"
                    )));
                };
                objects.extend(rt.block_on(s3_files(s3, bucket, prefix, &window))?);
            }
        }
    }

    let home = config.alert_topic.account.clone();
    let live;
    let facts: &dyn FactSource = match (&runtime, &sdk) {
        (Some(rt), Some(sdk)) if args.live => {
            live = crate::live::Live::new(sdk, &config, &home, rt.handle().clone());
            &live
        }
        _ => &Offline,
    };
    let run = Run {
        replayer: Replayer {
            config: &config,
            home: &home,
            facts,
        },
        window,
        s3: match (&runtime, s3) {
            (Some(rt), Some(client)) => Some(S3Reader {
                client,
                runtime: rt.handle().clone(),
            }),
            _ => None,
        },
    };
    let mut json = args
        .json
        .as_ref()
        .map(|path| {
            std::fs::File::create(path)
                .map(std::io::BufWriter::new)
                .map_err(|error| ReplayError::Output {
                    what: format!("--json {}", path.display()),
                    error,
                })
        })
        .transpose()?;
    let total: u64 = objects.iter().map(|o| o.size).sum();
    let progress = Progress::new(total, objects.len());
    let summary = run
        .all(
            &objects,
            json.as_mut().map(|j| j as &mut dyn Write),
            &progress,
        )
        .map_err(|error| ReplayError::Output {
            what: "--json".into(),
            error,
        })?;
    progress.finish();
    let text = match args.format {
        Format::Table => summary.to_table(!args.live),
        Format::Json => format!("{:#}\n", summary.to_json()),
    };
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|error| ReplayError::Output {
            what: "stdout".into(),
            error,
        })?;
    Ok(if args.strict && !summary.unreadable.is_empty() {
        Completed::Unreadable
    } else {
        Completed::Clean
    })
}
