//! What a replay reads: each SOURCE (a log file, a folder, `s3://bucket/prefix`) as the log files
//! under it, with the date folders of CloudTrail's layout outside `--since`/`--until` pruned
//! before they are listed, so that a window of days reads only those days.

use crate::window::Window;
use std::fmt;
use std::path::{Path, PathBuf};

/// One SOURCE argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Path(PathBuf),
    S3 { bucket: String, prefix: String },
}

impl Source {
    /// `s3://bucket/prefix` or a path.
    pub fn parse(text: &str) -> Result<Source, String> {
        let Some(rest) = text.strip_prefix("s3://") else {
            return Ok(Source::Path(PathBuf::from(text)));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("{text:?} names no bucket (s3://BUCKET/PREFIX)"));
        }
        Ok(Source::S3 {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }
}

/// Where a log file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    File(PathBuf),
    S3 { bucket: String, key: String },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(path) => write!(f, "{}", path.display()),
            Location::S3 { bucket, key } => write!(f, "s3://{bucket}/{key}"),
        }
    }
}

/// A log file to read, and its size as stored (compressed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogObject {
    pub location: Location,
    pub size: u64,
}

/// Whether a file name is a log file's: CloudTrail writes `.json.gz`; `.json` is read too.
pub fn is_log_file(name: &str) -> bool {
    name.ends_with(".json.gz") || name.ends_with(".json")
}

/// Whether the folder at `segments` (the path's parts, root first) can hold records of the
/// window. CloudTrail's layout is `.../CloudTrail/<region>/YYYY/MM/DD/` (under
/// `AWSLogs/<account>/` or, for an organization trail, `AWSLogs/<org-id>/<account>/`); its
/// digests and Insights events are in folders of their own, never records. A folder outside
/// the layout is always walked.
pub fn may_hold(segments: &[&str], window: &Window) -> bool {
    let Some(last) = segments.last() else {
        return true;
    };
    if *last == "CloudTrail-Digest" || *last == "CloudTrail-Insight" {
        return false;
    }
    let Some(at) = segments.iter().rposition(|s| *s == "CloudTrail") else {
        return true;
    };
    let date: Vec<&str> = segments[at + 1..].iter().skip(1).copied().collect();
    match date_range(&date) {
        Some((start, end)) => window.may_hold_delivered(start, end),
        None => true,
    }
}

/// The days (epoch seconds, `[start, end)`) a date folder (`["2026"]`, `["2026", "11"]`,
/// `["2026", "11", "02"]`) covers; `None` when the parts are not a date.
fn date_range(parts: &[&str]) -> Option<(i64, i64)> {
    let number = |s: &str, len: usize| {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<i64>().ok())
            .flatten()
    };
    let day = |y: i64, m: i64, d: i64| {
        trailwarden_events::EventTime::parse(&format!("{y:04}-{m:02}-{d:02}T00:00:00Z"))
            .ok()
            .map(|t| t.epoch_seconds())
    };
    let next_month = |y: i64, m: i64| if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    match parts {
        [] => None,
        [y] => {
            let y = number(y, 4)?;
            Some((day(y, 1, 1)?, day(y + 1, 1, 1)?))
        }
        [y, m] => {
            let (y, m) = (number(y, 4)?, number(m, 2)?);
            let (ny, nm) = next_month(y, m);
            Some((day(y, m, 1)?, day(ny, nm, 1)?))
        }
        [y, m, d, ..] => {
            let start = day(number(y, 4)?, number(m, 2)?, number(d, 2)?)?;
            Some((start, start + 86_400))
        }
    }
}

/// Why a SOURCE cannot be read at all (a bad argument: the run does not start).
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: {error}")]
    Path { path: String, error: std::io::Error },
    #[error("s3://{bucket}/{prefix}: {error}")]
    S3 {
        bucket: String,
        prefix: String,
        error: String,
    },
}

/// An S3 call's error with its whole chain of causes (the SDK's `Display` says only "service
/// error").
pub fn s3_error(error: impl std::error::Error) -> String {
    aws_sdk_s3::error::DisplayErrorContext(error).to_string()
}

/// The log files under a local path, in name order, pruned by the window.
pub fn local_files(root: &Path, window: &Window) -> Result<Vec<LogObject>, SourceError> {
    let error = |path: &Path, error| SourceError::Path {
        path: path.display().to_string(),
        error,
    };
    let meta = std::fs::metadata(root).map_err(|e| error(root, e))?;
    if meta.is_file() {
        return Ok(vec![LogObject {
            location: Location::File(root.to_path_buf()),
            size: meta.len(),
        }]);
    }
    let mut found = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&folder)
            .map_err(|e| error(&folder, e))?
            .collect::<Result<_, _>>()
            .map_err(|e| error(&folder, e))?;
        entries.sort_by_key(|e| e.file_name());
        // Folders pushed last-first, so that they are walked in name order.
        let mut below = Vec::new();
        for entry in entries {
            let path = entry.path();
            let kind = entry.file_type().map_err(|e| error(&path, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if kind.is_dir() {
                let segments: Vec<String> = path
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
                if may_hold(&segments, window) {
                    below.push(path);
                }
            } else if is_log_file(&name) {
                let size = entry.metadata().map_err(|e| error(&path, e))?.len();
                found.push(LogObject {
                    location: Location::File(path),
                    size,
                });
            }
        }
        folders.extend(below.into_iter().rev());
    }
    Ok(found)
}

