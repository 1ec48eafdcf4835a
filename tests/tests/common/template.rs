//! What the template tests share: the template as `sam deploy` would have AWS transform it, its
//! resources by id and type, and the functions with their logical ids.

use serde_json::Value;
use std::process::Command;
use trailwarden_rules::Function;
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
pub const FUNCTIONS: [(Function, &str, &str); 3] = [
    (Function::IamGuard, "IamGuardFunction", "IamGuardRole"),
    (Function::TrailGuard, "TrailGuardFunction", "TrailGuardRole"),
    (Function::Tripwire, "TripwireFunction", "TripwireRole"),
];
