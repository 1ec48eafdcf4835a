//! IAM actions. Each reads the current state first (already as intended: `AlreadyInEffect`), acts
//! unless in dry-run, and reads the result back. Each touches only what its action names.

use crate::error::FromSdk;
use crate::remediation::{Remediation, Standing, StepReport, WhenGone, remediate};
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

macro_rules! call {
    ($call:literal, $resource:expr, $request:expr) => {
        $request
            .send()
            .await
            .map_err(|e| ActionError::from_sdk($call, $resource.to_string(), &e))
    };
}

/// One IAM call on a user, role or group, written once: each kind has its own operation (and
/// permission) and its own name parameter; `$more` completes the request, `$read` reads the output.
macro_rules! on_principal {
    ($c:expr, $p:expr, $resource:expr,
     [$user_call:literal $user_op:ident, $role_call:literal $role_op:ident, $group_call:literal $group_op:ident],
     |$req:ident| $more:expr, |$out:ident| $read:expr) => {
        match $p.kind {
            PrincipalKind::User => {
                let $req = $c.iam.$user_op().user_name(&$p.name);
                call!($user_call, $resource, $more).map(|$out| $read)
            }
            PrincipalKind::Role => {
                let $req = $c.iam.$role_op().role_name(&$p.name);
                call!($role_call, $resource, $more).map(|$out| $read)
            }
            PrincipalKind::Group => {
                let $req = $c.iam.$group_op().group_name(&$p.name);
                call!($group_call, $resource, $more).map(|$out| $read)
            }
        }
    };
}

async fn attached(c: &IamClients, p: &Principal) -> Result<Vec<String>, ActionError> {
    let policies = on_principal!(
        c,
        p,
        p,
        [
            "iam:ListAttachedUserPolicies" list_attached_user_policies,
            "iam:ListAttachedRolePolicies" list_attached_role_policies,
            "iam:ListAttachedGroupPolicies" list_attached_group_policies
        ],
        |r| r.max_items(1000),
        |o| o.attached_policies().to_vec()
    )?;
    Ok(policies
        .iter()
        .filter_map(|a| a.policy_arn().map(String::from))
        .collect())
}

async fn is_attached(c: &IamClients, p: &Principal, policy: &Arn) -> Result<bool, ActionError> {
    let policy = policy.to_string();
    Ok(attached(c, p).await?.contains(&policy))
}

/// A managed policy attached to a principal, or not: the state both attach and detach read.
fn attachment(p: &Principal, policy: &Arn, attached: bool) -> String {
    if attached {
        format!("{policy} is attached to {p}")
    } else {
        format!("{policy} is not attached to {p}")
    }
}

/// A managed policy detached from a principal (`attached: false`) or attached again (`true`).
struct Attachment<'a> {
    c: &'a IamClients,
    p: &'a Principal,
    policy: &'a Arn,
    /// The intended state.
    attached: bool,
}

impl Remediation for Attachment<'_> {
    type State = bool;

    async fn read(&self) -> Result<bool, ActionError> {
        is_attached(self.c, self.p, self.policy).await
    }

    fn standing(&self, attached: &bool) -> Standing {
        if *attached == self.attached {
            Standing::InEffect
        } else {
            Standing::Needed
        }
    }

    fn describe(&self, attached: &bool) -> String {
        attachment(self.p, self.policy, *attached)
    }

    async fn act(&self) -> Result<(), ActionError> {
        let arn = self.policy.to_string();
        if self.attached {
            on_principal!(
                self.c,
                self.p,
                self.p,
                [
                    "iam:AttachUserPolicy" attach_user_policy,
                    "iam:AttachRolePolicy" attach_role_policy,
                    "iam:AttachGroupPolicy" attach_group_policy
                ],
                |r| r.policy_arn(&arn),
                |_o| ()
            )
        } else {
            on_principal!(
                self.c,
                self.p,
                self.p,
                [
                    "iam:DetachUserPolicy" detach_user_policy,
                    "iam:DetachRolePolicy" detach_role_policy,
                    "iam:DetachGroupPolicy" detach_group_policy
                ],
                |r| r.policy_arn(&arn),
                |_o| ()
            )
        }
    }

    // NoSuchEntity on a detach: someone detached it between the check and the call.
    fn when_gone(&self) -> WhenGone {
        if self.attached {
            WhenGone::Fails
        } else {
            WhenGone::InEffect(attachment(self.p, self.policy, false))
        }
    }

    fn not_in_effect(&self, _: &bool) -> ActionError {
        let policy = self.policy;
        let (call, message) = if self.attached {
            (
                "iam:AttachPolicy",
                format!("the attach succeeded but {policy} is not attached"),
            )
        } else {
            (
                "iam:DetachPolicy",
                format!("the detach succeeded but {policy} is still attached"),
            )
        };
        ActionError::not_in_effect(call, self.p.to_string(), message)
    }
}

