//! The template's EventBridge rules, loaded into the emulator's EventBridge, deliver every sample
//! event and every corpus record where it belongs, and no failed call anywhere but where the
//! attempt is the signal; the organization's bus and `member.yaml`'s forwarding rules deliver
//! every one of them exactly as the central rules do.

mod common;

use common::template::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use trailwarden_events::{Record, corpus};
use trailwarden_rules::{Decision, Facts, iam, trail, tripwire};
use trailwarden_tests::{EmulatorGuard, emulator, repo_root};

// ---- Routing: the rules against the emulator's EventBridge ------------------------------------------

/// Where a set of rules comes from: the central stack's rules on the default bus, its rules on the
/// organization's bus (organization mode), and `member.yaml`'s forwarding rules.
const CENTRAL: &str = "central";
const ORGANIZATION: &str = "organization";
const MEMBER: &str = "member";

/// The rules of `template.yaml` (both buses) and `member.yaml` loaded into the emulator's
/// EventBridge, all on one bus, each delivering to an SQS queue named after its set and function.
struct Routing {
    events: aws_sdk_eventbridge::Client,
    sqs: aws_sdk_sqs::Client,
    /// (set, function, queue URL)
    queues: Vec<(&'static str, &'static str, String)>,
}

/// The function a rule's first target is: a central function's logical id, or for a forwarding
/// rule of `member.yaml`, its logical id `<Function>[<Part>]Forwarding` (tripwire's pattern is in
/// two parts: `TripwireForwarding`, `TripwireRulesForwarding`).
fn function_of(rule_id: &str, rule: &Value) -> &'static str {
    let target = rule["Properties"]["Targets"][0]["Arn"]["Fn::GetAtt"][0]
        .as_str()
        .map(String::from);
    FUNCTIONS
        .iter()
        .find(|(_, fid, _)| match &target {
            Some(target) => fid == target,
            None => {
                rule_id.ends_with("Forwarding")
                    && rule_id.starts_with(fid.trim_end_matches("Function"))
            }
        })
        .unwrap_or_else(|| panic!("{rule_id} targets {target:?}"))
        .0
        .name()
}

impl Routing {
    async fn load(aws: &EmulatorGuard) -> Routing {
        let central = transformed(&[]);
        let member = member_template();
        let mut rules = Vec::new();
        for (id, rule) in of_type(&central, "AWS::Events::Rule") {
            // The schedule has no pattern.
            if let Some(pattern) = rule["Properties"].get("EventPattern") {
                let set = match rule["Properties"].get("EventBusName") {
                    Some(_) => ORGANIZATION,
                    None => CENTRAL,
                };
                rules.push((set, function_of(id, rule), id.to_string(), pattern.clone()));
            }
        }
        for (id, rule) in of_type(&member, "AWS::Events::Rule") {
            let pattern = rule["Properties"]["EventPattern"].clone();
            rules.push((
                MEMBER,
                function_of(id, rule),
                format!("member-{id}"),
                pattern,
            ));
        }
        let sdk = aws.sdk_config();
        let events = aws_sdk_eventbridge::Client::new(&sdk);
        let sqs = aws.sqs();
        let mut queues = Vec::new();
        for (set, function, id, pattern) in rules {
            let name = format!("{set}-{function}");
            let url = sqs
                .create_queue()
                .queue_name(&name)
                .send()
                .await
                .unwrap()
                .queue_url
                .unwrap();
            let arn = format!("arn:aws:sqs:us-east-1:123456789012:{name}");
            events
                .put_rule()
                .name(&id)
                .event_pattern(pattern.to_string())
                .send()
                .await
                .unwrap();
            let target = aws_sdk_eventbridge::types::Target::builder()
                .id(function)
                .arn(arn)
                .build()
                .unwrap();
            events
                .put_targets()
                .rule(&id)
                .targets(target)
                .send()
                .await
                .unwrap();
            queues.push((set, function, url));
        }
        for set in [CENTRAL, ORGANIZATION, MEMBER] {
            let functions: BTreeSet<_> = queues
                .iter()
                .filter(|(s, _, _)| *s == set)
                .map(|(_, f, _)| *f)
                .collect();
            assert_eq!(functions.len(), 3, "{set}: a pattern rule per function");
        }
        Routing {
            events,
            sqs,
            queues,
        }
    }

    /// Puts events (EventBridge envelopes) on the bus, ten at a time.
    async fn put(&self, envelopes: &[Value]) {
        for chunk in envelopes.chunks(10) {
            let entries: Vec<_> = chunk
                .iter()
                .map(|e| {
                    aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
                        .source(e["source"].as_str().unwrap())
                        .detail_type(e["detail-type"].as_str().unwrap())
                        .detail(e["detail"].to_string())
                        .build()
                })
                .collect();
            let out = self
                .events
                .put_events()
                .set_entries(Some(entries))
                .send()
                .await
                .unwrap();
            assert_eq!(out.failed_entry_count(), 0);
        }
    }

