//! iam-guard's end-to-end scene: the emulator, iam-guard over it, the alert queue, the IAM state
//! a test reads back, and the policy documents the tests use.

use serde_json::Value;
use std::time::Duration;
use trailwarden_actions::guard_for;
use trailwarden_responder::{Function, Responder};
use trailwarden_tests::{AlertQueue, EmulatorGuard, emulator, event_file};

pub const ACCOUNT: &str = "123456789012";
pub const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
pub const READ_ONLY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";
pub const TRUST_EC2: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
pub const S3_READ: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
pub const TRUST_ATTACKER: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"sts:AssumeRole"}]}"#;
pub const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

pub struct Scene {
    /// Holds the emulator for this test alone.
    _aws: EmulatorGuard,
    pub iam: aws_sdk_iam::Client,
    /// The emulator's SDK configuration (the function's own account).
    pub sdk: aws_config::SdkConfig,
    pub responder: Responder,
    pub alerts: AlertQueue,
}

pub async fn scene(vars: &[(&str, &str)]) -> Scene {
    scene_of(vars, |sdk, _| {
        guard_for(Function::IamGuard, sdk).expect("iam-guard answers events")
    })
    .await
}

/// iam-guard over the emulator with `vars`, its guard made by `guard` (as a function's `main`
/// would), and the alert queue.
async fn scene_of(
    vars: &[(&str, &str)],
    guard: impl FnOnce(
        &aws_config::SdkConfig,
        &trailwarden_rules::Config,
    ) -> std::sync::Arc<dyn trailwarden_responder::Guard>,
) -> Scene {
    let aws = emulator().await;
    let sdk = aws.sdk_config();
    let alerts = aws.alert_queue().await;
    let config =
        trailwarden_testkit::try_config_over(&[("ALERT_TOPIC_ARN", alerts.topic_arn())], vars)
            .unwrap();
    let responder = Responder::new(guard(&sdk, &config), config, &sdk);
    Scene {
        iam: aws.iam(),
        sdk,
        _aws: aws,
        responder,
        alerts,
    }
}

pub use trailwarden_tests::{JOURNAL, create_journal_table};

/// iam-guard with its journal (`IAM_JOURNAL_TABLE`, the table made here unless `vars` names
/// another), as the function's `main` makes it.
pub async fn journal_scene(vars: &[(&str, &str)]) -> Scene {
    let mut all = vars.to_vec();
    if !vars.iter().any(|(name, _)| *name == "IAM_JOURNAL_TABLE") {
        all.push(("IAM_JOURNAL_TABLE", JOURNAL));
    }
    let s = scene_of(&all, |sdk, config| {
        std::sync::Arc::new(trailwarden_actions::IamGuard::acting(sdk, config, sdk))
    })
    .await;
    create_journal_table(&s.sdk).await;
    s
}

/// The event file as it arrives seconds after the change: its time now (event history does not
/// hold it yet), its id `id` (two events of one file are two changes).
pub fn fresh(file: &str, id: &str, edit: impl FnOnce(&mut Value)) -> Value {
    event(file, |detail| {
        let now = trailwarden_events::EventTime::now().to_string();
        detail["eventTime"] = Value::String(now);
        detail["eventID"] = Value::String(id.into());
        edit(detail);
    })
}

/// The event file's detail, changed by `edit` (for ids the emulator makes up).
pub fn event(file: &str, edit: impl FnOnce(&mut Value)) -> Value {
    let mut event = event_file(file);
    edit(&mut event["detail"]);
    event
}

impl Scene {
    /// The customer managed policy `app-policy` (version v1, reading S3), by its ARN.
    pub async fn customer_policy(&self) -> String {
        self.iam
            .create_policy()
            .policy_name("app-policy")
            .policy_document(S3_READ)
            .send()
            .await
            .unwrap()
            .policy()
            .and_then(|p| p.arn())
            .unwrap()
            .to_string()
    }

