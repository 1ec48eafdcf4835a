//! What the emulator cannot do for trail-guard, with aws-smithy-mocks: moto keeps a trail's
//! advanced event selectors when basic ones are put (AWS replaces them), and its
//! `GetBucketVersioning` answer has an XML root the Rust SDK rejects.

use aws_sdk_cloudtrail::operation::get_event_selectors::GetEventSelectorsOutput;
use aws_sdk_cloudtrail::operation::put_event_selectors::PutEventSelectorsOutput;
use aws_sdk_cloudtrail::types::{
    AdvancedEventSelector, AdvancedFieldSelector, EventSelector as SdkSelector, ReadWriteType,
};
use aws_sdk_s3::operation::get_bucket_versioning::GetBucketVersioningOutput;
use aws_sdk_s3::operation::put_bucket_versioning::PutBucketVersioningOutput;
use aws_sdk_s3::types::BucketVersioningStatus;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use trailwarden_actions::{AwsClients, Executor, Regional, StepStatus};
use trailwarden_events::Region;
use trailwarden_rules::desired::EventSelector;
use trailwarden_rules::{Action, Mode, TrailRef};

fn executor(cloudtrail: &[&Rule], s3: &[&Rule]) -> Executor {
    Executor::new(AwsClients {
        cloudtrail: Regional::fixed(mock_client!(
            aws_sdk_cloudtrail,
            RuleMode::Sequential,
            cloudtrail
        )),
        iam: mock_client!(aws_sdk_iam, RuleMode::MatchAny, &[]),
        kms: Regional::unused(aws_sdk_kms::Client::new),
        s3: Regional::fixed(mock_client!(aws_sdk_s3, RuleMode::Sequential, s3)),
    })
}

fn us_east_1() -> Region {
    Region::parse("test", "us-east-1").unwrap()
}

