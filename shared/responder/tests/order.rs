//! README, "Reliability and security", the row on late events and "Order": an attack event that arrives after a later change to the same resource does
//! not undo that later change. IAM keeps no time of an attachment, a group membership or a key's
//! status, so iam-guard reads CloudTrail event history (`LookupEvents`, which the emulator lacks:
//! mocked here) for changes after the event. trail-guard's case, decided from the trail's
//! `StopLoggingTime`, runs against the emulator in `tests/tests/trail_guard.rs`.

mod common;

use aws_sdk_cloudtrail::operation::lookup_events::{LookupEventsError, LookupEventsOutput};
use aws_sdk_cloudtrail::types::Event;
use aws_sdk_cloudtrail::types::error::OperationNotPermittedException;
use aws_sdk_iam::operation::detach_user_policy::DetachUserPolicyOutput;
use aws_sdk_iam::operation::list_access_keys::ListAccessKeysOutput;
use aws_sdk_iam::operation::update_access_key::UpdateAccessKeyOutput;
use aws_sdk_iam::types::{AccessKeyMetadata, StatusType};
use aws_smithy_mocks::{Rule, mock};
use common::{Inbox, Mocks, attached, event_file, policy_allows_all};
use serde_json::{Value, json};
use trailwarden_events::EventTime;
use trailwarden_responder::{Function, Responder};

const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
const ACCOUNT: &str = "123456789012";
const IAM_GUARD_ROLE: &str = "arn:aws:iam::123456789012:role/trailwarden-iam-guard";
/// The deployment role and an administrator: the principals whose changes are legitimate.
const ALLOWED: &str = "arn:aws:iam::123456789012:role/deploy,arn:aws:iam::123456789012:user/admin";
/// The sample's key id, and the event's id in events/create-access-key.json.
const KEY: &str = "AKIAEXAMPLEALICEKEY1";

/// The test's one reading of the clock, so that every time it names is the same.
fn now() -> EventTime {
    static NOW: std::sync::OnceLock<EventTime> = std::sync::OnceLock::new();
    *NOW.get_or_init(EventTime::now)
}

fn ago(seconds: i64) -> EventTime {
    EventTime::from_epoch_seconds(now().epoch_seconds() - seconds)
}

/// The sample event, as if made `seconds` ago.
fn made_ago(file: &str, seconds: i64) -> Value {
    let mut event = event_file(file);
    ago(seconds).stamp(&mut event);
    event
}

/// A session of role `role` (session `session`), as CloudTrail records it.
fn session(role: &str, session: &str) -> Value {
    json!({"type": "AssumedRole",
           "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"),
           "accountId": ACCOUNT,
           "sessionContext": {"sessionIssuer": {"type": "Role",
               "arn": format!("arn:aws:iam::{ACCOUNT}:role/{role}"), "accountId": ACCOUNT, "userName": role}}})
}

/// An IAM record as `LookupEvents` returns it.
fn history_event(name: &str, time: EventTime, id: &str, identity: Value, request: Value) -> Event {
    let record = json!({
        "eventVersion": "1.09", "eventTime": time.to_string(), "eventSource": "iam.amazonaws.com",
        "eventName": name, "awsRegion": "us-east-1", "eventID": id, "recipientAccountId": ACCOUNT,
        "userIdentity": identity, "requestParameters": request, "responseElements": null
    });
    Event::builder()
        .event_id(id)
        .event_name(name)
        .cloud_trail_event(record.to_string())
        .build()
}

/// `LookupEvents` for event name `name`: these events.
fn lookup(name: &'static str, events: Vec<Event>) -> Rule {
    mock!(aws_sdk_cloudtrail::Client::lookup_events)
        .match_requests(move |r| {
            r.lookup_attributes()
                .first()
                .is_some_and(|a| a.attribute_value() == name)
        })
        .then_output(move || {
            LookupEventsOutput::builder()
                .set_events(Some(events.clone()))
                .build()
        })
}

/// alice's AdministratorAccess: attached, then (after a detach) not.
fn list_then_detached() -> Rule {
    mock!(aws_sdk_iam::Client::list_attached_user_policies)
        .sequence()
        .output(|| attached(&[ADMIN]))
        .output(|| attached(&[]))
        .build()
}

fn detach() -> Rule {
    mock!(aws_sdk_iam::Client::detach_user_policy)
        .then_output(|| DetachUserPolicyOutput::builder().build())
}

/// iam-guard over these mocks, with the allowed principals and its own role configured.
fn iam_guard(cloudtrail: &[&Rule], iam: &[&Rule], publish: &Rule) -> Responder {
    let document = policy_allows_all();
    let iam: Vec<&Rule> = iam.iter().copied().chain(&document).collect();
    Mocks {
        cloudtrail,
        iam: &iam,
        kms: &[],
        sns: &[publish],
    }
    .responder(
        Function::IamGuard,
        &[
            ("ALLOWED_PRINCIPALS", ALLOWED),
            ("RESPONDER_ROLE_ARNS", IAM_GUARD_ROLE),
        ],
    )
}