pub(crate) async fn detach_policy(
    c: &IamClients,
    p: &Principal,
    policy: &Arn,
    mode: Mode,
) -> StepReport {
    let attached = false;
    remediate(
        &Attachment {
            c,
            p,
            policy,
            attached,
        },
        mode,
    )
    .await
}

pub(crate) async fn attach_policy(
    c: &IamClients,
    p: &Principal,
    policy: &Arn,
    mode: Mode,
) -> StepReport {
    let attached = true;
    remediate(
        &Attachment {
            c,
            p,
            policy,
            attached,
        },
        mode,
    )
    .await
}

/// An inline policy's document (URL-encoded as IAM returns it), or `None` when there is none.
pub(crate) async fn inline_policy(
    c: &IamClients,
    p: &Principal,
    name: &str,
) -> Result<Option<String>, ActionError> {
    let resource = format!("inline policy {name} of {p}");
    let result = on_principal!(
        c,
        p,
        resource,
        [
            "iam:GetUserPolicy" get_user_policy,
            "iam:GetRolePolicy" get_role_policy,
            "iam:GetGroupPolicy" get_group_policy
        ],
        |r| r.policy_name(name),
        |o| o.policy_document().to_string()
    );
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
    let resource = format!("inline policy {name} of {p}");
    on_principal!(
        c,
        p,
        resource,
        [
            "iam:PutUserPolicy" put_user_policy,
            "iam:PutRolePolicy" put_role_policy,
            "iam:PutGroupPolicy" put_group_policy
        ],
        |r| r.policy_name(name).policy_document(document),
        |_o| ()
    )
}

/// An inline policy put to `document` unless it already says that.
struct EnsureInline<'a> {
    c: &'a IamClients,
    p: &'a Principal,
    name: &'a str,
    document: &'a str,
    /// What the policy is, as a person reads it.
    what: String,
}

impl Remediation for EnsureInline<'_> {
    type State = Option<String>;

    async fn read(&self) -> Result<Option<String>, ActionError> {
        inline_policy(self.c, self.p, self.name).await
    }

    fn standing(&self, current: &Option<String>) -> Standing {
        match current {
            Some(current) if same_document(current, self.document) => Standing::InEffect,
            _ => Standing::Needed,
        }
    }

    fn describe(&self, current: &Option<String>) -> String {
        match self.standing(current) {
            Standing::InEffect => format!("{} has {}", self.p, self.what),
            _ => format!("{} does not have {}", self.p, self.what),
        }
    }

    async fn act(&self) -> Result<(), ActionError> {
        put_inline(self.c, self.p, self.name, self.document).await
    }

    fn not_in_effect(&self, _: &Option<String>) -> ActionError {
        ActionError::not_in_effect(
            "iam:PutPolicy",
            format!("inline policy {} of {}", self.name, self.p),
            "the put succeeded but the document read back differs",
        )
    }
}

