//! Log file validation against the local AWS, the log files' side: a trail's bucket filled as
//! CloudTrail fills it, its log files damaged as an attacker would, and validated; organization
//! folders and positions.

mod common;
use common::*;

#[tokio::test]
async fn an_intact_trail_is_valid_digest_by_digest_and_file_by_file() {
    let aws = emulator().await;
    let trail = filled(&aws, 6).await;
    let v = check(&aws, &trail, 6, &logging()).await;
    assert_eq!(kinds(&v), vec![], "{:#?}", v.problems);
    assert_eq!(v.digests_valid, 6);
    assert_eq!(v.log_files_valid, 12);
    assert_eq!(v.regions, vec![REGION.to_string()]);
    assert!(v.gaps.is_empty());
    assert_eq!(
        v.last[REGION].key, trail.digests[5],
        "the position is the newest digest"
    );
}

#[tokio::test]
async fn a_modified_log_file_is_named_with_its_digest() {
    let aws = emulator().await;
    let trail = filled(&aws, 4).await;
    let victim = &trail.log_files[3];
    put(&aws.s3(), BUCKET, victim, gzip(br#"{"Records":[]}"#), None).await;
    let v = check(&aws, &trail, 4, &logging()).await;
    assert_eq!(kinds(&v), vec![ProblemKind::LogFileModified]);
    assert_eq!(
        v.problems[0].objects,
        vec![object(victim), object(&trail.digests[1])]
    );
    assert_eq!(v.log_files_valid, 7);
    assert_eq!(v.digests_valid, 4);
}

#[tokio::test]
async fn a_deleted_log_file_is_missing() {
    let aws = emulator().await;
    let trail = filled(&aws, 3).await;
    let victim = &trail.log_files[0];
    aws.s3()
        .delete_object()
        .bucket(BUCKET)
        .key(victim)
        .send()
        .await
        .unwrap();
    let v = check(&aws, &trail, 3, &logging()).await;
    assert_eq!(kinds(&v), vec![ProblemKind::LogFileMissing]);
    assert_eq!(v.problems[0].objects[0], object(victim));
    assert_eq!(
        v.problems[0].previous_version, None,
        "the bucket keeps no versions"
    );
}

#[tokio::test]
async fn a_versioned_bucket_names_the_version_a_deleted_log_file_had() {
    let aws = emulator().await;
    aws.create_bucket(BUCKET).await;
    aws.s3()
        .put_bucket_versioning()
        .bucket(BUCKET)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let trail = filled(&aws, 2).await;
    let victim = &trail.log_files[2];
    let versions = aws
        .s3()
        .list_object_versions()
        .bucket(BUCKET)
        .prefix(victim)
        .send()
        .await
        .unwrap();
    let original = versions.versions()[0].version_id().unwrap().to_string();
    aws.s3()
        .delete_object()
        .bucket(BUCKET)
        .key(victim)
        .send()
        .await
        .unwrap();
    let v = check(&aws, &trail, 2, &logging()).await;
    assert_eq!(kinds(&v), vec![ProblemKind::LogFileMissing]);
    assert_eq!(
        v.problems[0].previous_version.as_deref(),
        Some(original.as_str())
    );
}

#[tokio::test]
async fn an_organization_trail_with_a_prefix_is_validated_in_its_own_folder() {
    let aws = emulator().await;
    aws.create_bucket(BUCKET).await;
    let key = &test_keys()[0];
    aws.serve_public_keys(&[key.listed(hour(-48), hour(48))]);
    let mut trail = TestTrail::new(BUCKET, "222233334444", "eu-west-1", "org_trail")
        .in_organization("o-abc123")
        .with_prefix("central");
    trail.home_region = "us-east-1".into();
    for n in 1..=3 {
        trail.hour(&aws.s3(), hour(n), 1, key).await;
    }
    // Another trail's digests in the same folder are not this one's.
    let mut other = TestTrail::new(BUCKET, "222233334444", "eu-west-1", "other")
        .in_organization("o-abc123")
        .with_prefix("central");
    other.home_region = "us-east-1".into();
    other.hour(&aws.s3(), hour(2), 1, key).await;
    assert!(trail.digests[0].starts_with(
        "central/AWSLogs/o-abc123/222233334444/CloudTrail-Digest/eu-west-1/2026/11/20/"
    ));
    let v = check(&aws, &trail, 3, &logging()).await;
    assert_eq!(kinds(&v), vec![], "{:#?}", v.problems);
    assert_eq!(v.digests_valid, 3);
    assert_eq!(v.regions, vec!["eu-west-1".to_string()]);
}

#[tokio::test]
async fn a_validation_from_a_position_reads_only_newer_digests_and_checks_the_link() {
    let aws = emulator().await;
    let mut trail = filled(&aws, 3).await;
    let first = check(&aws, &trail, 3, &logging()).await;
    trail.hour(&aws.s3(), hour(4), 1, &test_keys()[0]).await;
    let store = Store::new(aws.s3(), aws.cloudtrail());
    let now = EventTime::from_epoch_seconds(hour(4).epoch_seconds() + 600);
    let next = validate(
        &store,
        &location(&trail),
        &[],
        Range {
            since: hour(1),
            until: now,
        },
        &first.last,
        &logging(),
        now,
        4,
        &(),
    )
    .await
    .unwrap();
    assert_eq!(kinds(&next), vec![]);
    assert_eq!(
        (next.digests_valid, next.log_files_valid),
        (1, 1),
        "only hour 4"
    );
    assert_eq!(next.last[REGION].key, trail.digests[3]);
}
