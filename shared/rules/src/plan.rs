//! What a decision produces: an incident, and a plan of actions that puts things back.

use crate::Function;
use crate::desired::{DesiredTrail, EventSelector, TrailChanges, TrailRef};
use serde::Serialize;
use std::fmt;
use trailwarden_events::{Arn, EventTime, Region};

/// How urgent an alert is. The names are the alert's `severity` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of IAM identity a policy is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalKind {
    User,
    Role,
    Group,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::User => "user",
            PrincipalKind::Role => "role",
            PrincipalKind::Group => "group",
        }
    }
}

/// An IAM user, role or group of the event's account, by name (names are unique per kind).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Principal {
    pub kind: PrincipalKind,
    pub name: String,
}

impl Principal {
    pub fn user(name: impl Into<String>) -> Principal {
        Principal {
            kind: PrincipalKind::User,
            name: name.into(),
        }
    }

    pub fn role(name: impl Into<String>) -> Principal {
        Principal {
            kind: PrincipalKind::Role,
            name: name.into(),
        }
    }

    pub fn group(name: impl Into<String>) -> Principal {
        Principal {
            kind: PrincipalKind::Group,
            name: name.into(),
        }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind.as_str(), self.name)
    }
}

/// The name of the inline deny-all policy that quarantines a user or role.
pub const QUARANTINE_POLICY_NAME: &str = "trailwarden-quarantine";

/// The name of the inline policy that denies a role's sessions issued before a time.
pub const REVOKE_SESSIONS_POLICY_NAME: &str = "trailwarden-revoke-sessions";

/// The name of the inline policy that denies a role's sessions issued since its trust policy was
/// backdoored (and before it was put back).
pub const DENY_SESSIONS_SINCE_POLICY_NAME: &str = "trailwarden-deny-sessions-since";

