//! The SAM application, proven without AWS: the linters pass; each role holds exactly what its
//! function's code declares; the template, transformed offline as `sam deploy` would have AWS do
//! it, deploys as a stack in the local emulator. Its EventBridge rules are in
//! `template_routing.rs`.

mod common;

use common::template::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use trailwarden_rules::{Config, RUNTIME_PERMISSIONS};
use trailwarden_tests::{emulator, repo_root};

// ---- Linters --------------------------------------------------------------------------------------

#[test]
fn sam_validate_lint_and_cfn_lint_pass_with_no_warnings() {
    let sam = Command::new(venv_tool("sam"))
        .current_dir(repo_root())
        .args(["validate", "--lint", "--template", "template.yaml"])
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("SAM_CLI_TELEMETRY", "0")
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&sam.stdout),
        String::from_utf8_lossy(&sam.stderr)
    );
    assert!(
        sam.status.success() && said.contains("is a valid SAM Template"),
        "sam validate --lint: {said}"
    );

    assert_cfn_lint_is_silent("template.yaml");
}

// ---- Least privilege --------------------------------------------------------------------------------

/// Every action a role's inline policies allow, both branches of each `Fn::If` included.
fn allowed_actions(role: &Value) -> BTreeSet<String> {
    fn statements(value: &Value, out: &mut Vec<Value>) {
        match value {
            Value::Object(map) if map.contains_key("Fn::If") => {
                let branches = &map["Fn::If"];
                statements(&branches[1], out);
                statements(&branches[2], out);
            }
            Value::Object(map) if map.get("Ref") == Some(&json!("AWS::NoValue")) => {}
            Value::Array(items) => items.iter().for_each(|i| statements(i, out)),
            other => out.push(other.clone()),
        }
    }
    let mut all = Vec::new();
    for policy in role["Properties"]["Policies"].as_array().unwrap() {
        statements(&policy["PolicyDocument"]["Statement"], &mut all);
    }
    let mut actions = BTreeSet::new();
    // Deny statements only bound what is allowed: `denied` checks them.
    for statement in all.into_iter().filter(|s| s["Effect"] != "Deny") {
        assert_eq!(
            statement["Effect"], "Allow",
            "a role statement that is neither an Allow nor a Deny: {statement}"
        );
        match &statement["Action"] {
            Value::String(a) => {
                actions.insert(a.clone());
            }
            Value::Array(list) => {
                actions.extend(list.iter().map(|a| a.as_str().unwrap().to_string()))
            }
            other => panic!("unexpected Action {other}"),
        }
    }
    actions
}

/// The Deny statements of a role's inline policies.
fn denied(role: &Value) -> Vec<Value> {
    role["Properties"]["Policies"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["PolicyDocument"]["Statement"].as_array().unwrap().clone())
        .filter(|s| s["Effect"] == "Deny")
        .collect()
}

