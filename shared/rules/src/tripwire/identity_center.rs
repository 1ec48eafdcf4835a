//! Administrator access granted through IAM Identity Center (`sso.amazonaws.com`), outside IAM's
//! own API: account assignments, permission sets created, and permission sets given an
//! administrator managed policy or an inline policy allowing every action.

use super::{Finding, Seen};
use crate::iam::NEVER_ATTACHED;
use serde_json::Value;

/// Whether an inline policy document allows every action (`"*"` or `"*:*"`); `None` when the
/// record does not carry a readable document.
fn allows_everything(document: &str) -> Option<bool> {
    let policy: Value = serde_json::from_str(document).ok()?;
    let statements = match policy.get("Statement")? {
        Value::Array(items) => items.clone(),
        one => vec![one.clone()],
    };
    let every = |action: &Value| matches!(action.as_str(), Some("*" | "*:*"));
    Some(statements.iter().any(|s| {
        s.get("Effect").and_then(Value::as_str) == Some("Allow")
            && match s.get("Action") {
                Some(Value::Array(actions)) => actions.iter().any(every),
                Some(action) => every(action),
                None => false,
            }
    }))
}

pub(super) fn admin_granted(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    (source == "sso.amazonaws.com").then_some(())?;
    let instance = record.request_str("instanceArn").unwrap_or("INSTANCE_ARN");
    let set = record
        .request_str("permissionSetArn")
        .or_else(|| {
            record
                .response_elements
                .as_ref()?
                .pointer("/permissionSet/permissionSetArn")?
                .as_str()
        })
        .unwrap_or("?");
    let provision = format!(
        "then aws sso-admin provision-permission-set --instance-arn {instance} --permission-set-arn {set} --target-type ALL_PROVISIONED_ACCOUNTS"
    );
    let (summary, revert) = match name {
        // The assignment names only the permission set, not what it grants: every one alerts.
        "CreateAccountAssignment" => {
            let principal = format!(
                "{} {}",
                record.request_str("principalType").unwrap_or("principal"),
                record.request_str("principalId").unwrap_or("?")
            );
            let target = record.request_str("targetId").unwrap_or("?");
            (
                format!(
                    "Identity Center gave {principal} permission set {set} in account {target} (by {actor})"
                ),
                format!(
                    "Put it back: aws sso-admin delete-account-assignment --instance-arn {instance} --target-id {target} --target-type {} --permission-set-arn {set} --principal-type {} --principal-id {} (an exact revert).",
                    record.request_str("targetType").unwrap_or("AWS_ACCOUNT"),
                    record.request_str("principalType").unwrap_or("USER"),
                    record.request_str("principalId").unwrap_or("?")
                ),
            )
        }
        "AttachManagedPolicyToPermissionSet" => {
            let policy = record.request_str("managedPolicyArn")?;
            let policy_name = policy.rsplit('/').next().unwrap_or(policy);
            NEVER_ATTACHED.contains(&policy_name).then_some(())?;
            (
                format!(
                    "Identity Center permission set {set} given {policy_name} by {actor}: everyone assigned it is an administrator"
                ),
                format!(
                    "Put it back: aws sso-admin detach-managed-policy-from-permission-set --instance-arn {instance} --permission-set-arn {set} --managed-policy-arn {policy} (exact), {provision}."
                ),
            )
        }
        "PutInlinePolicyToPermissionSet" => {
            // Unreadable (or redacted) in the record: it may grant anything.
            let everything = record
                .request_str("inlinePolicy")
                .and_then(allows_everything)
                .unwrap_or(true);
            everything.then_some(())?;
            (
                format!(
                    "Identity Center permission set {set} given an inline policy allowing every action by {actor}"
                ),
                format!(
                    "Remove it: aws sso-admin delete-inline-policy-from-permission-set --instance-arn {instance} --permission-set-arn {set} (the earlier inline policy, if any, is in the record of its previous PutInlinePolicyToPermissionSet), {provision}."
                ),
            )
        }
        "CreatePermissionSet" => (
            format!(
                "Identity Center permission set {} created by {actor}",
                record.request_str("name").unwrap_or(set)
            ),
            format!(
                "Put it back: aws sso-admin delete-permission-set --instance-arn {instance} --permission-set-arn {set} (an exact revert of a new, unassigned set)."
            ),
        ),
        _ => return None,
    };
    Some(Finding {
        summary,
        resource: format!("Identity Center permission set {set}"),
        next_steps: vec![
            revert,
            "Identity Center grants reach every assigned account without an IAM write there: list the set's assignments (aws sso-admin list-accounts-for-provisioned-permission-set).".into(),
        ],
    })
}
