//! `trailwarden validate-logs`: one trail's log file integrity over a time range, on demand: the
//! validation the log-auditor function runs every hour (`trailwarden_integrity`), with a table of
//! results or JSON. Exit 0 when everything is valid, 1 when anything is not, 2 when it could not
//! run.

use crate::progress::Progress;
use crate::window::{End, parse_time};
use std::collections::BTreeMap;
use std::io::Write;
use trailwarden_events::{Arn, EventTime};
use trailwarden_integrity::store::StoreError;
use trailwarden_integrity::{Logging, Range, Store, TrailLocation, Validation, validate};

/// Reads at a time: S3 answers each GET in tens of milliseconds, so the wait, not the hashing,
/// is the work.
const CONCURRENCY: usize = 32;

#[derive(Debug, clap::Args)]
pub struct ValidateLogsArgs {
    /// The trail's ARN (arn:aws:cloudtrail:REGION:ACCOUNT:trail/NAME).
    #[arg(long, value_name = "ARN")]
    pub trail: String,
    /// Validate digests from TIME (2026-11-02T10:00:00Z, 2026-11-02, or an age: 7d, 12h).
    #[arg(long, value_name = "TIME")]
    pub start: String,
    /// Until TIME (default: now).
    #[arg(long, value_name = "TIME")]
    pub end: Option<String>,
    /// The trail's bucket, when it is not the one the trail names now.
    #[arg(long, value_name = "BUCKET")]
    pub bucket: Option<String>,
    /// The trail's key prefix, when it is not the one the trail names now.
    #[arg(long, value_name = "PREFIX")]
    pub prefix: Option<String>,
    /// The account whose logs are validated (a member account of an organization trail; default:
    /// the trail's).
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// The result as one JSON document instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error("{0}")]
    Argument(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stdout: {0}")]
    Output(#[from] std::io::Error),
}

/// A trail ARN: `arn:<partition>:cloudtrail:<region>:<account>:trail/<name>`.
fn parse_trail_arn(text: &str) -> Result<Arn, ValidateError> {
    match Arn::parse("--trail", text) {
        Ok(arn)
            if arn.service == "cloudtrail"
                && arn.resource_type() == "trail"
                && !arn.resource_name().is_empty()
                && !arn.region.is_empty()
                && !arn.account.is_empty() =>
        {
            Ok(arn)
        }
        _ => Err(ValidateError::Argument(format!(
            "--trail {text:?} is not a trail ARN (arn:aws:cloudtrail:REGION:ACCOUNT:trail/NAME)"
        ))),
    }
}

/// Whether the run found everything valid.
pub fn validate_logs(
    args: &ValidateLogsArgs,
    stdout: &mut dyn Write,
) -> Result<bool, ValidateError> {
    let trail_arn = parse_trail_arn(&args.trail)?;
    let now = EventTime::now();
    let time = |text: &str, end, flag: &str| {
        parse_time(text, end, now).map_err(|e| ValidateError::Argument(format!("{flag}: {e}")))
    };
    let since = time(&args.start, End::Since, "--start")?;
    let until = match &args.end {
        Some(end) => time(end, End::Until, "--end")?,
        None => now,
    };
    if since > until {
        return Err(ValidateError::Argument(format!(
            "--start {since} is after --end {until}"
        )));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ValidateError::Argument(format!("cannot start the AWS client: {e}")))?;
    let validation = runtime.block_on(async {
        let store = Store::in_region(&crate::aws::sdk_config().await, &trail_arn.region);
        let trail = store.trail(&args.trail).await;
        let (bucket, prefix, organization_trail, validation_enabled) = match (&args.bucket, trail) {
            (Some(bucket), trail) => {
                let facts = trail.ok();
                (
                    bucket.clone(),
                    args.prefix.clone(),
                    facts.as_ref().is_some_and(|t| t.organization_trail),
                    facts.is_none_or(|t| t.validation_enabled),
                )
            }
            (None, Ok(t)) => (
                t.bucket,
                args.prefix.clone().or(t.prefix),
                t.organization_trail,
                t.validation_enabled,
            ),
            (None, Err(e)) => return Err(ValidateError::from(e)),
        };
        let account = args.account.clone().unwrap_or(trail_arn.account.clone());
        let location = TrailLocation::resolve(
            &store,
            &trail_arn,
            bucket,
            prefix,
            organization_trail,
            &account,
        )
        .await?;
        let logging = match store.logging(&args.trail, validation_enabled).await {
            Ok(logging) => logging,
            // Without the status, gaps are judged as if the trail had always logged.
            Err(e) => {
                eprintln!("trailwarden validate-logs: warning: {e}");
                Logging {
                    is_logging: false,
                    validation_enabled,
                    ..Logging::default()
                }
            }
        };
        let progress = Progress::counter("objects read");
        let validation = validate(
            &store,
            &location,
            &[],
            Range { since, until },
            &BTreeMap::new(),
            &logging,
            now,
            CONCURRENCY,
            &progress,
        )
        .await;
        progress.finish();
        Ok::<_, ValidateError>(validation?)
    })?;
    let text = if args.json {
        format!(
            "{:#}\n",
            serde_json::json!({
                "trail": args.trail,
                "start": since.to_string(),
                "end": until.to_string(),
                "valid": validation.is_valid(),
                "validation": validation,
            })
        )
    } else {
        table(&args.trail, since, until, &validation)
    };
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(validation.is_valid())
}

/// The result as a person reads it.
pub fn table(trail: &str, since: EventTime, until: EventTime, v: &Validation) -> String {
    let mut out = format!("Log file validation of {trail}, {since} to {until}\n");
    out.push_str(&format!(
        "regions: {}\n",
        if v.regions.is_empty() {
            "none with digests".into()
        } else {
            v.regions.join(", ")
        }
    ));
    out.push_str(&format!(
        "{} digest(s) valid, {} backfill digest(s) valid, {} log file(s) valid\n",
        v.digests_valid, v.backfill_digests_valid, v.log_files_valid
    ));
    for gap in &v.gaps {
        out.push_str(&format!(
            "expected gap {} to {}: {}\n",
            gap.from, gap.to, gap.explanation
        ));
    }
    if v.problems.is_empty() {
        out.push_str("\nall valid\n");
        return out;
    }
    let counts: Vec<String> = v
        .counts()
        .iter()
        .map(|(kind, n)| format!("{n} {}", kind.as_str()))
        .collect();
    out.push_str(&format!("\nINVALID: {}\n", counts.join(", ")));
    for p in &v.problems {
        out.push_str(&format!(
            "{:<26} {}\n",
            p.kind.as_str(),
            p.objects
                .first()
                .map(ToString::to_string)
                .unwrap_or_default()
        ));
        out.push_str(&format!("{:<26} {}\n", "", p.detail));
        if let Some(version) = &p.previous_version {
            out.push_str(&format!(
                "{:<26} previous version kept by the bucket: {version}\n",
                ""
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trail_arn_is_read_and_anything_else_is_refused_by_name() {
        let arn =
            parse_trail_arn("arn:aws:cloudtrail:eu-west-1:111122223333:trail/org_trail").unwrap();
        assert_eq!(
            (
                arn.region.as_str(),
                arn.account.as_str(),
                arn.resource_name()
            ),
            ("eu-west-1", "111122223333", "org_trail")
        );
        for bad in [
            "audit",
            "arn:aws:s3:::audit",
            "arn:aws:cloudtrail:eu-west-1:1111:trail/audit",
            "arn:aws:cloudtrail:eu-west-1:111122223333:trail/",
            "arn:aws:cloudtrail::111122223333:trail/audit",
            "arn:aws:cloudtrail:eu-west-1::trail/audit",
            "arn:aws:cloudtrail:eu-west-1:111122223333:bucket/audit",
        ] {
            let e = parse_trail_arn(bad).unwrap_err().to_string();
            assert!(e.contains("is not a trail ARN"), "{bad}: {e}");
        }
    }
}
