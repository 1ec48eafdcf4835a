//! The action log end to end against the local AWS (issue 18): a sequence of events handled by
//! iam-guard and trail-guard, and the log holding exactly the changes they made, newest first,
//! each with its account, region, resource, states and event. What changed nothing (a duplicate,
//! a dry-run) is not in it.

mod common;

use common::iam::{ADMIN, JOURNAL, journal_scene};
use trailwarden_actions::action_log::ActionLog;
use trailwarden_responder::Responder;
use trailwarden_rules::ActionLogEntry;
use trailwarden_tests::event_file;

const ACCOUNT: &str = "123456789012";

async fn log(sdk: &aws_config::SdkConfig) -> Vec<ActionLogEntry> {
    ActionLog::new(sdk, JOURNAL, 400)
        .list(None, None)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_log_holds_exactly_the_changes_made_newest_first() {
    let s = journal_scene(&[]).await;
    s.user("alice").await;
    s.group("admins").await;
    s.iam
        .attach_user_policy()
        .user_name("alice")
        .policy_arn(ADMIN)
        .send()
        .await
        .unwrap();
    s.iam
        .add_user_to_group()
        .user_name("alice")
        .group_name("admins")
        .send()
        .await
        .unwrap();

    let first = s
        .responder
        .handle(event_file("attach-user-policy.json"))
        .await
        .unwrap();
    // The same delivery again: already reverted, nothing changed, nothing logged.
    let duplicate = s
        .responder
        .handle(event_file("attach-user-policy.json"))
        .await
        .unwrap();
    // A second apart, so that "newest first" is in the sort key's time, not a tie.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let second = s
        .responder
        .handle(event_file("add-user-to-group.json"))
        .await
        .unwrap();
    assert_eq!(
        [first.outcome, duplicate.outcome, second.outcome],
        ["reverted", "already-reverted", "reverted"]
    );

    let entries = log(&s.sdk).await;
    assert_eq!(entries.len(), 2, "{entries:#?}");
    let (group, attachment) = (&entries[0], &entries[1]);
    assert!(group.time > attachment.time, "{entries:#?}");
    assert_eq!(group.account, ACCOUNT);
    assert_eq!(group.region, "us-east-1");
    assert_eq!(group.resource, "arn:aws:iam::123456789012:user/alice");
    assert_eq!(group.action, "remove user alice from group admins");
    assert_eq!(
        group.state_before.as_deref(),
        Some("user alice is in group admins")
    );
    assert_eq!(
        group.state_after.as_deref(),
        Some("user alice is not in group admins")
    );
    assert_eq!(group.event_id, "6f9a8b20-0000-4000-8000-000000000009");
    assert_eq!(group.event_name, "AddUserToGroup");
    assert_eq!(group.function, "iam-guard");
    assert_eq!(group.outcome, "done");
    assert_eq!(group.error, None);

    assert_eq!(attachment.resource, "arn:aws:iam::123456789012:user/alice");
    assert_eq!(
        attachment.action,
        format!("detach policy {ADMIN} from user alice")
    );
    assert_eq!(
        attachment.state_before.as_deref(),
        Some(format!("{ADMIN} is attached to user alice").as_str())
    );
    assert_eq!(
        attachment.state_after.as_deref(),
        Some(format!("{ADMIN} is not attached to user alice").as_str())
    );
    assert_eq!(attachment.event_id, "6f9a8b20-0000-4000-8000-000000000001");

    // The time range reads the sort key: from after the first change, only the second.
    let since = trailwarden_events::EventTime::parse(&group.time).unwrap();
    let later = ActionLog::new(&s.sdk, JOURNAL, 400)
        .list(Some(since), None)
        .await
        .unwrap();
    assert_eq!(later, std::slice::from_ref(group));
}

#[tokio::test]
async fn a_dry_run_logs_nothing() {
    let s = journal_scene(&[("MODE", "dry-run")]).await;
    s.user("alice").await;
    s.iam
        .attach_user_policy()
        .user_name("alice")
        .policy_arn(ADMIN)
        .send()
        .await
        .unwrap();

    let report = s
        .responder
        .handle(event_file("attach-user-policy.json"))
        .await
        .unwrap();

    assert_eq!(report.outcome, "would-revert");
    assert_eq!(log(&s.sdk).await, []);
}

#[tokio::test]
async fn trail_guard_logs_the_trail_it_restarted() {
    let s = journal_scene(&[]).await;
    trailwarden_actions::s3_client(&s.sdk)
        .create_bucket()
        .bucket("audit-logs")
        .send()
        .await
        .unwrap();
    let trail = aws_sdk_cloudtrail::Client::new(&s.sdk)
        .create_trail()
        .name("audit")
        .s3_bucket_name("audit-logs")
        .send()
        .await
        .unwrap();
    // Created, never started: as an attacker's StopLogging leaves it.
    let config = s.responder.config.clone();
    let guard = trailwarden_actions::TrailGuard::acting(&s.sdk, &config, &s.sdk);
    let responder = Responder::new(std::sync::Arc::new(guard), config, &s.sdk);

    let report = responder
        .handle(event_file("stop-logging.json"))
        .await
        .unwrap();

    assert_eq!(report.outcome, "reverted");
    let entries = log(&s.sdk).await;
    assert_eq!(entries.len(), 1, "{entries:#?}");
    let restart = &entries[0];
    assert_eq!(restart.function, "trail-guard");
    assert_eq!(restart.resource, trail.trail_arn().unwrap());
    assert_eq!(restart.region, "us-east-1");
    assert_eq!(restart.event_name, "StopLogging");
    assert_eq!(
        restart.state_before.as_deref(),
        Some("trail audit (us-east-1) is not logging")
    );
    assert_eq!(
        restart.state_after.as_deref(),
        Some("trail audit (us-east-1) is logging")
    );
    assert_eq!(restart.outcome, "done");
}
