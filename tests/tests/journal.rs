//! iam-guard's journal of IAM state end to end, against the local AWS (the README's "Journal"):
//! each row that needs a previous state, with a fresh event and no event history (the emulator
//! has no `LookupEvents`), is put back exactly from the journal, not quarantined; the snapshot
//! reads what IAM holds; a chain of unauthorized changes ends with the state before them all; a
//! journal that cannot be used is never a reason to guess. `JOURNAL_ROLES=5000` measures the
//! snapshot of that many roles (the README's figures).

mod common;

use common::iam::*;
use serde_json::Value;
use std::time::{Duration, Instant};
use trailwarden_tests::event_file;

/// The snapshot (iam-guard's schedule), then a second so that an event after it is later.
async fn snapshot(s: &Scene) -> String {
    let report = s
        .responder
        .handle(event_file("scheduled-check.json"))
        .await
        .unwrap();
    assert_eq!(report.outcome, "snapshot", "{report:?}");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    report.reason.unwrap()
}

async fn user_policy(s: &Scene, user: &str, name: &str) -> Value {
    let out = s
        .iam
        .get_user_policy()
        .user_name(user)
        .policy_name(name)
        .send()
        .await
        .unwrap();
    trailwarden_actions::iam::parse_document(out.policy_document()).unwrap()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// A session of the allowed deployment role.
fn by_deployer(detail: &mut Value) {
    detail["userIdentity"] = serde_json::json!({
        "type": "AssumedRole", "principalId": "AROAEXAMPLEDEPLOYER:ci",
        "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/Deployer/ci"), "accountId": ACCOUNT,
        "accessKeyId": "ASIAEXAMPLEDEPLOYER1",
        "sessionContext": {"sessionIssuer": {"type": "Role", "arn": format!("arn:aws:iam::{ACCOUNT}:role/Deployer"),
                           "accountId": ACCOUNT, "userName": "Deployer"}}
    });
}

const DEPLOYER: (&str, &str) = (
    "ALLOWED_PRINCIPALS",
    "arn:aws:iam::123456789012:role/Deployer",
);

#[tokio::test]
async fn a_policy_put_under_a_new_name_is_deleted_and_nothing_is_quarantined() {
    let s = journal_scene(&[]).await;
    s.user("alice").await;
    s.put_user_policy("alice", "existing", S3_READ).await;
    snapshot(&s).await;
    // The attacker's call, and its event seconds later.
    s.put_user_policy("alice", "escalate", ALLOW_ALL).await;
    let report = s
        .responder
        .handle(fresh("put-user-policy.json", "journal-new-name", |_| {}))
        .await
        .unwrap();

    assert_eq!(report.outcome, "reverted", "{report:?}");
    assert!(!s.quarantined("user", "alice").await, "no deny-all");
    assert_eq!(s.inline_names("user", "alice").await, ["existing"]);
    let doc = s.alert("PutUserPolicy", "reverted", "high").await;
    assert_eq!(
        doc["actions"][0]["action"],
        "delete inline policy escalate of user alice"
    );
    let previous = doc["previous_state"].as_str().unwrap();
    assert!(
        previous.starts_with("no previous document: the journal's snapshot of user alice as of 20")
            && previous.ends_with("holds no inline policy escalate"),
        "{previous}"
    );
    assert!(
        doc["text"]
            .as_str()
            .unwrap()
            .contains(&format!("Where the previous state came from: {previous}.")),
        "{}",
        doc["text"]
    );
}

#[tokio::test]
async fn an_overwritten_inline_policy_gets_its_previous_document_back() {
    let s = journal_scene(&[]).await;
    s.user("alice").await;
    s.put_user_policy("alice", "escalate", S3_READ).await;
    snapshot(&s).await;
    s.put_user_policy("alice", "escalate", ALLOW_ALL).await;
    let report = s
        .responder
        .handle(fresh("put-user-policy.json", "journal-overwrite", |_| {}))
        .await
        .unwrap();

    assert_eq!(report.outcome, "reverted", "{report:?}");
    assert_eq!(user_policy(&s, "alice", "escalate").await, json(S3_READ));
    assert!(!s.quarantined("user", "alice").await);
    let doc = s.alert("PutUserPolicy", "reverted", "high").await;
    let previous = doc["previous_state"].as_str().unwrap();
    assert!(
        previous.starts_with("previous document from the journal, as of 20")
            && previous.ends_with(" (snapshot)"),
        "{previous}"
    );
}

