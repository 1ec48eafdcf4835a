//! The replay's report: counts gathered file by file ([`Summary`], merged in file order), one
//! JSON line for each answer (`--json`), and the summary as a table or one JSON document.

use crate::replay::{Answer, Verdict, allow_list_entry};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use trailwarden_events::{EventTime, Record};
use trailwarden_rules::Function;

/// What a replay read and what the functions would have done, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Log files read (unreadable ones included).
    pub files: u64,
    /// Their size as stored.
    pub bytes: u64,
    /// Records in the window.
    pub records: u64,
    /// Records outside `--since`/`--until` (in files of the folders the window kept).
    pub outside_window: u64,
    pub first_event: Option<EventTime>,
    pub last_event: Option<EventTime>,
    pub accounts: BTreeMap<String, u64>,
    pub regions: BTreeMap<String, u64>,
    /// (function, rule or event name, outcome) → records.
    pub answered: BTreeMap<(&'static str, String, &'static str), u64>,
    /// (function, reason) → records.
    pub ignored: BTreeMap<(&'static str, &'static str), u64>,
    /// function → answers whose outcome depends on facts that were not read.
    pub depends_on_facts: BTreeMap<&'static str, u64>,
    /// Actors whose changes would have been reverted or contained: allow-list candidates.
    pub candidates: BTreeMap<String, Candidate>,
    pub unreadable: Vec<Unreadable>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    pub records: u64,
    /// The `ALLOWED_PRINCIPALS` entry that would exempt the actor (`None`: root).
    pub entry: Option<String>,
}

/// A file, a record or a decision that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unreadable {
    pub file: String,
    /// The record's index in the file (`None`: the whole file).
    pub record: Option<usize>,
    pub error: String,
}

/// One line of `--json`: a function's answer to a record.
#[derive(Debug, Serialize)]
pub struct AnswerLine<'a> {
    pub event_id: &'a str,
    pub event_name: &'a str,
    pub event_time: String,
    pub account: Option<&'a str>,
    pub region: &'a str,
    pub function: &'static str,
    pub outcome: &'static str,
    pub severity: &'static str,
    pub actor: Option<String>,
    pub reason: &'a str,
    pub resource: &'a str,
    pub rule: Option<&'static str>,
    pub actions: &'a [String],
    pub depends_on: &'a [String],
    pub file: &'a str,
    pub record: usize,
}

impl Summary {
    /// Counts one record of the window and the functions' verdicts on it; returns the JSON
    /// lines of its answers.
    pub fn count(
        &mut self,
        file: &str,
        index: usize,
        record: &Record,
        verdicts: &[(Function, Result<Verdict, trailwarden_events::EventError>)],
    ) -> Vec<String> {
        self.records += 1;
        let time = record.event_time;
        self.first_event = Some(self.first_event.map_or(time, |t| t.min(time)));
        self.last_event = Some(self.last_event.map_or(time, |t| t.max(time)));
        let account = record.account().unwrap_or("unknown").to_string();
        *self.accounts.entry(account).or_default() += 1;
        *self
            .regions
            .entry(record.aws_region.to_string())
            .or_default() += 1;
        let mut lines = Vec::new();
        let mut changes = false;
        for (function, verdict) in verdicts {
            match verdict {
                Ok(Verdict::Ignored(why)) => {
                    *self
                        .ignored
                        .entry((function.name(), why.kind()))
                        .or_default() += 1;
                }
                Ok(Verdict::Answered(answer)) => {
                    self.count_answer(record, answer);
                    changes |= answer.changes_something();
                    lines.push(answer_line(file, index, record, answer));
                }
                Err(error) => self.unreadable.push(Unreadable {
                    file: file.to_string(),
                    record: Some(index),
                    error: format!("{}: {error}", function.name()),
                }),
            }
        }
        if changes {
            let entry = allow_list_entry(&record.actor);
            let who = entry.clone().unwrap_or_else(|| record.actor.to_string());
            self.candidates
                .entry(who)
                .or_insert(Candidate { records: 0, entry })
                .records += 1;
        }
        lines
    }

