//! Organization mode's scene: the emulator of several accounts, the central account's alert
//! queue, the central functions in organization mode, and the IAM state of any account.

use aws_config::SdkConfig;
use serde_json::{Value, json};
use std::sync::Arc;
use trailwarden_actions::guard_for;
use trailwarden_responder::{Function, Responder};
use trailwarden_tests::{AlertQueue, EmulatorGuard, emulator_of_accounts, event_file};

pub const CENTRAL: &str = "123456789012";
pub const MEMBER: &str = "222222222222";
pub const MANAGEMENT: &str = "333333333333";
pub const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
pub const CENTRAL_ROLES: &str =
    "arn:aws:iam::123456789012:role/tw-iam-guard,arn:aws:iam::123456789012:role/tw-trail-guard";

pub struct Org {
    pub aws: EmulatorGuard,
    pub alerts: AlertQueue,
}

impl Org {
    pub async fn new() -> Org {
        let aws = emulator_of_accounts().await;
        let alerts = aws.alert_queue().await;
        Org { aws, alerts }
    }

    /// `function` in the central account; in organization mode unless `vars` say otherwise.
    pub fn responder(&self, function: Function, vars: &[(&str, &str)]) -> Responder {
        let config = trailwarden_testkit::try_config_over(
            &[
                ("ALERT_TOPIC_ARN", self.alerts.topic_arn()),
                ("RESPONDER_ROLE_ARNS", CENTRAL_ROLES),
                ("MEMBER_ROLE_NAME", "trailwarden-member"),
            ],
            vars,
        )
        .unwrap();
        self.responder_with(function, config, &self.aws.sdk_config())
    }

    pub fn responder_with(
        &self,
        function: Function,
        config: trailwarden_responder::Config,
        members_sdk: &SdkConfig,
    ) -> Responder {
        let sdk = self.aws.sdk_config();
        Responder::new(
            guard_for(function, &sdk).expect("answers events"),
            config,
            &sdk,
        )
        .in_account(CENTRAL)
        .with_members(
            members_sdk,
            Arc::new(move |sdk| guard_for(function, sdk).expect("answers events")),
        )
    }

    pub async fn iam_in(&self, account: &str) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.aws.sdk_config_as(account).await)
    }

    /// User `name` in `account`, holding AdministratorAccess.
    pub async fn admin_user(&self, account: &str, name: &str) {
        let iam = self.iam_in(account).await;
        iam.create_user().user_name(name).send().await.unwrap();
        iam.attach_user_policy()
            .user_name(name)
            .policy_arn(ADMIN)
            .send()
            .await
            .unwrap();
    }

    pub async fn user_policies(&self, account: &str, name: &str) -> Vec<String> {
        self.iam_in(account)
            .await
            .list_attached_user_policies()
            .user_name(name)
            .send()
            .await
            .unwrap()
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(String::from))
            .collect()
    }
}

/// A sample event as it comes from `account`'s bus: envelope, recipient and caller all there.
pub fn from_account(file: &str, account: &str) -> Value {
    let mut event = event_file(file);
    event["account"] = json!(account);
    let detail = &mut event["detail"];
    detail["recipientAccountId"] = json!(account);
    detail["userIdentity"]["accountId"] = json!(account);
    detail["userIdentity"]["arn"] = json!(format!("arn:aws:iam::{account}:user/mallory"));
    event
}

pub fn attach_admin_to_bob(account: &str) -> Value {
    let mut event = from_account("attach-user-policy.json", account);
    event["detail"]["requestParameters"]["userName"] = json!("bob");
    event
}

/// In `account`: a bucket and the trail `audit`, multi-region with validation (as the desired
/// state wants it), logging or not.
pub async fn trail_in(org: &Org, account: &str, logging: bool) -> aws_sdk_cloudtrail::Client {
    let sdk = org.aws.sdk_config_as(account).await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    let bucket = format!("audit-{account}");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let cloudtrail = aws_sdk_cloudtrail::Client::new(&sdk);
    cloudtrail
        .create_trail()
        .name("audit")
        .s3_bucket_name(&bucket)
        .is_multi_region_trail(true)
        .include_global_service_events(true)
        .enable_log_file_validation(true)
        .send()
        .await
        .unwrap();
    if logging {
        cloudtrail
            .start_logging()
            .name("audit")
            .send()
            .await
            .unwrap();
    }
    cloudtrail
}

pub async fn is_logging(cloudtrail: &aws_sdk_cloudtrail::Client) -> bool {
    cloudtrail
        .get_trail_status()
        .name("audit")
        .send()
        .await
        .unwrap()
        .is_logging()
        .unwrap_or(false)
}
