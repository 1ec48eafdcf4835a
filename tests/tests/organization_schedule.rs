//! trail-guard's scheduled check over an organization (the README's "Organization"), against the
//! local AWS with several accounts: the accounts listed in the management account, each checked
//! through its member role, inline or one message an account on the check queue; an account whose
//! member role cannot be assumed is a critical failure for it alone. `ORGANIZATION_ACCOUNTS=N`
//! measures the fan-out and the per-account check over N accounts (the README's figures).

mod common;

use common::organization::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use trailwarden_responder::Function;
use trailwarden_tests::{event_file, refusing_assume_role_into};

/// An organization made in the management account, with `members` accounts (moto numbers them).
async fn organization(org: &Org, members: usize) -> Vec<String> {
    let management = org.aws.sdk_config_as(MANAGEMENT).await;
    let organizations = aws_sdk_organizations::Client::new(&management);
    organizations
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    let mut ids = Vec::new();
    for n in 0..members {
        let created = organizations
            .create_account()
            .account_name(format!("team-{n:03}"))
            .email(format!("team-{n:03}@example.com"))
            .send()
            .await
            .unwrap();
        ids.push(
            created
                .create_account_status()
                .and_then(|s| s.account_id())
                .unwrap()
                .to_string(),
        );
    }
    ids
}

/// Every message waiting in `queue`, taken off it.
async fn drain(sqs: &aws_sdk_sqs::Client, queue: &str) -> Vec<String> {
    let mut bodies = Vec::new();
    loop {
        let out = sqs
            .receive_message()
            .queue_url(queue)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        if out.messages().is_empty() {
            return bodies;
        }
        for m in out.messages() {
            bodies.push(m.body().unwrap().to_string());
            sqs.delete_message()
                .queue_url(queue)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
}

/// One message of the check queue, as Lambda hands an SQS message to the function.
fn delivery(body: &str) -> Value {
    json!({"Records": [{"eventSource": "aws:sqs", "body": body}]})
}

fn trail_guard(org: &Org, vars: &[(&str, &str)]) -> trailwarden_responder::Responder {
    let mut all = vec![("MANAGEMENT_ACCOUNT_ID", MANAGEMENT)];
    all.extend_from_slice(vars);
    org.responder(Function::TrailGuard, &all)
}

#[tokio::test]
async fn the_scheduled_check_covers_every_account_of_the_organization() {
    let org = Org::new().await;
    let members = organization(&org, 2).await;
    let stopped = trail_in(&org, &members[0], false).await;
    let fine = trail_in(&org, &members[1], true).await;
    let report = trail_guard(&org, &[])
        .handle(event_file("scheduled-check.json"))
        .await
        .unwrap();
    assert!(is_logging(&stopped).await, "restarted in its account");
    assert!(is_logging(&fine).await);
    // Two trails in the members; the central and management accounts have none.
    assert_eq!(report.outcome, "checked", "{report:?}");
    assert!(
        report
            .reason
            .as_deref()
            .unwrap()
            .starts_with("2 protected trail(s) checked; drift on 1"),
        "{report:?}"
    );
    let alerts = org.alerts.receive(Duration::ZERO).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].attribute("account"), members[0]);
    // One event id per account and trail, whatever the trails are named.
    assert_eq!(
        alerts[0].attribute("event_id"),
        format!("7d6c2b1a-0000-4000-8000-000000000401/{}/audit", members[0])
    );
    // The subject and the body name the account, by id and by name.
    let subject = alerts[0].body_json()["subject"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        subject.starts_with(&format!("[HIGH] {} team-000: ", members[0])),
        "{subject}"
    );
    let text = alerts[0].body_json()["text"].as_str().unwrap().to_string();
    assert!(
        text.contains(&format!(
            "Account:    {} (team-000) in us-east-1",
            members[0]
        )),
        "{text}"
    );
}