fn alice_attach(time: EventTime, id: &str, identity: Value) -> Event {
    history_event(
        "AttachUserPolicy",
        time,
        id,
        identity,
        json!({"userName": "alice", "policyArn": ADMIN}),
    )
}

#[tokio::test]
async fn an_attach_arriving_after_a_later_allowed_attach_is_left_attached() {
    // mallory attached AdministratorAccess ten minutes ago; five minutes ago the deployment role
    // attached it again (allowed; its event arrived first). mallory's event arrives now.
    let event = made_ago("attach-user-policy.json", 600);
    let attaches = lookup(
        "AttachUserPolicy",
        vec![
            alice_attach(ago(300), "e-deploy", session("deploy", "ci")),
            // The event itself, which history also holds.
            alice_attach(
                ago(600),
                "6f9a8b20-0000-4000-8000-000000000001",
                json!({"type": "IAMUser", "arn": format!("arn:aws:iam::{ACCOUNT}:user/mallory")}),
            ),
            // Another user's attachment: not this resource.
            history_event(
                "AttachUserPolicy",
                ago(200),
                "e-bob",
                session("deploy", "ci"),
                json!({"userName": "bob", "policyArn": ADMIN}),
            ),
        ],
    );
    let detaches = lookup("DetachUserPolicy", vec![]);
    let list = list_then_detached();
    let detach = detach();
    let inbox = Inbox::default();
    let publish = inbox.rule();
    let responder = iam_guard(&[&attaches, &detaches], &[&list, &detach], &publish);

    let report = responder.handle(event).await.unwrap();

    assert_eq!(report.outcome, "superseded");
    assert!(report.actions.is_empty(), "{report:?}");
    assert_eq!(detach.num_calls(), 0, "the later attachment stands");
    assert_eq!(list.num_calls(), 0);
    assert_eq!(attaches.num_calls(), 1);
    assert_eq!(detaches.num_calls(), 1);
    let doc = inbox.document(0);
    assert_eq!(doc["outcome"], "superseded");
    assert_eq!(
        doc["summary"],
        "Policy AdministratorAccess attached to user alice by user mallory"
    );
    let later = format!(
        "AttachUserPolicy by role deploy (session ci) at {}",
        ago(300)
    );
    let first_step = doc["next_steps"][0].as_str().unwrap();
    assert_eq!(
        first_step,
        format!(
            "The attachment of {ADMIN} to user alice was changed again after this event ({later}, allowed by arn:aws:iam::123456789012:role/deploy); trailwarden left it as it is, since putting this event's change back would undo that later change."
        )
    );
    assert!(
        doc["text"]
            .as_str()
            .unwrap()
            .starts_with("Not reverted (changed again later): Policy AdministratorAccess attached to user alice by user mallory\n"),
        "{}",
        doc["text"]
    );
}

#[tokio::test]
async fn trailwardens_own_later_revert_is_not_a_later_change() {
    // History holds iam-guard's own detach after the event (a first delivery reverted it); the
    // policy is attached again by a change history does not hold yet. The retry reverts it.
    let event = made_ago("attach-user-policy.json", 600);
    let attaches = lookup("AttachUserPolicy", vec![]);
    let detaches = lookup(
        "DetachUserPolicy",
        vec![history_event(
            "DetachUserPolicy",
            ago(590),
            "e-own",
            session("trailwarden-iam-guard", "trailwarden-iam-guard"),
            json!({"userName": "alice", "policyArn": ADMIN}),
        )],
    );
    let list = list_then_detached();
    let detach = detach();
    let inbox = Inbox::default();
    let publish = inbox.rule();
    let responder = iam_guard(&[&attaches, &detaches], &[&list, &detach], &publish);

    let report = responder.handle(event).await.unwrap();

    assert_eq!(report.outcome, "reverted");
    assert_eq!(detach.num_calls(), 1);
    assert_eq!(inbox.document(0)["outcome"], "reverted");
}

#[tokio::test]
async fn an_event_delivered_within_a_minute_looks_up_no_history() {
    // The usual case: delivered in seconds, no later change can be in history yet.
    let event = made_ago("attach-user-policy.json", 5);
    let attaches = lookup("AttachUserPolicy", vec![]);
    let detaches = lookup("DetachUserPolicy", vec![]);
    let list = list_then_detached();
    let detach = detach();
    let inbox = Inbox::default();
    let publish = inbox.rule();
    let responder = iam_guard(&[&attaches, &detaches], &[&list, &detach], &publish);

    let report = responder.handle(event).await.unwrap();

    assert_eq!(report.outcome, "reverted");
    assert_eq!(attaches.num_calls() + detaches.num_calls(), 0);
    assert_eq!(detach.num_calls(), 1);
}

