//! Organization mode's templates, proven without AWS (the README's "Organization"): `member.yaml`
//! is what `scripts/member-template` writes from `template.yaml` and passes cfn-lint as plain
//! CloudFormation; its member role holds exactly what the code does in a member account and is
//! trusted exactly as iam-guard puts back; the central stack's organization bus takes events from
//! the organization alone, with the same rules as the default bus. That the forwarding rules route
//! every event as the central ones do is in `template_routing.rs`.

mod common;

use common::template::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::process::Command;
use trailwarden_rules::{Function, MEMBER_PERMISSIONS};
use trailwarden_tests::repo_root;

fn organization() -> Value {
    transformed(&[
        ("Deployment", "organization"),
        ("OrganizationId", "o-a1b2c3d4e5"),
    ])
}

/// Every action a policy document's statements allow (or deny), both branches of each `Fn::If`.
fn actions(statements: &Value, effect: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for statement in statements.as_array().unwrap() {
        let statement = match statement.get("Fn::If") {
            Some(branches) => &branches[1],
            None => statement,
        };
        if statement["Effect"] != effect {
            continue;
        }
        match &statement["Action"] {
            Value::String(a) => {
                out.insert(a.clone());
            }
            Value::Array(list) => out.extend(list.iter().map(|a| a.as_str().unwrap().to_string())),
            other => panic!("Action {other}"),
        }
    }
    out
}

#[test]
fn member_yaml_is_what_the_script_writes_and_plain_cloudformation_that_lints_clean() {
    let check = Command::new(repo_root().join("scripts/member-template"))
        .arg("--check")
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert_cfn_lint_is_silent("member.yaml");
    let member = member_template();
    // A service-managed StackSet takes neither a transform nor a nested stack.
    assert!(member.get("Transform").is_none());
    assert!(of_type(&member, "AWS::CloudFormation::Stack").is_empty());
    let parameters: BTreeSet<&str> = member["Parameters"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        parameters,
        BTreeSet::from([
            "CentralAccountId",
            "CentralEventBusArn",
            "CentralStackName",
            "MemberRoleName"
        ])
    );
    assert_eq!(
        member["Parameters"]["MemberRoleName"]["Default"],
        "trailwarden-member"
    );
    // The member role once per account (IAM is global), the forwarding everywhere but IAM's.
    assert_eq!(
        resource(&member, "MemberRole")["Condition"],
        "IsIamEventRegion"
    );
    assert_eq!(
        resource(&member, "IamGuardForwarding")["Condition"],
        "IsIamEventRegion"
    );
    assert!(
        resource(&member, "TrailGuardForwarding")
            .get("Condition")
            .is_none()
    );
    for tripwire in ["TripwireForwarding", "TripwireRulesForwarding"] {
        assert!(resource(&member, tripwire).get("Condition").is_none());
    }
}

#[test]
fn the_member_role_holds_exactly_what_the_functions_do_in_a_member_account() {
    let member = member_template();
    let policies = resource(&member, "MemberRole")["Properties"]["Policies"]
        .as_array()
        .unwrap();
    assert_eq!(policies.len(), 1);
    let statements = &policies[0]["PolicyDocument"]["Statement"];
    let expected: BTreeSet<String> = Function::member_role_permissions()
        .into_iter()
        .map(String::from)
        .collect();
    let actual = actions(statements, "Allow");
    let missing: Vec<_> = expected.difference(&actual).collect();
    let extra: Vec<_> = actual.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
    // Nothing of the central account's own: no alert topic, queue or log group here.
    for action in &actual {
        assert!(
            !["sns:", "sqs:", "logs:", "sts:"]
                .iter()
                .any(|p| action.starts_with(p)),
            "{action}"
        );
    }
    // Only what AWS scopes to no resource is granted on every resource.
    for statement in statements.as_array().unwrap() {
        if statement["Resource"] == "*" {
            let actions: Vec<&str> = match &statement["Action"] {
                Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
                action => vec![action.as_str().unwrap_or_default()],
            };
            for action in actions {
                assert!(UNSCOPED_BY_AWS.contains(&action), "{action}: {statement}");
            }
        }
    }
    // The member role cannot grant itself anything, nor anyone an administrator's policy.
    let denied = actions(statements, "Deny");
    for action in [
        "iam:AttachRolePolicy",
        "iam:PutRolePolicy",
        "iam:AttachUserPolicy",
    ] {
        assert!(denied.contains(action), "{action} is denied: {denied:?}");
    }
}

