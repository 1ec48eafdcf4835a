//! The action log's entries, decided without AWS: which steps are changes, and what each entry
//! names (resource ARN, region, states, event). The writing is tested against the local AWS in
//! tests/tests/action_log.rs.

use serde_json::json;
use trailwarden_events::{Arn, Region};
use trailwarden_rules::action_log::{entries, resource_arn};
use trailwarden_rules::{
    Action, ActionError, FailureKind, Function, Principal, StepResult, StepStatus, TrailRef,
};

fn step(action: Action, status: StepStatus) -> StepResult {
    StepResult {
        action,
        status,
        state_before: Some("before".into()),
        state_after: Some("after".into()),
    }
}

fn region(name: &str) -> Region {
    Region::parse("test", name).unwrap()
}

#[test]
fn only_changes_made_or_attempted_are_entries() {
    let record = trailwarden_testkit::record(json!({
        "eventSource": "iam.amazonaws.com", "eventName": "AttachUserPolicy", "eventID": "e-1",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/mallory",
                         "accountId": "123456789012", "userName": "mallory"}
    }));
    let quarantine = |name: &str| Action::Quarantine {
        principal: Principal::user(name),
    };
    let failed = ActionError {
        call: "iam:PutUserPolicy",
        resource: "user d".into(),
        kind: FailureKind::AccessDenied,
        code: Some("AccessDenied".into()),
        message: "denied".into(),
    };
    let steps = [
        step(quarantine("a"), StepStatus::Done),
        step(quarantine("b"), StepStatus::AlreadyInEffect),
        step(quarantine("c"), StepStatus::WouldDo),
        step(quarantine("d"), StepStatus::Failed(failed)),
        step(quarantine("e"), StepStatus::NotAttempted),
        step(quarantine("f"), StepStatus::Superseded),
    ];

    let at = trailwarden_events::EventTime::parse("2026-12-07T16:00:00Z").unwrap();
    let logged = entries(Function::IamGuard, &record, &steps, at);

    let indexes: Vec<usize> = logged.iter().map(|(i, _)| *i).collect();
    assert_eq!(indexes, [0, 3]);
    let (_, done) = &logged[0];
    assert_eq!(done.time, "2026-12-07T16:00:00Z");
    assert_eq!(done.account, "123456789012");
    assert_eq!(done.region, "us-east-1");
    assert_eq!(done.resource, "arn:aws:iam::123456789012:user/a");
    assert_eq!(done.event_id, "e-1");
    assert_eq!(done.event_name, "AttachUserPolicy");
    assert_eq!(done.function, "iam-guard");
    assert_eq!(done.outcome, "done");
    assert_eq!(done.error, None);
    assert_eq!(done.sort_key(0), "2026-12-07T16:00:00Z#123456789012#e-1#0");
    let (_, attempted) = &logged[1];
    assert_eq!(attempted.outcome, "failed");
    assert_eq!(
        attempted.error.as_deref(),
        Some("iam:PutUserPolicy on user d: denied")
    );
}

#[test]
fn each_kind_of_resource_is_named_by_its_arn() {
    let trail = TrailRef {
        name: "audit".into(),
        arn: None,
        region: region("eu-west-1"),
    };
    assert_eq!(
        resource_arn(
            &Action::StartLogging {
                trail,
                stopped_at: None
            },
            "aws",
            "123456789012"
        ),
        "arn:aws:cloudtrail:eu-west-1:123456789012:trail/audit"
    );
    assert_eq!(
        resource_arn(
            &Action::EnableKey {
                key: "1234abcd-12ab-34cd-56ef-1234567890ab".into(),
                region: region("us-west-2")
            },
            "aws-us-gov",
            "123456789012"
        ),
        "arn:aws-us-gov:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    );
    assert_eq!(
        resource_arn(
            &Action::EnableBucketVersioning {
                bucket: "audit-logs".into(),
                region: region("us-east-1")
            },
            "aws",
            "123456789012"
        ),
        "arn:aws:s3:::audit-logs"
    );
    let policy = Arn::parse("test", "arn:aws:iam::123456789012:policy/app").unwrap();
    assert_eq!(
        resource_arn(
            &Action::SetDefaultPolicyVersion {
                policy,
                version: "v1".into()
            },
            "aws",
            "123456789012"
        ),
        "arn:aws:iam::123456789012:policy/app"
    );
    assert_eq!(
        resource_arn(
            &Action::RevokeRoleSessions { role: "app".into() },
            "aws",
            "123456789012"
        ),
        "arn:aws:iam::123456789012:role/app"
    );
}
