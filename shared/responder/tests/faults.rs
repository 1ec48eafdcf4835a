//! README, "Reliability and security", the faults rows: for each remediation kind, what AWS can throw at the act call — throttling
//! (retried by the SDK, then success), AccessDenied, NoSuchEntity, a 5xx, a timeout — and what
//! becomes of the event. Nothing is lost: every case ends with the revert done, an alert, or an
//! error (which sends the event to Lambda's retry and then the dead-letter queue).

mod common;

use aws_sdk_cloudtrail::operation::get_trail::GetTrailOutput;
use aws_sdk_cloudtrail::operation::get_trail_status::GetTrailStatusOutput;
use aws_sdk_cloudtrail::operation::start_logging::{StartLoggingError, StartLoggingOutput};
use aws_sdk_cloudtrail::operation::update_trail::{UpdateTrailError, UpdateTrailOutput};
use aws_sdk_cloudtrail::types::Trail;
use aws_sdk_iam::operation::detach_user_policy::{DetachUserPolicyError, DetachUserPolicyOutput};
use aws_sdk_iam::operation::get_user_policy::{GetUserPolicyError, GetUserPolicyOutput};
use aws_sdk_iam::operation::list_access_keys::ListAccessKeysOutput;
use aws_sdk_iam::operation::list_groups_for_user::ListGroupsForUserOutput;
use aws_sdk_iam::operation::put_user_policy::{PutUserPolicyError, PutUserPolicyOutput};
use aws_sdk_iam::operation::remove_user_from_group::RemoveUserFromGroupOutput;
use aws_sdk_iam::operation::update_access_key::{UpdateAccessKeyError, UpdateAccessKeyOutput};
use aws_sdk_iam::types::{AccessKeyMetadata, Group, StatusType};
use aws_sdk_kms::operation::describe_key::DescribeKeyOutput;
use aws_sdk_kms::operation::enable_key::{EnableKeyError, EnableKeyOutput};
use aws_sdk_kms::types::{KeyMetadata, KeyState};
use aws_sdk_sns::operation::publish::PublishError;
use aws_smithy_mocks::mock;
use aws_smithy_types::DateTime;
use common::{Inbox, Mocks, attached, error_meta, event_file};
use trailwarden_actions::{FailureKind, StepResult, StepStatus, iam::QUARANTINE_DOCUMENT};
use trailwarden_events::{Arn, Region};
use trailwarden_responder::{Function, HandlerError};
use trailwarden_rules::desired::TrailChanges;
use trailwarden_rules::{Action, Mode, Principal, QUARANTINE_POLICY_NAME, TrailRef};

const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
const KEY: &str = "AKIAEXAMPLENEWKEY001";
const KMS_KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    /// Throttled twice, then the call succeeds: the SDK's retry absorbs it.
    Throttled,
    AccessDenied,
    NoSuchEntity,
    /// HTTP 500 on every attempt.
    ServerError,
}

/// The act call's rule: the fault, then (for throttling) success.
macro_rules! act {
    ($op:path, $err:ident, $out:expr, $fault:expr, $call:literal) => {
        match $fault {
            Fault::Throttled => mock!($op)
                .sequence()
                .error(|| $err::generic(error_meta("Throttling", "Rate exceeded")))
                .times(2)
                .output($out)
                .build(),
            Fault::AccessDenied => mock!($op).then_error(|| {
                $err::generic(error_meta(
                    "AccessDenied",
                    concat!(
                        "User: arn:aws:sts::123456789012:assumed-role/trailwarden-role/fn is not authorized to perform: ",
                        $call
                    ),
                ))
            }),
            Fault::NoSuchEntity => mock!($op).then_error(|| {
                $err::generic(error_meta("NoSuchEntity", "The resource cannot be found."))
            }),
            Fault::ServerError => mock!($op).sequence().http_status(500, None).repeatedly().build(),
        }
    };
}

fn one(steps: Vec<StepResult>) -> StepResult {
    assert_eq!(steps.len(), 1);
    steps.into_iter().next().unwrap()
}

fn failure(step: &StepResult) -> (FailureKind, &'static str) {
    match &step.status {
        StepStatus::Failed(e) => (e.kind, e.call),
        other => panic!("expected a failure, got {other:?}"),
    }
}