#[tokio::test]
async fn history_that_cannot_be_read_reverts_and_says_what_was_not_checked() {
    let event = made_ago("attach-user-policy.json", 600);
    let denied = mock!(aws_sdk_cloudtrail::Client::lookup_events).then_error(|| {
        LookupEventsError::OperationNotPermittedException(
            OperationNotPermittedException::builder()
                .message("not permitted")
                .build(),
        )
    });
    let list = list_then_detached();
    let detach = detach();
    let inbox = Inbox::default();
    let publish = inbox.rule();
    let responder = iam_guard(&[&denied], &[&list, &detach], &publish);

    let report = responder.handle(event).await.unwrap();

    // The attack is reverted: an unreadable history must not let it stand.
    assert_eq!(report.outcome, "reverted");
    assert_eq!(detach.num_calls(), 1);
    let steps = inbox.document(0)["next_steps"].to_string();
    assert!(
        steps.contains(&format!(
            "Look in CloudTrail event history for a change of the attachment of {ADMIN} to user alice after this event by an allowed principal: trailwarden could not (event history could not be read: "
        )),
        "{steps}"
    );
}

fn alice_key(status: StatusType) -> ListAccessKeysOutput {
    ListAccessKeysOutput::builder()
        .access_key_metadata(
            AccessKeyMetadata::builder()
                .user_name("alice")
                .access_key_id(KEY)
                .status(status)
                .build(),
        )
        .is_truncated(false)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_key_made_active_again_after_the_event_is_not_deactivated_by_a_late_delivery() {
    // mallory created alice's key; trailwarden deactivated it; an administrator made it active
    // again after review. A late second delivery of the CreateAccessKey event must not undo that.
    let event = made_ago("create-access-key.json", 3_600);
    let updates = lookup(
        "UpdateAccessKey",
        vec![
            history_event(
                "UpdateAccessKey",
                ago(3_590),
                "e-own",
                session("trailwarden-iam-guard", "trailwarden-iam-guard"),
                json!({"userName": "alice", "accessKeyId": KEY, "status": "Inactive"}),
            ),
            history_event(
                "UpdateAccessKey",
                ago(1_800),
                "e-admin",
                json!({"type": "IAMUser", "arn": format!("arn:aws:iam::{ACCOUNT}:user/admin")}),
                json!({"userName": "alice", "accessKeyId": KEY, "status": "Active"}),
            ),
        ],
    );
    let keys =
        mock!(aws_sdk_iam::Client::list_access_keys).then_output(|| alice_key(StatusType::Active));
    let update = mock!(aws_sdk_iam::Client::update_access_key)
        .then_output(|| UpdateAccessKeyOutput::builder().build());
    let inbox = Inbox::default();
    let publish = inbox.rule();
    let responder = iam_guard(&[&updates], &[&keys, &update], &publish);

    let report = responder.handle(event).await.unwrap();

    assert_eq!(report.outcome, "superseded");
    assert_eq!(update.num_calls(), 0, "the key stays active");
    let first_step = inbox.document(0)["next_steps"][0].to_string();
    assert!(
        first_step.contains(&format!("UpdateAccessKey by user admin at {}", ago(1_800))),
        "{first_step}"
    );
}

#[tokio::test]
async fn an_attacker_who_makes_the_key_active_again_does_not_keep_it() {
    // The same late delivery, but the later UpdateAccessKey is mallory's own: not a legitimate
    // change, so it does not stand against the revert.
    let event = made_ago("create-access-key.json", 3_600);
    let updates = lookup(
        "UpdateAccessKey",
        vec![history_event(
            "UpdateAccessKey",
            ago(3_000),
            "e-mallory",
            json!({"type": "IAMUser", "arn": format!("arn:aws:iam::{ACCOUNT}:user/mallory")}),
            json!({"userName": "alice", "accessKeyId": KEY, "status": "Active"}),
        )],
    );
    let keys = mock!(aws_sdk_iam::Client::list_access_keys)
        .sequence()
        .output(|| alice_key(StatusType::Active))
        .output(|| alice_key(StatusType::Inactive))
        .build();
    let update = mock!(aws_sdk_iam::Client::update_access_key)
        .then_output(|| UpdateAccessKeyOutput::builder().build());
    let inbox = Inbox::default();
    let publish = inbox.rule();
    let responder = iam_guard(&[&updates], &[&keys, &update], &publish);

    let report = responder.handle(event).await.unwrap();

    assert_eq!(report.outcome, "reverted");
    assert_eq!(update.num_calls(), 1, "the key is deactivated");
    assert_eq!(updates.num_calls(), 1, "history was read");
}
