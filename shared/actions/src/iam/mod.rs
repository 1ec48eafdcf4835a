//! IAM actions, one module per row family of iam-guard's table (and the containment). Each reads the
//! current state first (already as intended: `AlreadyInEffect`), acts unless in dry-run, and reads
//! the result back; each touches only what its action names. Here: what they share (documents
//! compared as JSON, and the IAM call on a user, role or group written once).

use serde_json::Value;

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

// After the macros, which the modules use.
pub(crate) mod attachments;
pub(crate) mod boundaries;
pub(crate) mod containment;
pub(crate) mod credentials;
pub(crate) mod groups;
pub(crate) mod inline;
pub(crate) mod trust;
pub(crate) mod versions;

pub use containment::QUARANTINE_DOCUMENT;

#[cfg(test)]
mod tests {
    use super::containment::revoke_sessions_document;
    use super::*;
    use trailwarden_events::EventTime;

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
        let doc = revoke_sessions_document(EventTime::from_epoch_seconds(1_795_000_000), None);
        let v: Value = serde_json::from_str(&doc).unwrap();
        assert_eq!(
            v["Statement"][0]["Condition"]["DateLessThan"]["aws:TokenIssueTime"],
            "2026-11-18T11:06:40Z"
        );
        assert_eq!(v["Statement"][0]["Effect"], "Deny");
    }
}