/// The common expectations: what each fault must end in, given the number of act calls.
fn check(fault: Fault, step: &StepResult, act_calls: usize, call: &str, gone_is_done: bool) {
    match fault {
        Fault::Throttled => {
            assert_eq!(step.status, StepStatus::Done, "{call}: {step:?}");
            assert_eq!(act_calls, 3, "{call}: two throttled attempts, then success");
        }
        Fault::AccessDenied => {
            assert_eq!(
                failure(step),
                (FailureKind::AccessDenied, call_static(call))
            );
            assert_eq!(act_calls, 1, "{call}: AccessDenied is not retried");
        }
        Fault::NoSuchEntity if gone_is_done => {
            assert_eq!(step.status, StepStatus::AlreadyInEffect, "{call}: {step:?}");
        }
        Fault::NoSuchEntity => assert_eq!(failure(step).0, FailureKind::NotFound, "{call}"),
        Fault::ServerError => {
            assert_eq!(failure(step), (FailureKind::Transient, call_static(call)));
            assert_eq!(
                act_calls, 3,
                "{call}: a 500 is retried, three attempts in all"
            );
        }
    }
}

fn call_static(call: &str) -> &'static str {
    Box::leak(call.to_string().into_boxed_str())
}

const FAULTS: [Fault; 4] = [
    Fault::Throttled,
    Fault::AccessDenied,
    Fault::NoSuchEntity,
    Fault::ServerError,
];

fn status(logging: bool) -> GetTrailStatusOutput {
    GetTrailStatusOutput::builder().is_logging(logging).build()
}

#[tokio::test]
async fn start_logging_under_each_fault() {
    for fault in FAULTS {
        let get = mock!(aws_sdk_cloudtrail::Client::get_trail_status)
            .sequence()
            .output(|| status(false))
            .output(|| status(true))
            .build();
        let start = act!(
            aws_sdk_cloudtrail::Client::start_logging,
            StartLoggingError,
            || StartLoggingOutput::builder().build(),
            fault,
            "cloudtrail:StartLogging"
        );
        let mocks = Mocks {
            cloudtrail: &[&get, &start],
            iam: &[],
            kms: &[],
            sns: &[],
        };
        let plan = [Action::StartLogging {
            trail: TrailRef {
                name: "audit".into(),
                arn: None,
                region: Region::parse("t", "us-east-1").unwrap(),
            },
            stopped_at: None,
        }];
        let exec = trailwarden_actions::Executor::new(mocks.clients());
        let step = one(exec.execute(&plan, Mode::Enforce).await);
        // A trail that is gone cannot log: that is a failure, not "already reverted".
        check(
            fault,
            &step,
            start.num_calls(),
            "cloudtrail:StartLogging",
            false,
        );
    }
}

#[tokio::test]
async fn detach_policy_under_each_fault() {
    for fault in FAULTS {
        let list = mock!(aws_sdk_iam::Client::list_attached_user_policies)
            .sequence()
            .output(|| attached(&[ADMIN]))
            .output(|| attached(&[]))
            .build();
        let detach = act!(
            aws_sdk_iam::Client::detach_user_policy,
            DetachUserPolicyError,
            || DetachUserPolicyOutput::builder().build(),
            fault,
            "iam:DetachUserPolicy"
        );
        let mocks = Mocks {
            cloudtrail: &[],
            iam: &[&list, &detach],
            kms: &[],
            sns: &[],
        };
        let plan = [Action::DetachPolicy {
            principal: Principal::user("alice"),
            policy: Arn::parse("t", ADMIN).unwrap(),
        }];
        let exec = trailwarden_actions::Executor::new(mocks.clients());
        let step = one(exec.execute(&plan, Mode::Enforce).await);
        // NoSuchEntity on the detach: someone detached it first, which is what was wanted.
        check(
            fault,
            &step,
            detach.num_calls(),
            "iam:DetachUserPolicy",
            true,
        );
    }
}

fn quarantine_policy() -> GetUserPolicyOutput {
    GetUserPolicyOutput::builder()
        .user_name("alice")
        .policy_name(QUARANTINE_POLICY_NAME)
        .policy_document(QUARANTINE_DOCUMENT)
        .build()
        .unwrap()
}