pub(crate) async fn put_inline_policy(
    c: &IamClients,
    p: &Principal,
    name: &str,
    document: &str,
    mode: Mode,
) -> StepReport {
    let what = format!("inline policy {name} with its previous document");
    remediate(
        &EnsureInline {
            c,
            p,
            name,
            document,
            what,
        },
        mode,
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
    let what = format!("the deny-all policy {QUARANTINE_POLICY_NAME}");
    remediate(
        &EnsureInline {
            c,
            p,
            name: QUARANTINE_POLICY_NAME,
            document: QUARANTINE_DOCUMENT,
            what,
        },
        mode,
    )
    .await
}

/// Not the common skeleton: there is nothing to check first, since a deny of the sessions issued
/// before now is always more than one of an earlier time (two calls: put, read back).
pub(crate) async fn revoke_role_sessions(c: &IamClients, role: &str, mode: Mode) -> StepReport {
    let now = EventTime::now();
    let principal = Principal::role(role);
    if mode == Mode::DryRun {
        return Ok((
            StepStatus::WouldDo,
            Some(format!(
                "sessions of role {role} issued before {now} are not yet denied"
            )),
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
        Some(_) => Ok((
            StepStatus::Done,
            Some(format!(
                "sessions of role {role} issued before {now} are denied"
            )),
        )),
        None => Err(ActionError::not_in_effect(
            "iam:PutRolePolicy",
            format!("role {role}"),
            "the put succeeded but the policy is missing",
        )),
    }
}

/// An inline policy deleted, only while its document is still the event's.
struct DeleteInline<'a> {
    c: &'a IamClients,
    p: &'a Principal,
    name: &'a str,
    document: &'a str,
}

impl DeleteInline<'_> {
    fn gone(&self) -> String {
        format!("{} has no inline policy {}", self.p, self.name)
    }
}

impl Remediation for DeleteInline<'_> {
    type State = Option<String>;

    async fn read(&self) -> Result<Option<String>, ActionError> {
        inline_policy(self.c, self.p, self.name).await
    }

    fn standing(&self, current: &Option<String>) -> Standing {
        match current {
            None => Standing::InEffect,
            // Changed again since the event: this event's change is no longer in effect, and the
            // later change is not this event's to undo (its own event reports it).
            Some(current) if !same_document(current, self.document) => {
                Standing::Superseded(format!(
                    "inline policy {} of {} was changed again after this event; left as it is",
                    self.name, self.p
                ))
            }
            Some(_) => Standing::Needed,
        }
    }

    fn describe(&self, current: &Option<String>) -> String {
        match current {
            None => self.gone(),
            Some(_) => format!(
                "{} has inline policy {} as the event put it",
                self.p, self.name
            ),
        }
    }

    async fn act(&self) -> Result<(), ActionError> {
        let resource = format!("inline policy {} of {}", self.name, self.p);
        on_principal!(
            self.c,
            self.p,
            resource,
            [
                "iam:DeleteUserPolicy" delete_user_policy,
                "iam:DeleteRolePolicy" delete_role_policy,
                "iam:DeleteGroupPolicy" delete_group_policy
            ],
            |r| r.policy_name(self.name),
            |_o| ()
        )
    }

    fn when_gone(&self) -> WhenGone {
        WhenGone::InEffect(self.gone())
    }

    fn not_in_effect(&self, _: &Option<String>) -> ActionError {
        ActionError::not_in_effect(
            "iam:DeletePolicy",
            format!("inline policy {} of {}", self.name, self.p),
            "the delete succeeded but the policy is still there",
        )
    }
}

pub(crate) async fn delete_inline_policy(
    c: &IamClients,
    p: &Principal,
    name: &str,
    document: &str,
    mode: Mode,
) -> StepReport {
    remediate(
        &DeleteInline {
            c,
            p,
            name,
            document,
        },
        mode,
    )
    .await
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

struct SetDefault<'a> {
    c: &'a IamClients,
    policy: &'a Arn,
    version: &'a str,
}

impl Remediation for SetDefault<'_> {
    type State = Option<String>;

    async fn read(&self) -> Result<Option<String>, ActionError> {
        default_version(self.c, self.policy).await
    }

    fn standing(&self, default: &Option<String>) -> Standing {
        if default.as_deref() == Some(self.version) {
            Standing::InEffect
        } else {
            Standing::Needed
        }
    }

    fn describe(&self, default: &Option<String>) -> String {
        let (version, policy) = (self.version, self.policy);
        match self.standing(default) {
            Standing::InEffect => format!("{version} is the default version of {policy}"),
            _ => format!("{version} is not the default version of {policy}"),
        }
    }

    async fn act(&self) -> Result<(), ActionError> {
        call!(
            "iam:SetDefaultPolicyVersion",
            self.policy,
            self.c
                .iam
                .set_default_policy_version()
                .policy_arn(self.policy.to_string())
                .version_id(self.version)
        )
        .map(|_| ())
    }

    fn not_in_effect(&self, _: &Option<String>) -> ActionError {
        ActionError::not_in_effect(
            "iam:SetDefaultPolicyVersion",
            self.policy.to_string(),
            format!("the call succeeded but {} is not the default", self.version),
        )
    }
}