#[test]
fn iam_guard_cannot_make_trailwarden_or_anyone_an_administrator() {
    let template = transformed(&[]);
    let role = resource(&template, "IamGuardRole");
    let deny = denied(role);
    let itself = deny
        .iter()
        .find(|s| s["Sid"] == "NeverItself")
        .expect("NeverItself");
    let mut actions: Vec<String> = itself["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    actions.sort();
    assert_eq!(actions, trailwarden_rules::iam::NEVER_ON_OWN_ROLES);
    assert_eq!(
        itself["Resource"],
        json!({"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${AWS::StackName}-*"})
    );
    // The roles it covers are the stack's own: named <stack>-<LogicalId>-<suffix> by
    // CloudFormation, or in organization mode <stack>-<function> (member.yaml trusts them by name).
    for (function, _, role_id) in FUNCTIONS {
        assert_eq!(
            resource(&template, role_id)["Properties"]["RoleName"],
            json!({"Fn::If": [
                "IsOrganization",
                {"Fn::Sub": format!("${{AWS::StackName}}-{}", function.name())},
                {"Ref": "AWS::NoValue"}
            ]}),
            "{role_id} is named after the stack"
        );
    }
    let admin = deny
        .iter()
        .find(|s| s["Sid"] == "NeverAdministrator")
        .expect("NeverAdministrator");
    let arns: Vec<String> = admin["Condition"]["ArnEquals"]["iam:PolicyARN"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            a["Fn::Sub"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(arns, trailwarden_rules::iam::NEVER_ATTACHED);
    assert_eq!(
        admin["Action"],
        json!([
            "iam:AttachGroupPolicy",
            "iam:AttachRolePolicy",
            "iam:AttachUserPolicy"
        ])
    );
}

#[test]
fn trailwardens_roles_trust_exactly_the_policy_iam_guard_puts_back() {
    let template = transformed(&[]);
    let known: Value = serde_json::from_str(trailwarden_rules::iam::OWN_ROLE_TRUST_POLICY).unwrap();
    for (_, _, role_id) in FUNCTIONS {
        assert_eq!(
            resource(&template, role_id)["Properties"]["AssumeRolePolicyDocument"],
            known,
            "{role_id}"
        );
    }
}

#[test]
fn each_role_holds_exactly_the_permissions_its_code_declares() {
    for parameters in [
        &[][..],
        &[("CreateTrail", "true")],
        &[(
            "TrailCloudWatchLogsRoleArn",
            "arn:aws:iam::123456789012:role/ct-logs",
        )],
    ] {
        let template = transformed(parameters);
        for (function, _, role_id) in FUNCTIONS {
            let role = resource(&template, role_id);
            assert!(
                role["Properties"].get("ManagedPolicyArns").is_none(),
                "{role_id}: managed policies grant more than the code needs"
            );
            let expected: BTreeSet<String> = function
                .permissions()
                .into_iter()
                .chain(RUNTIME_PERMISSIONS.iter().copied())
                .map(String::from)
                .collect();
            let actual = allowed_actions(role);
            let missing: Vec<_> = expected.difference(&actual).collect();
            let extra: Vec<_> = actual.difference(&expected).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{role_id} ({parameters:?}): missing {missing:?}, extra {extra:?}"
            );
        }
    }
}

#[test]
fn only_actions_without_resource_level_permissions_are_granted_on_every_resource() {
    let template = transformed(&[]);
    for (_, _, role_id) in FUNCTIONS {
        for policy in resource(&template, role_id)["Properties"]["Policies"]
            .as_array()
            .unwrap()
        {
            for statement in policy["PolicyDocument"]["Statement"].as_array().unwrap() {
                if statement["Resource"] == "*" {
                    let actions: Vec<&str> = match &statement["Action"] {
                        Value::String(a) => vec![a.as_str()],
                        Value::Array(list) => list.iter().map(|a| a.as_str().unwrap()).collect(),
                        _ => vec![],
                    };
                    for action in actions {
                        assert!(
                            UNSCOPED_BY_AWS.contains(&action),
                            "{role_id} grants {action} on every resource"
                        );
                    }
                }
            }
        }
    }
}

// ---- What the template holds ------------------------------------------------------------------------

#[test]
fn functions_are_arm64_al2023_with_json_logs_bounded_concurrency_and_no_lost_event() {
    let template = transformed(&[]);
    let dlq = json!({"Fn::GetAtt": ["DeadLetterQueue", "Arn"]});
    for (function, logical_id, role_id) in FUNCTIONS {
        let f = &resource(&template, logical_id)["Properties"];
        assert_eq!(f["Runtime"], "provided.al2023", "{logical_id}");
        assert_eq!(f["Architectures"], json!(["arm64"]), "{logical_id}");
        assert_eq!(f["Handler"], "bootstrap", "{logical_id}");
        assert_eq!(f["LoggingConfig"]["LogFormat"], "JSON", "{logical_id}");
        assert_eq!(f["Role"], json!({"Fn::GetAtt": [role_id, "Arn"]}));
        assert!(
            f["ReservedConcurrentExecutions"]
                .as_u64()
                .is_some_and(|n| (1..=10).contains(&n)),
            "{logical_id}"
        );
        let env = &f["Environment"]["Variables"];
        assert_eq!(env["ALERT_TOPIC_ARN"], json!({"Ref": "AlertTopic"}));
        assert_eq!(env["MODE"], json!({"Ref": "Mode"}));
        assert_eq!(
            env["RESPONDER_ROLE_ARNS"],
            json!({"Fn::Join": [",", [{"Fn::GetAtt": ["IamGuardRole", "Arn"]}, {"Fn::GetAtt": ["TrailGuardRole", "Arn"]}, {"Fn::GetAtt": ["TripwireRole", "Arn"]}, {"Fn::GetAtt": ["LogAuditorRole", "Arn"]}]]}),
            "{logical_id}: every function ignores every trailwarden role"
        );
        let invoke = of_type(&template, "AWS::Lambda::EventInvokeConfig")
            .into_iter()
            .find(|(_, r)| r["Properties"]["FunctionName"] == json!({"Ref": logical_id}))
            .unwrap_or_else(|| panic!("{logical_id} has no EventInvokeConfig"))
            .1;
        assert_eq!(invoke["Properties"]["MaximumRetryAttempts"], 2);
        assert_eq!(
            invoke["Properties"]["DestinationConfig"]["OnFailure"]["Destination"],
            dlq
        );
        let alarm = of_type(&template, "AWS::CloudWatch::Alarm")
            .into_iter()
            .find(|(_, r)| r["Properties"]["Dimensions"][0]["Value"] == json!({"Ref": logical_id}))
            .unwrap_or_else(|| panic!("{} has no errors alarm", function.name()))
            .1;
        assert_eq!(alarm["Properties"]["MetricName"], "Errors");
        assert_eq!(
            alarm["Properties"]["AlarmActions"],
            json!([{"Ref": "AlertTopic"}])
        );
    }
    // Every rule's target keeps what it cannot deliver.
    for (id, rule) in of_type(&template, "AWS::Events::Rule") {
        assert_eq!(
            rule["Properties"]["Targets"][0]["DeadLetterConfig"]["Arn"], dlq,
            "{id}"
        );
    }
    let queue = &resource(&template, "DeadLetterQueue")["Properties"];
    assert_eq!(queue["SqsManagedSseEnabled"], true);
    let queue_alarm = &resource(&template, "DeadLetterQueueAlarm")["Properties"];
    assert_eq!(
        queue_alarm["MetricName"],
        "ApproximateNumberOfMessagesVisible"
    );
    assert_eq!(queue_alarm["Threshold"], 1);
    assert_eq!(queue_alarm["AlarmActions"], json!([{"Ref": "AlertTopic"}]));
}

#[test]
fn the_alert_topic_is_encrypted_and_refuses_publishing_without_tls() {
    let template = transformed(&[]);
    assert_eq!(
        resource(&template, "AlertTopic")["Properties"]["KmsMasterKeyId"],
        json!({"Ref": "AlertKey"})
    );
    assert_eq!(
        resource(&template, "AlertKey")["Properties"]["EnableKeyRotation"],
        true
    );
    let statements =
        &resource(&template, "AlertTopicPolicy")["Properties"]["PolicyDocument"]["Statement"];
    let refuse = statements
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Effect"] == "Deny")
        .expect("a Deny statement");
    assert_eq!(refuse["Action"], "sns:Publish");
    assert_eq!(refuse["Condition"]["Bool"]["aws:SecureTransport"], "false");
    // No one but trailwarden's roles (and the alarms, a service) publishes an alert.
    let only = statements
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == "OnlyTrailwardenPublishes")
        .expect("OnlyTrailwardenPublishes");
    assert_eq!(only["Effect"], "Deny");
    assert_eq!(only["Principal"], "*");
    assert_eq!(only["Action"], "sns:Publish");
    let roles: Vec<&str> = only["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Fn::GetAtt"][0].as_str().unwrap())
        .collect();
    let mut ours: Vec<&str> = FUNCTIONS.iter().map(|(_, _, role)| *role).collect();
    ours.sort();
    let mut roles_sorted = roles.clone();
    roles_sorted.sort();
    assert_eq!(roles_sorted, ours);
    assert_eq!(
        only["Condition"]["Bool"]["aws:PrincipalIsAWSService"],
        "false"
    );
    // The email subscription exists only when an address is given (the deploy rehearsal shows the
    // condition holding in a stack).
    let subscription = resource(&template, "AlertEmailSubscription");
    assert_eq!(subscription["Condition"], "HasAlertEmail");
    assert_eq!(subscription["Properties"]["Protocol"], "email");
    assert_eq!(
        template["Conditions"]["HasAlertEmail"],
        json!({"Fn::Not": [{"Fn::Equals": [{"Ref": "AlertEmail"}, ""]}]})
    );
}