#[tokio::test]
async fn quarantine_under_each_fault() {
    for fault in FAULTS {
        let get = mock!(aws_sdk_iam::Client::get_user_policy)
            .sequence()
            .error(|| GetUserPolicyError::generic(error_meta("NoSuchEntity", "no such policy")))
            .output(quarantine_policy)
            .build();
        let put = act!(
            aws_sdk_iam::Client::put_user_policy,
            PutUserPolicyError,
            || PutUserPolicyOutput::builder().build(),
            fault,
            "iam:PutUserPolicy"
        );
        let mocks = Mocks {
            cloudtrail: &[],
            iam: &[&get, &put],
            kms: &[],
            sns: &[],
        };
        let plan = [Action::Quarantine {
            principal: Principal::user("alice"),
        }];
        let exec = trailwarden_actions::Executor::new(mocks.clients());
        let step = one(exec.execute(&plan, Mode::Enforce).await);
        // NoSuchEntity on the put: the user is gone, and a quarantine of nobody is not in effect.
        check(fault, &step, put.num_calls(), "iam:PutUserPolicy", false);
    }
}

fn keys(status: StatusType) -> ListAccessKeysOutput {
    ListAccessKeysOutput::builder()
        .access_key_metadata(
            AccessKeyMetadata::builder()
                .user_name("bob")
                .access_key_id(KEY)
                .status(status)
                .build(),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn deactivate_access_key_under_each_fault() {
    for fault in FAULTS {
        let list = mock!(aws_sdk_iam::Client::list_access_keys)
            .sequence()
            .output(|| keys(StatusType::Active))
            .output(|| keys(StatusType::Inactive))
            .build();
        let update = act!(
            aws_sdk_iam::Client::update_access_key,
            UpdateAccessKeyError,
            || UpdateAccessKeyOutput::builder().build(),
            fault,
            "iam:UpdateAccessKey"
        );
        let mocks = Mocks {
            cloudtrail: &[],
            iam: &[&list, &update],
            kms: &[],
            sns: &[],
        };
        let plan = [Action::DeactivateAccessKey {
            user: "bob".into(),
            access_key_id: KEY.into(),
        }];
        let exec = trailwarden_actions::Executor::new(mocks.clients());
        let step = one(exec.execute(&plan, Mode::Enforce).await);
        // NoSuchEntity on the update: the key was deleted in between, it can no longer be used,
        // but the executor reports it as the failure it is (the key was not deactivated, it is
        // gone): a person looks.
        check(
            fault,
            &step,
            update.num_calls(),
            "iam:UpdateAccessKey",
            false,
        );
    }
}

fn key(state: KeyState) -> DescribeKeyOutput {
    DescribeKeyOutput::builder()
        .key_metadata(
            KeyMetadata::builder()
                .key_id("1234abcd-12ab-34cd-56ef-1234567890ab")
                .key_state(state)
                .build()
                .unwrap(),
        )
        .build()
}

#[tokio::test]
async fn enable_key_under_each_fault() {
    for fault in FAULTS {
        let describe = mock!(aws_sdk_kms::Client::describe_key)
            .sequence()
            .output(|| key(KeyState::Disabled))
            .output(|| key(KeyState::Enabled))
            .build();
        let enable = act!(
            aws_sdk_kms::Client::enable_key,
            EnableKeyError,
            || EnableKeyOutput::builder().build(),
            fault,
            "kms:EnableKey"
        );
        let mocks = Mocks {
            cloudtrail: &[],
            iam: &[],
            kms: &[&describe, &enable],
            sns: &[],
        };
        let plan = [Action::EnableKey {
            key: KMS_KEY.into(),
            region: Region::parse("t", "us-east-1").unwrap(),
        }];
        let exec = trailwarden_actions::Executor::new(mocks.clients());
        let step = one(exec.execute(&plan, Mode::Enforce).await);
        check(fault, &step, enable.num_calls(), "kms:EnableKey", false);
    }
}

fn trail_logging_to(bucket: &str, validation: bool) -> GetTrailOutput {
    GetTrailOutput::builder()
        .trail(
            Trail::builder()
                .name("audit")
                .s3_bucket_name(bucket)
                .is_multi_region_trail(true)
                .include_global_service_events(true)
                .log_file_validation_enabled(validation)
                .build(),
        )
        .build()
}

#[tokio::test]
async fn update_trail_under_each_fault() {
    // The attacker pointed the trail at their bucket and turned validation off.
    for fault in FAULTS {
        let get = mock!(aws_sdk_cloudtrail::Client::get_trail)
            .sequence()
            .output(|| trail_logging_to("attacker-logs", false))
            .output(|| trail_logging_to("audit-logs", true))
            .build();
        let update = act!(
            aws_sdk_cloudtrail::Client::update_trail,
            UpdateTrailError,
            || UpdateTrailOutput::builder().build(),
            fault,
            "cloudtrail:UpdateTrail"
        );
        let mocks = Mocks {
            cloudtrail: &[&get, &update],
            iam: &[],
            kms: &[],
            sns: &[],
        };
        let plan = [Action::UpdateTrail {
            trail: TrailRef {
                name: "audit".into(),
                arn: None,
                region: Region::parse("t", "us-east-1").unwrap(),
            },
            changes: TrailChanges {
                s3_bucket: Some("audit-logs".into()),
                log_file_validation: Some(true),
                ..TrailChanges::default()
            },
        }];
        let exec = trailwarden_actions::Executor::new(mocks.clients());
        let step = one(exec.execute(&plan, Mode::Enforce).await);
        // A trail that is gone cannot be put back: a failure, not "already reverted".
        check(
            fault,
            &step,
            update.num_calls(),
            "cloudtrail:UpdateTrail",
            false,
        );
        if fault == Fault::Throttled {
            assert_eq!(
                step.state_after
                    .as_deref()
                    .map(|s| s.contains("S3 bucket audit-logs")),
                Some(true),
                "{step:?}"
            );
        }
    }
}

fn groups_of(groups: &[&str]) -> ListGroupsForUserOutput {
    ListGroupsForUserOutput::builder()
        .set_groups(Some(
            groups
                .iter()
                .map(|g| {
                    Group::builder()
                        .path("/")
                        .group_name(*g)
                        .group_id("AGPAEXAMPLE")
                        .arn(format!("arn:aws:iam::123456789012:group/{g}"))
                        .create_date(DateTime::from_secs(0))
                        .build()
                        .unwrap()
                })
                .collect(),
        ))
        .build()
        .unwrap()
}

// ---- Through Responder::handle: the alert and the function's error ----

#[tokio::test]
async fn access_denied_is_a_critical_alert_naming_the_missing_permission_and_a_function_error() {
    let inbox = Inbox::default();
    let published = inbox.rule();
    let get = mock!(aws_sdk_cloudtrail::Client::get_trail_status).then_output(|| status(false));
    let start = act!(
        aws_sdk_cloudtrail::Client::start_logging,
        StartLoggingError,
        || StartLoggingOutput::builder().build(),
        Fault::AccessDenied,
        "cloudtrail:StartLogging"
    );
    let mocks = Mocks {
        cloudtrail: &[&get, &start],
        iam: &[],
        kms: &[],
        sns: &[&published],
    };
    let responder = mocks.responder(Function::TrailGuard, &[]);

    let error = responder
        .handle(event_file("stop-logging.json"))
        .await
        .unwrap_err();

    assert_eq!(error.error_type(), "RemediationFailed.AccessDenied");
    assert_eq!(inbox.len(), 1, "alerted before the error");
    assert_eq!(inbox.attribute(0, "outcome"), "failed");
    assert_eq!(inbox.attribute(0, "severity"), "critical");
    let doc = inbox.document(0);
    assert_eq!(
        doc["error"],
        "the function's role lacks cloudtrail:StartLogging: cloudtrail:StartLogging on trail audit (us-east-1): \
         User: arn:aws:sts::123456789012:assumed-role/trailwarden-role/fn is not authorized to perform: cloudtrail:StartLogging (AccessDenied)"
    );
    assert_eq!(
        doc["next_steps"][1],
        "Grant cloudtrail:StartLogging to the function's role (trailwarden's template does; was the role edited?)."
    );
    assert!(
        inbox
            .everything(0)
            .contains("the function's role lacks cloudtrail:StartLogging"),
        "the email says it too"
    );
}

#[tokio::test]
async fn a_5xx_that_outlasts_the_retries_is_alerted_and_a_retryable_function_error() {
    let inbox = Inbox::default();
    let published = inbox.rule();
    let get = mock!(aws_sdk_cloudtrail::Client::get_trail_status).then_output(|| status(false));
    let start = act!(
        aws_sdk_cloudtrail::Client::start_logging,
        StartLoggingError,
        || StartLoggingOutput::builder().build(),
        Fault::ServerError,
        "cloudtrail:StartLogging"
    );
    let mocks = Mocks {
        cloudtrail: &[&get, &start],
        iam: &[],
        kms: &[],
        sns: &[&published],
    };
    let error = mocks
        .responder(Function::TrailGuard, &[])
        .handle(event_file("stop-logging.json"))
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "RemediationFailed.Transient");
    assert_eq!(inbox.attribute(0, "outcome"), "failed");
    assert_eq!(start.num_calls(), 3);
}

#[tokio::test]
async fn throttling_is_absorbed_by_the_sdk_retry_and_the_event_reverted() {
    let inbox = Inbox::default();
    let published = inbox.rule();
    let get = mock!(aws_sdk_cloudtrail::Client::get_trail_status)
        .sequence()
        .output(|| status(false))
        .output(|| status(true))
        .build();
    let start = act!(
        aws_sdk_cloudtrail::Client::start_logging,
        StartLoggingError,
        || StartLoggingOutput::builder().build(),
        Fault::Throttled,
        "cloudtrail:StartLogging"
    );
    let mocks = Mocks {
        cloudtrail: &[&get, &start],
        iam: &[],
        kms: &[],
        sns: &[&published],
    };
    let report = mocks
        .responder(Function::TrailGuard, &[])
        .handle(event_file("stop-logging.json"))
        .await
        .unwrap();
    assert_eq!(report.outcome, "reverted");
    assert_eq!(start.num_calls(), 3);
    assert_eq!(inbox.len(), 1);
}

/// A server that accepts connections and never answers: every call times out.
async fn silent_endpoint() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (url, task)
}