    /// Which functions each set of rules delivered each event to, by the `detail.eventID` (or
    /// `detail.trailwardenTag`). The three sets must agree (`member.yaml` forwards exactly what
    /// the central rules match, and the organization's bus matches it again): the central set is
    /// returned once that is checked.
    async fn delivered(&self) -> BTreeMap<String, BTreeSet<&'static str>> {
        let mut by_set: BTreeMap<&str, BTreeMap<String, BTreeSet<&'static str>>> = BTreeMap::new();
        let mut twice = Vec::new();
        let mut read = BTreeSet::new();
        for (set, function, url) in &self.queues {
            // tripwire's two rules deliver to one queue: read it once.
            if !read.insert(url) {
                continue;
            }
            let delivered = by_set.entry(set).or_default();
            loop {
                let out = self
                    .sqs
                    .receive_message()
                    .queue_url(url)
                    .max_number_of_messages(10)
                    .send()
                    .await
                    .unwrap();
                let messages = out.messages();
                if messages.is_empty() {
                    break;
                }
                for m in messages {
                    let body: Value = serde_json::from_str(m.body().unwrap()).unwrap();
                    let detail = &body["detail"];
                    let key = detail["trailwardenTag"]
                        .as_str()
                        .or(detail["eventID"].as_str())
                        .unwrap()
                        .to_string();
                    // Two rules of one function matching one event invoke it twice.
                    if !delivered.entry(key.clone()).or_default().insert(function) {
                        twice.push(format!("{set} {function}: {key}"));
                    }
                    self.sqs
                        .delete_message()
                        .queue_url(url)
                        .receipt_handle(m.receipt_handle().unwrap())
                        .send()
                        .await
                        .unwrap();
                }
            }
        }
        assert!(twice.is_empty(), "delivered twice:\n{}", twice.join("\n"));
        let central = by_set.remove(CENTRAL).unwrap_or_default();
        for (set, delivered) in &by_set {
            let disagree: Vec<String> = central
                .keys()
                .chain(delivered.keys())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .filter(|tag| central.get(*tag) != delivered.get(*tag))
                .map(|tag| {
                    format!(
                        "{tag}: central {:?}, {set} {:?}",
                        central.get(tag),
                        delivered.get(tag)
                    )
                })
                .collect();
            assert!(
                disagree.is_empty(),
                "{set} rules route otherwise:\n{}",
                disagree.join("\n")
            );
        }
        central
    }
}

/// Where each sample event must go, read off the rules by hand: IAM writes reach iam-guard and
/// tripwire (which watches IAM for changes to trailwarden's roles and for allowed principals'
/// changes); CloudTrail, KMS and S3 events reach trail-guard; the rest reach tripwire.
fn meant_for(file: &str) -> &'static [&'static str] {
    const TRAIL_GUARD: &[&str] = &[
        "delete-bucket-policy.json",
        "delete-bucket.json",
        "delete-trail.json",
        "disable-key.json",
        "put-advanced-event-selectors.json",
        "put-bucket-lifecycle.json",
        "put-bucket-policy.json",
        "put-bucket-versioning-suspended.json",
        "put-event-selectors.json",
        "put-insight-selectors.json",
        "schedule-key-deletion.json",
        "stop-logging.json",
        "stop-logging-by-arn.json",
        // The rule cannot tell these apart; the code leaves them alone.
        "stop-logging-by-break-glass.json",
        "stop-logging-by-responder.json",
        "stop-logging-unprotected-trail.json",
        "update-trail.json",
    ];
    match file {
        // A key disabled or scheduled for deletion may be a trail's (trail-guard) or the alert
        // topic's (tripwire): both hear of it, and each one's code asks whose key it is.
        "tripwire-alert-key-disabled.json" | "disable-key.json" | "schedule-key-deletion.json" => {
            &["trail-guard", "tripwire"]
        }
        // Delivered by the schedule rule, not by a pattern.
        "scheduled-check.json" => &[],
        "stop-logging-failed.json" => &[],
        f if TRAIL_GUARD.contains(&f) => &["trail-guard"],
        // IAM events reach iam-guard's rule too, which leaves those it has no row for alone.
        "tripwire-allowed-iam-change.json"
        | "tripwire-root-access-key.json"
        | "tripwire-saml-provider-created.json"
        | "tripwire-oidc-client-id-added.json"
        | "tripwire-mfa-deactivated.json"
        | "tripwire-password-policy-deleted.json" => &["iam-guard", "tripwire"],
        f if f.starts_with("tripwire-") => &["tripwire"],
        // The IAM rows of iam-guard's table.
        _ => &["iam-guard", "tripwire"],
    }
}

