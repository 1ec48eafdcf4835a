//! Log file validation against the local AWS, the digests' side: digests deleted, edited,
//! signed with another key or chained to a forged signature; key rotation; gaps while logging
//! was stopped or digests stopped arriving; and one signature made by Python, not this project.

mod common;
use common::*;
use trailwarden_integrity::digest::{Digest, Signature};
use trailwarden_tests::digests::TestKey;

#[tokio::test]
async fn two_digests_deleted_in_a_row_are_two_missing_hours_not_none() {
    // The AWS CLI's issue #7054: it reported neither.
    let aws = emulator().await;
    let trail = filled(&aws, 6).await;
    for victim in &trail.digests[2..4] {
        aws.s3()
            .delete_object()
            .bucket(BUCKET)
            .key(victim)
            .send()
            .await
            .unwrap();
    }
    let v = check(&aws, &trail, 6, &logging()).await;
    assert_eq!(
        kinds(&v),
        vec![ProblemKind::DigestMissing],
        "{:#?}",
        v.problems
    );
    let p = &v.problems[0];
    assert_eq!(
        p.objects,
        vec![
            object(&trail.digests[3]),
            object(&trail.digests[1]),
            object(&trail.digests[4])
        ],
        "the digest the chain names, and the two around the gap"
    );
    assert!(
        p.detail.starts_with("2 hourly digest(s) missing"),
        "{}",
        p.detail
    );
    assert_eq!(p.from.as_deref(), Some(hour(2).to_string().as_str()));
    assert_eq!(p.to.as_deref(), Some(hour(4).to_string().as_str()));
    // The deleted digests' log files cannot be checked; the others are.
    assert_eq!(v.log_files_valid, 8);
}

#[tokio::test]
async fn an_edited_digest_fails_its_signature() {
    let aws = emulator().await;
    let trail = filled(&aws, 3).await;
    let victim = &trail.digests[1];
    let object = aws
        .s3()
        .get_object()
        .bucket(BUCKET)
        .key(victim)
        .send()
        .await
        .unwrap();
    let signature = object.metadata().unwrap()["signature"].clone();
    let bytes = object.body.collect().await.unwrap().into_bytes();
    let text = String::from_utf8(trailwarden_tests::digests::gunzip(&bytes)).unwrap();
    // Drop a log file from the list: its deletion would then go unseen.
    let mut digest: serde_json::Value = serde_json::from_str(&text).unwrap();
    digest["logFiles"].as_array_mut().unwrap().pop();
    put(
        &aws.s3(),
        BUCKET,
        victim,
        gzip(digest.to_string().as_bytes()),
        Some(&signature),
    )
    .await;
    let v = check(&aws, &trail, 3, &logging()).await;
    assert_eq!(kinds(&v), vec![ProblemKind::DigestSignatureInvalid]);
    assert_eq!(v.problems[0].objects, vec![ObjectRef::new(BUCKET, victim)]);
    assert!(
        v.problems[0]
            .detail
            .contains("signature verification failed")
    );
    assert_eq!(v.digests_valid, 2);
    assert_eq!(
        v.log_files_valid, 4,
        "an invalid digest's list is not trusted"
    );
}

#[tokio::test]
async fn a_digest_signed_with_another_key_is_invalid_and_an_unknown_key_is_named() {
    let aws = emulator().await;
    let trail = filled(&aws, 2).await;
    let (cloudtrail, other) = (&test_keys()[0], &test_keys()[1]);
    let mut forged = trail.clone();
    // A digest that names CloudTrail's key but is signed with another: signature fails.
    let mut with_wrong = TestKey {
        fingerprint: cloudtrail.fingerprint.clone(),
        ..other.clone()
    };
    forged.hour(&aws.s3(), hour(3), 1, &with_wrong).await;
    // A digest that names a key CloudTrail never had.
    with_wrong.fingerprint = "00000000000000000000000000000000".into();
    forged.hour(&aws.s3(), hour(4), 1, &with_wrong).await;
    let v = check(&aws, &forged, 4, &logging()).await;
    assert_eq!(
        kinds(&v),
        vec![
            ProblemKind::DigestSignatureInvalid,
            ProblemKind::DigestSignatureInvalid
        ]
    );
    assert!(
        v.problems[0]
            .detail
            .contains("signature verification failed"),
        "{}",
        v.problems[0].detail
    );
    assert!(
        v.problems[1]
            .detail
            .contains("no CloudTrail public key has the fingerprint 0000"),
        "{}",
        v.problems[1].detail
    );
}

#[tokio::test]
async fn a_key_rotation_inside_the_range_validates_with_both_keys() {
    let aws = emulator().await;
    aws.create_bucket(BUCKET).await;
    let (old, new) = (&test_keys()[0], &test_keys()[1]);
    aws.serve_public_keys(&[
        old.listed(hour(-48), hour(3)),
        new.listed(hour(3), hour(48)),
    ]);
    let mut trail = TestTrail::new(BUCKET, ACCOUNT, REGION, "audit");
    for n in 1..=5 {
        let key = if n <= 3 { old } else { new };
        trail.hour(&aws.s3(), hour(n), 1, key).await;
    }
    let v = check(&aws, &trail, 5, &logging()).await;
    assert_eq!(kinds(&v), vec![], "{:#?}", v.problems);
    assert_eq!(v.digests_valid, 5);
}

