//! `trailwarden replay` on archives written by the test (README, "Before you enforce: replay your
//! logs"): the counts and the JSON lines worked out by hand from the six records of a day
//! (`common::DAY`) and the rules' tables in the README; pruning by date folders; the
//! organization layout; bad input counted, never fatal; the environment and `--env-file` alike.

mod common;

use common::*;
use serde_json::{Value, json};

/// The answers of one day, worked out by hand from the README's tables: trail-guard restarts the
/// stopped trail (high), iam-guard detaches AdministratorAccess (critical, and offline it cannot
/// know the policy's document nor later changes), tripwire alerts the deleted analyzer (medium).
fn expected_lines(day: u32, file: &str) -> Vec<Value> {
    let at = |i: u32| format!("2026-11-{day:02}T10:0{i}:00Z");
    let id = |i: u32| format!("day-{day:02}-{i}");
    let mallory = "arn:aws:iam::123456789012:user/mallory";
    vec![
        json!({
            "event_id": id(0), "event_name": "StopLogging", "event_time": at(0),
            "account": ACCOUNT, "region": "us-east-1", "function": "trail-guard",
            "outcome": "would-revert", "severity": "high", "actor": mallory,
            "reason": "CloudTrail logging stopped on trail audit by user mallory",
            "resource": "trail audit (us-east-1)", "rule": null,
            "actions": ["start logging on trail audit (us-east-1)"], "depends_on": [],
            "file": file, "record": 0
        }),
        json!({
            "event_id": id(1), "event_name": "AttachUserPolicy", "event_time": at(1),
            "account": ACCOUNT, "region": "us-east-1", "function": "iam-guard",
            "outcome": "would-revert", "severity": "critical", "actor": mallory,
            "reason": "Policy AdministratorAccess attached to user alice by user mallory",
            "resource": "user alice (arn:aws:iam::aws:policy/AdministratorAccess)", "rule": null,
            "actions": ["detach policy arn:aws:iam::aws:policy/AdministratorAccess from user alice"],
            "depends_on": [
                "the document of arn:aws:iam::aws:policy/AdministratorAccess",
                "the changes of the attachment of arn:aws:iam::aws:policy/AdministratorAccess to user alice after the event"
            ],
            "file": file, "record": 1
        }),
        json!({
            "event_id": id(2), "event_name": "DeleteAnalyzer", "event_time": at(2),
            "account": ACCOUNT, "region": "us-east-1", "function": "tripwire",
            "outcome": "alert-only", "severity": "medium", "actor": mallory,
            "reason": "IAM Access Analyzer account-analyzer deleted by user mallory",
            "resource": "Access Analyzer account-analyzer (us-east-1)",
            "rule": "access-analyzer-deleted", "actions": [], "depends_on": [],
            "file": file, "record": 2
        }),
    ]
}

/// The summary of `days` days of `DAY`, by hand: per day one answer of each function, and the
/// rest ignored for the reasons of the README (the allowed role, the failed call, trail-guard's
/// own role; each function has no rule for the others' events).
fn expected_summary(days: u64, files: u64, outside: u64) -> Value {
    json!({
        "files": files,
        "records": 6 * days,
        "outside_window": outside,
        "accounts": { ACCOUNT: 6 * days },
        "regions": { "us-east-1": 6 * days },
        "answered": [
            {"function": "iam-guard", "rule": "AttachUserPolicy", "outcome": "would-revert", "records": days},
            {"function": "trail-guard", "rule": "StopLogging", "outcome": "would-revert", "records": days},
            {"function": "tripwire", "rule": "access-analyzer-deleted", "outcome": "alert-only", "records": days},
        ],
        "ignored": [
            {"function": "iam-guard", "reason": "not-handled", "records": 5 * days},
            {"function": "trail-guard", "reason": "allowed-principal", "records": days},
            {"function": "trail-guard", "reason": "failed-call", "records": days},
            {"function": "trail-guard", "reason": "not-handled", "records": 2 * days},
            {"function": "trail-guard", "reason": "own-role", "records": days},
            {"function": "tripwire", "reason": "not-handled", "records": 5 * days},
        ],
        "depends_on_facts": { "iam-guard": days },
        // mallory's StopLogging and AttachUserPolicy: two records a day would change something.
        "allow_list_candidates": [{
            "actor": "arn:aws:iam::123456789012:user/mallory",
            "records": 2 * days,
            "allowed_principals": "arn:aws:iam::123456789012:user/mallory"
        }],
        "allowed_principals_line": "ALLOWED_PRINCIPALS=arn:aws:iam::123456789012:user/mallory",
        "unreadable": [],
    })
}

