//! Inline policies: the previous document put back, or the event's deleted (while it is still the
//! event's).

use super::same_document;
use crate::error::FromSdk;
use crate::remediation::{Remediation, Standing, StepReport, WhenGone, remediate};
use crate::{ActionError, FailureKind, IamClients};
use trailwarden_rules::{Mode, Principal, PrincipalKind};

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

pub(super) async fn put_inline(
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
pub(super) struct EnsureInline<'a> {
    pub(super) c: &'a IamClients,
    pub(super) p: &'a Principal,
    pub(super) name: &'a str,
    pub(super) document: &'a str,
    /// What the policy is, as a person reads it.
    pub(super) what: String,
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
