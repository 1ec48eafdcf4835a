//! `trailwarden actions` against the local AWS: an action log of three changes in two accounts,
//! listed newest first as a table and as JSON, filtered by account, resource and time; no table
//! is a clear error.

mod common;

use common::*;
use serde_json::Value;
use trailwarden_actions::action_log::ActionLog;
use trailwarden_rules::ActionLogEntry;
use trailwarden_tests::{JOURNAL, create_journal_table};

fn entry(time: &str, account: &str, resource: &str, action: &str, outcome: &str) -> ActionLogEntry {
    ActionLogEntry {
        time: time.into(),
        account: account.into(),
        region: "us-east-1".into(),
        resource: resource.into(),
        action: action.into(),
        state_before: Some("before".into()),
        state_after: (outcome == "done").then(|| "after".into()),
        event_id: format!("event-{time}"),
        event_name: "AttachUserPolicy".into(),
        function: "iam-guard".into(),
        outcome: outcome.into(),
        error: (outcome == "failed").then(|| "iam:DetachUserPolicy on user bob: denied".into()),
    }
}

const ALICE: &str = "arn:aws:iam::111111111111:user/alice";
const BOB: &str = "arn:aws:iam::222222222222:user/bob";

#[tokio::test]
async fn the_log_is_listed_newest_first_and_filtered() {
    let aws = trailwarden_tests::emulator().await;
    let sdk = aws.sdk_config();
    create_journal_table(&sdk).await;
    let log = ActionLog::new(&sdk, JOURNAL, 400);
    let first = entry(
        "2026-12-01T10:00:00Z",
        "111111111111",
        ALICE,
        "detach policy A from user alice",
        "done",
    );
    let second = entry(
        "2026-12-02T10:00:00Z",
        "222222222222",
        BOB,
        "detach policy A from user bob",
        "failed",
    );
    let third = entry(
        "2026-12-03T10:00:00Z",
        "111111111111",
        ALICE,
        "remove user alice from group admins",
        "done",
    );
    log.write(&[(0, first.clone()), (0, second.clone()), (0, third.clone())])
        .await
        .unwrap();
    let endpoint = aws.endpoint();
    let env = [
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
        ("IAM_JOURNAL_TABLE", JOURNAL),
    ];
    let json = |args: &[&str]| -> Vec<ActionLogEntry> {
        let out = trailwarden(&[&["actions", "--json"], args].concat(), &env);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_str(&stdout(&out)).unwrap()
    };

    assert_eq!(json(&[]), [third.clone(), second.clone(), first.clone()]);
    assert_eq!(
        json(&["--account", "111111111111"]),
        [third.clone(), first.clone()]
    );
    assert_eq!(json(&["--resource", BOB]), vec![second.clone()]);
    assert_eq!(
        json(&["--since", "2026-12-02", "--until", "2026-12-02"]),
        vec![second.clone()]
    );
    assert_eq!(
        json(&["--until", "2026-12-01T10:00:00Z"]),
        vec![first.clone()]
    );

    let table = trailwarden(&["actions", "--resource", BOB], &env);
    assert_eq!(table.status.code(), Some(0));
    assert_eq!(
        stdout(&table),
        "2026-12-02T10:00:00Z  222222222222  us-east-1  failed  detach policy A from user bob\n\
         \x20   resource: arn:aws:iam::222222222222:user/bob\n\
         \x20   before:   before\n\
         \x20   error:    iam:DetachUserPolicy on user bob: denied\n\
         \x20   answered: AttachUserPolicy event-2026-12-02T10:00:00Z (iam-guard)\n\
         1 change(s)\n"
    );
    // The JSON names are the entry's fields, for scripts.
    let raw: Value = serde_json::from_str(&stdout(&trailwarden(
        &["actions", "--json", "--resource", BOB],
        &env,
    )))
    .unwrap();
    assert_eq!(raw[0]["state_after"], Value::Null);
    assert_eq!(raw[0]["outcome"], "failed");
}

#[test]
fn without_a_table_it_says_which_to_give() {
    let out = trailwarden(&["actions"], &[("AWS_REGION", "us-east-1")]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "trailwarden actions: no table: pass --table (the stack's <stack>-iam-journal) or set IAM_JOURNAL_TABLE\n"
    );
}
