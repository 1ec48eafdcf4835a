//! README, "Reliability and security", the load row and "Load": 10,000 events — the corpus and the sample events replayed, each copy with its
//! own event id — through each function's handler, 32 at a time on a multi-threaded runtime,
//! in-process with mocked AWS (the emulator, one Python process, would be what is measured).
//! The mocks answer the common reads; any other call gets an error, so some remediations fail,
//! which is part of the point: every event must still be accounted for.
//!
//! Accounted for means: the handler returned (no panic, no hang), and
//! - `Ok` with an alert id ⇔ exactly one alert was published for that event id;
//! - `Ok` ignored ⇔ no alert;
//! - `Err(RemediationFailed)` ⇔ exactly one alert (outcome failed) was published first;
//! - `Err(BadEvent)` ⇔ no alert.
//!
//! Throughput is printed (`cargo test -p trailwarden-responder --test load -- --nocapture`), never
//! asserted.

mod common;

use aws_sdk_cloudtrail::operation::get_trail_status::GetTrailStatusOutput;
use aws_sdk_cloudtrail::operation::lookup_events::LookupEventsOutput;
use aws_sdk_iam::operation::list_access_keys::ListAccessKeysOutput;
use aws_sdk_iam::operation::list_attached_group_policies::ListAttachedGroupPoliciesOutput;
use aws_sdk_iam::operation::list_attached_role_policies::ListAttachedRolePoliciesOutput;
use aws_sdk_iam::operation::list_attached_user_policies::ListAttachedUserPoliciesOutput;
use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, create_mock_http_client, mock};
use common::{Inbox, event_file};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use trailwarden_actions::{AwsClients, Regional};
use trailwarden_alerts::AlertPublisher;
use trailwarden_responder::{Function, HandlerError, Responder};

const EVENTS: usize = 10_000;
const CONCURRENCY: usize = 32;

/// A client with `rules` and an error (HTTP 418) for any other call, instead of a panic.
macro_rules! lenient {
    ($krate:ident, $rules:expr) => {{
        let mut interceptor = MockResponseInterceptor::new()
            .rule_mode(RuleMode::MatchAny)
            .allow_passthrough();
        for rule in $rules {
            interceptor = interceptor.with_rule(rule);
        }
        $krate::Client::from_conf(
            $krate::Config::builder()
                .with_test_defaults_v2()
                .http_client(create_mock_http_client())
                .interceptor(interceptor)
                .retry_config(common::retry())
                .build(),
        )
    }};
}

fn responder(function: Function, publish: &Rule) -> Responder {
    let reads_cloudtrail: Vec<Rule> = vec![
        mock!(aws_sdk_cloudtrail::Client::get_trail_status)
            .then_output(|| GetTrailStatusOutput::builder().is_logging(true).build()),
        mock!(aws_sdk_cloudtrail::Client::lookup_events)
            .then_output(|| LookupEventsOutput::builder().build()),
    ];
    let reads_iam: Vec<Rule> = vec![
        mock!(aws_sdk_iam::Client::list_attached_user_policies)
            .then_output(|| ListAttachedUserPoliciesOutput::builder().build()),
        mock!(aws_sdk_iam::Client::list_attached_role_policies)
            .then_output(|| ListAttachedRolePoliciesOutput::builder().build()),
        mock!(aws_sdk_iam::Client::list_attached_group_policies)
            .then_output(|| ListAttachedGroupPoliciesOutput::builder().build()),
        mock!(aws_sdk_iam::Client::list_access_keys).then_output(|| {
            ListAccessKeysOutput::builder()
                .set_access_key_metadata(Some(vec![]))
                .build()
                .unwrap()
        }),
    ];
    let clients = AwsClients {
        cloudtrail: Regional::fixed(lenient!(aws_sdk_cloudtrail, &reads_cloudtrail)),
        iam: lenient!(aws_sdk_iam, &reads_iam),
        kms: Regional::fixed(lenient!(aws_sdk_kms, Vec::<Rule>::new().iter())),
        s3: Regional::fixed(lenient!(aws_sdk_s3, Vec::<Rule>::new().iter())),
    };
    let sns = lenient!(aws_sdk_sns, [publish]);
    Responder::with_alerts(
        clients
            .guard(function)
            .expect("the function answers events"),
        common::config(&[("SELF_RESOURCE_PREFIX", "trailwarden")]),
        AlertPublisher::new(sns, common::TOPIC.to_string()),
    )
}

