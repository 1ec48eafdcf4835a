//! [`Subject`]: what a previous state or a later change is about (an inline policy, a trust
//! policy, an attachment...), and which IAM calls change it: the domain knowledge that event
//! history is searched with, apart from the I/O that searches it.

use crate::{Principal, PrincipalKind};
use serde_json::Value;
use trailwarden_events::{Arn, Record};

/// What a previous state is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    /// An inline policy's document.
    InlinePolicy { principal: Principal, name: String },
    /// A role's trust policy document.
    TrustPolicy { role: String },
    /// A user's or role's permissions boundary (a policy ARN).
    PermissionsBoundary { principal: Principal },
    /// A managed policy's attachment to a user, role or group.
    Attachment { principal: Principal, policy: Arn },
    /// A user's membership of a group.
    GroupMembership { user: String, group: String },
    /// An access key's status.
    AccessKey { user: String, access_key_id: String },
    /// A user's console password (login profile).
    LoginProfile { user: String },
    /// Which version of a managed policy is its default.
    DefaultVersion { policy: Arn },
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Subject::InlinePolicy { principal, name } => {
                write!(f, "inline policy {name} of {principal}")
            }
            Subject::TrustPolicy { role } => write!(f, "trust policy of role {role}"),
            Subject::PermissionsBoundary { principal } => {
                write!(f, "permissions boundary of {principal}")
            }
            Subject::Attachment { principal, policy } => {
                write!(f, "attachment of {policy} to {principal}")
            }
            Subject::GroupMembership { user, group } => {
                write!(f, "membership of user {user} in group {group}")
            }
            Subject::AccessKey {
                user,
                access_key_id,
            } => write!(f, "access key {access_key_id} of user {user}"),
            Subject::LoginProfile { user } => write!(f, "console password of user {user}"),
            Subject::DefaultVersion { policy } => write!(f, "default version of {policy}"),
        }
    }
}

impl Subject {
    /// The names of the calls that change this subject (see [`Subject::state_left_by`] for
    /// whether one record did): the event names event history is searched for.
    pub fn changed_by(&self) -> Vec<&'static str> {
        match self {
            Subject::InlinePolicy { principal, .. } => match principal.kind {
                PrincipalKind::User => vec!["PutUserPolicy", "DeleteUserPolicy"],
                PrincipalKind::Role => vec!["PutRolePolicy", "DeleteRolePolicy"],
                PrincipalKind::Group => vec!["PutGroupPolicy", "DeleteGroupPolicy"],
            },
            Subject::TrustPolicy { .. } => vec!["UpdateAssumeRolePolicy", "CreateRole"],
            Subject::PermissionsBoundary { principal } => match principal.kind {
                PrincipalKind::User => vec![
                    "PutUserPermissionsBoundary",
                    "DeleteUserPermissionsBoundary",
                    "CreateUser",
                ],
                _ => vec![
                    "PutRolePermissionsBoundary",
                    "DeleteRolePermissionsBoundary",
                    "CreateRole",
                ],
            },
            Subject::Attachment { principal, .. } => match principal.kind {
                PrincipalKind::User => vec!["AttachUserPolicy", "DetachUserPolicy"],
                PrincipalKind::Role => vec!["AttachRolePolicy", "DetachRolePolicy"],
                PrincipalKind::Group => vec!["AttachGroupPolicy", "DetachGroupPolicy"],
            },
            Subject::GroupMembership { .. } => vec!["AddUserToGroup", "RemoveUserFromGroup"],
            Subject::AccessKey { .. } => vec!["UpdateAccessKey"],
            Subject::LoginProfile { .. } => vec![
                "CreateLoginProfile",
                "UpdateLoginProfile",
                "DeleteLoginProfile",
            ],
            Subject::DefaultVersion { .. } => {
                vec!["SetDefaultPolicyVersion", "CreatePolicyVersion"]
            }
        }
    }

    /// The state `record` left this subject in: `Some(state)` when it changed the subject. The
    /// state is read only for the subjects whose previous state a revert puts back (inline, trust
    /// and boundary policies); for the others it is `None`.
    pub fn state_left_by(&self, record: &Record) -> Option<Option<String>> {
        let owned = |s: Option<&str>| s.map(String::from);
        match self {
            Subject::InlinePolicy { principal, name } => {
                (record.request_str(name_key(principal.kind)) == Some(principal.name.as_str())
                    && record.request_str("policyName") == Some(name.as_str()))
                .then(|| {
                    if record.event_name.starts_with("Put") {
                        owned(record.request_str("policyDocument"))
                    } else {
                        None
                    }
                })
            }
            Subject::TrustPolicy { role } => (record.request_str("roleName")
                == Some(role.as_str()))
            .then(|| match record.event_name.as_str() {
                "CreateRole" => owned(record.request_str("assumeRolePolicyDocument")),
                _ => owned(record.request_str("policyDocument")),
            }),
            Subject::PermissionsBoundary { principal } => {
                (record.request_str(name_key(principal.kind)) == Some(principal.name.as_str()))
                    .then(|| {
                        if record.event_name.starts_with("Delete") {
                            None
                        } else {
                            owned(record.request_str("permissionsBoundary"))
                        }
                    })
            }
            Subject::Attachment { principal, policy } => {
                (record.request_str(name_key(principal.kind)) == Some(principal.name.as_str())
                    && record.request_str("policyArn") == Some(policy.to_string().as_str()))
                .then_some(None)
            }
            Subject::GroupMembership { user, group } => (record.request_str("userName")
                == Some(user.as_str())
                && record.request_str("groupName") == Some(group.as_str()))
            .then_some(None),
            Subject::AccessKey { access_key_id, .. } => {
                (record.request_str("accessKeyId") == Some(access_key_id.as_str())).then_some(None)
            }
            Subject::LoginProfile { user } => {
                (record.request_str("userName") == Some(user.as_str())).then_some(None)
            }
            Subject::DefaultVersion { policy } => {
                let made_default = record.event_name == "SetDefaultPolicyVersion"
                    || record
                        .request_parameters
                        .as_ref()
                        .and_then(|p| p.get("setAsDefault"))
                        .and_then(Value::as_bool)
                        == Some(true);
                (made_default
                    && record.request_str("policyArn") == Some(policy.to_string().as_str()))
                .then_some(None)
            }
        }
    }
}

fn name_key(kind: PrincipalKind) -> &'static str {
    match kind {
        PrincipalKind::User => "userName",
        PrincipalKind::Role => "roleName",
        PrincipalKind::Group => "groupName",
    }
}