#[tokio::test]
async fn a_timeout_on_every_kind_is_a_transient_failure_and_the_alert_still_goes_out() {
    use aws_config::timeout::TimeoutConfig;
    let (url, server) = silent_endpoint().await;
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(trailwarden_responder::environment::https_client())
        .endpoint_url(&url)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_iam::config::Credentials::new(
            "AKIDTEST", "test", None, None, "test",
        ))
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(std::time::Duration::from_millis(150))
                .build(),
        )
        .retry_config(common::retry())
        .load()
        .await;
    let exec = trailwarden_actions::Executor::new(trailwarden_actions::AwsClients::new(&sdk));
    let us_east_1 = Region::parse("t", "us-east-1").unwrap();
    let plans = [
        Action::StartLogging {
            trail: TrailRef {
                name: "audit".into(),
                arn: None,
                region: us_east_1.clone(),
            },
            stopped_at: None,
        },
        Action::DetachPolicy {
            principal: Principal::user("alice"),
            policy: Arn::parse("t", ADMIN).unwrap(),
        },
        Action::Quarantine {
            principal: Principal::user("alice"),
        },
        Action::DeactivateAccessKey {
            user: "bob".into(),
            access_key_id: KEY.into(),
        },
        Action::EnableKey {
            key: KMS_KEY.into(),
            region: us_east_1.clone(),
        },
        Action::UpdateTrail {
            trail: TrailRef {
                name: "audit".into(),
                arn: None,
                region: us_east_1.clone(),
            },
            changes: TrailChanges {
                log_file_validation: Some(true),
                ..TrailChanges::default()
            },
        },
    ];
    for action in plans {
        let step = one(exec
            .execute(std::slice::from_ref(&action), Mode::Enforce)
            .await);
        assert_eq!(
            failure(&step).0,
            FailureKind::Transient,
            "{action}: {step:?}"
        );
    }
    server.abort();

    // Through the handler: the alert (on a working SNS) says failed, the function errs.
    let inbox = Inbox::default();
    let published = inbox.rule();
    let mocks = Mocks {
        cloudtrail: &[],
        iam: &[],
        kms: &[],
        sns: &[&published],
    };
    let mut responder = mocks.responder(Function::TrailGuard, &[]);
    responder.guard = exec
        .clients
        .guard(Function::TrailGuard)
        .expect("trail-guard answers events");
    let error = responder
        .handle(event_file("stop-logging.json"))
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "RemediationFailed.Transient");
    assert_eq!(inbox.attribute(0, "outcome"), "failed");
}

