//! README, Configuration, `GUARD_AWS_MANAGED_ROLES`: what AWS services do to the roles they manage
//! (service-linked roles, IAM Identity Center's `AWSReservedSSO_*`) is left alone unless the
//! variable says otherwise; the same call by anyone else is answered as ever.

mod common;

use common::{ACCOUNT, event, event_by, role_session};
use serde_json::{Value, json};
use trailwarden_rules::{Decision, Facts, Ignored, iam};
use trailwarden_testkit::config;

fn sso_service() -> Value {
    json!({"type": "AssumedRole",
           "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/AWSServiceRoleForSSO/sso"),
           "accountId": ACCOUNT,
           "sessionContext": {"sessionIssuer": {"type": "Role",
               "arn": format!("arn:aws:iam::{ACCOUNT}:role/aws-service-role/sso.amazonaws.com/AWSServiceRoleForSSO")}}})
}

fn aws_service() -> Value {
    json!({"type": "AWSService", "invokedBy": "elasticloadbalancing.amazonaws.com"})
}

const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

#[test]
fn identity_center_provisioning_its_roles_is_left_alone() {
    let r = event_by(
        sso_service(),
        "AttachRolePolicy",
        json!({"roleName": "AWSReservedSSO_Admin_0123456789abcdef", "policyArn": ADMIN}),
        Value::Null,
    );
    assert_eq!(
        iam::decide(&r, &config(&[]), &Facts::new()).unwrap(),
        Decision::Ignore(Ignored::AwsManagedRole {
            role: "AWSReservedSSO_Admin_0123456789abcdef".into()
        })
    );
    // Opted in, it is answered like any other attach.
    let guarded = config(&[("GUARD_AWS_MANAGED_ROLES", "true")]);
    assert!(
        !iam::decide(&r, &guarded, &Facts::new())
            .unwrap()
            .plan()
            .is_empty()
    );
}

#[test]
fn a_service_changing_its_service_linked_role_is_left_alone() {
    let r = event_by(
        aws_service(),
        "PutRolePolicy",
        json!({"roleName": "AWSServiceRoleForElasticLoadBalancing", "policyName": "p", "policyDocument": "{}"}),
        Value::Null,
    );
    assert!(matches!(
        iam::decide(&r, &config(&[]), &Facts::new()).unwrap(),
        Decision::Ignore(Ignored::AwsManagedRole { .. })
    ));
}

#[test]
fn anyone_else_touching_those_roles_or_a_service_touching_another_role_is_answered() {
    // mallory on the reserved role.
    let r = event(
        "AttachRolePolicy",
        json!({"roleName": "AWSReservedSSO_Admin_0123456789abcdef", "policyArn": ADMIN}),
        Value::Null,
    );
    assert!(
        !iam::decide(&r, &config(&[]), &Facts::new())
            .unwrap()
            .plan()
            .is_empty()
    );
    // A role session that is not a service-linked role's, even through CloudFormation.
    let mut cfn = role_session("Deployer", "stack");
    cfn["invokedBy"] = json!("cloudformation.amazonaws.com");
    let r = event_by(
        cfn,
        "AttachRolePolicy",
        json!({"roleName": "AWSReservedSSO_Evil", "policyArn": ADMIN}),
        Value::Null,
    );
    assert!(
        !iam::decide(&r, &config(&[]), &Facts::new())
            .unwrap()
            .plan()
            .is_empty()
    );
    // The SSO service on a role that is not its own.
    let r = event_by(
        sso_service(),
        "AttachRolePolicy",
        json!({"roleName": "app", "policyArn": ADMIN}),
        Value::Null,
    );
    assert!(
        !iam::decide(&r, &config(&[]), &Facts::new())
            .unwrap()
            .plan()
            .is_empty()
    );
}
