//! What never leaves trailwarden whole: the one place that decides what an alert or a log line may
//! show of a credential.
//!
//! - A value under a key that names a secret (`password`, `newPassword`, `secretAccessKey`,
//!   `sessionToken`, `x-amz-security-token`, `Authorization`, `privateKey`, ...) is replaced by
//!   [`REDACTED`], wherever it is in the record. CloudTrail already masks passwords as
//!   `HIDDEN_DUE_TO_SECURITY_REASONS`; a forged or hand-made event might not.
//! - An access key id (`AKIA...`, `ASIA...`, anywhere in a string) keeps its four-letter prefix, which
//!   says long-term or temporary, and its last four characters: `AKIA...MPLE` (ASCII, so that a
//!   subject keeps it). That is enough to find the key among a user's two, and not the whole
//!   identifier.

use serde_json::Value;

/// What a secret's value becomes.
pub const REDACTED: &str = "[redacted by trailwarden]";

/// True for a JSON key whose value is a secret, whatever its case or separators.
pub fn is_secret_key(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    k.contains("password")
        || k.contains("secret")
        || k.contains("token")
        || k.contains("authorization")
        || k.contains("privatekey")
        || k.contains("signature")
        || k == "credentials"
        || k == "cookie"
}

const KEY_PREFIXES: [&str; 2] = ["AKIA", "ASIA"];
/// An access key id is 16 to 128 characters; AWS's are 20.
const KEY_MIN: usize = 16;

/// `AKIAIOSFODNN7EXAMPLE` → `AKIA...MPLE`.
pub fn mask_key_id(id: &str) -> String {
    let tail: String = id
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{}...{tail}", id.get(..4).unwrap_or(""))
}

/// Free text with every access key id in it masked.
pub fn redact_text(text: &str) -> String {
    if !KEY_PREFIXES.iter().any(|p| text.contains(p)) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.len() >= KEY_MIN && KEY_PREFIXES.iter().any(|p| word.starts_with(p)) {
            out.push_str(&mask_key_id(word));
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_uppercase() || c.is_ascii_digit() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// A copy of `value` with secrets replaced and access key ids masked.
pub fn redact_value(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(redact_text(s)),
        Value::Array(items) => Value::Array(items.iter().map(redact_value).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if is_secret_key(k) && !v.is_null() {
                        Value::String(REDACTED.into())
                    } else {
                        redact_value(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_access_key_id_keeps_its_prefix_and_last_four() {
        assert_eq!(mask_key_id("AKIAIOSFODNN7EXAMPLE"), "AKIA...MPLE");
        assert_eq!(
            redact_text("deactivate access key AKIAIOSFODNN7EXAMPLE of user bob"),
            "deactivate access key AKIA...MPLE of user bob"
        );
        assert_eq!(
            redact_text("(ASIAEXAMPLESESSION01)"),
            "(ASIA...ON01)",
            "a key id between punctuation is masked too"
        );
    }

    #[test]
    fn words_that_merely_start_like_a_key_are_left_alone() {
        assert_eq!(redact_text("AKIA and ASIA"), "AKIA and ASIA");
        assert_eq!(redact_text("ASIAN-PACIFIC"), "ASIAN-PACIFIC");
        assert_eq!(redact_text("role Ops"), "role Ops");
    }

    #[test]
    fn secrets_are_replaced_at_any_depth_and_nulls_stay_null() {
        let record = json!({
            "requestParameters": {"userName": "bob", "password": "hunter2", "passwordResetRequired": false,
                "headers": {"X-Amz-Security-Token": "FwoGZX", "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE"}},
            "responseElements": {"credentials": {"accessKeyId": "ASIAEXAMPLESESSION01", "sessionToken": "IQoJb3"},
                "accessKey": {"accessKeyId": "AKIAIOSFODNN7EXAMPLE", "secretAccessKey": "wJalrXUtnFEMI"}},
            "additionalEventData": {"oldPassword": null},
            "userIdentity": {"accessKeyId": "AKIAEXAMPLEMALLORY01"}
        });
        let r = redact_value(&record);
        assert_eq!(r["requestParameters"]["userName"], "bob");
        assert_eq!(r["requestParameters"]["password"], REDACTED);
        assert_eq!(r["requestParameters"]["passwordResetRequired"], REDACTED);
        assert_eq!(
            r["requestParameters"]["headers"]["X-Amz-Security-Token"],
            REDACTED
        );
        assert_eq!(r["requestParameters"]["headers"]["Authorization"], REDACTED);
        assert_eq!(r["responseElements"]["credentials"], REDACTED);
        assert_eq!(
            r["responseElements"]["accessKey"]["accessKeyId"],
            "AKIA...MPLE"
        );
        assert_eq!(
            r["responseElements"]["accessKey"]["secretAccessKey"],
            REDACTED
        );
        assert_eq!(r["additionalEventData"]["oldPassword"], Value::Null);
        assert_eq!(r["userIdentity"]["accessKeyId"], "AKIA...RY01");
        let text = r.to_string();
        for secret in [
            "hunter2",
            "FwoGZX",
            "IQoJb3",
            "wJalrXUtnFEMI",
            "IOSFODNN7EXAMPLE",
        ] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
    }
}
