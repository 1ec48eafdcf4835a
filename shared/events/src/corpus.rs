//! The real CloudTrail records of `../shared/corpus`, for tests (feature `corpus`).

use crate::{Record, parse_log_file};
use std::path::{Path, PathBuf};

/// The corpus folder: `TRAILWARDEN_CORPUS`; else `shared/corpus` beside the project's checkout (as
/// CI lays it out); else beside the checkout this one was cloned from (a clone in a temporary
/// folder, as the pre-submission check makes). The first that exists, or the first candidate.
pub fn dir() -> PathBuf {
    candidates()
        .into_iter()
        .find(|d| d.is_dir())
        .unwrap_or_else(|| candidates().remove(0))
}

fn candidates() -> Vec<PathBuf> {
    if let Ok(dir) = std::env::var("TRAILWARDEN_CORPUS") {
        return vec![PathBuf::from(dir)];
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut dirs = vec![workspace.join("../shared/corpus")];
    let origin = std::process::Command::new("git")
        .args(["config", "--get", "remote.origin.url"])
        .current_dir(&workspace)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if let Some(origin) = origin.filter(|o| Path::new(o).is_absolute()) {
        dirs.push(Path::new(&origin).join("../shared/corpus"));
    }
    dirs
}

/// One corpus file's records, or the error that kept it from being read.
pub struct CorpusFile {
    pub path: PathBuf,
    pub records: Result<Vec<Record>, crate::EventError>,
}

/// Every `.json` file under the corpus, sorted by path. Panics with a clear message when the corpus
/// is not there: a test that reads nothing must not pass.
pub fn files() -> Vec<CorpusFile> {
    let root = dir();
    let mut paths = Vec::new();
    collect(&root, &mut paths);
    assert!(
        !paths.is_empty(),
        "no corpus at {} (looked in {:?}; set TRAILWARDEN_CORPUS)",
        root.display(),
        candidates()
    );
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            CorpusFile {
                records: parse_log_file(&bytes),
                path,
            }
        })
        .collect()
}

/// Every record of the corpus, with the file it came from.
pub fn records() -> Vec<(PathBuf, Record)> {
    files()
        .into_iter()
        .flat_map(|f| {
            let records = f
                .records
                .unwrap_or_else(|e| panic!("{}: {e}", f.path.display()));
            records.into_iter().map(move |r| (f.path.clone(), r))
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}
