//! An account leaving its organization, and the organization's guardrails (service and resource
//! control policies) detached, deleted, rewritten or switched off.

use super::{Finding, Seen, account_of, finding};

pub(super) fn leave_organization(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    (source == "organizations.amazonaws.com" && name == "LeaveOrganization").then_some(())?;
    let summary = if record.failed() {
        format!("{actor} tried to take the account out of its AWS Organization")
    } else {
        format!("The account left its AWS Organization (LeaveOrganization by {actor})")
    };
    finding(
        summary,
        account_of(record),
        &[
            "Treat the actor's credentials as compromised until they explain: leaving the organization drops its SCPs and organization trail.",
            "An SCP denying organizations:LeaveOrganization in member accounts prevents this.",
        ],
    )
}

/// The policy types that are guardrails: they limit what the accounts' principals and resources
/// can do (tag, backup and AI opt-out policies do not).
const GUARDRAILS: [&str; 2] = ["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"];

pub(super) fn guardrail_removed(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    (source == "organizations.amazonaws.com").then_some(())?;
    let policy = record.request_str("policyId").unwrap_or("?");
    let (summary, resource, revert) = match name {
        // The record does not say the detached or deleted policy's type: a guardrail unless the
        // organization uses the policy id for another type.
        "DetachPolicy" => {
            let target = record.request_str("targetId").unwrap_or("?");
            (
                format!("Organization policy {policy} detached from {target} by {actor}"),
                format!("organization policy {policy} on {target}"),
                format!(
                    "Put it back: aws organizations attach-policy --policy-id {policy} --target-id {target} (an exact revert)."
                ),
            )
        }
        "DeletePolicy" => (
            format!("Organization policy {policy} deleted by {actor}"),
            format!("organization policy {policy}"),
            "Recreate it from its content in the CloudTrail record of its CreatePolicy or last UpdatePolicy (aws organizations create-policy --type SERVICE_CONTROL_POLICY --content file://policy.json), then attach it to the targets the DetachPolicy calls before the deletion name.".to_string(),
        ),
        "UpdatePolicy" => {
            let kind = record
                .response_elements
                .as_ref()
                .and_then(|r| r.pointer("/policy/policySummary/type"))
                .and_then(|t| t.as_str());
            kind.is_none_or(|k| GUARDRAILS.contains(&k)).then_some(())?;
            (
                format!(
                    "{} {policy} rewritten by {actor}",
                    kind.map_or("Organization policy", guardrail_name)
                ),
                format!("organization policy {policy}"),
                format!(
                    "Put the earlier content back (in the CloudTrail record of its CreatePolicy or previous UpdatePolicy): aws organizations update-policy --policy-id {policy} --content file://previous.json."
                ),
            )
        }
        "DisablePolicyType" => {
            let kind = record.request_str("policyType").unwrap_or("?");
            GUARDRAILS.contains(&kind).then_some(())?;
            let root = record.request_str("rootId").unwrap_or("?");
            (
                format!(
                    "{} disabled for organization root {root} by {actor}: every one of them was detached",
                    guardrail_name(kind).replace("policy", "policies")
                ),
                format!("organization root {root}"),
                format!(
                    "Enable the type again: aws organizations enable-policy-type --root-id {root} --policy-type {kind}; then attach each policy to its targets again: disabling the type detached them all, and the AttachPolicy records in CloudTrail name where each was."
                ),
            )
        }
        _ => return None,
    };
    Some(Finding {
        summary,
        resource,
        next_steps: vec![
            revert,
            "The organization's guardrails bind every member account: ask the actor why, and look for what the accounts did while the guardrail was gone.".into(),
        ],
    })
}

fn guardrail_name(kind: &str) -> &'static str {
    match kind {
        "RESOURCE_CONTROL_POLICY" => "Resource control policy",
        _ => "Service control policy",
    }
}
