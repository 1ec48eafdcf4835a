//! README, iam-guard's table, the containment rows, end to end against the local AWS: the
//! quarantine deleted by a principal who is not allowed is put back, and a deactivated key made
//! active again is deactivated again, each with a critical alert.

mod common;

use aws_sdk_iam::types::StatusType;
use common::iam::*;
use trailwarden_tests::event_file;

#[tokio::test]
async fn a_deleted_quarantine_is_put_back() {
    let s = scene(&[]).await;
    s.user("alice").await;
    // alice was quarantined; the attacker's call deleted the quarantine (the policy is gone).

    let report = s
        .responder
        .handle(event_file("delete-user-policy-quarantine.json"))
        .await
        .unwrap();

    assert_eq!(report.outcome, "reverted");
    assert!(s.quarantined("user", "alice").await);
    let doc = s.alert("DeleteUserPolicy", "reverted", "critical").await;
    assert_eq!(
        doc["summary"],
        "Trailwarden's policy trailwarden-quarantine deleted from user alice by user mallory"
    );
    assert_eq!(
        doc["actions"][0]["action"],
        "quarantine user alice with the deny-all inline policy trailwarden-quarantine"
    );
    assert_eq!(doc["actions"][0]["status"], "done");
}

#[tokio::test]
async fn a_deactivated_key_made_active_is_deactivated_again() {
    let s = scene(&[]).await;
    s.user("alice").await;
    let key = s
        .iam
        .create_access_key()
        .user_name("alice")
        .send()
        .await
        .unwrap()
        .access_key()
        .unwrap()
        .access_key_id()
        .to_string();
    // trailwarden had deactivated it; the attacker's call made it active (as it is now).

    let report = s
        .responder
        .handle(event("update-access-key-active.json", |d| {
            d["requestParameters"]["accessKeyId"] = key.clone().into();
        }))
        .await
        .unwrap();

    assert_eq!(report.outcome, "reverted");
    let keys = s
        .iam
        .list_access_keys()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(keys.access_key_metadata().len(), 1, "the key is kept");
    assert_eq!(
        keys.access_key_metadata()[0].status(),
        Some(&StatusType::Inactive)
    );
    s.alert("UpdateAccessKey", "reverted", "critical").await;
}