    fn count_answer(&mut self, record: &Record, answer: &Answer) {
        let function = answer.function.name();
        let rule = answer
            .rule
            .map(String::from)
            .unwrap_or_else(|| record.event_name.clone());
        *self
            .answered
            .entry((function, rule, answer.outcome.as_str()))
            .or_default() += 1;
        if !answer.depends_on.is_empty() {
            *self.depends_on_facts.entry(function).or_default() += 1;
        }
    }

    /// Adds `other`'s counts (another file's) to these.
    pub fn merge(&mut self, other: Summary) {
        self.files += other.files;
        self.bytes += other.bytes;
        self.records += other.records;
        self.outside_window += other.outside_window;
        self.first_event = either(self.first_event, other.first_event, std::cmp::min);
        self.last_event = either(self.last_event, other.last_event, std::cmp::max);
        add(&mut self.accounts, other.accounts);
        add(&mut self.regions, other.regions);
        add(&mut self.answered, other.answered);
        add(&mut self.ignored, other.ignored);
        add(&mut self.depends_on_facts, other.depends_on_facts);
        for (who, candidate) in other.candidates {
            self.candidates
                .entry(who)
                .and_modify(|c| c.records += candidate.records)
                .or_insert(candidate);
        }
        self.unreadable.extend(other.unreadable);
    }

    /// The candidates, most records first (then by name).
    pub fn candidates_by_count(&self) -> Vec<(&String, &Candidate)> {
        let mut all: Vec<_> = self.candidates.iter().collect();
        all.sort_by(|a, b| b.1.records.cmp(&a.1.records).then(a.0.cmp(b.0)));
        all
    }

    /// The summary as one JSON document (`--format json`).
    pub fn to_json(&self) -> Value {
        let answered: Vec<Value> = self
            .answered
            .iter()
            .map(|((function, rule, outcome), n)| {
                json!({"function": function, "rule": rule, "outcome": outcome, "records": n})
            })
            .collect();
        let ignored: Vec<Value> = self
            .ignored
            .iter()
            .map(|((function, reason), n)| {
                json!({"function": function, "reason": reason, "records": n})
            })
            .collect();
        let candidates: Vec<Value> = self
            .candidates_by_count()
            .into_iter()
            .map(|(who, c)| json!({"actor": who, "records": c.records, "allowed_principals": c.entry}))
            .collect();
        json!({
            "files": self.files,
            "bytes": self.bytes,
            "records": self.records,
            "outside_window": self.outside_window,
            "first_event": self.first_event.map(|t| t.to_string()),
            "last_event": self.last_event.map(|t| t.to_string()),
            "accounts": self.accounts,
            "regions": self.regions,
            "answered": answered,
            "ignored": ignored,
            "depends_on_facts": self.depends_on_facts,
            "allow_list_candidates": candidates,
            "allowed_principals_line": self.allowed_principals_line(),
            "unreadable": self.unreadable,
        })
    }

    /// `ALLOWED_PRINCIPALS=...` exempting every candidate that can be allow-listed.
    pub fn allowed_principals_line(&self) -> Option<String> {
        let entries: Vec<&str> = self
            .candidates_by_count()
            .into_iter()
            .filter_map(|(_, c)| c.entry.as_deref())
            .collect();
        (!entries.is_empty()).then(|| format!("ALLOWED_PRINCIPALS={}", entries.join(",")))
    }