pub(crate) async fn set_default_policy_version(
    c: &IamClients,
    policy: &Arn,
    version: &str,
    mode: Mode,
) -> StepReport {
    remediate(&SetDefault { c, policy, version }, mode).await
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

struct DeleteVersion<'a> {
    c: &'a IamClients,
    policy: &'a Arn,
    version: &'a str,
}

impl Remediation for DeleteVersion<'_> {
    /// `Some(is_default)` when the version exists.
    type State = Option<bool>;

    async fn read(&self) -> Result<Option<bool>, ActionError> {
        version_exists(self.c, self.policy, self.version).await
    }

    fn standing(&self, exists: &Option<bool>) -> Standing {
        match exists {
            None => Standing::InEffect,
            Some(true) => Standing::Refused(ActionError::not_in_effect(
                "iam:DeletePolicyVersion",
                self.policy.to_string(),
                format!(
                    "{} is the default version, which IAM does not delete",
                    self.version
                ),
            )),
            Some(false) => Standing::Needed,
        }
    }

    fn describe(&self, exists: &Option<bool>) -> String {
        let (version, policy) = (self.version, self.policy);
        match exists {
            None => format!("{policy} has no version {version}"),
            Some(_) => format!("{policy} has version {version}"),
        }
    }

    async fn act(&self) -> Result<(), ActionError> {
        call!(
            "iam:DeletePolicyVersion",
            self.policy,
            self.c
                .iam
                .delete_policy_version()
                .policy_arn(self.policy.to_string())
                .version_id(self.version)
        )
        .map(|_| ())
    }

    fn when_gone(&self) -> WhenGone {
        WhenGone::InEffect(self.describe(&None))
    }

    fn not_in_effect(&self, _: &Option<bool>) -> ActionError {
        ActionError::not_in_effect(
            "iam:DeletePolicyVersion",
            self.policy.to_string(),
            "the delete succeeded but the version is still there",
        )
    }
}

pub(crate) async fn delete_policy_version(
    c: &IamClients,
    policy: &Arn,
    version: &str,
    mode: Mode,
) -> StepReport {
    remediate(&DeleteVersion { c, policy, version }, mode).await
}

async fn in_group(c: &IamClients, user: &str, group: &str) -> Result<bool, ActionError> {
    let out = call!(
        "iam:ListGroupsForUser",
        format!("user {user}"),
        c.iam.list_groups_for_user().user_name(user).max_items(1000)
    )?;
    Ok(out.groups().iter().any(|g| g.group_name() == group))
}

struct RemoveFromGroup<'a> {
    c: &'a IamClients,
    user: &'a str,
    group: &'a str,
}

impl Remediation for RemoveFromGroup<'_> {
    type State = bool;

    async fn read(&self) -> Result<bool, ActionError> {
        in_group(self.c, self.user, self.group).await
    }

    fn standing(&self, member: &bool) -> Standing {
        if *member {
            Standing::Needed
        } else {
            Standing::InEffect
        }
    }

    fn describe(&self, member: &bool) -> String {
        let (user, group) = (self.user, self.group);
        if *member {
            format!("user {user} is in group {group}")
        } else {
            format!("user {user} is not in group {group}")
        }
    }

    async fn act(&self) -> Result<(), ActionError> {
        call!(
            "iam:RemoveUserFromGroup",
            format!("user {}", self.user),
            self.c
                .iam
                .remove_user_from_group()
                .user_name(self.user)
                .group_name(self.group)
        )
        .map(|_| ())
    }

    fn when_gone(&self) -> WhenGone {
        WhenGone::InEffect(self.describe(&false))
    }

    fn not_in_effect(&self, _: &bool) -> ActionError {
        ActionError::not_in_effect(
            "iam:RemoveUserFromGroup",
            format!("user {}", self.user),
            format!(
                "the call succeeded but the user is still in group {}",
                self.group
            ),
        )
    }
}