/// The corpus records and the sample events, then copies of them, each with its own event id.
fn events() -> Vec<(String, Value)> {
    let mut base: Vec<Value> = trailwarden_events::corpus::records()
        .into_iter()
        .map(|(_, r)| r.raw)
        .collect();
    let samples = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../events")).unwrap();
    let mut names: Vec<String> = samples
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    base.extend(names.iter().map(|n| event_file(n)));
    assert!(
        base.len() > 500,
        "the corpus is there: {} events",
        base.len()
    );
    (0..EVENTS)
        .map(|i| {
            let mut event = base[i % base.len()].clone();
            let id = format!("load-{i:05}");
            // Vary: a new id; every third copy also a new source address.
            let detail = if event.get("detail").is_some() {
                event["id"] = Value::String(id.clone());
                &mut event["detail"]
            } else {
                &mut event
            };
            if let Some(map) = detail.as_object_mut() {
                map.insert("eventID".into(), Value::String(id.clone()));
                if i % 3 == 0 {
                    map.insert(
                        "sourceIPAddress".into(),
                        Value::String(format!("198.51.100.{}", i % 250)),
                    );
                }
            }
            (id, event)
        })
        .collect()
}

async fn run(function: Function) {
    let inbox = Inbox::default();
    let publish = inbox.rule();
    let responder = Arc::new(responder(function, &publish));
    let events = events();
    let started = Instant::now();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    for (id, event) in events {
        let permit = semaphore.clone().acquire_owned().await.unwrap();
        let responder = responder.clone();
        tasks.spawn(async move {
            let result = responder.handle(event).await;
            drop(permit);
            (id, result)
        });
    }
    let mut results = Vec::with_capacity(EVENTS);
    while let Some(joined) = tasks.join_next().await {
        results.push(joined.expect("a handler panicked"));
    }
    let elapsed = started.elapsed();

    // Alerts published, by event id (the scheduled check's carry "<id>/<trail>").
    let mut alerts: HashMap<String, usize> = HashMap::new();
    for n in 0..inbox.len() {
        let id = inbox.attribute(n, "event_id");
        let id = id.split('/').next().unwrap_or_default().to_string();
        *alerts.entry(id).or_default() += 1;
    }
    let mut tally: HashMap<&str, usize> = HashMap::new();
    let mut problems = Vec::new();
    for (id, result) in &results {
        let published = alerts.get(id).copied().unwrap_or(0);
        let (kind, expected) = match result {
            Ok(r) if r.outcome == "ignored" || r.outcome == "no-drift" => ("ignored", 0),
            Ok(r) if r.alert_message_id.is_some() => ("alerted", 1),
            Ok(r) => ("other", usize::from(r.alert_message_id.is_some())),
            Err(HandlerError::RemediationFailed { .. }) => ("failed, alerted", 1),
            Err(HandlerError::BadEvent(_)) => ("bad event", 0),
            Err(HandlerError::AlertNotPublished(_)) => ("alert not published", 0),
            Err(HandlerError::NotUndone { .. }) => ("not undone, alerted", 1),
            Err(HandlerError::ForeignAccount { .. }) => ("of another account, alerted", 1),
            Err(HandlerError::MemberRoleUnavailable(_)) => ("member role unavailable, alerted", 1),
            Err(HandlerError::AccountUnchecked { .. }) => ("account unchecked, alerted", 1),
            // No journal here: either is a problem.
            Err(HandlerError::JournalNotWritten { .. } | HandlerError::SnapshotNotTaken { .. }) => {
                ("journal, which this test has none of", usize::MAX)
            }
        };
        *tally.entry(kind).or_default() += 1;
        if published != expected {
            problems.push(format!(
                "{id}: {kind}, {published} alert(s) published: {result:?}"
            ));
        }
    }
    let per_second = EVENTS as f64 / elapsed.as_secs_f64();
    println!(
        "{}: {EVENTS} events in {:.2} s ({per_second:.0} events/s, {CONCURRENCY} concurrent): {tally:?}",
        function.name(),
        elapsed.as_secs_f64()
    );
    assert_eq!(results.len(), EVENTS, "every event returned");
    assert!(
        problems.is_empty(),
        "{} unaccounted:\n{}",
        problems.len(),
        problems[..problems.len().min(20)].join("\n")
    );
    assert_eq!(
        tally.get("alert not published"),
        None,
        "SNS never failed here"
    );
    assert_eq!(tally.get("other"), None);
    assert!(tally.get("alerted").copied().unwrap_or(0) > 0, "{tally:?}");
    assert!(tally.get("ignored").copied().unwrap_or(0) > 0, "{tally:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_events_through_iam_guard_are_all_accounted_for() {
    run(Function::IamGuard).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_events_through_trail_guard_are_all_accounted_for() {
    run(Function::TrailGuard).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_events_through_tripwire_are_all_accounted_for() {
    run(Function::Tripwire).await;
}