#[tokio::test]
async fn a_replaced_trust_policy_and_a_changed_or_removed_boundary_are_put_back() {
    const LIMIT: &str = "arn:aws:iam::123456789012:policy/limit";
    let s = journal_scene(&[]).await;
    s.role("app").await;
    s.iam
        .create_policy()
        .policy_name("limit")
        .policy_document(S3_READ)
        .send()
        .await
        .unwrap();
    s.iam
        .put_role_permissions_boundary()
        .role_name("app")
        .permissions_boundary(LIMIT)
        .send()
        .await
        .unwrap();
    snapshot(&s).await;

    s.iam
        .update_assume_role_policy()
        .role_name("app")
        .policy_document(TRUST_ATTACKER)
        .send()
        .await
        .unwrap();
    let report = s
        .responder
        .handle(fresh(
            "update-assume-role-policy.json",
            "journal-trust",
            |_| {},
        ))
        .await
        .unwrap();
    assert_eq!(report.outcome, "reverted", "{report:?}");
    let role = s.iam.get_role().role_name("app").send().await.unwrap();
    let trust = role.role().unwrap().assume_role_policy_document().unwrap();
    assert_eq!(
        trailwarden_actions::iam::parse_document(trust).unwrap(),
        json(TRUST_EC2)
    );
    let doc = s.alert("UpdateAssumeRolePolicy", "reverted", "high").await;
    assert!(
        doc["previous_state"]
            .as_str()
            .unwrap()
            .ends_with(" (snapshot)")
    );

    // The boundary widened to AdministratorAccess, then removed: each time put back to `limit`.
    for (file, id, call) in [
        (
            "put-role-permissions-boundary.json",
            "journal-boundary-set",
            "PutRolePermissionsBoundary",
        ),
        (
            "delete-role-permissions-boundary.json",
            "journal-boundary-removed",
            "DeleteRolePermissionsBoundary",
        ),
    ] {
        if call.starts_with("Put") {
            s.iam
                .put_role_permissions_boundary()
                .role_name("app")
                .permissions_boundary(ADMIN)
                .send()
                .await
                .unwrap();
        } else {
            s.iam
                .delete_role_permissions_boundary()
                .role_name("app")
                .send()
                .await
                .unwrap();
        }
        let report = s.responder.handle(fresh(file, id, |_| {})).await.unwrap();
        assert_eq!(report.outcome, "reverted", "{call}: {report:?}");
        let role = s.iam.get_role().role_name("app").send().await.unwrap();
        let boundary = role
            .role()
            .unwrap()
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn());
        assert_eq!(boundary, Some(LIMIT), "{call}");
        let alerts = s.alerts.receive(Duration::ZERO).await;
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        let doc = alerts[0].body_json();
        assert_eq!(
            doc["actions"][0]["action"],
            format!("set the permissions boundary of role app back to {LIMIT}")
        );
        assert!(
            doc["previous_state"]
                .as_str()
                .unwrap()
                .starts_with("previous permissions boundary from the journal"),
            "{}",
            doc["previous_state"]
        );
    }
}

#[tokio::test]
async fn a_new_default_version_of_a_managed_policy_is_undone_from_the_journal() {
    let s = journal_scene(&[]).await;
    let arn = s.customer_policy().await;
    snapshot(&s).await;
    s.iam
        .create_policy_version()
        .policy_arn(&arn)
        .policy_document(ALLOW_ALL)
        .set_as_default(true)
        .send()
        .await
        .unwrap();
    let report = s
        .responder
        .handle(fresh(
            "create-policy-version.json",
            "journal-version",
            |_| {},
        ))
        .await
        .unwrap();

    assert_eq!(report.outcome, "reverted", "{report:?}");
    assert_eq!(
        s.policy_versions(&arn).await,
        (vec!["v1".into()], "v1".into()),
        "v1 the default again, v2 deleted"
    );
    let doc = s.alert("CreatePolicyVersion", "reverted", "high").await;
    let previous = doc["previous_state"].as_str().unwrap();
    assert!(
        previous.starts_with("previous default version from the journal, as of 20")
            && previous.ends_with(" (snapshot)"),
        "{previous}"
    );
}