/// The summary without what depends on the files' sizes and the run's times.
fn counts(mut summary: Value) -> Value {
    for key in ["bytes", "first_event", "last_event"] {
        summary.as_object_mut().unwrap().remove(key);
    }
    summary
}

#[test]
fn an_archive_of_five_days_is_counted_and_answered_as_worked_out_by_hand() {
    let root = folder("five-days");
    let keys = write_days(&root, "AWSLogs/123456789012/", 1..=5);
    let json_path = root.join("answers.jsonl");
    let run = trailwarden(
        &[
            "replay",
            root.join("AWSLogs").to_str().unwrap(),
            "--format",
            "json",
            "--json",
            json_path.to_str().unwrap(),
        ],
        ENV,
    );
    let summary = summary(&run);
    assert_eq!(summary["first_event"], "2026-11-01T10:00:00Z");
    assert_eq!(summary["last_event"], "2026-11-05T10:05:00Z");
    assert_eq!(counts(summary), expected_summary(5, 5, 0));
    let expected: Vec<Value> = (1..=5)
        .zip(&keys)
        .flat_map(|(day, key)| expected_lines(day, root.join(key).to_str().unwrap()))
        .collect();
    assert_eq!(lines(&json_path), expected);
}

#[test]
fn since_and_until_prune_the_date_folders_and_filter_the_records() {
    let root = folder("window");
    write_days(&root, "AWSLogs/123456789012/", 1..=5);
    let run = trailwarden(
        &[
            "replay",
            root.to_str().unwrap(),
            "--since",
            "2026-11-03",
            "--until",
            "2026-11-03",
            "--format",
            "json",
        ],
        ENV,
    );
    // Folders 03 and 04 are read (04 may hold the 3rd's last records); 01, 02 and 05 are not.
    // The 4th's six records are outside the window.
    assert_eq!(counts(summary(&run)), expected_summary(1, 2, 6));
}

#[test]
fn the_organization_layout_is_read_and_pruned_like_an_accounts() {
    let root = folder("organization");
    write_days(&root, "AWSLogs/o-abc123def4/123456789012/", 1..=5);
    let run = trailwarden(
        &[
            "replay",
            root.to_str().unwrap(),
            "--since",
            "2026-11-04T00:00:00Z",
            "--format",
            "json",
        ],
        ENV,
    );
    assert_eq!(counts(summary(&run)), expected_summary(2, 2, 0));
}