#[tokio::test]
async fn a_failed_publish_after_a_revert_is_an_error_and_the_retry_alerts_without_reverting_again()
{
    // First delivery: the trail is restarted, then SNS fails (throttled beyond the retries).
    let get = mock!(aws_sdk_cloudtrail::Client::get_trail_status)
        .sequence()
        .output(|| status(false))
        .output(|| status(true))
        .output(|| status(true))
        .build();
    let start = mock!(aws_sdk_cloudtrail::Client::start_logging)
        .then_output(|| StartLoggingOutput::builder().build());
    let refused = mock!(aws_sdk_sns::Client::publish)
        .then_error(|| PublishError::generic(error_meta("Throttling", "Rate exceeded")));
    let mocks = Mocks {
        cloudtrail: &[&get, &start],
        iam: &[],
        kms: &[],
        sns: &[&refused],
    };
    let error = mocks
        .responder(Function::TrailGuard, &[])
        .handle(event_file("stop-logging.json"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, HandlerError::AlertNotPublished(_)),
        "{error}"
    );
    assert_eq!(error.error_type(), "AlertNotPublished");
    assert_eq!(start.num_calls(), 1);
    assert_eq!(refused.num_calls(), 3, "the SDK retried the publish");

    // Lambda's retry: the trail is found logging, nothing is redone, the alert goes out.
    let inbox = Inbox::default();
    let published = inbox.rule();
    let mocks = Mocks {
        cloudtrail: &[&get, &start],
        iam: &[],
        kms: &[],
        sns: &[&published],
    };
    let report = mocks
        .responder(Function::TrailGuard, &[])
        .handle(event_file("stop-logging.json"))
        .await
        .unwrap();
    assert_eq!(report.outcome, "already-reverted");
    assert_eq!(start.num_calls(), 1, "StartLogging was not called again");
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox.attribute(0, "outcome"), "already-reverted");
}