fn tagged(mut envelope: Value, tag: &str) -> Value {
    envelope["detail"]["trailwardenTag"] = json!(tag);
    envelope
}

#[tokio::test]
async fn every_sample_event_reaches_exactly_the_functions_meant_for_it_and_failed_calls_reach_none()
{
    let aws = emulator().await;
    let routing = Routing::load(&aws).await;
    let mut files: Vec<String> = std::fs::read_dir(repo_root().join("events"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|f| f.ends_with(".json"))
        .collect();
    files.sort();
    assert!(files.len() >= 50, "the sample events: {}", files.len());
    let mut envelopes = Vec::new();
    let mut expected = BTreeMap::new();
    for file in &files {
        let envelope = trailwarden_tests::event_file(file);
        envelopes.push(tagged(envelope.clone(), file));
        expected.insert(
            file.clone(),
            meant_for(file).iter().copied().collect::<BTreeSet<_>>(),
        );
        // The same event put on the bus from the account, with a source of its own: only AWS can
        // send an "aws." source, so no function hears of it.
        if envelope["source"]
            .as_str()
            .is_some_and(|s| s.starts_with("aws."))
            && envelope["detail-type"] != "Scheduled Event"
        {
            let mut forged = envelope.clone();
            forged["source"] = json!(
                envelope["source"]
                    .as_str()
                    .unwrap()
                    .replace("aws.", "custom.")
            );
            let tag = format!("forged {file}");
            envelopes.push(tagged(forged, &tag));
            expected.insert(tag, BTreeSet::new());
        }
        // The same call, failed: it changed nothing. Only tripwire hears of it, and only where the
        // attempt itself is the signal (a root call, leaving the organization, trailwarden's own
        // resources or IAM).
        if envelope["detail-type"] == "AWS API Call via CloudTrail"
            && envelope["detail"].get("errorCode").is_none()
        {
            let mut failed = envelope.clone();
            failed["detail"]["errorCode"] = json!("AccessDenied");
            let detail = &failed["detail"];
            let event_name = detail["eventName"].as_str().unwrap_or("");
            let alert_path = match detail["eventSource"].as_str().unwrap_or("") {
                "kms.amazonaws.com" => {
                    ["DisableKey", "ScheduleKeyDeletion", "PutKeyPolicy"].contains(&event_name)
                }
                "monitoring.amazonaws.com" => [
                    "DeleteAlarms",
                    "DisableAlarmActions",
                    "PutMetricAlarm",
                    "SetAlarmState",
                ]
                .contains(&event_name),
                "logs.amazonaws.com" => [
                    "DeleteLogGroup",
                    "PutRetentionPolicy",
                    "DeleteRetentionPolicy",
                ]
                .contains(&event_name),
                _ => false,
            };
            let signal = detail["userIdentity"]["type"] == "Root"
                || alert_path
                || detail["eventName"] == "LeaveOrganization"
                || [
                    "iam.amazonaws.com",
                    "lambda.amazonaws.com",
                    "events.amazonaws.com",
                    "sns.amazonaws.com",
                    "sqs.amazonaws.com",
                    "cloudformation.amazonaws.com",
                ]
                .contains(&detail["eventSource"].as_str().unwrap_or(""));
            let tag = format!("failed {file}");
            envelopes.push(tagged(failed, &tag));
            expected.insert(
                tag,
                if signal {
                    BTreeSet::from(["tripwire"])
                } else {
                    BTreeSet::new()
                },
            );
        }
    }
    routing.put(&envelopes).await;
    let delivered = routing.delivered().await;
    let mut wrong = Vec::new();
    for (tag, want) in &expected {
        let got = delivered.get(tag).cloned().unwrap_or_default();
        if &got != want {
            wrong.push(format!("{tag}: expected {want:?}, delivered to {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// EventBridge's `source` and `detail-type` for a bare CloudTrail record.
fn envelope_of(record: &Record) -> Value {
    let service = record.event_source.split('.').next().unwrap();
    let detail_type = match record.event_type.as_deref() {
        Some("AwsConsoleSignIn") => "AWS Console Sign In via CloudTrail",
        Some("AwsServiceEvent") => "AWS Service Event via CloudTrail",
        _ => "AWS API Call via CloudTrail",
    };
    json!({"source": format!("aws.{service}"), "detail-type": detail_type, "detail": record.raw})
}

/// The rules never drop what a function's decisions would act on: every corpus record that a
/// decision answers (revert or alert) reaches that function.
#[tokio::test]
async fn the_corpus_reaches_every_function_whose_decisions_answer_it() {
    let aws = emulator().await;
    let routing = Routing::load(&aws).await;
    let config = trailwarden_testkit::config(&[]);
    let records: Vec<Record> = corpus::records().into_iter().map(|(_, r)| r).collect();
    routing
        .put(&records.iter().map(envelope_of).collect::<Vec<_>>())
        .await;
    let delivered = routing.delivered().await;

    let mut answered: BTreeMap<&str, usize> = BTreeMap::new();
    let mut missed = Vec::new();
    for record in &records {
        let facts = Facts::new();
        let decisions = [
            ("iam-guard", iam::decide(record, &config, &facts)),
            ("trail-guard", trail::decide(record, &config, &facts)),
            ("tripwire", tripwire::decide(record, &config)),
        ];
        let got = delivered.get(&record.event_id).cloned().unwrap_or_default();
        for (function, decision) in decisions {
            if matches!(decision, Ok(Decision::Respond { .. })) {
                *answered.entry(function).or_default() += 1;
                if !got.contains(function) {
                    missed.push(format!(
                        "{} {} never reaches {function}",
                        record.event_name, record.event_id
                    ));
                }
            }
        }
        if record.failed()
            && record.actor.kind != trailwarden_events::IdentityKind::Root
            && record.event_name != "LeaveOrganization"
        {
            assert!(
                got.is_empty() || got == BTreeSet::from(["tripwire"]),
                "failed {} reached {got:?}",
                record.event_name
            );
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n"));
    // Each function has corpus records to answer: the check is not vacuous.
    for function in ["iam-guard", "trail-guard", "tripwire"] {
        assert!(
            answered.get(function).copied().unwrap_or(0) > 0,
            "{answered:?}"
        );
    }
}

// ---- tripwire's pattern, written from its rules --------------------------------------------------

/// EventBridge's default quota on an event pattern's size, in characters (adjustable up to 4096;
/// the template must deploy without asking).
const PATTERN_SIZE_QUOTA: usize = 2048;

/// The patterns of the rules delivering to tripwire, per set of rules (central, organization,
/// member).
fn tripwire_patterns() -> BTreeMap<&'static str, Vec<(String, Value)>> {
    let central = transformed(&[]);
    let member = member_template();
    let mut sets: BTreeMap<&str, Vec<(String, Value)>> = BTreeMap::new();
    for (set, template) in [(CENTRAL, &central), (MEMBER, &member)] {
        for (id, rule) in of_type(template, "AWS::Events::Rule") {
            let Some(pattern) = rule["Properties"].get("EventPattern") else {
                continue;
            };
            if function_of(id, rule) != "tripwire" {
                continue;
            }
            let set = match (set, rule["Properties"].get("EventBusName")) {
                (CENTRAL, Some(_)) => ORGANIZATION,
                (set, _) => set,
            };
            sets.entry(set)
                .or_default()
                .push((id.to_string(), pattern.clone()));
        }
    }
    sets
}

#[test]
fn tripwires_rules_deliver_the_event_names_its_rules_declare_within_the_size_quota() {
    let declared = tripwire::event_names();
    let sets = tripwire_patterns();
    assert_eq!(sets.len(), 3, "{:?}", sets.keys());
    for (set, rules) in &sets {
        // Names delivered only when the call worked (the rules' own list), and names delivered
        // with their failures (an attempt is the signal, or the source's own entry).
        let mut when_it_worked = BTreeSet::new();
        let mut with_failures = BTreeSet::new();
        for (id, pattern) in rules {
            let size = pattern.to_string().len();
            assert!(size <= PATTERN_SIZE_QUOTA, "{set} {id}: {size} characters");
            let detail = &pattern["detail"];
            let entries = match detail.get("$or").and_then(Value::as_array) {
                Some(entries) => entries.clone(),
                None => vec![detail.clone()],
            };
            for entry in &entries {
                let Some(names) = entry.get("eventName").and_then(Value::as_array) else {
                    continue;
                };
                let names = names.iter().filter_map(Value::as_str).map(String::from);
                if entry.get("errorCode").is_some() {
                    when_it_worked.extend(names);
                } else {
                    with_failures.extend(names);
                }
            }
        }
        let hand_kept: Vec<_> = when_it_worked
            .iter()
            .filter(|n| !declared.contains(n.as_str()))
            .collect();
        assert!(
            hand_kept.is_empty(),
            "{set}: no rule declares {hand_kept:?}"
        );
        let missing: Vec<_> = declared
            .iter()
            .filter(|n| !when_it_worked.contains(**n) && !with_failures.contains(**n))
            .collect();
        assert!(
            missing.is_empty(),
            "{set}: the rules never deliver {missing:?}"
        );
    }
}