    /// The summary as a person reads it (`--format table`).
    pub fn to_table(&self, offline: bool) -> String {
        let mut out = String::new();
        let span = match (self.first_event, self.last_event) {
            (Some(a), Some(b)) => format!(", {a} to {b}"),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "{} records in {} files ({}){span}",
            self.records,
            self.files,
            megabytes(self.bytes)
        );
        let _ = writeln!(out, "accounts: {}", counted(&self.accounts));
        let _ = writeln!(out, "regions:  {}", counted(&self.regions));
        if self.outside_window > 0 {
            let _ = writeln!(
                out,
                "outside --since/--until: {} records",
                self.outside_window
            );
        }
        let _ = writeln!(out);
        if self.answered.is_empty() {
            let _ = writeln!(out, "No function would have answered any record.");
        } else {
            let _ = writeln!(
                out,
                "{:<12} {:<36} {:<17} {:>8}",
                "function", "rule or event", "outcome", "records"
            );
            for ((function, rule, outcome), n) in &self.answered {
                let _ = writeln!(out, "{function:<12} {rule:<36} {outcome:<17} {n:>8}");
            }
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "ignored (by function and reason):");
        for function in Function::ANSWERING_EVENTS.map(Function::name) {
            let reasons: Vec<String> = self
                .ignored
                .iter()
                .filter(|((f, _), _)| *f == function)
                .map(|((_, reason), n)| format!("{reason} {n}"))
                .collect();
            if !reasons.is_empty() {
                let _ = writeln!(out, "  {function:<12} {}", reasons.join(", "));
            }
        }
        if !self.depends_on_facts.is_empty() {
            let why = if offline {
                "facts not read offline (--live reads them from AWS)"
            } else {
                "facts that could not be read"
            };
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "outcomes that depend on {why}: {}",
                counted_by(&self.depends_on_facts)
            );
        }
        let candidates = self.candidates_by_count();
        if !candidates.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "would have been reverted or contained most (allow-list candidates, if legitimate):"
            );
            for (who, c) in candidates.iter().take(10) {
                let entry = c
                    .entry
                    .as_ref()
                    .map(|e| format!("ALLOWED_PRINCIPALS={e}"))
                    .unwrap_or_else(|| "never allow-list root: find who used it".into());
                let _ = writeln!(out, "  {:>6}  {who}\n          {entry}", c.records);
            }
            if let Some(line) = self.allowed_principals_line() {
                let _ = writeln!(out, "  all of them: {line}");
            }
        }
        if !self.unreadable.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(out, "unreadable: {}", self.unreadable.len());
            for u in self.unreadable.iter().take(20) {
                match u.record {
                    Some(i) => {
                        let _ = writeln!(out, "  {} record {i}: {}", u.file, u.error);
                    }
                    None => {
                        let _ = writeln!(out, "  {}: {}", u.file, u.error);
                    }
                }
            }
            if self.unreadable.len() > 20 {
                let _ = writeln!(
                    out,
                    "  ... and {} more (--format json lists them all)",
                    self.unreadable.len() - 20
                );
            }
        }
        out
    }
}

fn answer_line(file: &str, index: usize, record: &Record, answer: &Answer) -> String {
    let line = AnswerLine {
        event_id: &record.event_id,
        event_name: &record.event_name,
        event_time: record.event_time.to_string(),
        account: record.account(),
        region: record.aws_region.as_str(),
        function: answer.function.name(),
        outcome: answer.outcome.as_str(),
        severity: answer.severity.as_str(),
        actor: record.actor.arn.as_ref().map(ToString::to_string),
        reason: &answer.reason,
        resource: &answer.resource,
        rule: answer.rule,
        actions: &answer.actions,
        depends_on: &answer.depends_on,
        file,
        record: index,
    };
    serde_json::to_string(&line).unwrap_or_default()
}

fn either(
    a: Option<EventTime>,
    b: Option<EventTime>,
    pick: fn(EventTime, EventTime) -> EventTime,
) -> Option<EventTime> {
    match (a, b) {
        (Some(a), Some(b)) => Some(pick(a, b)),
        (a, b) => a.or(b),
    }
}

fn add<K: Ord>(into: &mut BTreeMap<K, u64>, from: BTreeMap<K, u64>) {
    for (k, n) in from {
        *into.entry(k).or_default() += n;
    }
}

fn counted(map: &BTreeMap<String, u64>) -> String {
    map.iter()
        .map(|(k, n)| format!("{k} ({n})"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn counted_by(map: &BTreeMap<&'static str, u64>) -> String {
    map.iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}