#[tokio::test]
async fn a_forged_previous_signature_breaks_the_chain() {
    let aws = emulator().await;
    let mut trail = filled(&aws, 3).await;
    trail.forge_previous_signature(&"ab".repeat(256));
    trail.hour(&aws.s3(), hour(4), 1, &test_keys()[0]).await;
    let v = check(&aws, &trail, 4, &logging()).await;
    assert_eq!(kinds(&v), vec![ProblemKind::ChainBroken]);
    assert_eq!(
        v.problems[0].objects,
        vec![object(&trail.digests[2]), object(&trail.digests[3])]
    );
}

#[tokio::test]
async fn two_hours_of_stopped_logging_are_an_expected_gap_and_unexplained_ones_are_not() {
    let aws = emulator().await;
    let mut trail = filled(&aws, 3).await;
    // Logging stopped in hour 4 and started again in hour 6: CloudTrail starts a new chain.
    trail.restart();
    trail.hour(&aws.s3(), hour(6), 1, &test_keys()[0]).await;
    trail.hour(&aws.s3(), hour(7), 1, &test_keys()[0]).await;
    let stopped = Logging {
        stopped: Some(EventTime::from_epoch_seconds(hour(3).epoch_seconds() + 600)),
        started: Some(EventTime::from_epoch_seconds(hour(5).epoch_seconds())),
        ..logging()
    };
    let v = check(&aws, &trail, 7, &stopped).await;
    assert_eq!(kinds(&v), vec![], "{:#?}", v.problems);
    assert_eq!(v.gaps.len(), 1);
    assert_eq!(v.gaps[0].from, hour(3).to_string());
    assert_eq!(v.gaps[0].to, hour(5).to_string());
    assert!(
        v.gaps[0].explanation.starts_with("logging was stopped at"),
        "{}",
        v.gaps[0].explanation
    );
    // The same restart with no stop in the trail's status: validation may have been off.
    let v = check(&aws, &trail, 7, &logging()).await;
    assert_eq!(kinds(&v), vec![ProblemKind::DigestMissing]);
    assert!(
        v.problems[0]
            .detail
            .contains("validation may have been turned off")
    );
}

#[tokio::test]
async fn digests_that_stop_arriving_while_the_trail_logs_are_missing() {
    let aws = emulator().await;
    let trail = filled(&aws, 3).await;
    let store = Store::new(aws.s3(), aws.cloudtrail());
    let now = EventTime::from_epoch_seconds(hour(6).epoch_seconds() + 600);
    let range = Range {
        since: hour(1),
        until: now,
    };
    let run = |logging: Logging| {
        let (store, location) = (store.clone(), location(&trail));
        async move {
            validate(
                &store,
                &location,
                &[],
                range,
                &BTreeMap::new(),
                &logging,
                now,
                4,
                &(),
            )
            .await
            .unwrap()
        }
    };
    let late = run(Logging {
        digest_delivery_error: Some("AccessDenied".into()),
        ..logging()
    })
    .await;
    assert_eq!(kinds(&late), vec![ProblemKind::DigestMissing]);
    assert!(
        late.problems[0]
            .detail
            .contains(&format!("no digest since {}", hour(3))),
        "{}",
        late.problems[0].detail
    );
    assert!(late.problems[0].detail.contains("AccessDenied"));
    // No digest at all (no folder of the account), while the trail logs.
    let empty = TestTrail::new(BUCKET, "999988887777", REGION, "never-delivered");
    let store_empty = store.clone();
    let none = validate(
        &store_empty,
        &location(&empty),
        &[],
        range,
        &BTreeMap::new(),
        &logging(),
        now,
        4,
        &(),
    )
    .await
    .unwrap();
    assert_eq!(kinds(&none), vec![ProblemKind::DigestMissing]);
    assert!(
        none.problems[0]
            .detail
            .contains(&format!("no digest since {}", hour(1))),
        "{}",
        none.problems[0].detail
    );
    let stopped = run(Logging {
        is_logging: false,
        ..logging()
    })
    .await;
    assert_eq!(
        kinds(&stopped),
        vec![],
        "a stopped trail owes no digest (trail-guard's to restart)"
    );
}

/// The known answer: a signature computed by Python's `cryptography`, not this project's code, is
/// accepted, and equals ring's (PKCS#1 v1.5 signatures are deterministic).
#[test]
fn a_signature_made_by_python_verifies() {
    let key = &test_keys()[0];
    let content = br#"{"digestStartTime":"2026-11-20T00:00:31Z","digestEndTime":"2026-11-20T01:00:31Z","digestS3Bucket":"audit-logs","digestS3Object":"d.json.gz","digestPublicKeyFingerprint":"f","previousDigestSignature":null,"logFiles":[]}"#;
    let digest = Digest::parse(content).unwrap();
    let message = digest.string_to_sign(content);
    let python = key.sign_in_python(message.as_bytes());
    assert_eq!(python, key.sign(message.as_bytes()));
    let at = ObjectRef::new("audit-logs", "d.json.gz");
    let signature = Signature {
        hex: python,
        algorithm: "SHA256withRSA".into(),
    };
    assert_eq!(
        digest.verify(&at, content, &signature, &key.public_pkcs1),
        Ok(())
    );
    let moved = ObjectRef::new("audit-logs", "elsewhere.json.gz");
    assert!(
        digest
            .verify(&moved, content, &signature, &key.public_pkcs1)
            .is_err()
    );
    assert!(
        digest
            .verify(&at, content, &signature, &test_keys()[1].public_pkcs1)
            .is_err()
    );
}