#[test]
fn the_corpus_and_the_attacks_together_every_record_read_and_the_attacks_answered_the_same() {
    let root = folder("corpus");
    let corpus = trailwarden_events::corpus::dir();
    let copy = root.join("corpus");
    copy_tree(&corpus, &copy);
    let keys = write_days(&root, "AWSLogs/123456789012/", [2]);
    let json_path = root.join("answers.jsonl");
    let run = trailwarden(
        &[
            "replay",
            root.to_str().unwrap(),
            "--format",
            "json",
            "--json",
            json_path.to_str().unwrap(),
        ],
        ENV,
    );
    let summary = summary(&run);
    // 3,210 real records and the day's six.
    assert_eq!(summary["records"], 3_210 + 6);
    let answers = lines(&json_path);
    let ours: Vec<Value> = answers
        .iter()
        .filter(|l| l["event_id"].as_str().unwrap().starts_with("day-02-"))
        .cloned()
        .collect();
    assert_eq!(
        ours,
        expected_lines(2, root.join(&keys[0]).to_str().unwrap())
    );
    // Only answers are written: never an ignored record.
    assert!(answers.iter().all(|l| l["outcome"] != "ignored"));
    // Every real record was read; the three the model rejects are listed by file and index.
    for u in summary["unreadable"].as_array().unwrap() {
        assert!(u["record"].is_u64(), "{u}");
        assert!(u["file"].as_str().unwrap().contains("corpus"), "{u}");
    }
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn corrupt_and_foreign_files_are_counted_and_listed_never_fatal_and_strict_exits_1() {
    let root = folder("bad");
    write_days(&root, "AWSLogs/123456789012/", [1]);
    let day = root.join("AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/01");
    // A gzip cut short, a file that is not JSON, and a record without an event name.
    let good = std::fs::read(root.join(day_key("AWSLogs/123456789012/", 1))).unwrap();
    std::fs::write(day.join("a-cut.json.gz"), &good[..good.len() / 2]).unwrap();
    std::fs::write(day.join("b-not-json.json"), "this is not JSON").unwrap();
    let mut records = day_records(1);
    records[1].as_object_mut().unwrap().remove("eventName");
    std::fs::write(
        day.join("c-bad-record.json"),
        json!({ "Records": records }).to_string(),
    )
    .unwrap();
    let args = ["replay", root.to_str().unwrap(), "--format", "json"];
    let run = trailwarden(&args, ENV);
    let summary = summary(&run);
    assert_eq!(summary["files"], 4);
    // The good file's six and the other five of the file with a bad record.
    assert_eq!(summary["records"], 6 + 5);
    let unreadable = summary["unreadable"].as_array().unwrap();
    let at = |name: &str| {
        unreadable
            .iter()
            .find(|u| u["file"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name} not listed: {unreadable:?}"))
    };
    assert_eq!(unreadable.len(), 3);
    assert!(
        at("a-cut.json.gz")["error"]
            .as_str()
            .unwrap()
            .contains("gzip")
    );
    assert!(at("a-cut.json.gz")["record"].is_null());
    assert!(
        at("b-not-json.json")["error"]
            .as_str()
            .unwrap()
            .contains("JSON")
    );
    assert_eq!(at("c-bad-record.json")["record"], 1);
    assert!(
        at("c-bad-record.json")["error"]
            .as_str()
            .unwrap()
            .contains("eventName")
    );

    let strict = trailwarden(&[&args[..], &["--strict"][..]].concat(), ENV);
    assert_eq!(strict.status.code(), Some(1));
    // Still the whole report.
    assert_eq!(
        serde_json::from_str::<Value>(&stdout(&strict)).unwrap()["records"],
        11
    );
    let table = trailwarden(&["replay", root.to_str().unwrap()], ENV);
    assert!(table.status.success());
    assert!(stdout(&table).contains("c-bad-record.json record 1:"));
}

#[test]
fn the_environment_and_an_env_file_give_the_same_report() {
    let root = folder("env-file");
    write_days(&root, "AWSLogs/123456789012/", 1..=2);
    let env_file = root.join("trailwarden.env");
    let text: String = ENV
        .iter()
        .map(|(k, v)| format!("{k}={v}\n"))
        .collect::<String>();
    std::fs::write(&env_file, format!("# as deployed\n{text}")).unwrap();
    let source = root.join("AWSLogs");
    let from_env = trailwarden(&["replay", source.to_str().unwrap()], ENV);
    let from_file = trailwarden(
        &[
            "replay",
            source.to_str().unwrap(),
            "--env-file",
            env_file.to_str().unwrap(),
        ],
        &[],
    );
    assert!(from_env.status.success() && from_file.status.success());
    assert!(stdout(&from_env).contains("trail-guard  StopLogging"));
    assert_eq!(stdout(&from_env), stdout(&from_file));
    // Without ALLOWED_PRINCIPALS, the BreakGlass role's StopLogging is answered too.
    let without: Vec<(&str, &str)> = ENV
        .iter()
        .copied()
        .filter(|(k, _)| *k != "ALLOWED_PRINCIPALS")
        .collect();
    let run = trailwarden(
        &["replay", source.to_str().unwrap(), "--format", "json"],
        &without,
    );
    let rows = summary(&run)["answered"].clone();
    assert!(
        rows.as_array()
            .unwrap()
            .contains(&json!({"function": "trail-guard", "rule": "StopLogging", "outcome": "would-revert", "records": 4})),
        "{rows}"
    );
}

type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);

#[test]
fn bad_arguments_and_configuration_exit_2_naming_what_is_wrong() {
    let root = folder("arguments");
    let dir = root.to_str().unwrap();
    // (arguments, environment, what stderr must name)
    let cases: &[Case] = &[
        (&["replay", dir, "--since", "last week"], ENV, "--since"),
        (
            &[
                "replay",
                dir,
                "--since",
                "2026-11-05",
                "--until",
                "2026-11-01",
            ],
            ENV,
            "is after --until",
        ),
        (&["replay", dir], &[], "ALERT_TOPIC_ARN"),
        (
            &["replay", dir],
            &[
                ("ALERT_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:t"),
                ("ALLOWED_PRINCIPALS", "*"),
            ],
            "ALLOWED_PRINCIPALS",
        ),
        (&["replay", "/no/such/archive"], ENV, "/no/such/archive"),
        (
            &["replay", dir, "--env-file", "/no/such.env"],
            ENV,
            "--env-file",
        ),
        (&["replay"], ENV, "SOURCE"),
    ];
    for (args, env, names) in cases {
        let run = trailwarden(args, env);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(names), "{args:?}: {stderr}");
        assert!(run.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn a_pipe_gets_the_report_and_nothing_else() {
    let root = folder("quiet");
    write_days(&root, "AWSLogs/123456789012/", [1]);
    let run = trailwarden(&["replay", root.to_str().unwrap()], ENV);
    assert!(run.status.success());
    // No progress bar, no warning: stderr is empty when neither is a terminal.
    assert!(
        run.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout(&run).starts_with("6 records in 1 files"));
}