#[tokio::test]
async fn after_an_allowed_change_and_an_attackers_the_allowed_change_comes_back() {
    const WIDER: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*"}]}"#;
    let s = journal_scene(&[DEPLOYER]).await;
    s.user("alice").await;
    s.put_user_policy("alice", "escalate", S3_READ).await;
    snapshot(&s).await;
    // The deployment role widens the policy: left alone, and recorded.
    s.put_user_policy("alice", "escalate", WIDER).await;
    let allowed = fresh("put-user-policy.json", "journal-allowed", |d| {
        by_deployer(d);
        d["requestParameters"]["policyDocument"] = Value::String(WIDER.into());
    });
    let report = s.responder.handle(allowed.clone()).await.unwrap();
    assert_eq!(report.outcome, "ignored", "{report:?}");
    // The same event again: the journal holds it once.
    s.responder.handle(allowed).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;

    s.put_user_policy("alice", "escalate", ALLOW_ALL).await;
    let report = s
        .responder
        .handle(fresh("put-user-policy.json", "journal-attack", |_| {}))
        .await
        .unwrap();
    assert_eq!(report.outcome, "reverted", "{report:?}");
    assert_eq!(user_policy(&s, "alice", "escalate").await, json(WIDER));
    let doc = s.alert("PutUserPolicy", "reverted", "high").await;
    let previous = doc["previous_state"].as_str().unwrap();
    assert!(
        previous.ends_with(" (event journal-allowed, by role Deployer (session ci))"),
        "{previous}"
    );

    // One item per version: the snapshot's, the allowed change (once), the attack, the revert.
    let items = journal_items(&s, "123456789012#user/alice/inline/escalate").await;
    let origins: Vec<&str> = items
        .iter()
        .map(|i| i["origin"].as_str().unwrap())
        .collect();
    assert_eq!(
        origins,
        ["snapshot", "change", "change", "revert"],
        "{items:?}"
    );
    assert_eq!(items[1]["trusted"], true);
    assert_eq!(items[2]["trusted"], false);
    assert_eq!(items[2]["event_id"], "journal-attack");
}

#[tokio::test]
async fn a_forged_allowed_change_never_becomes_a_state_to_put_back() {
    let s = journal_scene(&[DEPLOYER]).await;
    s.user("alice").await;
    s.put_user_policy("alice", "escalate", S3_READ).await;
    snapshot(&s).await;
    // Whoever may invoke iam-guard hands it an "allowed" change that never happened.
    let forged = fresh("put-user-policy.json", "journal-forged", by_deployer);
    let report = s.responder.handle(forged).await.unwrap();
    assert_eq!(report.outcome, "ignored", "{report:?}");
    let items = journal_items(&s, "123456789012#user/alice/inline/escalate").await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[1]["event_id"], "journal-forged");
    assert_eq!(items[1]["trusted"], false, "IAM does not hold what it says");
    tokio::time::sleep(Duration::from_millis(1100)).await;

    // The real attack, with the forged document: the snapshot's state comes back.
    s.put_user_policy("alice", "escalate", ALLOW_ALL).await;
    let report = s
        .responder
        .handle(fresh("put-user-policy.json", "journal-real", |_| {}))
        .await
        .unwrap();
    assert_eq!(report.outcome, "reverted", "{report:?}");
    assert_eq!(user_policy(&s, "alice", "escalate").await, json(S3_READ));
}