/// The log files under `s3://bucket/prefix`, in the order of [`local_files`] (a folder's files,
/// then its folders), pruned by the window: one listing
/// (`ListObjectsV2` with `/` as delimiter) a folder walked.
pub async fn s3_files(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
    window: &Window,
) -> Result<Vec<LogObject>, SourceError> {
    let error = |e: String| SourceError::S3 {
        bucket: bucket.to_string(),
        prefix: prefix.to_string(),
        error: e,
    };
    if is_log_file(prefix) {
        let head = s3
            .head_object()
            .bucket(bucket)
            .key(prefix)
            .send()
            .await
            .map_err(|e| error(s3_error(e)))?;
        return Ok(vec![LogObject {
            location: Location::S3 {
                bucket: bucket.to_string(),
                key: prefix.to_string(),
            },
            size: head.content_length().unwrap_or(0).max(0) as u64,
        }]);
    }
    let mut found = Vec::new();
    let mut folders = vec![prefix.to_string()];
    while let Some(folder) = folders.pop() {
        let mut below = Vec::new();
        let mut pages = s3
            .list_objects_v2()
            .bucket(bucket)
            .prefix(&folder)
            .delimiter("/")
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| error(s3_error(e)))?;
            for object in page.contents() {
                let Some(key) = object.key() else { continue };
                let name = key.rsplit('/').next().unwrap_or(key);
                if is_log_file(name) {
                    found.push(LogObject {
                        location: Location::S3 {
                            bucket: bucket.to_string(),
                            key: key.to_string(),
                        },
                        size: object.size().unwrap_or(0).max(0) as u64,
                    });
                }
            }
            for common in page.common_prefixes() {
                let Some(sub) = common.prefix() else { continue };
                let segments: Vec<&str> = sub.trim_end_matches('/').split('/').collect();
                if may_hold(&segments, window) {
                    below.push(sub.to_string());
                }
            }
        }
        folders.extend(below.into_iter().rev());
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use trailwarden_events::EventTime;

    fn window(since: Option<&str>, until: Option<&str>) -> Window {
        let t = |s: &str| EventTime::parse(s).unwrap();
        Window {
            since: since.map(t),
            until: until.map(t),
        }
    }

    fn parts(path: &str) -> Vec<&str> {
        path.split('/').collect()
    }

    #[test]
    fn date_folders_outside_the_window_are_pruned_with_a_day_of_delivery_delay() {
        let w = window(Some("2026-11-10T00:00:00Z"), Some("2026-11-12T12:00:00Z"));
        let day = |d: &str| format!("AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/{d}");
        // 09: before the window. 10-12: in it. 13: may hold records of the 12th delivered after
        // midnight. 14: after it.
        for (d, expected) in [
            ("09", false),
            ("10", true),
            ("12", true),
            ("13", true),
            ("14", false),
        ] {
            assert_eq!(may_hold(&parts(&day(d)), &w), expected, "day {d}");
        }
        assert!(may_hold(
            &parts("AWSLogs/111122223333/CloudTrail/us-east-1/2026/11"),
            &w
        ));
        assert!(!may_hold(
            &parts("AWSLogs/111122223333/CloudTrail/us-east-1/2026/10"),
            &w
        ));
        assert!(!may_hold(
            &parts("AWSLogs/111122223333/CloudTrail/us-east-1/2025"),
            &w
        ));
        assert!(may_hold(
            &parts("AWSLogs/111122223333/CloudTrail/us-east-1"),
            &w
        ));
    }

    #[test]
    fn the_organization_layout_is_pruned_alike_and_digests_are_never_walked() {
        let w = window(Some("2026-11-10T00:00:00Z"), None);
        let org = "logs/AWSLogs/o-abc123def4/111122223333/CloudTrail/eu-west-1/2026/11";
        assert!(may_hold(&parts(&format!("{org}/10")), &w));
        assert!(!may_hold(&parts(&format!("{org}/08")), &w));
        assert!(!may_hold(
            &parts("AWSLogs/111122223333/CloudTrail-Digest"),
            &window(None, None)
        ));
        assert!(!may_hold(
            &parts("AWSLogs/111122223333/CloudTrail-Insight"),
            &window(None, None)
        ));
        // Not the layout: walked.
        assert!(may_hold(&parts("exports/2019/whatever"), &w));
        assert!(may_hold(
            &parts("AWSLogs/1/CloudTrail/us-east-1/notayear"),
            &w
        ));
    }

    #[test]
    fn sources_are_s3_urls_or_paths() {
        assert_eq!(
            Source::parse("s3://logs/AWSLogs/").unwrap(),
            Source::S3 {
                bucket: "logs".into(),
                prefix: "AWSLogs/".into()
            }
        );
        assert_eq!(
            Source::parse("s3://logs").unwrap(),
            Source::S3 {
                bucket: "logs".into(),
                prefix: String::new()
            }
        );
        assert!(Source::parse("s3:///x").is_err());
        assert_eq!(
            Source::parse("archive").unwrap(),
            Source::Path("archive".into())
        );
    }
}
