//! The three bodies of each kind of alert (reverted, failed, alert-only), the subject, the size limit
//! and the JSON schema in docs/. Expected values are written out by hand.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use trailwarden_alerts::{Alert, MAX_MESSAGE_BYTES, chat, document, fit, message, subject, text};
use trailwarden_events::Record;
use trailwarden_rules::{Action, Incident, Mode, Principal, Severity, TrailRef};
use trailwarden_rules::{ActionError, FailureKind, Outcome, StepResult, StepStatus, outcome};

const EVENT_ID: &str = "7b7f3d2e-1111-4222-8333-944444444444";

fn record(event_name: &str, source: &str, request: Value) -> Record {
    trailwarden_testkit::record(json!({
        "eventSource": source, "eventName": event_name, "eventID": EVENT_ID,
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/mallory",
            "accountId": "123456789012", "accessKeyId": "AKIAEXAMPLEMALLORY01", "userName": "mallory"},
        "requestParameters": request
    }))
}

fn root_sign_in() -> Record {
    Record::from_value(&json!({
        "eventVersion": "1.08", "eventTime": "2026-11-21T11:00:00Z", "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin", "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.9",
        "userAgent": "Mozilla/5.0", "eventID": EVENT_ID, "eventType": "AwsConsoleSignIn",
        "recipientAccountId": "123456789012",
        "userIdentity": {"type": "Root", "arn": "arn:aws:iam::123456789012:root", "accountId": "123456789012",
            "principalId": "123456789012"},
        "requestParameters": null, "responseElements": {"ConsoleLogin": "Success"},
        "additionalEventData": {"MFAUsed": "No", "LoginTo": "https://console.aws.amazon.com/"}
    }))
    .unwrap()
}

const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

fn reverted() -> Alert {
    let r = record(
        "AttachUserPolicy",
        "iam.amazonaws.com",
        json!({"userName": "bob", "policyArn": ADMIN}),
    );
    let incident = Incident {
        previous_state: None,
        summary: "AdministratorAccess attached to user bob by user mallory".into(),
        resource: "user bob".into(),
        severity: Severity::High,
        next_steps: vec!["Ask mallory why bob needed AdministratorAccess.".into()],
        superseded_by: None,
        pending: None,
    };
    let steps = vec![StepResult {
        action: Action::DetachPolicy {
            principal: Principal::user("bob"),
            policy: trailwarden_events::Arn::parse("policy", ADMIN).unwrap(),
        },
        status: StepStatus::Done,
        state_before: None,
        state_after: Some("user bob has no AdministratorAccess".into()),
    }];
    Alert::new(
        "iam-guard",
        Mode::Enforce,
        &r,
        &incident,
        &steps,
        outcome(&steps, false),
    )
}

fn failed() -> Alert {
    let r = record(
        "StopLogging",
        "cloudtrail.amazonaws.com",
        json!({"name": "audit"}),
    );
    let trail = |name: &str| TrailRef {
        name: name.into(),
        arn: None,
        region: trailwarden_events::Region::parse("region", "us-east-1").unwrap(),
    };
    let incident = Incident {
        previous_state: None,
        summary: "CloudTrail logging stopped on trail audit by user mallory".into(),
        resource: "trail audit (us-east-1)".into(),
        severity: Severity::High,
        next_steps: vec!["Ask mallory why.".into()],
        superseded_by: None,
        pending: None,
    };
    let steps = vec![
        StepResult {
            action: Action::StartLogging {
                trail: trail("audit"),
                stopped_at: None,
            },
            status: StepStatus::Failed(ActionError {
                call: "cloudtrail:GetTrailStatus",
                resource: "trail audit (us-east-1)".into(),
                kind: FailureKind::NotFound,
                code: Some("TrailNotFoundException".into()),
                message: "Unknown trail: audit".into(),
            }),
            state_before: None,
            state_after: None,
        },
        StepResult {
            action: Action::StartLogging {
                trail: trail("audit-copy"),
                stopped_at: None,
            },
            status: StepStatus::NotAttempted,
            state_before: None,
            state_after: None,
        },
    ];
    Alert::new(
        "trail-guard",
        Mode::Enforce,
        &r,
        &incident,
        &steps,
        outcome(&steps, false),
    )
}

