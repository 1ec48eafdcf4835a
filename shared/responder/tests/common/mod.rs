//! A Responder whose AWS clients are aws-smithy-mocks rules, with the SDK's standard retry (three
//! attempts, 1 ms backoff) so throttling and 5xx are retried as in Lambda, only faster.
#![allow(dead_code)]

use aws_sdk_iam::operation::list_attached_user_policies::ListAttachedUserPoliciesOutput;
use aws_sdk_iam::types::AttachedPolicy;
use aws_sdk_sns::operation::publish::{PublishInput, PublishOutput};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;
use aws_smithy_types::retry::RetryConfig;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use trailwarden_actions::{AwsClients, Regional};
use trailwarden_alerts::AlertPublisher;
use trailwarden_responder::{Config, Function, Responder};

pub const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:trailwarden-alerts";
pub const RESPONDER_ROLE: &str = "arn:aws:iam::123456789012:role/trailwarden-trail-guard";

pub fn retry() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(2))
}

pub fn config(vars: &[(&str, &str)]) -> Config {
    trailwarden_testkit::try_config_over(
        &[
            ("ALERT_TOPIC_ARN", TOPIC),
            ("RESPONDER_ROLE_ARNS", RESPONDER_ROLE),
        ],
        vars,
    )
    .unwrap()
}

pub struct Mocks<'a> {
    pub cloudtrail: &'a [&'a Rule],
    pub iam: &'a [&'a Rule],
    pub kms: &'a [&'a Rule],
    pub sns: &'a [&'a Rule],
}

impl Mocks<'_> {
    pub fn clients(&self) -> AwsClients {
        AwsClients {
            cloudtrail: Regional::fixed(mock_client!(
                aws_sdk_cloudtrail,
                RuleMode::MatchAny,
                self.cloudtrail,
                |c| c.retry_config(retry())
            )),
            iam: mock_client!(aws_sdk_iam, RuleMode::MatchAny, self.iam, |c| c
                .retry_config(retry())),
            kms: Regional::fixed(mock_client!(
                aws_sdk_kms,
                RuleMode::MatchAny,
                self.kms,
                |c| c.retry_config(retry())
            )),
            s3: Regional::unused(aws_sdk_s3::Client::new),
        }
    }

    pub fn responder(&self, function: Function, vars: &[(&str, &str)]) -> Responder {
        let sns = mock_client!(aws_sdk_sns, RuleMode::MatchAny, self.sns, |c| c
            .retry_config(retry()));
        Responder::with_alerts(
            self.clients()
                .guard(function)
                .expect("the function answers events"),
            config(vars),
            AlertPublisher::new(sns, TOPIC.to_string()),
        )
    }
}

/// `GetPolicy` and `GetPolicyVersion` answering that every managed policy's default version
/// allows everything (as AdministratorAccess does): what iam-guard reads before detaching one.
pub fn policy_allows_all() -> [Rule; 2] {
    use aws_sdk_iam::operation::get_policy::GetPolicyOutput;
    use aws_sdk_iam::operation::get_policy_version::GetPolicyVersionOutput;
    use aws_sdk_iam::types::{Policy, PolicyVersion};
    [
        aws_smithy_mocks::mock!(aws_sdk_iam::Client::get_policy).then_output(|| {
            GetPolicyOutput::builder()
                .policy(Policy::builder().default_version_id("v1").build())
                .build()
        }),
        aws_smithy_mocks::mock!(aws_sdk_iam::Client::get_policy_version).then_output(|| {
            GetPolicyVersionOutput::builder()
                .policy_version(
                    PolicyVersion::builder()
                        .document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#)
                        .version_id("v1")
                        .build(),
                )
                .build()
        }),
    ]
}

/// Everything published, in order.
#[derive(Clone, Default)]
pub struct Inbox(pub Arc<Mutex<Vec<PublishInput>>>);

impl Inbox {
    /// A Publish that succeeds and keeps the message.
    pub fn rule(&self) -> Rule {
        let inbox = self.0.clone();
        mock!(aws_sdk_sns::Client::publish).then_compute_output(move |req| {
            let mut inbox = inbox.lock().unwrap();
            inbox.push(req.clone());
            PublishOutput::builder()
                .message_id(format!("m{}", inbox.len()))
                .build()
        })
    }

    pub fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// The JSON document (the `default` body) of the n-th alert.
    pub fn document(&self, n: usize) -> Value {
        let inbox = self.0.lock().unwrap();
        let outer: Value = serde_json::from_str(inbox[n].message().unwrap()).unwrap();
        serde_json::from_str(outer["default"].as_str().unwrap()).unwrap()
    }

    /// Every body and attribute of the n-th alert, as one string.
    pub fn everything(&self, n: usize) -> String {
        let inbox = self.0.lock().unwrap();
        format!(
            "{} {} {:?}",
            inbox[n].subject().unwrap_or_default(),
            inbox[n].message().unwrap_or_default(),
            inbox[n].message_attributes()
        )
    }

    pub fn attribute(&self, n: usize, name: &str) -> String {
        let inbox = self.0.lock().unwrap();
        inbox[n].message_attributes().unwrap()[name]
            .string_value()
            .unwrap()
            .to_string()
    }
}

/// `ListAttachedUserPolicies`' answer: these managed policies.
pub fn attached(policies: &[&str]) -> ListAttachedUserPoliciesOutput {
    ListAttachedUserPoliciesOutput::builder()
        .set_attached_policies(Some(
            policies
                .iter()
                .map(|p| AttachedPolicy::builder().policy_arn(*p).build())
                .collect(),
        ))
        .build()
}

pub fn error_meta(code: &str, message: &str) -> ErrorMetadata {
    ErrorMetadata::builder().code(code).message(message).build()
}

pub fn event_file(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../events")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}
