//! IAM actions. Each reads the current state first (already as intended: `AlreadyInEffect`), acts
//! unless in dry-run, and reads the result back. Each touches only what its action names.

use crate::error::FromSdk;
use crate::execute::StepReport;
use crate::{ActionError, FailureKind, IamClients, StepStatus};
use aws_sdk_iam::types::StatusType;
use serde_json::Value;
use trailwarden_events::{Arn, EventTime};
use trailwarden_rules::{
    Mode, Principal, PrincipalKind, QUARANTINE_POLICY_NAME, REVOKE_SESSIONS_POLICY_NAME,
};

/// The inline policy that quarantines a user or role: deny everything.
pub const QUARANTINE_DOCUMENT: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"TrailwardenQuarantine","Effect":"Deny","Action":"*","Resource":"*"}]}"#;

/// The inline policy that denies a role's sessions issued before `issued_before`.
pub(crate) fn revoke_sessions_document(issued_before: EventTime) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "TrailwardenRevokeOlderSessions",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"DateLessThan": {"aws:TokenIssueTime": issued_before.to_string()}}
        }]
    })
    .to_string()
}

/// A policy document as JSON: IAM returns documents URL-encoded, CloudTrail records them plain.
pub fn parse_document(text: &str) -> Option<Value> {
    serde_json::from_str(text).ok().or_else(|| {
        let decoded = percent_encoding::percent_decode_str(text)
            .decode_utf8()
            .ok()?;
        serde_json::from_str(&decoded).ok()
    })
}

