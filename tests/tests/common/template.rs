//! What the template tests share: the template as `sam deploy` would have AWS transform it, its
//! resources by id and type, and the functions with their logical ids.

use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Command;
use trailwarden_rules::Function;
use trailwarden_tests::EmulatorGuard;
use trailwarden_tests::repo_root;

pub const CODE_BUCKET: &str = "trailwarden-code";

pub fn venv_tool(name: &str) -> std::path::PathBuf {
    let path = repo_root().join(".venv/bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: run scripts/setup",
        path.display()
    );
    path
}

/// `cfn-lint FILE` passes with nothing to say.
pub fn assert_cfn_lint_is_silent(file: &str) {
    let lint = Command::new(venv_tool("cfn-lint"))
        .current_dir(repo_root())
        .arg(file)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&lint.stdout),
        String::from_utf8_lossy(&lint.stderr)
    );
    assert!(
        lint.status.success() && said.trim().is_empty(),
        "cfn-lint {file}: {said}"
    );
}

/// template.yaml as CloudFormation, transformed offline by scripts/transform_template.py.
pub fn transformed(parameters: &[(&str, &str)]) -> Value {
    let mut command = Command::new(venv_tool("python"));
    command
        .current_dir(repo_root())
        .arg("scripts/transform_template.py")
        .arg("template.yaml")
        .arg(CODE_BUCKET);
    for (name, value) in parameters {
        command.arg(format!("{name}={value}"));
    }
    let output = command.output().expect("run the SAM transform");
    assert!(
        output.status.success(),
        "transform failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the transform prints JSON")
}

/// member.yaml (plain CloudFormation, no tags: `scripts/member-template` writes long forms) as JSON.
pub fn member_template() -> Value {
    let output = Command::new(venv_tool("python"))
        .current_dir(repo_root())
        .args([
            "-c",
            "import json, sys, yaml; json.dump(yaml.safe_load(open('member.yaml')), sys.stdout)",
        ])
        .output()
        .expect("run python");
    assert!(
        output.status.success(),
        "member.yaml does not parse: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON")
}

pub fn resource<'a>(template: &'a Value, logical_id: &str) -> &'a Value {
    template["Resources"]
        .get(logical_id)
        .unwrap_or_else(|| panic!("no resource {logical_id}"))
}

pub fn of_type<'a>(template: &'a Value, kind: &str) -> Vec<(&'a str, &'a Value)> {
    template["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .map(|(id, r)| (id.as_str(), r))
        .collect()
}

/// The three functions with their logical ids in the template.
pub const FUNCTIONS: [(Function, &str, &str); 4] = [
    (Function::IamGuard, "IamGuardFunction", "IamGuardRole"),
    (Function::TrailGuard, "TrailGuardFunction", "TrailGuardRole"),
    (Function::Tripwire, "TripwireFunction", "TripwireRole"),
    (Function::LogAuditor, "LogAuditorFunction", "LogAuditorRole"),
];

/// An empty zip archive: the emulator stores function code, it never runs it.
pub const EMPTY_ZIP: [u8; 22] = [
    0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

pub async fn deploy(aws: &EmulatorGuard, template: &Value) -> BTreeMap<String, String> {
    deploy_as(&aws.sdk_config(), "trailwarden", template, &[]).await
}

/// `template` created as the stack `name` with `parameters`, by the credentials of `sdk` (an
/// account of an emulator of several), with empty code for the functions: its resources'
/// physical ids by logical id.
pub async fn deploy_as(
    sdk: &aws_config::SdkConfig,
    name: &str,
    template: &Value,
    parameters: &[(&str, &str)],
) -> BTreeMap<String, String> {
    // No retry: a create that failed half-way must say why, not "already exists".
    let sdk = sdk
        .to_builder()
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .build();
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    if s3.head_bucket().bucket(CODE_BUCKET).send().await.is_err() {
        s3.create_bucket().bucket(CODE_BUCKET).send().await.unwrap();
    }
    for binary in ["iam-guard", "trail-guard", "tripwire"] {
        s3.put_object()
            .bucket(CODE_BUCKET)
            .key(format!("{binary}.zip"))
            .body(EMPTY_ZIP.to_vec().into())
            .send()
            .await
            .unwrap();
    }
    let cloudformation = aws_sdk_cloudformation::Client::new(&sdk);
    cloudformation
        .create_stack()
        .stack_name(name)
        .template_body(template.to_string())
        .set_parameters(Some(
            parameters
                .iter()
                .map(|(k, v)| {
                    aws_sdk_cloudformation::types::Parameter::builder()
                        .parameter_key(*k)
                        .parameter_value(*v)
                        .build()
                })
                .collect(),
        ))
        .capabilities(aws_sdk_cloudformation::types::Capability::CapabilityIam)
        .capabilities(aws_sdk_cloudformation::types::Capability::CapabilityNamedIam)
        .send()
        .await
        .unwrap();
    let stack = cloudformation
        .describe_stacks()
        .stack_name(name)
        .send()
        .await
        .unwrap();
    let status = stack.stacks()[0]
        .stack_status()
        .unwrap()
        .as_str()
        .to_string();
    assert_eq!(status, "CREATE_COMPLETE");
    let resources = cloudformation
        .list_stack_resources()
        .stack_name(name)
        .send()
        .await
        .unwrap();
    resources
        .stack_resource_summaries()
        .iter()
        .map(|r| {
            (
                r.logical_resource_id().unwrap_or_default().to_string(),
                r.physical_resource_id().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The actions IAM's service authorization reference lists with no resource type: the only ones a
/// role of trailwarden's may grant on every resource.
pub const UNSCOPED_BY_AWS: &[&str] = &[
    "cloudtrail:LookupEvents",
    "cloudtrail:DescribeTrails",
    "cloudtrail:ListPublicKeys",
    "organizations:ListAccounts",
    "iam:GetAccountAuthorizationDetails",
];