#[test]
fn a_first_deployment_runs_in_dry_run_and_every_variable_has_a_parameter() {
    let raw = std::fs::read_to_string(repo_root().join("template.yaml")).unwrap();
    let template = transformed(&[]);
    assert_eq!(template["Parameters"]["Mode"]["Default"], "dry-run");
    assert_eq!(
        template["Parameters"]["TrailCheckSchedule"]["Default"],
        "rate(5 minutes)"
    );
    assert_eq!(template["Parameters"]["CreateTrail"]["Default"], "false");
    assert_eq!(
        template["Parameters"]["ActionLogRetentionDays"]["Default"],
        400
    );
    for variable in [
        "MODE",
        "ALLOWED_PRINCIPALS",
        "PROTECTED_TRAILS",
        "PROTECTED_POLICIES",
        "CONTAIN_ACTOR",
        "GUARD_AWS_MANAGED_ROLES",
        "TRAIL_S3_BUCKET",
        "TRAIL_KMS_KEY_ID",
        "TRIPWIRE_DISABLED",
        "TRIPWIRE_SEVERITY",
        "MEMBER_ROLE_NAME",
        "ACTION_LOG_RETENTION_DAYS",
    ] {
        assert!(
            raw.contains(&format!("{variable}: !")),
            "{variable} is not wired from a parameter"
        );
    }
    let samconfig =
        std::fs::read_to_string(repo_root().join("samconfig.toml")).expect("samconfig.toml");
    assert!(
        samconfig.contains("Mode=\\\"dry-run\\\"") || samconfig.contains("Mode=dry-run"),
        "samconfig.toml deploys in dry-run"
    );
}

