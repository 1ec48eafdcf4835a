//! An archive of CloudTrail logs written by the test, in the S3 layout, with content known by
//! hand: each day the same six records (the project's own samples under `events/`), and the
//! command run on it as a user runs it.

#![allow(dead_code)]

use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const ACCOUNT: &str = "123456789012";

/// The configuration of every run: the account's topic, a break-glass role allowed, trail-guard's
/// own role (README, "Configuration").
pub const ENV: &[(&str, &str)] = &[
    (
        "ALERT_TOPIC_ARN",
        "arn:aws:sns:us-east-1:123456789012:trailwarden-alerts",
    ),
    ("MODE", "dry-run"),
    (
        "ALLOWED_PRINCIPALS",
        "arn:aws:iam::123456789012:role/BreakGlass",
    ),
    (
        "RESPONDER_ROLE_ARNS",
        "arn:aws:iam::123456789012:role/trailwarden-trail-guard",
    ),
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The CloudTrail record of `events/<name>.json`.
pub fn sample(name: &str) -> Value {
    let path = repo().join("events").join(format!("{name}.json"));
    let event: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    event.get("detail").cloned().unwrap_or(event)
}

/// The six samples of a day, in this order: an attack on the trail (StopLogging by mallory), an
/// IAM grant (AdministratorAccess attached to alice by mallory), a detective control deleted
/// (DeleteAnalyzer by mallory), and three that every function leaves alone: StopLogging by the
/// allowed BreakGlass role, a failed StopLogging, StopLogging by trail-guard's own role.
pub const DAY: [&str; 6] = [
    "stop-logging",
    "attach-user-policy",
    "tripwire-access-analyzer-delete",
    "stop-logging-by-break-glass",
    "stop-logging-failed",
    "stop-logging-by-responder",
];

/// Day `day` of November 2026's records: the samples at 10:0i, with event ids `day-D-i`.
pub fn day_records(day: u32) -> Vec<Value> {
    DAY.iter()
        .enumerate()
        .map(|(i, name)| {
            let mut record = sample(name);
            record["eventTime"] = json!(format!("2026-11-{day:02}T10:0{i}:00Z"));
            record["eventID"] = json!(format!("day-{day:02}-{i}"));
            record
        })
        .collect()
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// The key of day `day`'s log file under `prefix` (`AWSLogs/<account>/` or
/// `AWSLogs/<org-id>/<account>/`).
pub fn day_key(prefix: &str, day: u32) -> String {
    format!(
        "{prefix}CloudTrail/us-east-1/2026/11/{day:02}/{ACCOUNT}_CloudTrail_us-east-1_202611{day:02}T1005Z_test{day:02}.json.gz"
    )
}

/// Writes one log file a day for `days` under `root/prefix`, as CloudTrail does; returns the
/// keys, relative to `root`.
pub fn write_days(root: &Path, prefix: &str, days: impl IntoIterator<Item = u32>) -> Vec<String> {
    days.into_iter()
        .map(|day| {
            let key = day_key(prefix, day);
            let path = root.join(&key);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let file = json!({ "Records": day_records(day) }).to_string();
            std::fs::write(&path, gzip(file.as_bytes())).unwrap();
            key
        })
        .collect()
}

/// A fresh folder for one test.
pub fn folder(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("trailwarden-replay-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `trailwarden <args>` with exactly `env` as its environment (and PATH).
pub fn trailwarden(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trailwarden"));
    command.args(args).env_clear();
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The summary of a `--format json` run.
pub fn summary(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "trailwarden failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&stdout(output)).unwrap()
}

/// The JSON lines of `--json FILE`.
pub fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