/// Declares every [`Action`] once, grouped by the function whose guard carries it out: its
/// fields, the remediation of `trailwarden_actions` that carries it out (`by`, called with the
/// guard's clients, each field by reference in order, and the mode), the sentence the alert says
/// for it (`says`, given the formatter and each field by reference), and the IAM permissions that
/// remediation needs (reads to check the current state and verify the result included). The
/// actions, their sentences, kinds, names, functions, permissions and each guard's dispatch ([`carry_out!`])
/// all come from here; the template's roles are checked against them.
///
/// `$d` is a `$`, so that the dispatch macro can be declared from in here.
macro_rules! action_kinds {
    ($d:tt $($function:ident {
        $(
            $(#[$doc:meta])*
            $kind:ident { $($(#[$field_doc:meta])* $field:ident : $ty:ty),* $(,)? }
            by $by:path,
            says $says:expr
            => [$($permission:literal),* $(,)?],
        )*
    },)*) => {
        /// A guard's dispatch, from the one declaration of the actions: `carry_out!(IamGuard,
        /// action, clients, mode)` is `Some` of the remediation's future when `action` is one of
        /// that function's kinds, `None` otherwise. Expanded in `trailwarden_actions`, where the
        /// remediations named by `by` live.
        #[macro_export]
        macro_rules! carry_out {
            $(
                ($function, $d action:expr, $d clients:expr, $d mode:expr) => {
                    match $d action {
                        $(
                            $crate::Action::$kind { $($field),* } => Some(
                                Box::pin($by($d clients, $($field,)* $d mode))
                                    as $crate::Work<'_, _>,
                            ),
                        )*
                        #[allow(unreachable_patterns)]
                        _ => None,
                    }
                };
            )*
        }

        /// One thing trailwarden does to AWS. Each knows the IAM permissions it needs
        /// ([`ActionKind`]).
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Action {
            $($(
                $(#[$doc])*
                $kind { $($(#[$field_doc])* $field: $ty,)* },
            )*)*
        }

        impl fmt::Display for Action {
            /// What a person reads in the alert: the action in the imperative (`says`).
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $($(Action::$kind { $($field),* } => {
                        let says: fn(&mut fmt::Formatter<'_>, $(&$ty),*) -> fmt::Result = $says;
                        says(f, $($field),*)
                    })*)*
                }
            }
        }

        impl Action {
            pub fn kind(&self) -> ActionKind {
                match self {
                    $($(Action::$kind { .. } => ActionKind::$kind,)*)*
                }
            }
        }

        /// The kinds of action (see [`Action::kind`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub enum ActionKind {
            $($($kind,)*)*
        }

        impl ActionKind {
            pub const ALL: &'static [ActionKind] = &[$($(ActionKind::$kind,)*)*];

            pub fn permissions(self) -> &'static [&'static str] {
                match self {
                    $($(ActionKind::$kind => &[$($permission),*],)*)*
                }
            }

            pub fn as_str(self) -> &'static str {
                match self {
                    $($(ActionKind::$kind => stringify!($kind),)*)*
                }
            }

            /// The function whose guard carries this kind out.
            pub fn function(self) -> Function {
                match self {
                    $($(ActionKind::$kind => Function::$function,)*)*
                }
            }

            /// The kinds `function` carries out.
            pub fn of(function: Function) -> &'static [ActionKind] {
                match function {
                    $(Function::$function => &[$(ActionKind::$kind,)*],)*
                }
            }
        }
    };
}

action_kinds! {
    $
    TrailGuard {
        /// `cloudtrail:StartLogging` on a stopped trail.
        StartLogging {
            trail: TrailRef,
            /// When the event being reverted stopped the trail. A trail stopped again after that
            /// (its `StopLoggingTime` is later) is left alone: the later stop is not this event's to
            /// undo, and its own event is handled on its own. `None`: no event stopped it (the
            /// scheduled check, a recreated trail).
            stopped_at: Option<EventTime>,
        }
        by trail::logging::start_logging,
        says |f, trail, _| write!(f, "start logging on {trail}")
        => ["cloudtrail:GetTrailStatus", "cloudtrail:StartLogging"],
        /// Put a trail's departing settings back (`cloudtrail:UpdateTrail`, from its home region).
        UpdateTrail {
            trail: TrailRef,
            changes: TrailChanges,
        }
        by trail::settings::update_trail,
        says |f, trail, changes| write!(
            f,
            "put back the settings of {trail}: {}",
            changes.describe().join(", ")
        )
        // PassRole: putting back a CloudWatch Logs role hands that role to CloudTrail.
        => ["cloudtrail:GetTrail", "cloudtrail:UpdateTrail", "iam:PassRole"],
        /// Put a trail's event selectors back (replacing any advanced selectors).
        PutEventSelectors {
            trail: TrailRef,
            selectors: Vec<EventSelector>,
        }
        by trail::selectors::put_event_selectors,
        says |f, trail, selectors| {
            write!(f, "put back the event selectors of {trail}: ")?;
            for (i, s) in selectors.iter().enumerate() {
                write!(f, "{}{s}", if i == 0 { "" } else { "; " })?;
            }
            Ok(())
        }
        => ["cloudtrail:GetEventSelectors", "cloudtrail:PutEventSelectors"],
        /// Put a trail's insight selectors back (an empty list turns Insights off).
        PutInsightSelectors {
            trail: TrailRef,
            insight_types: Vec<String>,
        }
        by trail::selectors::put_insight_selectors,
        says |f, trail, insight_types| {
            if insight_types.is_empty() {
                write!(f, "turn Insights off again on {trail}")
            } else {
                write!(
                    f,
                    "put back the insight selectors of {trail}: {}",
                    insight_types.join(", ")
                )
            }
        }
        => ["cloudtrail:GetInsightSelectors", "cloudtrail:PutInsightSelectors"],
        /// Create a deleted trail again, in its home region, in the desired state.
        CreateTrail {
            trail: TrailRef,
            desired: DesiredTrail,
        }
        by trail::creation::create_trail,
        says |f, trail, _| write!(f, "create {trail} again in its desired state")
        => ["cloudtrail:GetTrail", "cloudtrail:CreateTrail", "iam:PassRole"],
        /// Cancel the scheduled deletion of a KMS key (which leaves it disabled).
        CancelKeyDeletion {
            key: String,
            region: Region,
        }
        by kms::cancel_key_deletion,
        says |f, key, region| write!(f, "cancel the deletion of KMS key {key} ({region})")
        => ["kms:DescribeKey", "kms:CancelKeyDeletion"],
        EnableKey {
            key: String,
            region: Region,
        }
        by kms::enable_key,
        says |f, key, region| write!(f, "enable KMS key {key} ({region})")
        => ["kms:DescribeKey", "kms:EnableKey"],
        /// Turn an S3 bucket's versioning on again.
        EnableBucketVersioning {
            bucket: String,
            region: Region,
        }
        by s3::enable_bucket_versioning,
        says |f, bucket, _| write!(f, "turn versioning of S3 bucket {bucket} on again")
        => ["s3:GetBucketVersioning", "s3:PutBucketVersioning"],
    },
    IamGuard {
        /// Detach a managed policy from a user, role or group.
        DetachPolicy {
            principal: Principal,
            policy: Arn,
        }
        by iam::attachments::detach_policy,
        says |f, principal, policy| write!(f, "detach policy {policy} from {principal}")
        => [
            "iam:ListAttachedUserPolicies",
            "iam:ListAttachedRolePolicies",
            "iam:ListAttachedGroupPolicies",
            "iam:DetachUserPolicy",
            "iam:DetachRolePolicy",
            "iam:DetachGroupPolicy",
        ],
        /// Attach a managed policy (a protected one that was detached) again.
        AttachPolicy {
            principal: Principal,
            policy: Arn,
        }
        by iam::attachments::attach_policy,
        says |f, principal, policy| write!(f, "attach policy {policy} to {principal} again")
        => [
            "iam:ListAttachedUserPolicies",
            "iam:ListAttachedRolePolicies",
            "iam:ListAttachedGroupPolicies",
            "iam:AttachUserPolicy",
            "iam:AttachRolePolicy",
            "iam:AttachGroupPolicy",
        ],
        /// Put an inline policy back to `document` (JSON, as CloudTrail recorded it).
        PutInlinePolicy {
            principal: Principal,
            name: String,
            document: String,
        }
        by iam::inline::put_inline_policy,
        says |f, principal, name, _| write!(
            f,
            "put back the previous document of inline policy {name} of {principal}"
        )
        => [
            "iam:GetUserPolicy",
            "iam:GetRolePolicy",
            "iam:GetGroupPolicy",
            "iam:PutUserPolicy",
            "iam:PutRolePolicy",
            "iam:PutGroupPolicy",
        ],
        /// Delete an inline policy, only while its document is still `document` (the event's).
        DeleteInlinePolicy {
            principal: Principal,
            name: String,
            document: String,
        }
        by iam::inline::delete_inline_policy,
        says |f, principal, name, _| write!(f, "delete inline policy {name} of {principal}")
        => [
            "iam:GetUserPolicy",
            "iam:GetRolePolicy",
            "iam:GetGroupPolicy",
            "iam:DeleteUserPolicy",
            "iam:DeleteRolePolicy",
            "iam:DeleteGroupPolicy",
        ],
        /// Make `version` the default version of a managed policy.
        SetDefaultPolicyVersion {
            policy: Arn,
            version: String,
        }
        by iam::versions::set_default_policy_version,
        says |f, policy, version| write!(f, "make version {version} the default of policy {policy}")
        => ["iam:GetPolicy", "iam:SetDefaultPolicyVersion"],
        /// Delete a (non-default) version of a managed policy.
        DeletePolicyVersion {
            policy: Arn,
            version: String,
        }
        by iam::versions::delete_policy_version,
        says |f, policy, version| write!(f, "delete version {version} of policy {policy}")
        => ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:DeletePolicyVersion"],
        RemoveUserFromGroup {
            user: String,
            group: String,
        }
        by iam::groups::remove_user_from_group,
        says |f, user, group| write!(f, "remove user {user} from group {group}")
        => ["iam:ListGroupsForUser", "iam:RemoveUserFromGroup"],
        /// Put a role's trust policy back to `document`.
        PutTrustPolicy {
            role: String,
            document: String,
        }
        by iam::trust::put_trust_policy,
        says |f, role, _| write!(f, "put back the previous trust policy of role {role}")
        => ["iam:GetRole", "iam:UpdateAssumeRolePolicy"],
        /// Set a user's or role's permissions boundary back to `policy`.
        PutPermissionsBoundary {
            principal: Principal,
            policy: Arn,
        }
        by iam::boundaries::put_permissions_boundary,
        says |f, principal, policy| write!(
            f,
            "set the permissions boundary of {principal} back to {policy}"
        )
        => [
            "iam:GetUser",
            "iam:GetRole",
            "iam:PutUserPermissionsBoundary",
            "iam:PutRolePermissionsBoundary",
        ],
        /// Make an access key inactive; it is kept as evidence.
        DeactivateAccessKey {
            user: String,
            access_key_id: String,
        }
        by iam::credentials::deactivate_access_key,
        says |f, user, access_key_id| write!(f, "deactivate access key {access_key_id} of user {user}")
        => ["iam:ListAccessKeys", "iam:UpdateAccessKey"],
        /// Delete a user's console password (login profile).
        DeleteLoginProfile {
            user: String,
        }
        by iam::credentials::delete_login_profile,
        says |f, user| write!(f, "delete the console password (login profile) of user {user}")
        => ["iam:GetLoginProfile", "iam:DeleteLoginProfile"],
        /// Put the inline deny-all policy [`QUARANTINE_POLICY_NAME`] on a user or role.
        Quarantine {
            principal: Principal,
        }
        by iam::containment::quarantine,
        says |f, principal| write!(
            f,
            "quarantine {principal} with the deny-all inline policy {QUARANTINE_POLICY_NAME}"
        )
        => [
            "iam:GetUserPolicy",
            "iam:GetRolePolicy",
            "iam:PutUserPolicy",
            "iam:PutRolePolicy",
        ],
        /// Deny a role's sessions issued before the moment the action runs.
        RevokeRoleSessions {
            role: String,
        }
        by iam::containment::revoke_role_sessions,
        says |f, role| write!(f, "deny the sessions of role {role} issued before now")
        => ["iam:GetRolePolicy", "iam:PutRolePolicy"],
        /// Deny a role's sessions issued after `since` (when its trust policy was replaced) and
        /// before the moment the action runs: whoever assumed it through the backdoor.
        DenyRoleSessionsSince {
            role: String,
            since: EventTime,
        }
        by iam::containment::deny_role_sessions_since,
        says |f, role, since| write!(f, "deny the sessions of role {role} issued since {since}")
        => ["iam:GetRolePolicy", "iam:PutRolePolicy"],
    },
    // Detection only: tripwire changes nothing.
    Tripwire {},
    // Validation only: log-auditor reads and alerts.
    LogAuditor {},
}