#[tokio::test]
async fn put_event_selectors_replaces_advanced_selectors_and_reads_back() {
    let writes_only = AdvancedEventSelector::builder()
        .name("writes only")
        .field_selectors(
            AdvancedFieldSelector::builder()
                .field("eventCategory")
                .equals("Management")
                .build()
                .unwrap(),
        )
        .field_selectors(
            AdvancedFieldSelector::builder()
                .field("readOnly")
                .equals("false")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let before = mock!(aws_sdk_cloudtrail::Client::get_event_selectors).then_output(move || {
        GetEventSelectorsOutput::builder()
            .advanced_event_selectors(writes_only.clone())
            .build()
    });
    let put = mock!(aws_sdk_cloudtrail::Client::put_event_selectors)
        .match_requests(|r| {
            r.trail_name() == Some("audit")
                && r.event_selectors().len() == 1
                && r.event_selectors()[0].include_management_events() == Some(true)
                && r.event_selectors()[0].read_write_type() == Some(&ReadWriteType::All)
        })
        .then_output(|| PutEventSelectorsOutput::builder().build());
    let after = mock!(aws_sdk_cloudtrail::Client::get_event_selectors).then_output(|| {
        GetEventSelectorsOutput::builder()
            .event_selectors(
                SdkSelector::builder()
                    .read_write_type(ReadWriteType::All)
                    .include_management_events(true)
                    .build(),
            )
            .build()
    });
    let exec = executor(&[&before, &put, &after], &[]);
    let action = Action::PutEventSelectors {
        trail: TrailRef {
            name: "audit".into(),
            arn: None,
            region: us_east_1(),
        },
        selectors: vec![EventSelector::management(vec![])],
    };

    let steps = exec.execute(&[action], Mode::Enforce).await;

    assert_eq!(steps[0].status, StepStatus::Done, "{steps:?}");
    assert_eq!(
        steps[0].state_after.as_deref(),
        Some("trail audit (us-east-1) records: All management events")
    );
    assert_eq!(
        (before.num_calls(), put.num_calls(), after.num_calls()),
        (1, 1, 1),
        "check, put, read back: three calls"
    );
}

#[tokio::test]
async fn put_event_selectors_that_leave_advanced_selectors_in_place_is_a_failure() {
    let advanced = AdvancedEventSelector::builder()
        .field_selectors(
            AdvancedFieldSelector::builder()
                .field("eventCategory")
                .equals("Data")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let a2 = advanced.clone();
    let before = mock!(aws_sdk_cloudtrail::Client::get_event_selectors).then_output(move || {
        GetEventSelectorsOutput::builder()
            .advanced_event_selectors(advanced.clone())
            .build()
    });
    let put = mock!(aws_sdk_cloudtrail::Client::put_event_selectors)
        .then_output(|| PutEventSelectorsOutput::builder().build());
    let after = mock!(aws_sdk_cloudtrail::Client::get_event_selectors).then_output(move || {
        GetEventSelectorsOutput::builder()
            .advanced_event_selectors(a2.clone())
            .build()
    });
    let exec = executor(&[&before, &put, &after], &[]);
    let action = Action::PutEventSelectors {
        trail: TrailRef {
            name: "audit".into(),
            arn: None,
            region: us_east_1(),
        },
        selectors: vec![EventSelector::management(vec![])],
    };

    let steps = exec.execute(&[action], Mode::Enforce).await;

    let StepStatus::Failed(error) = &steps[0].status else {
        panic!("{steps:?}")
    };
    assert_eq!(error.call, "cloudtrail:PutEventSelectors");
    assert!(
        error.message.contains("(advanced selectors in use)"),
        "{error}"
    );
}

#[tokio::test]
async fn enable_bucket_versioning_turns_suspended_versioning_on_and_reads_back() {
    let before = mock!(aws_sdk_s3::Client::get_bucket_versioning).then_output(|| {
        GetBucketVersioningOutput::builder()
            .status(BucketVersioningStatus::Suspended)
            .build()
    });
    let put = mock!(aws_sdk_s3::Client::put_bucket_versioning)
        .match_requests(|r| {
            r.bucket() == Some("audit-logs")
                && r.versioning_configuration().and_then(|v| v.status())
                    == Some(&BucketVersioningStatus::Enabled)
        })
        .then_output(|| PutBucketVersioningOutput::builder().build());
    let after = mock!(aws_sdk_s3::Client::get_bucket_versioning).then_output(|| {
        GetBucketVersioningOutput::builder()
            .status(BucketVersioningStatus::Enabled)
            .build()
    });
    let exec = executor(&[], &[&before, &put, &after]);
    let action = Action::EnableBucketVersioning {
        bucket: "audit-logs".into(),
        region: us_east_1(),
    };

    let steps = exec
        .execute(std::slice::from_ref(&action), Mode::Enforce)
        .await;

    assert_eq!(steps[0].status, StepStatus::Done, "{steps:?}");
    assert_eq!(
        steps[0].state_after.as_deref(),
        Some("versioning of S3 bucket audit-logs is Enabled")
    );
    assert_eq!(
        (before.num_calls(), put.num_calls(), after.num_calls()),
        (1, 1, 1)
    );
}

#[tokio::test]
async fn enable_bucket_versioning_in_dry_run_only_reads() {
    let before = mock!(aws_sdk_s3::Client::get_bucket_versioning).then_output(|| {
        GetBucketVersioningOutput::builder()
            .status(BucketVersioningStatus::Suspended)
            .build()
    });
    let exec = executor(&[], &[&before]);
    let action = Action::EnableBucketVersioning {
        bucket: "audit-logs".into(),
        region: us_east_1(),
    };

    let steps = exec.execute(&[action], Mode::DryRun).await;

    assert_eq!(steps[0].status, StepStatus::WouldDo);
    assert_eq!(
        steps[0].state_after.as_deref(),
        Some("versioning of S3 bucket audit-logs is Suspended")
    );
    assert_eq!(before.num_calls(), 1);
}
