//! Every real record of tests/corpus is read, and what is read is what the file says.

use trailwarden_events::{IdentityKind, corpus, parse_event};

#[test]
fn reads_every_record_of_the_corpus() {
    let mut read = 0;
    let mut failures = Vec::new();
    for file in corpus::files() {
        match file.records {
            Ok(records) => read += records.len(),
            Err(e) => failures.push(format!("{}: {e}", file.path.display())),
        }
    }
    assert!(failures.is_empty(), "unreadable:\n{}", failures.join("\n"));
    // The corpus README counts 2,900 + 310 records.
    assert_eq!(read, 3210, "records read");
}

#[test]
fn typed_fields_match_the_raw_records() {
    let records = corpus::records();
    let mut console_sessions = 0;
    let mut failed = 0;
    let mut role_sessions = 0;
    for (path, r) in &records {
        let raw = &r.raw;
        assert_eq!(
            raw["eventName"].as_str(),
            Some(r.event_name.as_str()),
            "{}",
            path.display()
        );
        assert_eq!(raw["eventID"].as_str(), Some(r.event_id.as_str()));
        assert_eq!(raw["errorCode"].as_str(), r.error_code.as_deref());
        if r.failed() {
            failed += 1;
        }
        if raw["userIdentity"]["sessionContext"]["sessionIssuer"] == serde_json::json!({}) {
            console_sessions += 1;
            assert_eq!(
                r.actor.role_arn, None,
                "an empty sessionIssuer names no role"
            );
        }
        if r.actor.kind == IdentityKind::AssumedRole {
            role_sessions += 1;
            let role = r
                .actor
                .role_arn
                .as_ref()
                .expect("an assumed-role session has a role behind it");
            assert_eq!(role.service, "iam");
            assert!(role.resource.starts_with("role/"), "{role}");
        }
    }
    // Counted with python over the corpus files (see the corpus README for the failed calls).
    assert_eq!(failed, 352, "records with errorCode");
    assert_eq!(role_sessions, 144, "AssumedRole records");
    assert!(
        console_sessions > 200,
        "console sessions with \"sessionIssuer\": {{}}: {console_sessions}"
    );
}

#[test]
fn every_record_reads_inside_an_eventbridge_envelope() {
    for (path, r) in corpus::records() {
        // EventBridge's `account` is the account of the bus, the record's recipient.
        let account = r
            .recipient_account_id
            .clone()
            .expect("every corpus record names its account");
        let event = serde_json::json!({
            "version": "0", "id": "6f1b0f0e-0000-4000-8000-000000000000",
            "detail-type": "AWS API Call via CloudTrail", "source": "aws.cloudtrail",
            "account": account, "time": "2023-07-10T12:00:00Z", "region": "us-east-1",
            "resources": [], "detail": r.raw,
        });
        let envelope = parse_event(&event)
            .unwrap_or_else(|e| panic!("{}: {}: {e}", path.display(), r.event_id));
        assert!(
            matches!(envelope, trailwarden_events::Envelope::Record(ref rec) if rec.event_id == r.event_id)
        );
    }
}
