//! Managed policy attachments: detached again (an attach) or attached again (a protected one detached).

use crate::error::FromSdk;
use crate::remediation::{Remediation, Standing, StepReport, WhenGone, remediate};
use crate::{ActionError, IamClients};
use trailwarden_events::Arn;
use trailwarden_rules::{Mode, Principal, PrincipalKind};

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
