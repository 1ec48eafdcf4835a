//! `trailwarden replay` against the local AWS: an archive in S3 read as the same archive on disk,
//! and `--live`, whose every request (moto's recorder) is a read.

mod common;

use common::*;
use serde_json::Value;

/// The command's environment for the emulator: its endpoint and dummy credentials, and `ENV`.
fn aws_env(endpoint: &str) -> Vec<(&str, &str)> {
    let mut env: Vec<(&str, &str)> = ENV.to_vec();
    env.extend([
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
    ]);
    env
}

#[tokio::test]
async fn an_archive_in_s3_gives_the_report_of_the_same_archive_on_disk_and_is_pruned_alike() {
    let aws = trailwarden_tests::emulator().await;
    aws.create_bucket("org-trail-logs").await;
    let root = folder("s3");
    let keys = write_days(&root, "AWSLogs/o-abc123def4/123456789012/", 1..=5);
    let s3 = aws.s3();
    for key in &keys {
        s3.put_object()
            .bucket("org-trail-logs")
            .key(key)
            .body(std::fs::read(root.join(key)).unwrap().into())
            .send()
            .await
            .unwrap();
    }
    // A digest, which is not a log file and is never read.
    s3.put_object()
        .bucket("org-trail-logs")
        .key("AWSLogs/o-abc123def4/123456789012/CloudTrail-Digest/us-east-1/2026/11/01/d.json.gz")
        .body(b"not a log file".to_vec().into())
        .send()
        .await
        .unwrap();
    let endpoint = aws.endpoint();
    let env = aws_env(&endpoint);
    for window in [
        &[][..],
        &["--since", "2026-11-02", "--until", "2026-11-03"][..],
    ] {
        let run = |source: &str| {
            let args = [&["replay", source, "--format", "json"][..], window].concat();
            let mut summary = summary(&trailwarden(&args, &env));
            summary.as_object_mut().unwrap().remove("bytes");
            summary
        };
        let from_s3 = run("s3://org-trail-logs/AWSLogs/");
        let from_disk = run(root.join("AWSLogs").to_str().unwrap());
        assert_eq!(from_s3, from_disk, "window {window:?}");
        let files = if window.is_empty() { 5 } else { 3 };
        assert_eq!(from_s3["files"], files, "window {window:?}");
        assert!(from_s3["unreadable"].as_array().unwrap().is_empty());
    }
}

/// The API operation of a recorded request: the JSON protocols' `X-Amz-Target`, the query
/// protocol's `Action`, or S3's method.
fn operation(request: &Value) -> String {
    let headers = request["headers"].as_object().unwrap();
    if let Some((_, target)) = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("x-amz-target"))
    {
        return target
            .as_str()
            .unwrap()
            .rsplit('.')
            .next()
            .unwrap()
            .to_string();
    }
    let body = match request["body_encoded"].as_bool() {
        Some(true) => {
            let text = request["body"].as_str().unwrap_or_default();
            String::from_utf8_lossy(&base64_decode(text)).into_owned()
        }
        _ => request["body"].as_str().unwrap_or_default().to_string(),
    };
    let url = request["url"].as_str().unwrap_or_default();
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    for pair in body.split('&').chain(query.split('&')) {
        if let Some(action) = pair.strip_prefix("Action=") {
            return action.to_string();
        }
    }
    format!("S3 {}", request["method"].as_str().unwrap())
}

fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0);
    for c in text.bytes().filter(|c| *c != b'=') {
        let Some(v) = ALPHABET.iter().position(|a| *a == c) else {
            continue;
        };
        buffer = (buffer << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    out
}

fn is_read(operation: &str) -> bool {
    [
        "Get", "List", "Describe", "Lookup", "Query", "Scan", "BatchGet",
    ]
    .iter()
    .any(|p| operation.starts_with(p))
        || matches!(operation, "AssumeRole" | "S3 GET" | "S3 HEAD")
}

#[tokio::test]
async fn live_reads_the_facts_from_aws_and_never_writes() {
    let aws = trailwarden_tests::emulator().await;
    aws.create_bucket("trail-logs").await;
    aws.create_logging_trail("audit", "trail-logs").await;
    let root = folder("live");
    write_days(&root, "AWSLogs/123456789012/", 1..=2);
    let endpoint = aws.endpoint();
    let mut env = aws_env(&endpoint);
    // The journal is read too (a table that does not exist: event history stands in).
    env.push(("IAM_JOURNAL_TABLE", "trailwarden-iam-journal"));
    let json_path = root.join("answers.jsonl");
    aws.start_recording().await;
    let run = trailwarden(
        &[
            "replay",
            root.to_str().unwrap(),
            "--live",
            "--format",
            "json",
            "--json",
            json_path.to_str().unwrap(),
        ],
        &env,
    );
    let requests = aws.recorded_requests().await;
    let summary = summary(&run);
    assert_eq!(summary["records"], 12);
    let operations: Vec<String> = requests.iter().map(operation).collect();
    // The facts were asked for: AdministratorAccess's document from IAM.
    assert!(
        operations
            .iter()
            .any(|o| o == "GetPolicy" || o == "GetPolicyVersion"),
        "{operations:?}"
    );
    let writes: Vec<&String> = operations.iter().filter(|o| !is_read(o)).collect();
    assert!(
        writes.is_empty(),
        "--live wrote: {writes:?} (all: {operations:?})"
    );
    // With the document read, the detach depends on it no longer.
    let attach: Vec<Value> = lines(&json_path)
        .into_iter()
        .filter(|l| l["event_name"] == "AttachUserPolicy")
        .collect();
    assert_eq!(attach.len(), 2);
    for line in &attach {
        let depends: Vec<&str> = line["depends_on"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap())
            .collect();
        assert!(
            !depends.contains(&"the document of arn:aws:iam::aws:policy/AdministratorAccess"),
            "{line}"
        );
        assert_eq!(line["outcome"], "would-revert");
    }
    // The trail is still logging: nothing was carried out.
    assert!(aws.is_logging("audit").await);
}
