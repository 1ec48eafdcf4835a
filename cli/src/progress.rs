//! Progress of a long replay on a terminal: files, records, MB/s and the time left. Nothing at all
//! when stdout or stderr is not a terminal (a pipe, a file, CI), so that output stays clean.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct Progress {
    bar: ProgressBar,
    files: AtomicU64,
    records: AtomicU64,
}

impl Progress {
    /// A bar over `total_bytes` (the files' sizes as stored), shown only on a terminal.
    pub fn new(total_bytes: u64, files: usize) -> Progress {
        let bar = if shown() {
            let bar = ProgressBar::new(total_bytes);
            if let Ok(style) = ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}, {eta} left, {msg}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(format!("0/{files} files"));
            bar
        } else {
            ProgressBar::hidden()
        };
        Progress {
            bar,
            files: AtomicU64::new(0),
            records: AtomicU64::new(0),
        }
    }

    /// A count of `what` with its rate, for work whose total is not known ahead (the objects of
    /// a log file validation), shown only on a terminal.
    pub fn counter(what: &str) -> Progress {
        let bar = if shown() {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template(&format!(
                "{{elapsed_precise}} {{pos}} {what}, {{per_sec}}"
            )) {
                bar.set_style(style);
            }
            bar
        } else {
            ProgressBar::hidden()
        };
        Progress {
            bar,
            files: AtomicU64::new(0),
            records: AtomicU64::new(0),
        }
    }

    pub fn file_done(&self, bytes: u64, records: u64) {
        let files = self.files.fetch_add(1, Ordering::Relaxed) + 1;
        let records = self.records.fetch_add(records, Ordering::Relaxed) + records;
        self.bar.inc(bytes);
        if !self.bar.is_hidden() {
            self.bar
                .set_message(format!("{files} files, {records} records"));
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Progress is drawn only when both stdout and stderr are terminals.
fn shown() -> bool {
    std::io::stdout().is_terminal() && std::io::stderr().is_terminal()
}

impl trailwarden_integrity::validate::Progress for Progress {
    fn read(&self, objects: u64) {
        self.bar.inc(objects);
    }
}
