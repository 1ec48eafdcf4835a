//! The real CloudTrail records of `tests/corpus` (the project's byte-for-byte copy of the
//! workplace corpus), for tests (feature `corpus`).

use crate::{Record, parse_log_file};
use std::path::{Path, PathBuf};

/// The corpus folder: `TRAILWARDEN_CORPUS` when set, else the project's own `tests/corpus`. Nothing
/// outside the checkout is looked at, so a clone with nothing beside it tests the same records.
pub fn dir() -> PathBuf {
    match std::env::var_os("TRAILWARDEN_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus"),
    }
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
        "no corpus at {} (the project keeps it in tests/corpus; TRAILWARDEN_CORPUS overrides it)",
        root.display()
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
