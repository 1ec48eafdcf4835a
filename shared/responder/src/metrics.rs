//! The one log line a function writes for each event it handled: what it did, and the same as
//! CloudWatch Embedded Metric Format, so that CloudWatch Logs makes the metrics of the template's
//! dashboard and alarms from the log alone (no `PutMetricData` call, no permission, no latency).
//!
//! Namespace `trailwarden`; metrics `Events` (Count, one per event) and `HandlingTime`
//! (Milliseconds); dimensions `Function`, `Outcome` (the report's: `reverted`, `failed`,
//! `alert-only`, `ignored`, ...) and `Severity` (`none` for an event with no incident), in the
//! sets below. Lambda passes a JSON line through as it is, so `_aws` stays at the top.

use crate::{HandlerError, Report};
use serde_json::{Value, json};
use trailwarden_events::redact::redact_text;
use trailwarden_rules::{Function, Severity};

pub const NAMESPACE: &str = "trailwarden";

/// Each set is one metric series per combination of its values: per function (events handled),
/// per function and outcome (reverted, failed, alert-only), per function and severity, and per
/// outcome alone (the alarm on any `failed`).
pub const DIMENSION_SETS: [&[&str]; 4] = [
    &["Function"],
    &["Function", "Outcome"],
    &["Function", "Severity"],
    &["Outcome"],
];

/// What the line says of an event: its outcome and severity. An error is `failed` and critical:
/// the event was not dealt with, Lambda retries it and the dead-letter queue keeps it.
pub fn handled(result: &Result<Report, HandlerError>) -> (String, String) {
    match result {
        Ok(report) => (
            report.outcome.clone(),
            report
                .severity
                .clone()
                .unwrap_or_else(|| "none".to_string()),
        ),
        Err(_) => ("failed".into(), Severity::Critical.as_str().into()),
    }
}

/// The line for one event handled by `function` in `millis`, at `timestamp` (ms since the epoch).
pub fn line(
    function: Function,
    result: &Result<Report, HandlerError>,
    millis: f64,
    timestamp: u128,
) -> Value {
    let (outcome, severity) = handled(result);
    let event_id = match result {
        Ok(report) => Some(report.event_id.as_str()),
        Err(_) => None,
    };
    json!({
        "level": if result.is_ok() { "INFO" } else { "ERROR" },
        "message": "handled",
        "event_id": event_id,
        "error": result.as_ref().err().map(|e| redact_text(&e.to_string())),
        "Function": function.name(),
        "Outcome": outcome,
        "Severity": severity,
        "Events": 1,
        "HandlingTime": (millis * 1000.0).round() / 1000.0,
        "_aws": {
            "Timestamp": timestamp,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": DIMENSION_SETS,
                "Metrics": [
                    { "Name": "Events", "Unit": "Count" },
                    { "Name": "HandlingTime", "Unit": "Milliseconds" },
                ],
            }],
        },
    })
}

/// Writes the line to standard output, where Lambda sends it to CloudWatch Logs.
pub fn emit(
    function: Function,
    result: &Result<Report, HandlerError>,
    started: std::time::Instant,
) {
    let millis = started.elapsed().as_secs_f64() * 1000.0;
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    println!("{}", line(function, result, millis, timestamp));
}

#[cfg(test)]
mod tests {
    use super::*;
    use trailwarden_events::EventError;

    /// The rules of the EMF specification ("Specification: Embedded metric format") a line must
    /// keep for CloudWatch to extract its metrics; a line that breaks one is stored as a log only.
    fn assert_emf(line: &Value) {
        let root = line.as_object().expect("an EMF line is a JSON object");
        let aws = root["_aws"].as_object().expect("_aws at the top level");
        assert!(aws["Timestamp"].is_u64(), "Timestamp: ms since the epoch");
        let directives = aws["CloudWatchMetrics"].as_array().unwrap();
        assert!(!directives.is_empty());
        for directive in directives {
            assert!(!directive["Namespace"].as_str().unwrap().is_empty());
            for set in directive["Dimensions"].as_array().unwrap() {
                let set = set.as_array().unwrap();
                assert!(!set.is_empty() && set.len() <= 30);
                for name in set {
                    let name = name.as_str().unwrap();
                    assert!(
                        root[name].is_string(),
                        "dimension {name} is a string member"
                    );
                }
            }
            for metric in directive["Metrics"].as_array().unwrap() {
                let name = metric["Name"].as_str().unwrap();
                assert!(root[name].is_number(), "metric {name} is a number member");
                assert!(
                    ["Count", "Milliseconds"].contains(&metric["Unit"].as_str().unwrap()),
                    "a unit of the specification's list"
                );
            }
        }
    }

    fn report(outcome: &str, severity: Option<&str>) -> Report {
        Report {
            event_id: "e-1".into(),
            function: "iam-guard".into(),
            outcome: outcome.into(),
            severity: severity.map(Into::into),
            reason: None,
            actions: vec![],
            alert_message_id: None,
        }
    }

    #[test]
    fn a_revert_is_counted_under_its_function_outcome_and_severity() {
        let line = line(
            Function::IamGuard,
            &Ok(report("reverted", Some("high"))),
            12.3456,
            1_765_000_000_000,
        );
        assert_emf(&line);
        assert_eq!(line["Function"], "iam-guard");
        assert_eq!(line["Outcome"], "reverted");
        assert_eq!(line["Severity"], "high");
        assert_eq!(line["Events"], 1);
        assert_eq!(line["HandlingTime"], 12.346);
        assert_eq!(line["event_id"], "e-1");
        assert_eq!(line["_aws"]["Timestamp"], 1_765_000_000_000u64);
        assert_eq!(
            line["_aws"]["CloudWatchMetrics"][0]["Namespace"],
            "trailwarden"
        );
        assert_eq!(
            line["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([
                ["Function"],
                ["Function", "Outcome"],
                ["Function", "Severity"],
                ["Outcome"]
            ])
        );
    }

    #[test]
    fn an_ignored_event_has_severity_none() {
        let line = line(Function::Tripwire, &Ok(report("ignored", None)), 0.5, 1);
        assert_emf(&line);
        assert_eq!(line["Outcome"], "ignored");
        assert_eq!(line["Severity"], "none");
        assert_eq!(line["level"], "INFO");
    }

    #[test]
    fn an_error_is_a_critical_failure_whatever_it_is() {
        let error = HandlerError::BadEvent(EventError::Shape("no detail".into()));
        let line = line(Function::TrailGuard, &Err(error), 3.0, 1);
        assert_emf(&line);
        assert_eq!(line["Outcome"], "failed");
        assert_eq!(line["Severity"], "critical");
        assert_eq!(line["level"], "ERROR");
        assert_eq!(
            line["error"],
            "cannot read the event: the event has the wrong shape: no detail"
        );
        assert!(line["event_id"].is_null());
    }
}