#[test]
fn the_member_role_is_trusted_exactly_as_iam_guard_puts_it_back() {
    let member = member_template();
    let trust = &resource(&member, "MemberRole")["Properties"]["AssumeRolePolicyDocument"];
    // The template's document with its parameters filled in as a deployment would.
    let filled: Value = serde_json::from_str(
        &trust
            .to_string()
            .replace(r#"{"Fn::Sub":"arn:${AWS::Partition}:iam::${CentralAccountId}:role/${CentralStackName}-"#, r#""arn:aws:iam::111111111111:role/tw-"#)
            .replace(r#"iam-guard"}"#, r#"iam-guard""#)
            .replace(r#"trail-guard"}"#, r#"trail-guard""#)
            .replace(r#"tripwire"}"#, r#"tripwire""#)
            .replace(r#"log-auditor"}"#, r#"log-auditor""#),
    )
    .unwrap();
    // The central stack "tw" in organization mode names its roles so (checked below).
    let config = trailwarden_testkit::config(&[
        (
            "RESPONDER_ROLE_ARNS",
            "arn:aws:iam::111111111111:role/tw-iam-guard,arn:aws:iam::111111111111:role/tw-trail-guard,arn:aws:iam::111111111111:role/tw-tripwire,arn:aws:iam::111111111111:role/tw-log-auditor",
        ),
        ("MEMBER_ROLE_NAME", "trailwarden-member"),
    ]);
    let put_back: Value =
        serde_json::from_str(&trailwarden_rules::iam::member_trust_policy(&config)).unwrap();
    assert_eq!(filled, put_back);

    let central = organization();
    for (role_id, suffix) in [
        ("IamGuardRole", "iam-guard"),
        ("TrailGuardRole", "trail-guard"),
        ("TripwireRole", "tripwire"),
        ("LogAuditorRole", "log-auditor"),
    ] {
        assert_eq!(
            resource(&central, role_id)["Properties"]["RoleName"]["Fn::If"][1],
            json!({"Fn::Sub": format!("${{AWS::StackName}}-{suffix}")}),
            "{role_id}"
        );
    }
}

#[test]
fn the_forwarding_rules_and_the_organization_bus_rules_have_the_central_patterns() {
    let central = organization();
    let member = member_template();
    for (default_bus, organization_bus, forwarding) in [
        (
            "IamGuardRule",
            "IamGuardOrganizationRule",
            "IamGuardForwarding",
        ),
        (
            "TrailGuardFunctionTrailTampering",
            "TrailGuardOrganizationRule",
            "TrailGuardForwarding",
        ),
        (
            "TripwireFunctionTripwireEvents",
            "TripwireOrganizationRule",
            "TripwireForwarding",
        ),
        (
            "TripwireFunctionTripwireRuleEvents",
            "TripwireRulesOrganizationRule",
            "TripwireRulesForwarding",
        ),
    ] {
        let pattern = &resource(&central, default_bus)["Properties"]["EventPattern"];
        assert!(pattern.is_object(), "{default_bus}");
        let on_bus = resource(&central, organization_bus);
        assert_eq!(
            &on_bus["Properties"]["EventPattern"], pattern,
            "{organization_bus}"
        );
        assert_eq!(
            on_bus["Properties"]["EventBusName"],
            json!({"Fn::GetAtt": ["OrganizationBus", "Name"]})
        );
        assert_eq!(on_bus["Condition"], "IsOrganization");
        let forward = resource(&member, forwarding);
        assert_eq!(
            &forward["Properties"]["EventPattern"], pattern,
            "{forwarding}"
        );
        let target = &forward["Properties"]["Targets"][0];
        assert_eq!(target["Arn"], json!({"Ref": "CentralEventBusArn"}));
        assert_eq!(
            target["RoleArn"],
            json!({"Fn::GetAtt": ["ForwardingRole", "Arn"]})
        );
        // What cannot be put on the central bus after a day of retries is kept, not lost.
        assert_eq!(target["RetryPolicy"]["MaximumEventAgeInSeconds"], 86400);
        assert_eq!(
            target["DeadLetterConfig"]["Arn"],
            json!({"Fn::GetAtt": ["ForwardingDeadLetter", "Arn"]})
        );
    }
    let dead_letter = &resource(&member, "ForwardingDeadLetter")["Properties"];
    assert_eq!(dead_letter["MessageRetentionPeriod"], 1209600);
    assert_eq!(dead_letter["SqsManagedSseEnabled"], true);
    // Only this account's forwarding rules may send to it.
    let statement = &resource(&member, "ForwardingDeadLetterPolicy")["Properties"]["PolicyDocument"]
        ["Statement"][0];
    assert_eq!(statement["Principal"]["Service"], "events.amazonaws.com");
    assert_eq!(statement["Action"], "sqs:SendMessage");
    assert_eq!(
        statement["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Sub"],
        "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/${MemberRoleName}-*"
    );
    // EventBridge's role puts events on the central bus and does nothing else.
    let forwarding_role = resource(&member, "ForwardingRole");
    let statements = &forwarding_role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"];
    assert_eq!(
        actions(statements, "Allow"),
        BTreeSet::from(["events:PutEvents".to_string()])
    );
    assert_eq!(
        statements[0]["Resource"],
        json!({"Ref": "CentralEventBusArn"})
    );
}

#[test]
fn only_the_organizations_accounts_put_events_on_the_central_bus() {
    let central = organization();
    let policy = resource(&central, "OrganizationBusPolicy");
    assert_eq!(policy["Condition"], "IsOrganization");
    let statement = &policy["Properties"]["Statement"];
    assert_eq!(statement["Action"], "events:PutEvents");
    assert_eq!(
        statement["Condition"]["StringEquals"]["aws:PrincipalOrgID"],
        json!({"Ref": "OrganizationId"})
    );
    // Organization mode needs its organization, in us-east-1.
    let assertions = &central["Rules"]["OrganizationModeNeedsItsOrganization"]["Assertions"];
    assert_eq!(assertions.as_array().unwrap().len(), 2);
    // The functions that act assume the member role, in the organization's accounts only.
    for role_id in ["IamGuardRole", "TrailGuardRole"] {
        let statements = &resource(&central, role_id)["Properties"]["Policies"][0]["PolicyDocument"]
            ["Statement"];
        let member = statements
            .as_array()
            .unwrap()
            .iter()
            .find_map(|s| {
                s.get("Fn::If")
                    .filter(|b| b[0] == "IsOrganization" && b[1]["Sid"] == "MemberAccounts")
                    .map(|b| &b[1])
            })
            .unwrap_or_else(|| panic!("{role_id}: no MemberAccounts statement"));
        assert_eq!(member["Action"], MEMBER_PERMISSIONS[0]);
        assert_eq!(
            member["Condition"]["StringEquals"]["aws:ResourceOrgID"],
            json!({"Ref": "OrganizationId"})
        );
    }
    // trail-guard's scheduled check hands each member account to a queue that feeds it back.
    let mapping = resource(&central, "CheckQueueToTrailGuard");
    assert_eq!(mapping["Condition"], "IsOrganization");
    assert_eq!(
        mapping["Properties"]["EventSourceArn"],
        json!({"Fn::GetAtt": ["CheckQueue", "Arn"]})
    );
    assert_eq!(
        resource(&central, "TrailGuardFunction")["Properties"]["Environment"]["Variables"]["CHECK_QUEUE_URL"],
        json!({"Fn::If": ["IsOrganization", {"Ref": "CheckQueue"}, ""]})
    );
    // MEMBER_ROLE_NAME is set in organization mode only, for every function.
    for (_, function_id, _) in FUNCTIONS {
        let variables = &resource(&central, function_id)["Properties"]["Environment"]["Variables"];
        assert_eq!(
            variables["MEMBER_ROLE_NAME"],
            json!({"Fn::If": ["IsOrganization", {"Ref": "MemberRoleName"}, ""]}),
            "{function_id}"
        );
    }
}

#[tokio::test]
async fn the_central_stack_and_member_yaml_deploy_in_the_emulator() {
    let aws = trailwarden_tests::emulator_of_accounts().await;
    let central = organization();
    let parameters = [
        ("Deployment", "organization"),
        ("OrganizationId", "o-a1b2c3d4e5"),
    ];
    let physical = deploy_as(&aws.sdk_config(), "trailwarden", &central, &parameters).await;
    for id in [
        "OrganizationBus",
        "IamGuardOrganizationRule",
        "TrailGuardOrganizationRule",
        "TripwireOrganizationRule",
        "TripwireRulesOrganizationRule",
        "CheckQueue",
    ] {
        assert!(physical.contains_key(id), "{id}: {physical:?}");
    }
    // The roles member.yaml trusts by name.
    let iam = aws.iam();
    for name in [
        "trailwarden-iam-guard",
        "trailwarden-trail-guard",
        "trailwarden-tripwire",
    ] {
        iam.get_role().role_name(name).send().await.unwrap();
    }
    let events = aws_sdk_eventbridge::Client::new(&aws.sdk_config());
    let bus = events
        .describe_event_bus()
        // Named after the stack (the emulator gives the bus no physical id).
        .name("trailwarden-organization")
        .send()
        .await
        .unwrap();
    let bus_arn = bus.arn().unwrap().to_string();
    let rules = events
        .list_rules()
        .event_bus_name("trailwarden-organization")
        .send()
        .await
        .unwrap();
    assert_eq!(rules.rules().len(), 4, "{rules:?}");

    // member.yaml, deployed by a member account's credentials, in us-east-1.
    let member = aws.sdk_config_as("222222222222").await;
    let physical = deploy_as(
        &member,
        "trailwarden-member",
        &member_template(),
        &[
            ("CentralAccountId", "123456789012"),
            ("CentralEventBusArn", bus_arn.as_str()),
        ],
    )
    .await;
    for id in [
        "MemberRole",
        "ForwardingRole",
        "ForwardingDeadLetter",
        "IamGuardForwarding",
        "TrailGuardForwarding",
        "TripwireForwarding",
        "TripwireRulesForwarding",
    ] {
        assert!(physical.contains_key(id), "{id}: {physical:?}");
    }
    let iam = aws_sdk_iam::Client::new(&member);
    let role = iam
        .get_role()
        .role_name("trailwarden-member")
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    assert!(
        role.arn().starts_with("arn:aws:iam::222222222222:role/"),
        "{}",
        role.arn()
    );
    let rules = aws_sdk_eventbridge::Client::new(&member)
        .list_rules()
        .name_prefix("trailwarden-member-")
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = rules.rules().iter().filter_map(|r| r.name()).collect();
    assert_eq!(
        names.len(),
        4,
        "the forwarding rules (tripwire's in two parts), named as tripwire knows them: {names:?}"
    );
}