#[tokio::test]
async fn a_revert_failing_half_way_says_exactly_what_was_done() {
    // Two steps: the user is removed from the group, then the quarantine is refused.
    let get_group = mock!(aws_sdk_iam::Client::list_groups_for_user)
        .sequence()
        .output(|| groups_of(&["admins"]))
        .output(|| groups_of(&[]))
        .build();
    let remove = mock!(aws_sdk_iam::Client::remove_user_from_group)
        .then_output(|| RemoveUserFromGroupOutput::builder().build());
    let get_policy = mock!(aws_sdk_iam::Client::get_user_policy)
        .then_error(|| GetUserPolicyError::generic(error_meta("NoSuchEntity", "none")));
    let put = act!(
        aws_sdk_iam::Client::put_user_policy,
        PutUserPolicyError,
        || PutUserPolicyOutput::builder().build(),
        Fault::AccessDenied,
        "iam:PutUserPolicy"
    );
    let mocks = Mocks {
        cloudtrail: &[],
        iam: &[&get_group, &remove, &get_policy, &put],
        kms: &[],
        sns: &[],
    };
    let plan = [
        Action::RemoveUserFromGroup {
            user: "alice".into(),
            group: "admins".into(),
        },
        Action::Quarantine {
            principal: Principal::user("alice"),
        },
        Action::DeactivateAccessKey {
            user: "alice".into(),
            access_key_id: KEY.into(),
        },
    ];
    let exec = trailwarden_actions::Executor::new(mocks.clients());
    let steps = exec.execute(&plan, Mode::Enforce).await;
    let statuses: Vec<&str> = steps.iter().map(|s| s.status.as_str()).collect();
    assert_eq!(statuses, ["done", "failed", "not-attempted"]);
    assert_eq!(remove.num_calls(), 1);

    let incident = trailwarden_rules::Incident {
        previous_state: None,
        summary: "test".into(),
        resource: "user alice".into(),
        severity: trailwarden_rules::Severity::High,
        next_steps: vec![],
        superseded_by: None,
        pending: None,
    };
    let record =
        match trailwarden_events::parse_event(&event_file("add-user-to-group.json")).unwrap() {
            trailwarden_events::Envelope::Record(r) => r,
            _ => unreachable!(),
        };
    let alert = trailwarden_alerts::Alert::new(
        "iam-guard",
        Mode::Enforce,
        &record,
        &incident,
        &steps,
        trailwarden_actions::outcome(&steps, false),
    );
    assert_eq!(alert.outcome.as_str(), "failed");
    let quarantine =
        format!("quarantine user alice with the deny-all inline policy {QUARANTINE_POLICY_NAME}");
    let done: Vec<(&str, &str)> = alert
        .actions
        .iter()
        .map(|a| (a.action.as_str(), a.status))
        .collect();
    assert_eq!(
        done,
        [
            ("remove user alice from group admins", "done"),
            (quarantine.as_str(), "failed"),
            (
                "deactivate access key AKIA...Y001 of user alice",
                "not-attempted"
            ),
        ]
    );
    assert_eq!(
        alert.next_steps[..3],
        [
            format!("By hand: {quarantine} (the function's role lacks iam:PutUserPolicy: User: arn:aws:sts::123456789012:assumed-role/trailwarden-role/fn is not authorized to perform: iam:PutUserPolicy (AccessDenied))"),
            "Grant iam:PutUserPolicy to the function's role (trailwarden's template does; was the role edited?).".to_string(),
            "By hand: deactivate access key AKIA...Y001 of user alice (not attempted after the failure)".to_string(),
        ]
    );
}
