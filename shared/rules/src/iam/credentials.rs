//! Long-term credentials made for a user: a new access key deactivated, a console password deleted.

use super::{Answer, Case, RevertRow, RowPlan, no_previous, optional_param};
use crate::{Action, Severity, Subject};
use serde_json::Value;
use trailwarden_events::{EventError, Record};

pub(super) const ACCESS_KEY: RevertRow = RevertRow {
    events: &["CreateAccessKey"],
    subject: |r, _| {
        let (user, access_key_id) = created_key(r)?;
        Ok(Some(Subject::AccessKey {
            user,
            access_key_id,
        }))
    },
    previous: no_previous,
    decide: |case| case.create_access_key().map(Answer::Respond),
};

pub(super) const LOGIN_PROFILE: RevertRow = RevertRow {
    events: &["CreateLoginProfile", "UpdateLoginProfile"],
    subject: |r, _| {
        Ok(Some(Subject::LoginProfile {
            user: login_profile_user(r)?,
        }))
    },
    previous: no_previous,
    decide: |case| case.login_profile().map(Answer::Respond),
};

/// The user and id of the access key a `CreateAccessKey` record created.
fn created_key(r: &Record) -> Result<(String, String), EventError> {
    let key = r
        .response_elements
        .as_ref()
        .and_then(|e| e.get("accessKey"))
        .ok_or_else(|| EventError::Request {
            event_name: r.event_name.clone(),
            reason: "responseElements.accessKey is missing".into(),
        })?;
    let field = |name: &str| key.get(name).and_then(Value::as_str).map(String::from);
    let access_key_id = field("accessKeyId").ok_or_else(|| EventError::Request {
        event_name: r.event_name.clone(),
        reason: "responseElements.accessKey.accessKeyId is missing".into(),
    })?;
    let user = field("userName")
        .or_else(|| optional_param(r, "userName"))
        .ok_or_else(|| EventError::Request {
            event_name: r.event_name.clone(),
            reason: "the key's userName is missing".into(),
        })?;
    Ok((user, access_key_id))
}

/// The user whose console password a `CreateLoginProfile` or `UpdateLoginProfile` record set.
fn login_profile_user(r: &Record) -> Result<String, EventError> {
    optional_param(r, "userName")
        .or_else(|| {
            r.response_elements
                .as_ref()
                .and_then(|e| e.get("loginProfile"))
                .and_then(|p| p.get("userName"))
                .and_then(Value::as_str)
                .map(String::from)
        })
        .ok_or_else(|| EventError::Request {
            event_name: r.event_name.clone(),
            reason: "userName is missing".into(),
        })
}

impl Case<'_> {
    fn create_access_key(&self) -> Result<RowPlan, EventError> {
        let (user, access_key_id) = created_key(self.record)?;
        Ok(self.revert(
            format!(
                "access key {access_key_id} created for user {user} by {}",
                self.actor()
            ),
            format!("user {user} (access key {access_key_id})"),
            Severity::High,
            vec![Action::DeactivateAccessKey {
                user,
                access_key_id,
            }],
        ))
    }

    fn login_profile(&self) -> Result<RowPlan, EventError> {
        let r = self.record;
        let user = login_profile_user(r)?;
        let what = if r.event_name == "CreateLoginProfile" {
            "created"
        } else {
            "changed"
        };
        let mut row = self.revert(
            format!("console password of user {user} {what} by {}", self.actor()),
            format!("user {user} (login profile)"),
            Severity::High,
            vec![Action::DeleteLoginProfile { user: user.clone() }],
        );
        if r.event_name == "UpdateLoginProfile" {
            row.next_steps.push(format!(
                "A password cannot be put back: give user {user} a new console password once the change is explained."
            ));
        }
        Ok(row)
    }
}
