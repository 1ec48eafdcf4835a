//! `trailwarden validate-logs` against the local AWS: a trail whose bucket holds signed digests
//! (tests/src/digests.rs), valid, then with a log file deleted; bad arguments refused.

mod common;

use common::*;
use serde_json::Value;
use trailwarden_tests::digests::TestTrail;

use trailwarden_tests::digests::test_hour as hour;

#[tokio::test]
async fn a_trail_is_valid_until_a_log_file_is_deleted_and_then_exit_1_names_it() {
    let aws = trailwarden_tests::emulator().await;
    let trail = TestTrail::signed(&aws, "audit-logs", "audit", &[hour(1), hour(2), hour(3)]).await;
    let created = aws
        .cloudtrail()
        .create_trail()
        .name("audit")
        .s3_bucket_name("audit-logs")
        .enable_log_file_validation(true)
        .send()
        .await
        .unwrap();
    let arn = created.trail_arn().unwrap().to_string();
    let endpoint = aws.endpoint();
    let env = [
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
    ];
    let (start, end) = (hour(1).to_string(), hour(3).to_string());
    let args = [
        "validate-logs",
        "--trail",
        &arn,
        "--start",
        &start,
        "--end",
        &end,
    ];

    let valid = trailwarden(&args, &env);
    let text = stdout(&valid);
    assert_eq!(
        valid.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&valid.stderr)
    );
    assert!(
        text.contains("3 digest(s) valid, 0 backfill digest(s) valid, 6 log file(s) valid"),
        "{text}"
    );
    assert!(text.ends_with("all valid\n"), "{text}");

    let victim = &trail.log_files[4];
    aws.s3()
        .delete_object()
        .bucket("audit-logs")
        .key(victim)
        .send()
        .await
        .unwrap();
    let invalid = trailwarden(&args, &env);
    let text = stdout(&invalid);
    assert_eq!(invalid.status.code(), Some(1), "{text}");
    assert!(text.contains("INVALID: 1 log-file-missing"), "{text}");
    assert!(
        text.contains(&format!(
            "log-file-missing           s3://audit-logs/{victim}"
        )),
        "{text}"
    );

    let json = trailwarden(&[&args[..], &["--json"]].concat(), &env);
    assert_eq!(json.status.code(), Some(1));
    let doc: Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(doc["valid"], false);
    assert_eq!(doc["validation"]["log_files_valid"], 5);
    let problems = doc["validation"]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0]["kind"], "log-file-missing");
    assert_eq!(problems[0]["objects"][0]["key"], victim.as_str());
    assert_eq!(problems[0]["objects"][1]["key"], trail.digests[2].as_str());
}

#[test]
fn bad_arguments_exit_2_naming_the_problem() {
    for (args, expected) in [
        (
            &["validate-logs", "--trail", "audit", "--start", "7d"][..],
            "--trail \"audit\" is not a trail ARN",
        ),
        (
            &[
                "validate-logs",
                "--trail",
                "arn:aws:cloudtrail:us-east-1:123456789012:trail/audit",
                "--start",
                "2026-11-20",
                "--end",
                "2026-11-19",
            ][..],
            "is after --end",
        ),
        (
            &[
                "validate-logs",
                "--trail",
                "arn:aws:cloudtrail:us-east-1:123456789012:trail/audit",
                "--start",
                "yesterday",
            ][..],
            "--start:",
        ),
    ] {
        let output = trailwarden(args, &[]);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