pub(crate) async fn remove_user_from_group(
    c: &IamClients,
    user: &str,
    group: &str,
    mode: Mode,
) -> StepReport {
    remediate(&RemoveFromGroup { c, user, group }, mode).await
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

struct PutTrust<'a> {
    c: &'a IamClients,
    role: &'a str,
    document: &'a str,
}

impl Remediation for PutTrust<'_> {
    type State = Option<String>;

    async fn read(&self) -> Result<Option<String>, ActionError> {
        trust_policy(self.c, self.role).await
    }

    fn standing(&self, current: &Option<String>) -> Standing {
        if current
            .as_deref()
            .is_some_and(|d| same_document(d, self.document))
        {
            Standing::InEffect
        } else {
            Standing::Needed
        }
    }

    fn describe(&self, current: &Option<String>) -> String {
        match self.standing(current) {
            Standing::InEffect => format!("role {} has its previous trust policy", self.role),
            _ => format!("role {} has another trust policy", self.role),
        }
    }

    async fn act(&self) -> Result<(), ActionError> {
        call!(
            "iam:UpdateAssumeRolePolicy",
            format!("role {}", self.role),
            self.c
                .iam
                .update_assume_role_policy()
                .role_name(self.role)
                .policy_document(self.document)
        )
        .map(|_| ())
    }

    fn not_in_effect(&self, _: &Option<String>) -> ActionError {
        ActionError::not_in_effect(
            "iam:UpdateAssumeRolePolicy",
            format!("role {}", self.role),
            "the call succeeded but the trust policy read back differs",
        )
    }
}

pub(crate) async fn put_trust_policy(
    c: &IamClients,
    role: &str,
    document: &str,
    mode: Mode,
) -> StepReport {
    remediate(&PutTrust { c, role, document }, mode).await
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

struct PutBoundary<'a> {
    c: &'a IamClients,
    p: &'a Principal,
    arn: String,
}

impl Remediation for PutBoundary<'_> {
    type State = Option<String>;

    async fn read(&self) -> Result<Option<String>, ActionError> {
        boundary(self.c, self.p).await
    }

    fn standing(&self, current: &Option<String>) -> Standing {
        if current.as_deref() == Some(self.arn.as_str()) {
            Standing::InEffect
        } else {
            Standing::Needed
        }
    }

    fn describe(&self, current: &Option<String>) -> String {
        let (p, arn) = (self.p, &self.arn);
        match self.standing(current) {
            Standing::InEffect => format!("the permissions boundary of {p} is {arn}"),
            _ => format!("the permissions boundary of {p} is not {arn}"),
        }
    }

    async fn act(&self) -> Result<(), ActionError> {
        let (iam, p, arn) = (&self.c.iam, self.p, &self.arn);
        match p.kind {
            PrincipalKind::User => call!(
                "iam:PutUserPermissionsBoundary",
                p,
                iam.put_user_permissions_boundary()
                    .user_name(&p.name)
                    .permissions_boundary(arn)
            )
            .map(|_| ()),
            _ => call!(
                "iam:PutRolePermissionsBoundary",
                p,
                iam.put_role_permissions_boundary()
                    .role_name(&p.name)
                    .permissions_boundary(arn)
            )
            .map(|_| ()),
        }
    }

    fn not_in_effect(&self, _: &Option<String>) -> ActionError {
        ActionError::not_in_effect(
            "iam:PutPermissionsBoundary",
            self.p.to_string(),
            "the call succeeded but the boundary read back differs",
        )
    }
}

pub(crate) async fn put_permissions_boundary(
    c: &IamClients,
    p: &Principal,
    policy: &Arn,
    mode: Mode,
) -> StepReport {
    let arn = policy.to_string();
    remediate(&PutBoundary { c, p, arn }, mode).await
}

struct DeleteBoundary<'a> {
    c: &'a IamClients,
    p: &'a Principal,
}