    /// A managed policy's versions, sorted, and its default.
    pub async fn policy_versions(&self, arn: &str) -> (Vec<String>, String) {
        let out = self
            .iam
            .list_policy_versions()
            .policy_arn(arn)
            .send()
            .await
            .unwrap();
        let mut ids: Vec<String> = out
            .versions()
            .iter()
            .filter_map(|v| v.version_id().map(String::from))
            .collect();
        ids.sort();
        let default = out
            .versions()
            .iter()
            .find(|v| v.is_default_version())
            .and_then(|v| v.version_id())
            .unwrap()
            .to_string();
        (ids, default)
    }

    /// `PutUserPolicy`, as a caller of the emulator makes it.
    pub async fn put_user_policy(&self, user: &str, name: &str, document: &str) {
        self.iam
            .put_user_policy()
            .user_name(user)
            .policy_name(name)
            .policy_document(document)
            .send()
            .await
            .unwrap();
    }

    pub async fn user(&self, name: &str) {
        self.iam.create_user().user_name(name).send().await.unwrap();
    }

    /// The user `name` with `policy` attached: as the attacker's call leaves it.
    pub async fn user_with_policy(&self, name: &str, policy: &str) {
        self.user(name).await;
        self.iam
            .attach_user_policy()
            .user_name(name)
            .policy_arn(policy)
            .send()
            .await
            .unwrap();
    }

    pub async fn role(&self, name: &str) {
        self.iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(TRUST_EC2)
            .send()
            .await
            .unwrap();
    }

    pub async fn group(&self, name: &str) {
        self.iam
            .create_group()
            .group_name(name)
            .send()
            .await
            .unwrap();
    }

    pub async fn user_policies(&self, user: &str) -> Vec<String> {
        let out = self
            .iam
            .list_attached_user_policies()
            .user_name(user)
            .send()
            .await
            .unwrap();
        let mut arns: Vec<String> = out
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(String::from))
            .collect();
        arns.sort();
        arns
    }

    pub async fn inline_names(&self, kind: &str, name: &str) -> Vec<String> {
        let mut names = match kind {
            "user" => self
                .iam
                .list_user_policies()
                .user_name(name)
                .send()
                .await
                .unwrap()
                .policy_names()
                .to_vec(),
            "role" => self
                .iam
                .list_role_policies()
                .role_name(name)
                .send()
                .await
                .unwrap()
                .policy_names()
                .to_vec(),
            _ => self
                .iam
                .list_group_policies()
                .group_name(name)
                .send()
                .await
                .unwrap()
                .policy_names()
                .to_vec(),
        };
        names.sort();
        names
    }

    pub async fn groups_of(&self, user: &str) -> Vec<String> {
        let out = self
            .iam
            .list_groups_for_user()
            .user_name(user)
            .send()
            .await
            .unwrap();
        let mut names: Vec<String> = out
            .groups()
            .iter()
            .map(|g| g.group_name().to_string())
            .collect();
        names.sort();
        names
    }

    /// The one alert sent: checks its attributes and returns its document.
    pub async fn alert(&self, event_name: &str, outcome: &str, severity: &str) -> Value {
        let alerts = self.alerts.receive(Duration::ZERO).await;
        assert_eq!(alerts.len(), 1, "exactly one alert: {alerts:?}");
        let alert = &alerts[0];
        assert_eq!(alert.attribute("event_name"), event_name);
        assert_eq!(alert.attribute("outcome"), outcome);
        assert_eq!(alert.attribute("severity"), severity);
        assert_eq!(alert.attribute("function"), "iam-guard");
        let doc = alert.body_json();
        assert_eq!(
            alert.attribute("event_id"),
            doc["record"]["eventID"].as_str().unwrap()
        );
        doc
    }

    pub async fn quarantined(&self, kind: &str, name: &str) -> bool {
        let doc: Option<String> = match kind {
            "user" => self
                .iam
                .get_user_policy()
                .user_name(name)
                .policy_name("trailwarden-quarantine")
                .send()
                .await
                .ok()
                .map(|o| o.policy_document().to_string()),
            _ => self
                .iam
                .get_role_policy()
                .role_name(name)
                .policy_name("trailwarden-quarantine")
                .send()
                .await
                .ok()
                .map(|o| o.policy_document().to_string()),
        };
        doc.is_some_and(|d| {
            trailwarden_actions::iam::same_document(
                &d,
                trailwarden_actions::iam::QUARANTINE_DOCUMENT,
            )
        })
    }
}