#[test]
fn iam_guards_rule_exists_only_in_us_east_1() {
    let template = transformed(&[]);
    let rule = resource(&template, "IamGuardRule");
    assert_eq!(rule["Condition"], "IsIamEventRegion");
    assert_eq!(
        resource(&template, "IamGuardRulePermission")["Condition"],
        "IsIamEventRegion"
    );
    assert_eq!(
        template["Conditions"]["IsIamEventRegion"],
        json!({"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]})
    );
    assert_eq!(
        rule["Properties"]["EventPattern"]["source"],
        json!(["aws.iam"])
    );
}

const TRAIL_RESOURCES: [&str; 8] = [
    "Trail",
    "TrailAccessLogBucket",
    "TrailAccessLogBucketPolicy",
    "TrailBucket",
    "TrailBucketPolicy",
    "TrailKey",
    "TrailLogGroup",
    "TrailLogsRole",
];

#[test]
fn create_trail_builds_the_hardened_trail_and_protects_it() {
    let template = transformed(&[("CreateTrail", "true")]);
    let trail = &resource(&template, "Trail")["Properties"];
    assert_eq!(trail["IsMultiRegionTrail"], true);
    assert_eq!(trail["EnableLogFileValidation"], true);
    assert_eq!(trail["IncludeGlobalServiceEvents"], true);
    assert_eq!(trail["IsLogging"], true);
    assert_eq!(
        trail["KMSKeyId"],
        json!({"Fn::GetAtt": ["TrailKey", "Arn"]})
    );
    assert_eq!(
        trail["CloudWatchLogsLogGroupArn"],
        json!({"Fn::GetAtt": ["TrailLogGroup", "Arn"]})
    );
    let bucket = &resource(&template, "TrailBucket")["Properties"];
    assert_eq!(bucket["VersioningConfiguration"]["Status"], "Enabled");
    assert_eq!(
        bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
            ["SSEAlgorithm"],
        "aws:kms"
    );
    for block in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(
            bucket["PublicAccessBlockConfiguration"][block], true,
            "{block}"
        );
    }
    assert!(
        bucket["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"].is_object(),
        "a retention lifecycle"
    );
    let policy =
        &resource(&template, "TrailBucketPolicy")["Properties"]["PolicyDocument"]["Statement"];
    assert!(
        policy
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["Effect"] == "Deny"
                && s["Condition"]["Bool"]["aws:SecureTransport"] == "false")
    );
    assert_eq!(
        resource(&template, "TrailKey")["Properties"]["EnableKeyRotation"],
        true
    );
    // trail-guard's desired state is the created trail.
    let env = &resource(&template, "TrailGuardFunction")["Properties"]["Environment"]["Variables"];
    assert_eq!(
        env["PROTECTED_TRAILS"]["Fn::If"][1],
        json!({"Fn::GetAtt": ["Trail", "Arn"]})
    );
    assert_eq!(
        env["TRAIL_S3_BUCKET"]["Fn::If"][1],
        json!({"Ref": "TrailBucket"})
    );
    assert_eq!(
        env["TRAIL_KMS_KEY_ID"]["Fn::If"][1],
        json!({"Fn::GetAtt": ["TrailKey", "Arn"]})
    );
    // Only with the parameter (the deploy rehearsal shows a stack without it has none of them).
    for id in TRAIL_RESOURCES {
        assert_eq!(resource(&template, id)["Condition"], "CreatesTrail", "{id}");
    }
    assert_eq!(
        template["Conditions"]["CreatesTrail"],
        json!({"Fn::Equals": [{"Ref": "CreateTrail"}, "true"]})
    );
}