#[tokio::test]
async fn each_member_account_goes_through_the_check_queue_and_is_checked_from_it() {
    let org = Org::new().await;
    let members = organization(&org, 3).await;
    let stopped = trail_in(&org, &members[1], false).await;
    let sqs = org.aws.sqs();
    let queue = sqs
        .create_queue()
        .queue_name("check")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let trail_guard = trail_guard(&org, &[("CHECK_QUEUE_URL", &queue)]);
    let report = trail_guard
        .handle(event_file("scheduled-check.json"))
        .await
        .unwrap();
    // Management and three members are handed on; the central account is checked here.
    assert!(
        report
            .reason
            .as_deref()
            .unwrap()
            .ends_with("; 4 account(s) handed to the check queue"),
        "{report:?}"
    );
    assert!(
        !is_logging(&stopped).await,
        "not yet: it is the queue's work"
    );
    let handed = drain(&sqs, &queue).await;
    assert_eq!(handed.len(), 4);
    for body in &handed {
        trail_guard.handle(delivery(body)).await.unwrap();
    }
    assert!(
        is_logging(&stopped).await,
        "restarted by the queue's message"
    );
    let alerts = org.alerts.receive(Duration::ZERO).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].attribute("account"), members[1]);
}

#[tokio::test]
async fn an_account_whose_member_role_cannot_be_assumed_is_a_critical_failure_for_it_alone() {
    let org = Org::new().await;
    let members = organization(&org, 2).await;
    let locked = trail_in(&org, &members[0], false).await;
    let stopped = trail_in(&org, &members[1], false).await;
    let config = trailwarden_testkit::try_config_over(
        &[
            ("ALERT_TOPIC_ARN", org.alerts.topic_arn()),
            ("RESPONDER_ROLE_ARNS", CENTRAL_ROLES),
            ("MEMBER_ROLE_NAME", "trailwarden-member"),
            ("MANAGEMENT_ACCOUNT_ID", MANAGEMENT),
        ],
        &[],
    )
    .unwrap();
    // A member administrator deleted the member role in the first account.
    let sdk = org
        .aws
        .sdk_config()
        .to_builder()
        .http_client(refusing_assume_role_into(&members[0]))
        .build();
    let trail_guard = org.responder_with(Function::TrailGuard, config, &sdk);
    let error = trail_guard
        .handle(event_file("scheduled-check.json"))
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "AccountUnchecked", "{error}");
    assert!(error.to_string().contains(&members[0]), "{error}");
    assert!(!is_logging(&locked).await, "nothing could be done there");
    assert!(
        is_logging(&stopped).await,
        "the other account is still checked"
    );
    let alerts = org.alerts.receive(Duration::ZERO).await;
    let of = |account: &str| -> Vec<Value> {
        alerts
            .iter()
            .filter(|a| a.attribute("account") == account)
            .map(|a| a.body_json())
            .collect()
    };
    let failed = of(&members[0]);
    assert_eq!(failed.len(), 1, "{alerts:?}");
    assert_eq!(failed[0]["outcome"], "failed", "{}", failed[0]);
    assert_eq!(failed[0]["severity"], "critical");
    assert!(
        failed[0]["error"]
            .as_str()
            .unwrap()
            .contains("AccessDenied"),
        "{}",
        failed[0]["error"]
    );
    assert_eq!(of(&members[1]).len(), 1, "the other account's repair");
}