/// True when two documents say the same, whatever their encoding, spacing and key order.
pub fn same_document(a: &str, b: &str) -> bool {
    match (parse_document(a), parse_document(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

fn done(state: String) -> StepReport {
    Ok((StepStatus::Done, Some(state)))
}

fn already(state: String) -> StepReport {
    Ok((StepStatus::AlreadyInEffect, Some(state)))
}

fn would(state: String) -> StepReport {
    Ok((StepStatus::WouldDo, Some(state)))
}

/// `Ok(())` for success or for "not found" (already gone) when `gone_is_fine`.
fn tolerate_not_found(result: Result<(), ActionError>) -> Result<bool, ActionError> {
    match result {
        Ok(()) => Ok(true),
        Err(e) if e.kind == FailureKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

macro_rules! call {
    ($call:literal, $resource:expr, $request:expr) => {
        $request
            .send()
            .await
            .map_err(|e| ActionError::from_sdk($call, $resource.to_string(), &e))
    };
}

async fn attached(c: &IamClients, p: &Principal) -> Result<Vec<String>, ActionError> {
    let iam = &c.iam;
    let policies = match p.kind {
        PrincipalKind::User => call!(
            "iam:ListAttachedUserPolicies",
            p,
            iam.list_attached_user_policies()
                .user_name(&p.name)
                .max_items(1000)
        )?
        .attached_policies()
        .to_vec(),
        PrincipalKind::Role => call!(
            "iam:ListAttachedRolePolicies",
            p,
            iam.list_attached_role_policies()
                .role_name(&p.name)
                .max_items(1000)
        )?
        .attached_policies()
        .to_vec(),
        PrincipalKind::Group => call!(
            "iam:ListAttachedGroupPolicies",
            p,
            iam.list_attached_group_policies()
                .group_name(&p.name)
                .max_items(1000)
        )?
        .attached_policies()
        .to_vec(),
    };
    Ok(policies
        .iter()
        .filter_map(|a| a.policy_arn().map(String::from))
        .collect())
}

async fn is_attached(c: &IamClients, p: &Principal, policy: &Arn) -> Result<bool, ActionError> {
    let policy = policy.to_string();
    Ok(attached(c, p).await?.contains(&policy))
}

pub(crate) async fn detach_policy(
    c: &IamClients,
    p: &Principal,
    policy: &Arn,
    mode: Mode,
) -> StepReport {
    let not_attached = format!("{policy} is not attached to {p}");
    if !is_attached(c, p, policy).await? {
        return already(not_attached);
    }
    if mode == Mode::DryRun {
        return would(format!("{policy} is attached to {p}"));
    }
    let arn = policy.to_string();
    let iam = &c.iam;
    let result = match p.kind {
        PrincipalKind::User => call!(
            "iam:DetachUserPolicy",
            p,
            iam.detach_user_policy().user_name(&p.name).policy_arn(&arn)
        )
        .map(|_| ()),
        PrincipalKind::Role => call!(
            "iam:DetachRolePolicy",
            p,
            iam.detach_role_policy().role_name(&p.name).policy_arn(&arn)
        )
        .map(|_| ()),
        PrincipalKind::Group => call!(
            "iam:DetachGroupPolicy",
            p,
            iam.detach_group_policy()
                .group_name(&p.name)
                .policy_arn(&arn)
        )
        .map(|_| ()),
    };
    // NoSuchEntity: someone detached it between the check and the call.
    if !tolerate_not_found(result)? {
        return already(not_attached);
    }
    if is_attached(c, p, policy).await? {
        return Err(ActionError::not_in_effect(
            "iam:DetachPolicy",
            p.to_string(),
            format!("the detach succeeded but {policy} is still attached"),
        ));
    }
    done(not_attached)
}

pub(crate) async fn attach_policy(
    c: &IamClients,
    p: &Principal,
    policy: &Arn,
    mode: Mode,
) -> StepReport {
    let is = format!("{policy} is attached to {p}");
    if is_attached(c, p, policy).await? {
        return already(is);
    }
    if mode == Mode::DryRun {
        return would(format!("{policy} is not attached to {p}"));
    }
    let arn = policy.to_string();
    let iam = &c.iam;
    match p.kind {
        PrincipalKind::User => call!(
            "iam:AttachUserPolicy",
            p,
            iam.attach_user_policy().user_name(&p.name).policy_arn(&arn)
        )
        .map(|_| ())?,
        PrincipalKind::Role => call!(
            "iam:AttachRolePolicy",
            p,
            iam.attach_role_policy().role_name(&p.name).policy_arn(&arn)
        )
        .map(|_| ())?,
        PrincipalKind::Group => call!(
            "iam:AttachGroupPolicy",
            p,
            iam.attach_group_policy()
                .group_name(&p.name)
                .policy_arn(&arn)
        )
        .map(|_| ())?,
    }
    if !is_attached(c, p, policy).await? {
        return Err(ActionError::not_in_effect(
            "iam:AttachPolicy",
            p.to_string(),
            format!("the attach succeeded but {policy} is not attached"),
        ));
    }
    done(is)
}

/// An inline policy's document (URL-encoded as IAM returns it), or `None` when there is none.
pub(crate) async fn inline_policy(
    c: &IamClients,
    p: &Principal,
    name: &str,
) -> Result<Option<String>, ActionError> {
    let iam = &c.iam;
    let resource = format!("inline policy {name} of {p}");
    let result = match p.kind {
        PrincipalKind::User => call!(
            "iam:GetUserPolicy",
            resource,
            iam.get_user_policy().user_name(&p.name).policy_name(name)
        )
        .map(|o| o.policy_document().to_string()),
        PrincipalKind::Role => call!(
            "iam:GetRolePolicy",
            resource,
            iam.get_role_policy().role_name(&p.name).policy_name(name)
        )
        .map(|o| o.policy_document().to_string()),
        PrincipalKind::Group => call!(
            "iam:GetGroupPolicy",
            resource,
            iam.get_group_policy().group_name(&p.name).policy_name(name)
        )
        .map(|o| o.policy_document().to_string()),
    };
    match result {
        Ok(doc) => Ok(Some(doc)),
        Err(e) if e.kind == FailureKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

async fn put_inline(
    c: &IamClients,
    p: &Principal,
    name: &str,
    document: &str,
) -> Result<(), ActionError> {
    let iam = &c.iam;
    let resource = format!("inline policy {name} of {p}");
    match p.kind {
        PrincipalKind::User => call!(
            "iam:PutUserPolicy",
            resource,
            iam.put_user_policy()
                .user_name(&p.name)
                .policy_name(name)
                .policy_document(document)
        )
        .map(|_| ()),
        PrincipalKind::Role => call!(
            "iam:PutRolePolicy",
            resource,
            iam.put_role_policy()
                .role_name(&p.name)
                .policy_name(name)
                .policy_document(document)
        )
        .map(|_| ()),
        PrincipalKind::Group => call!(
            "iam:PutGroupPolicy",
            resource,
            iam.put_group_policy()
                .group_name(&p.name)
                .policy_name(name)
                .policy_document(document)
        )
        .map(|_| ()),
    }
}

/// Puts an inline policy to `document` unless it already says that.
async fn ensure_inline(
    c: &IamClients,
    p: &Principal,
    name: &str,
    document: &str,
    mode: Mode,
    what: &str,
) -> StepReport {
    let is = format!("{p} has {what}");
    if let Some(current) = inline_policy(c, p, name).await?
        && same_document(&current, document)
    {
        return already(is);
    }
    if mode == Mode::DryRun {
        return would(format!("{p} does not have {what}"));
    }
    put_inline(c, p, name, document).await?;
    match inline_policy(c, p, name).await? {
        Some(current) if same_document(&current, document) => done(is),
        _ => Err(ActionError::not_in_effect(
            "iam:PutPolicy",
            format!("inline policy {name} of {p}"),
            "the put succeeded but the document read back differs",
        )),
    }
}

pub(crate) async fn put_inline_policy(
    c: &IamClients,
    p: &Principal,
    name: &str,
    document: &str,
    mode: Mode,
) -> StepReport {
    ensure_inline(
        c,
        p,
        name,
        document,
        mode,
        &format!("inline policy {name} with its previous document"),
    )
    .await
}

pub(crate) async fn quarantine(c: &IamClients, p: &Principal, mode: Mode) -> StepReport {
    if p.kind == PrincipalKind::Group {
        return Err(ActionError::not_in_effect(
            "iam:PutPolicy",
            p.to_string(),
            "a group cannot be quarantined",
        ));
    }
    ensure_inline(
        c,
        p,
        QUARANTINE_POLICY_NAME,
        QUARANTINE_DOCUMENT,
        mode,
        &format!("the deny-all policy {QUARANTINE_POLICY_NAME}"),
    )
    .await
}

pub(crate) async fn revoke_role_sessions(c: &IamClients, role: &str, mode: Mode) -> StepReport {
    let now = EventTime::now();
    let principal = Principal::role(role);
    if mode == Mode::DryRun {
        return would(format!(
            "sessions of role {role} issued before {now} are not yet denied"
        ));
    }
    put_inline(
        c,
        &principal,
        REVOKE_SESSIONS_POLICY_NAME,
        &revoke_sessions_document(now),
    )
    .await?;
    match inline_policy(c, &principal, REVOKE_SESSIONS_POLICY_NAME).await? {
        Some(_) => done(format!(
            "sessions of role {role} issued before {now} are denied"
        )),
        None => Err(ActionError::not_in_effect(
            "iam:PutRolePolicy",
            format!("role {role}"),
            "the put succeeded but the policy is missing",
        )),
    }
}

pub(crate) async fn delete_inline_policy(
    c: &IamClients,
    p: &Principal,
    name: &str,
    document: &str,
    mode: Mode,
) -> StepReport {
    let gone = format!("{p} has no inline policy {name}");
    let Some(current) = inline_policy(c, p, name).await? else {
        return already(gone);
    };
    if !same_document(&current, document) {
        // Changed again since the event: this event's change is no longer in effect, and the later
        // change is not this event's to undo (its own event reports it).
        return Ok((
            StepStatus::Superseded,
            Some(format!(
                "inline policy {name} of {p} was changed again after this event; left as it is"
            )),
        ));
    }
    if mode == Mode::DryRun {
        return would(format!("{p} has inline policy {name} as the event put it"));
    }
    let iam = &c.iam;
    let resource = format!("inline policy {name} of {p}");
    let result = match p.kind {
        PrincipalKind::User => call!(
            "iam:DeleteUserPolicy",
            resource,
            iam.delete_user_policy()
                .user_name(&p.name)
                .policy_name(name)
        )
        .map(|_| ()),
        PrincipalKind::Role => call!(
            "iam:DeleteRolePolicy",
            resource,
            iam.delete_role_policy()
                .role_name(&p.name)
                .policy_name(name)
        )
        .map(|_| ()),
        PrincipalKind::Group => call!(
            "iam:DeleteGroupPolicy",
            resource,
            iam.delete_group_policy()
                .group_name(&p.name)
                .policy_name(name)
        )
        .map(|_| ()),
    };
    if !tolerate_not_found(result)? {
        return already(gone);
    }
    match inline_policy(c, p, name).await? {
        None => done(gone),
        Some(_) => Err(ActionError::not_in_effect(
            "iam:DeletePolicy",
            resource,
            "the delete succeeded but the policy is still there",
        )),
    }
}

async fn default_version(c: &IamClients, policy: &Arn) -> Result<Option<String>, ActionError> {
    let out = call!(
        "iam:GetPolicy",
        policy,
        c.iam.get_policy().policy_arn(policy.to_string())
    )?;
    Ok(out
        .policy()
        .and_then(|p| p.default_version_id())
        .map(String::from))
}

pub(crate) async fn set_default_policy_version(
    c: &IamClients,
    policy: &Arn,
    version: &str,
    mode: Mode,
) -> StepReport {
    let is = format!("{version} is the default version of {policy}");
    if default_version(c, policy).await?.as_deref() == Some(version) {
        return already(is);
    }
    if mode == Mode::DryRun {
        return would(format!("{version} is not the default version of {policy}"));
    }
    call!(
        "iam:SetDefaultPolicyVersion",
        policy,
        c.iam
            .set_default_policy_version()
            .policy_arn(policy.to_string())
            .version_id(version)
    )?;
    if default_version(c, policy).await?.as_deref() != Some(version) {
        return Err(ActionError::not_in_effect(
            "iam:SetDefaultPolicyVersion",
            policy.to_string(),
            format!("the call succeeded but {version} is not the default"),
        ));
    }
    done(is)
}

/// `Some(is_default)` when the version exists.
async fn version_exists(
    c: &IamClients,
    policy: &Arn,
    version: &str,
) -> Result<Option<bool>, ActionError> {
    let result = call!(
        "iam:GetPolicyVersion",
        policy,
        c.iam
            .get_policy_version()
            .policy_arn(policy.to_string())
            .version_id(version)
    );
    match result {
        Ok(out) => Ok(Some(
            out.policy_version().is_some_and(|v| v.is_default_version()),
        )),
        Err(e) if e.kind == FailureKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

pub(crate) async fn delete_policy_version(
    c: &IamClients,
    policy: &Arn,
    version: &str,
    mode: Mode,
) -> StepReport {
    let gone = format!("{policy} has no version {version}");
    match version_exists(c, policy, version).await? {
        None => return already(gone),
        Some(true) => {
            return Err(ActionError::not_in_effect(
                "iam:DeletePolicyVersion",
                policy.to_string(),
                format!("{version} is the default version, which IAM does not delete"),
            ));
        }
        Some(false) => {}
    }
    if mode == Mode::DryRun {
        return would(format!("{policy} has version {version}"));
    }
    let result = call!(
        "iam:DeletePolicyVersion",
        policy,
        c.iam
            .delete_policy_version()
            .policy_arn(policy.to_string())
            .version_id(version)
    )
    .map(|_| ());
    if !tolerate_not_found(result)? {
        return already(gone);
    }
    if version_exists(c, policy, version).await?.is_some() {
        return Err(ActionError::not_in_effect(
            "iam:DeletePolicyVersion",
            policy.to_string(),
            "the delete succeeded but the version is still there",
        ));
    }
    done(gone)
}

async fn in_group(c: &IamClients, user: &str, group: &str) -> Result<bool, ActionError> {
    let out = call!(
        "iam:ListGroupsForUser",
        format!("user {user}"),
        c.iam.list_groups_for_user().user_name(user).max_items(1000)
    )?;
    Ok(out.groups().iter().any(|g| g.group_name() == group))
}

pub(crate) async fn remove_user_from_group(
    c: &IamClients,
    user: &str,
    group: &str,
    mode: Mode,
) -> StepReport {
    let out = format!("user {user} is not in group {group}");
    if !in_group(c, user, group).await? {
        return already(out);
    }
    if mode == Mode::DryRun {
        return would(format!("user {user} is in group {group}"));
    }
    let result = call!(
        "iam:RemoveUserFromGroup",
        format!("user {user}"),
        c.iam
            .remove_user_from_group()
            .user_name(user)
            .group_name(group)
    )
    .map(|_| ());
    if !tolerate_not_found(result)? {
        return already(out);
    }
    if in_group(c, user, group).await? {
        return Err(ActionError::not_in_effect(
            "iam:RemoveUserFromGroup",
            format!("user {user}"),
            format!("the call succeeded but the user is still in group {group}"),
        ));
    }
    done(out)
}

async fn trust_policy(c: &IamClients, role: &str) -> Result<Option<String>, ActionError> {
    let out = call!(
        "iam:GetRole",
        format!("role {role}"),
        c.iam.get_role().role_name(role)
    )?;
    Ok(out
        .role()
        .and_then(|r| r.assume_role_policy_document())
        .map(String::from))
}

pub(crate) async fn put_trust_policy(
    c: &IamClients,
    role: &str,
    document: &str,
    mode: Mode,
) -> StepReport {
    let is = format!("role {role} has its previous trust policy");
    if trust_policy(c, role)
        .await?
        .is_some_and(|d| same_document(&d, document))
    {
        return already(is);
    }
    if mode == Mode::DryRun {
        return would(format!("role {role} has another trust policy"));
    }
    call!(
        "iam:UpdateAssumeRolePolicy",
        format!("role {role}"),
        c.iam
            .update_assume_role_policy()
            .role_name(role)
            .policy_document(document)
    )?;
    if !trust_policy(c, role)
        .await?
        .is_some_and(|d| same_document(&d, document))
    {
        return Err(ActionError::not_in_effect(
            "iam:UpdateAssumeRolePolicy",
            format!("role {role}"),
            "the call succeeded but the trust policy read back differs",
        ));
    }
    done(is)
}

/// A user's or role's permissions boundary ARN, or `None`.
pub(crate) async fn boundary(c: &IamClients, p: &Principal) -> Result<Option<String>, ActionError> {
    let iam = &c.iam;
    Ok(match p.kind {
        PrincipalKind::User => call!("iam:GetUser", p, iam.get_user().user_name(&p.name))?
            .user()
            .and_then(|u| u.permissions_boundary())
            .and_then(|b| b.permissions_boundary_arn())
            .map(String::from),
        PrincipalKind::Role => call!("iam:GetRole", p, iam.get_role().role_name(&p.name))?
            .role()
            .and_then(|r| r.permissions_boundary())
            .and_then(|b| b.permissions_boundary_arn())
            .map(String::from),
        PrincipalKind::Group => {
            return Err(ActionError::not_in_effect(
                "iam:GetGroup",
                p.to_string(),
                "a group has no permissions boundary",
            ));
        }
    })
}

pub(crate) async fn put_permissions_boundary(
    c: &IamClients,
    p: &Principal,
    policy: &Arn,
    mode: Mode,
) -> StepReport {
    let arn = policy.to_string();
    let is = format!("the permissions boundary of {p} is {arn}");
    if boundary(c, p).await?.as_deref() == Some(arn.as_str()) {
        return already(is);
    }
    if mode == Mode::DryRun {
        return would(format!("the permissions boundary of {p} is not {arn}"));
    }
    let iam = &c.iam;
    match p.kind {
        PrincipalKind::User => call!(
            "iam:PutUserPermissionsBoundary",
            p,
            iam.put_user_permissions_boundary()
                .user_name(&p.name)
                .permissions_boundary(&arn)
        )
        .map(|_| ())?,
        _ => call!(
            "iam:PutRolePermissionsBoundary",
            p,
            iam.put_role_permissions_boundary()
                .role_name(&p.name)
                .permissions_boundary(&arn)
        )
        .map(|_| ())?,
    }
    if boundary(c, p).await?.as_deref() != Some(arn.as_str()) {
        return Err(ActionError::not_in_effect(
            "iam:PutPermissionsBoundary",
            p.to_string(),
            "the call succeeded but the boundary read back differs",
        ));
    }
    done(is)
}

pub(crate) async fn delete_permissions_boundary(
    c: &IamClients,
    p: &Principal,
    mode: Mode,
) -> StepReport {
    let none = format!("{p} has no permissions boundary");
    let Some(current) = boundary(c, p).await? else {
        return already(none);
    };
    if mode == Mode::DryRun {
        return would(format!("the permissions boundary of {p} is {current}"));
    }
    let iam = &c.iam;
    let result = match p.kind {
        PrincipalKind::User => call!(
            "iam:DeleteUserPermissionsBoundary",
            p,
            iam.delete_user_permissions_boundary().user_name(&p.name)
        )
        .map(|_| ()),
        _ => call!(
            "iam:DeleteRolePermissionsBoundary",
            p,
            iam.delete_role_permissions_boundary().role_name(&p.name)
        )
        .map(|_| ()),
    };
    tolerate_not_found(result)?;
    if boundary(c, p).await?.is_some() {
        return Err(ActionError::not_in_effect(
            "iam:DeletePermissionsBoundary",
            p.to_string(),
            "the call succeeded but a boundary is still set",
        ));
    }
    done(none)
}

/// The key's status (`Active`, `Inactive`), or `None` when the user has no such key.
async fn key_status(c: &IamClients, user: &str, key: &str) -> Result<Option<String>, ActionError> {
    let out = call!(
        "iam:ListAccessKeys",
        format!("user {user}"),
        c.iam.list_access_keys().user_name(user)
    )?;
    Ok(out
        .access_key_metadata()
        .iter()
        .find(|k| k.access_key_id() == Some(key))
        .map(|k| k.status().map_or("unknown", |s| s.as_str()).to_string()))
}

pub(crate) async fn deactivate_access_key(
    c: &IamClients,
    user: &str,
    key: &str,
    mode: Mode,
) -> StepReport {
    let inactive = format!("access key {key} of user {user} is inactive");
    match key_status(c, user, key).await?.as_deref() {
        None => return already(format!("user {user} has no access key {key} any more")),
        Some("Inactive") => return already(inactive),
        Some(_) => {}
    }
    if mode == Mode::DryRun {
        return would(format!("access key {key} of user {user} is active"));
    }
    call!(
        "iam:UpdateAccessKey",
        format!("access key {key} of user {user}"),
        c.iam
            .update_access_key()
            .user_name(user)
            .access_key_id(key)
            .status(StatusType::Inactive)
    )?;
    if key_status(c, user, key).await?.as_deref() != Some("Inactive") {
        return Err(ActionError::not_in_effect(
            "iam:UpdateAccessKey",
            format!("access key {key} of user {user}"),
            "the call succeeded but the key is not inactive",
        ));
    }
    done(inactive)
}

async fn has_login_profile(c: &IamClients, user: &str) -> Result<bool, ActionError> {
    let result = call!(
        "iam:GetLoginProfile",
        format!("user {user}"),
        c.iam.get_login_profile().user_name(user)
    );
    match result {
        Ok(_) => Ok(true),
        Err(e) if e.kind == FailureKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

pub(crate) async fn delete_login_profile(c: &IamClients, user: &str, mode: Mode) -> StepReport {
    let none = format!("user {user} has no console password");
    if !has_login_profile(c, user).await? {
        return already(none);
    }
    if mode == Mode::DryRun {
        return would(format!("user {user} has a console password"));
    }
    let result = call!(
        "iam:DeleteLoginProfile",
        format!("user {user}"),
        c.iam.delete_login_profile().user_name(user)
    )
    .map(|_| ());
    if !tolerate_not_found(result)? {
        return already(none);
    }
    if has_login_profile(c, user).await? {
        return Err(ActionError::not_in_effect(
            "iam:DeleteLoginProfile",
            format!("user {user}"),
            "the call succeeded but the login profile is still there",
        ));
    }
    done(none)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_compare_as_json_whatever_the_encoding() {
        let plain = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        let encoded = "%7B%22Statement%22%3A%5B%7B%22Resource%22%3A%22%2A%22%2C%22Action%22%3A%22%2A%22%2C%22Effect%22%3A%22Allow%22%7D%5D%2C%22Version%22%3A%222012-10-17%22%7D";
        assert!(same_document(plain, encoded));
        assert!(!same_document(plain, QUARANTINE_DOCUMENT));
    }

    #[test]
    fn the_revoke_document_denies_sessions_issued_before_the_time() {
        // `date -u -d @1795000000` says 2026-11-18T11:06:40Z.
        let doc = revoke_sessions_document(EventTime::from_epoch_seconds(1_795_000_000));
        let v: Value = serde_json::from_str(&doc).unwrap();
        assert_eq!(
            v["Statement"][0]["Condition"]["DateLessThan"]["aws:TokenIssueTime"],
            "2026-11-18T11:06:40Z"
        );
        assert_eq!(v["Statement"][0]["Effect"], "Deny");
    }
}