impl Remediation for DeleteBoundary<'_> {
    type State = Option<String>;

    async fn read(&self) -> Result<Option<String>, ActionError> {
        boundary(self.c, self.p).await
    }

    fn standing(&self, current: &Option<String>) -> Standing {
        match current {
            None => Standing::InEffect,
            Some(_) => Standing::Needed,
        }
    }

    fn describe(&self, current: &Option<String>) -> String {
        match current {
            None => format!("{} has no permissions boundary", self.p),
            Some(current) => format!("the permissions boundary of {} is {current}", self.p),
        }
    }

    async fn act(&self) -> Result<(), ActionError> {
        let (iam, p) = (&self.c.iam, self.p);
        match p.kind {
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
        }
    }

    fn when_gone(&self) -> WhenGone {
        WhenGone::ReadBack
    }

    fn not_in_effect(&self, _: &Option<String>) -> ActionError {
        ActionError::not_in_effect(
            "iam:DeletePermissionsBoundary",
            self.p.to_string(),
            "the call succeeded but a boundary is still set",
        )
    }
}

pub(crate) async fn delete_permissions_boundary(
    c: &IamClients,
    p: &Principal,
    mode: Mode,
) -> StepReport {
    remediate(&DeleteBoundary { c, p }, mode).await
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

struct DeactivateKey<'a> {
    c: &'a IamClients,
    user: &'a str,
    key: &'a str,
}

impl Remediation for DeactivateKey<'_> {
    type State = Option<String>;

    async fn read(&self) -> Result<Option<String>, ActionError> {
        key_status(self.c, self.user, self.key).await
    }

    fn standing(&self, status: &Option<String>) -> Standing {
        match status.as_deref() {
            None | Some("Inactive") => Standing::InEffect,
            Some(_) => Standing::Needed,
        }
    }

    fn describe(&self, status: &Option<String>) -> String {
        let (user, key) = (self.user, self.key);
        match status.as_deref() {
            None => format!("user {user} has no access key {key} any more"),
            Some("Inactive") => format!("access key {key} of user {user} is inactive"),
            Some(_) => format!("access key {key} of user {user} is active"),
        }
    }

    async fn act(&self) -> Result<(), ActionError> {
        call!(
            "iam:UpdateAccessKey",
            format!("access key {} of user {}", self.key, self.user),
            self.c
                .iam
                .update_access_key()
                .user_name(self.user)
                .access_key_id(self.key)
                .status(StatusType::Inactive)
        )
        .map(|_| ())
    }

    // Read back, a key that is gone is not "inactive": only that status verifies the step.
    fn holds(&self, status: &Option<String>) -> bool {
        status.as_deref() == Some("Inactive")
    }

    fn not_in_effect(&self, _: &Option<String>) -> ActionError {
        ActionError::not_in_effect(
            "iam:UpdateAccessKey",
            format!("access key {} of user {}", self.key, self.user),
            "the call succeeded but the key is not inactive",
        )
    }
}

pub(crate) async fn deactivate_access_key(
    c: &IamClients,
    user: &str,
    key: &str,
    mode: Mode,
) -> StepReport {
    remediate(&DeactivateKey { c, user, key }, mode).await
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

struct DeleteLoginProfile<'a> {
    c: &'a IamClients,
    user: &'a str,
}

impl Remediation for DeleteLoginProfile<'_> {
    type State = bool;

    async fn read(&self) -> Result<bool, ActionError> {
        has_login_profile(self.c, self.user).await
    }

    fn standing(&self, has: &bool) -> Standing {
        if *has {
            Standing::Needed
        } else {
            Standing::InEffect
        }
    }

    fn describe(&self, has: &bool) -> String {
        if *has {
            format!("user {} has a console password", self.user)
        } else {
            format!("user {} has no console password", self.user)
        }
    }

    async fn act(&self) -> Result<(), ActionError> {
        call!(
            "iam:DeleteLoginProfile",
            format!("user {}", self.user),
            self.c.iam.delete_login_profile().user_name(self.user)
        )
        .map(|_| ())
    }

    fn when_gone(&self) -> WhenGone {
        WhenGone::InEffect(self.describe(&false))
    }

    fn not_in_effect(&self, _: &bool) -> ActionError {
        ActionError::not_in_effect(
            "iam:DeleteLoginProfile",
            format!("user {}", self.user),
            "the call succeeded but the login profile is still there",
        )
    }
}

pub(crate) async fn delete_login_profile(c: &IamClients, user: &str, mode: Mode) -> StepReport {
    remediate(&DeleteLoginProfile { c, user }, mode).await
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