#[tokio::test]
async fn every_region_of_regions_is_checked_and_a_multi_region_trail_once() {
    let org = Org::new().await;
    let members = organization(&org, 1).await;
    // A stopped multi-region trail (seen from every region) and a stopped single-region trail of
    // eu-west-1, which the us-east-1 endpoint does not show.
    let audit = trail_in(&org, &members[0], false).await;
    let sdk = org.aws.sdk_config_as(&members[0]).await;
    let eu = aws_sdk_cloudtrail::Client::from_conf(
        aws_sdk_cloudtrail::config::Builder::from(&sdk)
            .region(aws_sdk_cloudtrail::config::Region::new("eu-west-1"))
            .build(),
    );
    eu.create_trail()
        .name("regional")
        .s3_bucket_name(format!("audit-{}", members[0]))
        .enable_log_file_validation(true)
        .send()
        .await
        .unwrap();
    let status = |name: &'static str| {
        let eu = eu.clone();
        async move {
            eu.get_trail_status()
                .name(name)
                .send()
                .await
                .unwrap()
                .is_logging()
                .unwrap_or(false)
        }
    };
    // Without REGIONS, eu-west-1's own trail is not seen.
    trail_guard(&org, &[])
        .handle(event_file("scheduled-check.json"))
        .await
        .unwrap();
    assert!(is_logging(&audit).await);
    assert!(!status("regional").await, "not covered without REGIONS");
    org.alerts.receive(Duration::ZERO).await;

    audit.stop_logging().name("audit").send().await.unwrap();
    let report = trail_guard(&org, &[("REGIONS", "eu-west-1,us-east-1")])
        .handle(event_file("scheduled-check.json"))
        .await
        .unwrap();
    assert!(is_logging(&audit).await);
    assert!(status("regional").await, "restarted in eu-west-1");
    let regional = eu
        .get_trail()
        .name("regional")
        .send()
        .await
        .unwrap()
        .trail
        .unwrap();
    assert_eq!(
        regional.is_multi_region_trail(),
        Some(true),
        "the desired state"
    );
    assert!(
        report
            .reason
            .as_deref()
            .unwrap()
            .starts_with("2 protected trail(s) checked; drift on 2"),
        "{report:?}"
    );
    let alerts = org.alerts.receive(Duration::ZERO).await;
    let mut ids: Vec<String> = alerts
        .iter()
        .map(|a| a.attribute("event_id").to_string())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            format!("7d6c2b1a-0000-4000-8000-000000000401/{}/audit", members[0]),
            format!(
                "7d6c2b1a-0000-4000-8000-000000000401/{}/regional",
                members[0]
            ),
        ],
        "one alert a trail"
    );
}

/// `ORGANIZATION_ACCOUNTS=50` (or 200): the check of an organization of that many member accounts,
/// each with a trail to check, timed: the schedule's fan-out, then each account's message.
#[tokio::test]
async fn measure_the_organization_check() {
    let Some(count) = std::env::var("ORGANIZATION_ACCOUNTS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    else {
        return;
    };
    let org = Org::new().await;
    let members = organization(&org, count).await;
    for account in &members {
        trail_in(&org, account, true).await;
    }
    let sqs = org.aws.sqs();
    let queue = sqs
        .create_queue()
        .queue_name("check")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let trail_guard = trail_guard(&org, &[("CHECK_QUEUE_URL", &queue)]);
    let started = Instant::now();
    trail_guard
        .handle(event_file("scheduled-check.json"))
        .await
        .unwrap();
    let fan_out = started.elapsed();
    let bodies = drain(&sqs, &queue).await;
    let mut per_account = Vec::new();
    for body in &bodies {
        let started = Instant::now();
        trail_guard.handle(delivery(body)).await.unwrap();
        per_account.push(started.elapsed());
    }
    per_account.sort();
    let median = per_account[per_account.len() / 2];
    let p99 = per_account[(per_account.len() * 99 / 100).min(per_account.len() - 1)];
    println!(
        "organization of {count} member accounts: fan-out {:.0} ms for {} messages; per account median {:.0} ms, p99 {:.0} ms (first, with AssumeRole)",
        fan_out.as_secs_f64() * 1000.0,
        bodies.len(),
        median.as_secs_f64() * 1000.0,
        p99.as_secs_f64() * 1000.0,
    );
    assert_eq!(
        bodies.len(),
        count + 1,
        "every member and the management account"
    );
}