// ---- The deploy rehearsal ---------------------------------------------------------------------------

#[tokio::test]
async fn the_stack_deploys_in_the_emulator_with_the_intended_settings() {
    let aws = emulator().await;
    let template = transformed(&[]);
    let physical = deploy(&aws, &template).await;
    let sdk = aws.sdk_config();

    // Functions, with the configuration wired to the stack's own topic and roles.
    let lambda = aws_sdk_lambda::Client::new(&sdk);
    let topic_arn = &physical["AlertTopic"];
    let iam = aws.iam();
    let mut role_arns = BTreeMap::new();
    for (_, _, role_id) in FUNCTIONS {
        let role = iam
            .get_role()
            .role_name(&physical[role_id])
            .send()
            .await
            .unwrap()
            .role
            .unwrap();
        let policies = iam
            .list_role_policies()
            .role_name(&physical[role_id])
            .send()
            .await
            .unwrap()
            .policy_names;
        assert_eq!(policies.len(), 1, "{role_id} has its one inline policy");
        role_arns.insert(role_id, role.arn);
    }
    for (function, logical_id, role_id) in FUNCTIONS {
        let config = lambda
            .get_function_configuration()
            .function_name(&physical[logical_id])
            .send()
            .await
            .unwrap();
        assert_eq!(config.handler(), Some("bootstrap"), "{logical_id}");
        assert_eq!(
            config.runtime().map(|r| r.as_str()),
            Some("provided.al2023")
        );
        assert_eq!(config.role(), Some(role_arns[role_id].as_str()));
        let env = config.environment().and_then(|e| e.variables()).unwrap();
        assert_eq!(
            env["MODE"],
            "dry-run",
            "{}: a first deployment changes nothing",
            function.name()
        );
        assert_eq!(&env["ALERT_TOPIC_ARN"], topic_arn);
        let responders: BTreeSet<&str> = env["RESPONDER_ROLE_ARNS"].split(',').collect();
        assert_eq!(
            responders,
            role_arns.values().map(String::as_str).collect(),
            "{logical_id}"
        );
        // The configuration the stack gives each function is one it accepts at cold start.
        let cold_start = Config::from_lookup(|name| env.get(name).cloned());
        assert!(cold_start.is_ok(), "{logical_id}: {:?}", cold_start.err());
    }

    // Rules: three patterns and the schedule, each aimed at its function.
    let events = aws_sdk_eventbridge::Client::new(&sdk);
    let mut aimed = BTreeMap::new();
    for rule in events.list_rules().send().await.unwrap().rules() {
        let name = rule.name().unwrap();
        let targets = events
            .list_targets_by_rule()
            .rule(name)
            .send()
            .await
            .unwrap();
        let target = targets.targets()[0].arn().to_string();
        let function = FUNCTIONS
            .iter()
            .find(|(_, id, _)| target.ends_with(&format!(":{}", physical[*id])))
            .map(|(f, ..)| f.name());
        let kind = if rule.schedule_expression().is_some() {
            "schedule"
        } else {
            "pattern"
        };
        aimed.insert(
            name.to_string(),
            (kind, function, rule.schedule_expression().map(String::from)),
        );
    }
    let summary: BTreeSet<(&str, Option<&str>)> =
        aimed.values().map(|(kind, f, _)| (*kind, *f)).collect();
    assert_eq!(
        summary,
        BTreeSet::from([
            ("pattern", Some("iam-guard")),
            ("pattern", Some("trail-guard")),
            ("pattern", Some("tripwire")),
            ("schedule", Some("iam-guard")),
            ("schedule", Some("trail-guard")),
            ("schedule", Some("log-auditor"))
        ]),
        "{aimed:?}"
    );
    assert!(
        aimed
            .values()
            .any(|(_, _, s)| s.as_deref() == Some("rate(5 minutes)"))
    );

    // Conditional resources: no email address and no CreateTrail by default.
    for id in TRAIL_RESOURCES.iter().chain(&["AlertEmailSubscription"]) {
        assert!(
            !physical.contains_key(*id),
            "{id} was created without its parameter"
        );
    }
    assert!(
        physical.contains_key("IamGuardRule"),
        "the IAM rule exists in us-east-1"
    );

    // Topic and queue.
    let topic = aws
        .sns()
        .get_topic_attributes()
        .topic_arn(topic_arn)
        .send()
        .await
        .unwrap();
    assert!(
        topic.attributes().unwrap().contains_key("KmsMasterKeyId"),
        "the topic is encrypted"
    );
    let queue = aws
        .sqs()
        .get_queue_attributes()
        .queue_url(&physical["DeadLetterQueue"])
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .unwrap();
    assert!(queue.attributes().is_some(), "the dead-letter queue exists");
    // The journal: its key schema is the interface tools read; it expires old versions and keeps
    // point-in-time recovery, under the stack's own key.
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws.sdk_config());
    let table = dynamodb
        .describe_table()
        .table_name(&physical["JournalTable"])
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    assert_eq!(table.table_name(), Some("trailwarden-iam-journal"));
    let keys: Vec<(String, String)> = table
        .key_schema()
        .iter()
        .map(|k| {
            (
                k.attribute_name().to_string(),
                k.key_type().as_str().to_string(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [("pk".into(), "HASH".into()), ("sk".into(), "RANGE".into())]
    );
    assert_eq!(
        table
            .global_secondary_indexes()
            .iter()
            .map(|i| i.index_name().unwrap_or_default())
            .collect::<Vec<_>>(),
        ["account"]
    );
    // (The emulator's CloudFormation leaves out TTL, recovery and the key: checked in the
    // template, the_journal_table_is_kept_encrypted_recoverable_and_expiring.)
    // The emulator's CloudFormation does not create AWS::CloudWatch::Alarm or
    // AWS::Lambda::EventInvokeConfig: functions_are_arm64_... checks them in the template.
}

#[test]
fn the_journal_table_is_kept_encrypted_recoverable_and_expiring() {
    let template = transformed(&[]);
    let table = resource(&template, "JournalTable");
    assert_eq!(
        table["DeletionPolicy"], "Retain",
        "history outlives the stack"
    );
    assert_eq!(table["UpdateReplacePolicy"], "Retain");
    let p = &table["Properties"];
    assert_eq!(p["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        p["TimeToLiveSpecification"],
        json!({"AttributeName": "expires_at", "Enabled": true})
    );
    assert_eq!(
        p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        true
    );
    assert_eq!(p["SSESpecification"]["SSEType"], "KMS");
    assert_eq!(
        p["SSESpecification"]["KMSMasterKeyId"],
        json!({"Ref": "JournalKey"})
    );
    // The name the function is given, and the self-prefix that makes it trailwarden's own.
    assert_eq!(
        p["TableName"],
        json!({"Fn::Sub": "${AWS::StackName}-iam-journal"})
    );
    let env = &resource(&template, "IamGuardFunction")["Properties"]["Environment"]["Variables"];
    assert_eq!(env["IAM_JOURNAL_TABLE"], json!({"Ref": "JournalTable"}));
    // Only iam-guard may use the key, and only through DynamoDB.
    let key = &resource(&template, "JournalKey")["Properties"];
    assert_eq!(key["EnableKeyRotation"], true);
    let through = &key["KeyPolicy"]["Statement"][1];
    assert_eq!(
        through["Principal"]["AWS"],
        json!({"Fn::GetAtt": ["IamGuardRole", "Arn"]})
    );
    assert_eq!(
        through["Condition"]["StringEquals"]["kms:ViaService"],
        json!({"Fn::Sub": "dynamodb.${AWS::Region}.amazonaws.com"})
    );
    assert_eq!(
        template["Parameters"]["IamSnapshotSchedule"]["Default"],
        "rate(1 day)"
    );
}

#[test]
fn security_hub_findings_are_off_by_default_and_granted_only_when_on() {
    let template = transformed(&[]);
    assert_eq!(
        template["Parameters"]["SecurityHubFindings"]["Default"],
        "false"
    );
    assert_eq!(
        template["Parameters"]["SecurityHubFindings"]["AllowedValues"],
        json!(["false", "true"])
    );
    assert_eq!(
        template["Conditions"]["ImportsFindings"],
        json!({"Fn::Equals": [{"Ref": "SecurityHubFindings"}, "true"]})
    );
    for (function, function_id, role_id) in FUNCTIONS {
        let env = &resource(&template, function_id)["Properties"]["Environment"]["Variables"];
        assert_eq!(
            env["SECURITY_HUB_FINDINGS"],
            json!({"Ref": "SecurityHubFindings"}),
            "{function_id}"
        );
        let statements = &resource(&template, role_id)["Properties"]["Policies"][0]["PolicyDocument"]
            ["Statement"];
        let granted: Vec<&Value> = statements
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s.to_string().contains("securityhub:"))
            .collect();
        assert_eq!(granted.len(), 1, "{role_id}: {granted:?}");
        assert_eq!(
            granted[0],
            &json!({"Fn::If": ["ImportsFindings", {
                "Sid": "Findings",
                "Effect": "Allow",
                "Action": "securityhub:BatchImportFindings",
                "Resource": {"Fn::Sub": "arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:product/${AWS::AccountId}/default"}
            }, {"Ref": "AWS::NoValue"}]}),
            "{role_id}"
        );
        assert!(
            function
                .permissions()
                .contains("securityhub:BatchImportFindings")
        );
    }
}