#[tokio::test]
async fn two_unauthorized_changes_in_a_row_end_with_the_state_before_both() {
    const FIRST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}"#;
    let s = journal_scene(&[]).await;
    s.user("alice").await;
    s.put_user_policy("alice", "escalate", S3_READ).await;
    snapshot(&s).await;
    // Two changes by mallory, a second apart, before trailwarden handles either.
    s.put_user_policy("alice", "escalate", FIRST).await;
    let first = fresh("put-user-policy.json", "journal-first", |d| {
        d["requestParameters"]["policyDocument"] = Value::String(FIRST.into());
    });
    tokio::time::sleep(Duration::from_millis(1100)).await;
    s.put_user_policy("alice", "escalate", ALLOW_ALL).await;
    let second = fresh("put-user-policy.json", "journal-second", |_| {});
    s.responder.handle(first).await.unwrap();
    let report = s.responder.handle(second).await.unwrap();

    assert_eq!(user_policy(&s, "alice", "escalate").await, json(S3_READ));
    assert_ne!(report.outcome, "failed", "{report:?}");
    let alerts = s.alerts.receive(Duration::ZERO).await;
    let second = alerts
        .iter()
        .map(|a| a.body_json())
        .find(|d| d["event"]["id"] == "journal-second")
        .unwrap();
    // Not the first change's document, which was itself an attack.
    assert!(
        second["previous_state"]
            .as_str()
            .unwrap()
            .ends_with(" (snapshot)"),
        "{}",
        second["previous_state"]
    );
}

#[tokio::test]
async fn a_journal_that_cannot_be_read_or_written_is_never_a_reason_to_guess() {
    let s = journal_scene(&[("IAM_JOURNAL_TABLE", "no-such-table")]).await;
    s.user("alice").await;
    s.put_user_policy("alice", "escalate", ALLOW_ALL).await;
    let error = s
        .responder
        .handle(fresh("put-user-policy.json", "journal-unusable", |_| {}))
        .await
        .unwrap_err();
    // Retried until it is written, then kept in the dead-letter queue.
    assert_eq!(error.error_type(), "JournalNotWritten", "{error}");
    // The fallback as without a journal: the previous document unknown, alice quarantined.
    assert!(s.quarantined("user", "alice").await);
    let doc = s.alert("PutUserPolicy", "reverted", "critical").await;
    assert!(
        doc["previous_state"]
            .as_str()
            .unwrap()
            .starts_with("the journal could not be read ("),
        "{}",
        doc["previous_state"]
    );
    assert!(
        doc["notes"]
            .to_string()
            .contains("The journal of IAM state could not be written"),
        "{}",
        doc["notes"]
    );
}

#[tokio::test]
async fn the_snapshot_holds_what_iam_holds_and_a_steady_account_costs_no_write() {
    let s = journal_scene(&[]).await;
    for n in 0..5 {
        let user = format!("user-{n}");
        s.user(&user).await;
        s.put_user_policy(&user, "s3", S3_READ).await;
    }
    s.role("app").await;
    s.group("team").await;
    s.iam
        .put_group_policy()
        .group_name("team")
        .policy_name("all")
        .policy_document(ALLOW_ALL)
        .send()
        .await
        .unwrap();
    let first = snapshot(&s).await;
    // 5 users: names, policy, boundary; the role: names, trust, boundary; the group: names, policy.
    assert_eq!(
        first,
        "IAM snapshot of 1 account(s): 20 piece(s) of state read, 14 version(s) written to the journal",
        "absent boundaries never known are not written"
    );
    // Each document as IAM returns it (URL-encoded there), decoded in the journal.
    for (pk, expected) in [
        ("123456789012#user/user-3/inline/s3", S3_READ),
        ("123456789012#group/team/inline/all", ALLOW_ALL),
        ("123456789012#role/app/trust", TRUST_EC2),
    ] {
        let items = journal_items(&s, pk).await;
        assert_eq!(items.len(), 1, "{pk}");
        assert_eq!(
            json(items[0]["state"].as_str().unwrap()),
            json(expected),
            "{pk}"
        );
    }
    // And equal to what IAM itself answers for the policy.
    let items = journal_items(&s, "123456789012#user/user-3/inline/s3").await;
    assert_eq!(
        json(items[0]["state"].as_str().unwrap()),
        user_policy(&s, "user-3", "s3").await
    );
    let names = journal_items(&s, "123456789012#user/user-0/inline/*").await;
    assert_eq!(names[0]["state"], r#"["s3"]"#);

    assert!(
        snapshot(&s)
            .await
            .ends_with(", 0 version(s) written to the journal"),
        "steady"
    );
    // A change no event reported, and a policy deleted without one: one version each.
    s.put_user_policy("user-1", "s3", ALLOW_ALL).await;
    s.iam
        .delete_group_policy()
        .group_name("team")
        .policy_name("all")
        .send()
        .await
        .unwrap();
    assert!(
        snapshot(&s)
            .await
            .ends_with(", 3 version(s) written to the journal"),
        "user-1's document, team's policy gone, team's names"
    );
    let gone = journal_items(&s, "123456789012#group/team/inline/all").await;
    assert_eq!(gone.len(), 2);
    assert_eq!(gone[1]["absent"], true, "{gone:?}");
}

#[tokio::test]
async fn a_snapshot_that_cannot_be_taken_is_a_critical_failure() {
    let s = journal_scene(&[("IAM_JOURNAL_TABLE", "no-such-table")]).await;
    let error = s
        .responder
        .handle(event_file("scheduled-check.json"))
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "SnapshotNotTaken", "{error}");
    let alerts = s.alerts.receive(Duration::ZERO).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let doc = alerts[0].body_json();
    assert_eq!(doc["outcome"], "failed");
    assert_eq!(doc["severity"], "critical");
    assert!(
        doc["summary"]
            .as_str()
            .unwrap()
            .contains("IAM snapshot of account 123456789012 could not be taken"),
        "{}",
        doc["summary"]
    );
    assert!(
        doc["error"].as_str().unwrap().contains("dynamodb:Query"),
        "{}",
        doc["error"]
    );
}