fn alert_only() -> Alert {
    let incident = Incident {
        previous_state: None,
        summary: "Root user signed in to the console (MFA NO)".into(),
        resource: "account 123456789012".into(),
        severity: Severity::High,
        next_steps: vec!["Confirm with the account owner that this was them.".into()],
        superseded_by: None,
        pending: None,
    };
    Alert::new(
        "tripwire",
        Mode::Enforce,
        &root_sign_in(),
        &incident,
        &[],
        Outcome::AlertOnly,
    )
    .with_rule("root-activity", "the root user signed in or called an API")
}

fn schema(name: &str) -> jsonschema::Validator {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs")
        .join(name);
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

/// The three bodies as SNS delivers them: (default document, email text, https chat).
fn bodies(alert: &Alert) -> (Value, String, Value) {
    let message: Value = serde_json::from_str(&message(alert)).unwrap();
    let keys: Vec<&str> = message
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["default", "email", "https"]);
    (
        serde_json::from_str(message["default"].as_str().unwrap()).unwrap(),
        message["email"].as_str().unwrap().to_string(),
        serde_json::from_str(message["https"].as_str().unwrap()).unwrap(),
    )
}

fn valid(validator: &jsonschema::Validator, doc: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn reverted_alert_has_three_bodies_people_and_machines_can_use() {
    let alert = reverted();
    let (doc, email, chat) = bodies(&alert);

    assert_eq!(
        email.lines().next().unwrap(),
        "Reverted: AdministratorAccess attached to user bob by user mallory"
    );
    for line in [
        "Severity:   high",
        "Who:        user mallory (arn:aws:iam::123456789012:user/mallory)",
        "What:       AttachUserPolicy (iam.amazonaws.com)",
        "Resource:   user bob",
        "From:       203.0.113.66 via API, aws-cli/2.15.30, MFA unknown",
        "When:       2026-11-21T10:00:00Z",
        "Account:    123456789012 in us-east-1",
        "Event id:   7b7f3d2e-1111-4222-8333-944444444444",
        "  - detach policy arn:aws:iam::aws:policy/AdministratorAccess from user bob: done; now: user bob has no AdministratorAccess",
        "  - Ask mallory why bob needed AdministratorAccess.",
        "The event in the CloudTrail console: https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/events/7b7f3d2e-1111-4222-8333-944444444444",
    ] {
        assert!(
            email.lines().any(|l| l == line),
            "missing {line:?} in\n{email}"
        );
    }

    assert_eq!(doc["schema_version"], "1");
    assert_eq!(doc["outcome"], "reverted");
    assert_eq!(doc["severity"], "high");
    assert_eq!(doc["actions"][0]["kind"], "DetachPolicy");
    assert_eq!(doc["actions"][0]["status"], "done");
    assert_eq!(doc["record"]["requestParameters"]["userName"], "bob");
    assert_eq!(doc["record_complete"], true);
    assert_eq!(doc["error"], Value::Null);
    assert_eq!(doc["text"], email);
    valid(&schema("alert.schema.json"), &doc);

    assert_eq!(chat["version"], "1.0");
    assert_eq!(chat["source"], "custom");
    assert_eq!(chat["content"]["textType"], "client-markdown");
    assert_eq!(
        chat["content"]["title"],
        ":warning: [HIGH] Reverted: AdministratorAccess attached to user bob by user mallory"
    );
    let description = chat["content"]["description"].as_str().unwrap();
    assert!(
        description.contains("*Who:* `user mallory` `arn:aws:iam::123456789012:user/mallory`"),
        "{description}"
    );
    assert!(description.contains("*Action:* `detach policy arn:aws:iam::aws:policy/AdministratorAccess from user bob` → *done*"), "{description}");
    assert_eq!(
        chat["content"]["nextSteps"],
        json!(["Ask mallory why bob needed AdministratorAccess."])
    );
    assert_eq!(
        chat["metadata"]["additionalContext"],
        json!({"schema_version": "1", "event_id": EVENT_ID, "event_name": "AttachUserPolicy",
               "outcome": "reverted", "severity": "high", "account": "123456789012", "function": "iam-guard"})
    );
    valid(&schema("chatbot-notification.schema.json"), &chat);
    assert_eq!(
        subject(&alert),
        "[HIGH] Reverted: AdministratorAccess attached to user bob by user mallory"
    );
}

#[test]
fn failed_alert_is_critical_and_says_what_was_and_was_not_done() {
    let alert = failed();
    let (doc, email, chat) = bodies(&alert);

    assert_eq!(alert.outcome, Outcome::Failed);
    assert_eq!(
        email.lines().next().unwrap(),
        "FAILED to revert: CloudTrail logging stopped on trail audit by user mallory"
    );
    assert!(email.contains("Severity:   critical\n"), "{email}");
    assert!(email.contains("trailwarden could NOT finish the revert: cloudtrail:GetTrailStatus on trail audit (us-east-1): Unknown trail: audit\n"), "{email}");
    assert!(email.contains("  - start logging on trail audit (us-east-1): failed; error: cloudtrail:GetTrailStatus on trail audit (us-east-1): Unknown trail: audit\n"), "{email}");
    assert!(
        email.contains("  - start logging on trail audit-copy (us-east-1): not-attempted\n"),
        "{email}"
    );
    assert!(email.contains("  - By hand: start logging on trail audit (us-east-1) (trailwarden's cloudtrail:GetTrailStatus failed: Unknown trail: audit)\n"), "{email}");
    assert!(email.contains("  - By hand: start logging on trail audit-copy (us-east-1) (not attempted after the failure)\n"), "{email}");

    assert_eq!(doc["outcome"], "failed");
    assert_eq!(doc["severity"], "critical");
    assert_eq!(
        doc["error"],
        "cloudtrail:GetTrailStatus on trail audit (us-east-1): Unknown trail: audit"
    );
    assert_eq!(doc["actions"][1]["status"], "not-attempted");
    valid(&schema("alert.schema.json"), &doc);

    assert_eq!(
        chat["content"]["title"],
        ":rotating_light: [CRITICAL] FAILED to revert: CloudTrail logging stopped on trail audit by user mallory"
    );
    assert!(chat["content"]["description"].as_str().unwrap().contains(
        "*Error:* `cloudtrail:GetTrailStatus on trail audit (us-east-1): Unknown trail: audit`"
    ));
    assert_eq!(chat["metadata"]["eventType"], "trailwarden.failed");
    valid(&schema("chatbot-notification.schema.json"), &chat);
    assert_eq!(
        subject(&alert),
        "[CRITICAL] FAILED to revert: CloudTrail logging stopped on trail audit by user mallory"
    );
}

#[test]
fn alert_only_names_its_rule_and_says_nothing_was_changed() {
    let alert = alert_only();
    let (doc, email, chat) = bodies(&alert);

    assert_eq!(
        email.lines().next().unwrap(),
        "Alert: Root user signed in to the console (MFA NO)"
    );
    assert!(
        email.contains("Rule:       root-activity (the root user signed in or called an API)\n"),
        "{email}"
    );
    assert!(
        email.contains("Who:        the root user (arn:aws:iam::123456789012:root)\n"),
        "{email}"
    );
    assert!(
        email.contains("From:       198.51.100.9 via console, Mozilla/5.0, MFA no\n"),
        "{email}"
    );
    assert!(
        email.contains("trailwarden changed nothing: this event is reported, not reverted.\n"),
        "{email}"
    );

    assert_eq!(doc["outcome"], "alert-only");
    assert_eq!(
        doc["rule"],
        json!({"id": "root-activity", "explanation": "the root user signed in or called an API"})
    );
    assert_eq!(doc["actions"], json!([]));
    assert_eq!(doc["actor"]["type"], "Root");
    assert_eq!(doc["actor"]["console"], true);
    assert_eq!(doc["actor"]["mfa"], false);
    valid(&schema("alert.schema.json"), &doc);

    assert_eq!(
        chat["content"]["title"],
        ":warning: [HIGH] Alert: Root user signed in to the console (MFA NO)"
    );
    assert!(
        chat["content"]["description"]
            .as_str()
            .unwrap()
            .contains("*Done:* nothing: reported, not reverted")
    );
    valid(&schema("chatbot-notification.schema.json"), &chat);
    assert_eq!(
        subject(&alert),
        "[HIGH] Alert: Root user signed in to the console (MFA NO)"
    );
}

#[test]
fn the_record_digest_is_the_sha256_of_the_record_as_received() {
    let alert = reverted();
    // As received: before the redaction (the alert's record shows the key id as AKIA...RY01).
    assert_eq!(alert.record["userIdentity"]["accessKeyId"], "AKIA...RY01");
    let received = record(
        "AttachUserPolicy",
        "iam.amazonaws.com",
        json!({"userName": "bob", "policyArn": ADMIN}),
    );
    let bytes = serde_json::to_vec(&received.raw).unwrap();
    let expected: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(alert.record_sha256, expected);
    assert_eq!(alert.record_bytes, bytes.len());
    assert_eq!(alert.record_sha256.len(), 64);
}

#[test]
fn a_huge_policy_document_is_cut_and_the_filter_fields_are_not() {
    // A 300 KB inline policy: the record alone passes SNS's 256 KiB.
    let statement = json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/key-000000000000"});
    let policy = json!({"Version": "2012-10-17", "Statement": vec![statement; 3300]}).to_string();
    assert!(policy.len() > 300_000, "{}", policy.len());
    let r = record(
        "PutUserPolicy",
        "iam.amazonaws.com",
        json!({"userName": "bob", "policyName": "everything", "policyDocument": policy}),
    );
    let incident = Incident {
        previous_state: None,
        summary: "Inline policy everything put on user bob by user mallory".into(),
        resource: "user bob".into(),
        severity: Severity::High,
        next_steps: vec![],
        superseded_by: None,
        pending: None,
    };
    let steps = vec![StepResult {
        action: Action::DeleteInlinePolicy {
            principal: Principal::user("bob"),
            name: "everything".into(),
            document: policy.clone(),
        },
        status: StepStatus::Done,
        state_before: None,
        state_after: None,
    }];
    let alert = Alert::new(
        "iam-guard",
        Mode::Enforce,
        &r,
        &incident,
        &steps,
        Outcome::Reverted,
    );
    let original_digest = alert.record_sha256.clone();

    let (sent, cut) = fit(&alert);

    assert!(sent.len() <= MAX_MESSAGE_BYTES, "{} bytes", sent.len());
    assert!(
        sent.len() > 4_000,
        "the cut message keeps most of the policy head: {}",
        sent.len()
    );
    let message: Value = serde_json::from_str(&sent).unwrap();
    let doc: Value = serde_json::from_str(message["default"].as_str().unwrap()).unwrap();
    assert_eq!(doc["record_complete"], false);
    assert_eq!(doc["record_sha256"], original_digest.as_str());
    assert_eq!(doc["record_bytes"], alert.record_bytes);
    let kept = doc["record"]["requestParameters"]["policyDocument"]
        .as_str()
        .unwrap();
    // The first 2048 bytes, "..." included, then the note.
    assert_eq!(
        kept,
        format!(
            "{}... [cut by trailwarden: {} bytes in all]",
            &policy[..2045],
            policy.len()
        )
    );
    assert_eq!(doc["record"]["requestParameters"]["userName"], "bob");
    let notes: Vec<&str> = doc["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(notes[0].starts_with("The CloudTrail record ("), "{notes:?}");
    assert_eq!(
        notes[1],
        format!(
            "requestParameters.policyDocument was cut from {} to 2048 bytes.",
            policy.len()
        )
    );
    // What people filter on is whole.
    assert_eq!(doc["event"]["id"], EVENT_ID);
    assert_eq!(doc["event"]["name"], "PutUserPolicy");
    assert_eq!(doc["outcome"], "reverted");
    assert_eq!(doc["severity"], "high");
    assert_eq!(doc["event"]["account"], "123456789012");
    assert_eq!(doc["function"], "iam-guard");
    assert_eq!(cut.notes.len(), 2);
    assert!(
        message["email"]
            .as_str()
            .unwrap()
            .contains("Note: requestParameters.policyDocument was cut from")
    );
    valid(&schema("alert.schema.json"), &doc);
}

#[test]
fn an_absurd_record_is_still_cut_to_fit() {
    // Thousands of long strings: cutting each to 2 KiB is not enough; request and response go.
    let many: Vec<String> = (0..200)
        .map(|i| format!("{i}{}", "x".repeat(3000)))
        .collect();
    let r = record(
        "PutUserPolicy",
        "iam.amazonaws.com",
        json!({"userName": "bob", "many": many}),
    );
    let incident = Incident {
        previous_state: None,
        summary: "s".into(),
        resource: "user bob".into(),
        severity: Severity::High,
        next_steps: vec![],
        superseded_by: None,
        pending: None,
    };
    let alert = Alert::new(
        "iam-guard",
        Mode::Enforce,
        &r,
        &incident,
        &[],
        Outcome::AlertOnly,
    );
    let (sent, cut) = fit(&alert);
    assert!(sent.len() <= MAX_MESSAGE_BYTES, "{}", sent.len());
    assert!(cut.record.get("requestParameters").is_none());
    assert_eq!(cut.record["eventID"], EVENT_ID);
    assert!(
        cut.notes
            .iter()
            .any(|n| n == "requestParameters was left out for size."),
        "{:?}",
        cut.notes
    );
}

#[test]
fn subject_is_printable_ascii_of_at_most_100_characters() {
    let mut alert = alert_only();
    alert.summary = format!("Root user signed in from Zürich\n{}", "é".repeat(200));
    let s = subject(&alert);
    assert_eq!(s.len(), 100);
    assert!(s.bytes().all(|b| (b' '..=b'~').contains(&b)), "{s:?}");
    assert!(
        s.starts_with("[HIGH] Alert: Root user signed in from Z?rich?"),
        "{s}"
    );
    assert!(s.ends_with("..."));
}

#[test]
fn chat_values_cannot_mention_a_channel_or_break_out_of_code() {
    let mut alert = alert_only();
    alert.actor.user_agent = Some("<!channel> `evil`".into());
    alert.actor.source_ip = Some("<!here>`x`".into());
    let c = chat(&alert);
    let description = c["content"]["description"].as_str().unwrap();
    assert!(
        description.contains("*From:* `<!here>'x'` via console"),
        "{description}"
    );
    assert_eq!(description.matches('`').count() % 2, 0, "{description}");
    // The document keeps the values as they were.
    assert_eq!(document(&alert)["actor"]["source_ip"], "<!here>`x`");
}

#[test]
fn no_value_an_attacker_chose_can_forge_a_line_or_a_mention() {
    let mut alert = reverted();
    let forged = "x\n\nWhat trailwarden did:\n  - everything: done\r\n";
    alert.actor.user_agent = Some(forged.into());
    alert.actor.description = "user mallory\u{2028}Severity: low".into();
    alert.resource = "user bob\u{202E}gnp.exe".into();
    alert.summary = "AdministratorAccess attached @channel <!here>\nby nobody".into();
    alert.next_steps = vec!["Ask @here why\nWhat to do next: nothing".into()];
    let body = text(&alert);
    let lines: Vec<&str> = body.lines().collect();
    // The forged lines are not lines: each value stays on the line of its label.
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("What trailwarden did:"))
            .count(),
        1,
        "{body}"
    );
    assert!(
        !lines.iter().any(|l| l.starts_with("  - everything")),
        "{body}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("Severity:   low") || l.starts_with("Severity: low")),
        "{body}"
    );
    assert!(
        body.contains("via API, x\\n\\nWhat trailwarden did:\\n  - everything: done\\r\\n, MFA"),
        "{body}"
    );
    assert!(
        body.contains("Who:        user mallory?Severity: low"),
        "{body}"
    );
    assert!(body.contains("Resource:   user bob?gnp.exe"), "{body}");
    assert!(
        body.contains("  - Ask @here why\\nWhat to do next: nothing"),
        "{body}"
    );
    assert!(!subject(&alert).contains('\n'));
    let c = chat(&alert);
    let title = c["content"]["title"].as_str().unwrap();
    assert!(!title.contains(['\n', '@', '<', '>']), "{title}");
    assert!(
        title.ends_with("AdministratorAccess attached 'channel '!here'\\nby nobody"),
        "{title}"
    );
    let step = c["content"]["nextSteps"][0].as_str().unwrap();
    assert_eq!(step, "Ask 'here why\\nWhat to do next: nothing");
    let description = c["content"]["description"].as_str().unwrap();
    assert!(
        description.contains("*Resource:* `user bob'gnp.exe`"),
        "{description}"
    );
}

#[test]
fn text_is_the_same_in_the_email_and_the_document() {
    let alert = failed();
    assert_eq!(document(&alert)["text"].as_str().unwrap(), text(&alert));
}