/// `JOURNAL_ROLES=5000 cargo test -p trailwarden-tests --test journal measure -- --nocapture`:
/// the snapshot of an account of that many roles (each with an inline policy), first and steady.
/// 20 by default, so that the path runs in every test run.
#[tokio::test]
async fn measure_the_snapshot() {
    let roles: usize = std::env::var("JOURNAL_ROLES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    let s = journal_scene(&[]).await;
    for n in 0..roles {
        let role = format!("app-{n:05}");
        s.role(&role).await;
        s.iam
            .put_role_policy()
            .role_name(&role)
            .policy_name("s3")
            .policy_document(S3_READ)
            .send()
            .await
            .unwrap();
    }
    let started = Instant::now();
    let first = snapshot(&s).await;
    let first_took = started.elapsed() - Duration::from_millis(1100);
    let started = Instant::now();
    let steady = snapshot(&s).await;
    let steady_took = started.elapsed() - Duration::from_millis(1100);
    // Its two reads on their own: IAM's answer, and the journal's latest of the account.
    let started = Instant::now();
    let state = trailwarden_actions::journal::current_state(&s.iam)
        .await
        .unwrap();
    let iam_took = started.elapsed();
    let journal = trailwarden_actions::journal::Journal::new(&s.sdk, JOURNAL);
    let started = Instant::now();
    let latest = journal.latest_of_account(ACCOUNT).await.unwrap();
    let journal_took = started.elapsed();
    println!(
        "{roles} roles: first snapshot {} ms ({first}); steady {} ms ({steady}); of which GetAccountAuthorizationDetails {} ms ({} pieces), the journal's latest {} ms ({} subjects)",
        first_took.as_millis(),
        steady_took.as_millis(),
        iam_took.as_millis(),
        state.len(),
        journal_took.as_millis(),
        latest.len()
    );
    // Per role: names, policy, trust (no boundary).
    assert!(
        first.ends_with(&format!(
            "{} piece(s) of state read, {} version(s) written to the journal",
            roles * 4,
            roles * 3
        )),
        "{first}"
    );
    assert!(
        steady.ends_with(", 0 version(s) written to the journal"),
        "{steady}"
    );
}

/// The journal's items under one partition key, in key order, as JSON.
async fn journal_items(s: &Scene, pk: &str) -> Vec<Value> {
    use aws_sdk_dynamodb::types::AttributeValue;
    let out = aws_sdk_dynamodb::Client::new(&s.sdk)
        .query()
        .table_name(JOURNAL)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(pk.into()))
        .send()
        .await
        .unwrap();
    out.items()
        .iter()
        .map(|item| {
            item.iter()
                .map(|(k, v)| {
                    let value = match v {
                        AttributeValue::S(s) => Value::String(s.clone()),
                        AttributeValue::N(n) => Value::String(n.clone()),
                        AttributeValue::Bool(b) => Value::Bool(*b),
                        other => Value::String(format!("{other:?}")),
                    };
                    (k.clone(), value)
                })
                .collect::<serde_json::Map<_, _>>()
                .into()
        })
        .collect()
}
