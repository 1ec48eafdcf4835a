//! The lenient CloudTrail event model.
//!
//! Reads what AWS really emits (see `tests/corpus`): an EventBridge event ("AWS API Call via
//! CloudTrail", console sign-ins, Insights, "Scheduled Event"), a bare CloudTrail record, or a log file
//! as CloudTrail writes it to S3 (`{"Records": [...]}`, plain or gzip). Only what a decision cannot do
//! without is required; everything else is optional, because real records leave out fields, send
//! `null`s and empty objects.

mod actor;
mod arn;
mod error;
mod fields;
mod record;
pub mod redact;
mod time;

pub use actor::{Actor, IdentityKind};
pub use arn::{Arn, Region, RoleKey};
pub use error::EventError;
pub use record::{Envelope, Insight, Record, Scheduled};
pub use time::EventTime;

use serde_json::Value;

/// Most EventBridge events are well under this; a CloudTrail record can reach 256 KB, and anything
/// much larger did not come from EventBridge.
pub const MAX_EVENT_BYTES: usize = 1024 * 1024;

/// Deeper JSON than this is not CloudTrail; refusing it keeps parsing bounded.
pub const MAX_DEPTH: usize = 64;

/// Reads one event as a tool or a test hands it over: an EventBridge envelope or a bare CloudTrail
/// record.
pub fn parse_event(value: &Value) -> Result<Envelope, EventError> {
    check_depth(value, 0)?;
    record::envelope_from_value(value)
}

/// Reads one event as a function receives it: only an EventBridge envelope, and only with the
/// `source` of an AWS service. Anyone allowed to invoke a function can hand it any payload, and
/// anyone in the account can `PutEvents`, but only AWS can send an `aws.` source; a bare record
/// never comes from EventBridge.
pub fn parse_delivered(value: &Value) -> Result<Envelope, EventError> {
    let Value::Object(map) = value else {
        return parse_event(value);
    };
    if !map.contains_key("detail-type") {
        return match parse_event(value)? {
            Envelope::Record(_) => Err(EventError::NotDelivered),
            other => Ok(other),
        };
    }
    match map.get("source") {
        Some(Value::String(source)) if source.starts_with("aws.") => parse_event(value),
        Some(Value::String(source)) => Err(EventError::ForeignSource(source.clone())),
        Some(other) => Err(EventError::WrongType {
            field: "source",
            expected: "a string",
            found: fields::kind_of(other),
        }),
        None => Err(EventError::Missing { field: "source" }),
    }
}

/// Reads raw bytes, as a function receives them ([`parse_delivered`]), after checking their size.
pub fn parse_delivered_bytes(bytes: &[u8]) -> Result<Envelope, EventError> {
    parse_delivered(&read_json(bytes)?)
}

/// Reads an event from raw bytes, as a file or a fuzzer hands them over ([`parse_event`]).
pub fn parse_event_bytes(bytes: &[u8]) -> Result<Envelope, EventError> {
    parse_event(&read_json(bytes)?)
}

/// The JSON of an event's bytes, refused when larger than an EventBridge event can be.
pub fn read_json(bytes: &[u8]) -> Result<Value, EventError> {
    if bytes.len() > MAX_EVENT_BYTES {
        return Err(EventError::TooLarge {
            bytes: bytes.len(),
            limit: MAX_EVENT_BYTES,
        });
    }
    serde_json::from_slice(bytes).map_err(|e| EventError::NotJson(e.to_string()))
}

/// Reads a CloudTrail log file as delivered to S3: `{"Records": [...]}`, plain or gzip.
/// A JSON array of records (as some tools publish them) is read too. One bad record fails the
/// whole file (with its index); [`read_log_file`] keeps the others.
#[cfg(feature = "log-files")]
pub fn parse_log_file(bytes: &[u8]) -> Result<Vec<Record>, EventError> {
    read_log_file(bytes)?
        .into_iter()
        .enumerate()
        .map(|(index, record)| {
            record.map_err(|e| EventError::InLogFile {
                index,
                source: Box::new(e),
            })
        })
        .collect()
}

/// The largest log file read, uncompressed: CloudTrail's are at most a few MB; the bound stops a
/// gzip bomb.
#[cfg(feature = "log-files")]
pub const MAX_LOG_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads a log file ([`parse_log_file`]) record by record: the file is an error only when it is
/// not a log file at all (corrupt gzip, not JSON, no `Records`); each record is its own result, in
/// the file's order, so a tool can count what the model rejects and go on.
#[cfg(feature = "log-files")]
pub fn read_log_file(bytes: &[u8]) -> Result<Vec<Result<Record, EventError>>, EventError> {
    let plain;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        plain = gunzip(bytes)?;
        &plain[..]
    } else {
        bytes
    };
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| EventError::NotJson(e.to_string()))?;
    let records = match value {
        Value::Object(mut map) => match map.remove("Records") {
            Some(Value::Array(records)) => records,
            _ => {
                return Err(EventError::Shape(
                    "a log file needs a \"Records\" array".into(),
                ));
            }
        },
        Value::Array(records) => records,
        _ => {
            return Err(EventError::Shape(
                "a log file is an object with \"Records\" or an array".into(),
            ));
        }
    };
    Ok(records
        .into_iter()
        .map(|r| {
            check_depth(&r, 0)?;
            Record::from_owned(r)
        })
        .collect())
}

/// A gzip file's content (every member, as `gzip -dc`), at most [`MAX_LOG_FILE_BYTES`].
#[cfg(feature = "log-files")]
fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, EventError> {
    use std::io::Read;
    let mut out = Vec::with_capacity(bytes.len() * 8);
    flate2::read::MultiGzDecoder::new(bytes)
        .take(MAX_LOG_FILE_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| EventError::NotJson(format!("gzip: {e}")))?;
    if out.len() as u64 > MAX_LOG_FILE_BYTES {
        return Err(EventError::TooLarge {
            bytes: out.len(),
            limit: MAX_LOG_FILE_BYTES as usize,
        });
    }
    Ok(out)
}

fn check_depth(value: &Value, depth: usize) -> Result<(), EventError> {
    if depth > MAX_DEPTH {
        return Err(EventError::TooDeep { limit: MAX_DEPTH });
    }
    match value {
        Value::Array(items) => items.iter().try_for_each(|v| check_depth(v, depth + 1)),
        Value::Object(map) => map.values().try_for_each(|v| check_depth(v, depth + 1)),
        _ => Ok(()),
    }
}

#[cfg(feature = "corpus")]
pub mod corpus;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn api_call(detail: Value) -> Value {
        json!({"version": "0", "id": "x", "detail-type": "AWS API Call via CloudTrail", "source": "aws.cloudtrail",
               "account": "123456789012", "time": "2026-11-21T10:00:00Z", "region": "us-east-1", "resources": [], "detail": detail})
    }

    fn stop_logging() -> Value {
        json!({
            "eventVersion": "1.09", "eventTime": "2026-11-21T10:00:00Z", "eventSource": "cloudtrail.amazonaws.com",
            "eventName": "StopLogging", "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.7",
            "userAgent": "aws-cli/2.15.0", "eventID": "e1", "recipientAccountId": "123456789012",
            "userIdentity": {"type": "AssumedRole", "principalId": "AROAEXAMPLE:mallory",
                "arn": "arn:aws:sts::123456789012:assumed-role/Ops/mallory", "accountId": "123456789012",
                "accessKeyId": "ASIAEXAMPLE",
                "sessionContext": {"sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::123456789012:role/team/Ops"},
                                   "attributes": {"mfaAuthenticated": "false"}}},
            "requestParameters": {"name": "audit"}, "responseElements": null
        })
    }

    #[test]
    fn reads_an_api_call_envelope_and_its_actor() {
        let Envelope::Record(r) = parse_event(&api_call(stop_logging())).unwrap() else {
            panic!("not a record")
        };
        assert_eq!(r.event_name, "StopLogging");
        assert_eq!(r.account(), Some("123456789012"));
        assert_eq!(r.actor.kind, IdentityKind::AssumedRole);
        assert_eq!(r.actor.session_name.as_deref(), Some("mallory"));
        assert_eq!(
            r.actor.role_arn.as_ref().unwrap().to_string(),
            "arn:aws:iam::123456789012:role/team/Ops"
        );
        assert_eq!(r.actor.role().unwrap().name, "Ops");
        assert_eq!(r.actor.mfa, Some(false));
        assert!(!r.actor.used_long_term_key());
        assert_eq!(r.actor.to_string(), "role Ops (session mallory)");
        assert_eq!(r.response_elements, None);
        #[derive(serde::Deserialize)]
        struct Name {
            name: String,
        }
        assert_eq!(r.request::<Name>().unwrap().name, "audit");
    }

    #[test]
    fn a_record_is_of_its_envelopes_account_and_one_naming_another_is_refused() {
        let mut other = api_call(stop_logging());
        other["account"] = json!("222222222222");
        let error = parse_event(&other).unwrap_err();
        assert_eq!(error.kind(), "AccountMismatch");
        assert_eq!(
            error.to_string(),
            "the record's recipientAccountId \"123456789012\" is not its envelope's account \"222222222222\": an event is answered only in the account it came from"
        );
        // A record that names no account is of its envelope's.
        let mut unnamed = stop_logging();
        unnamed
            .as_object_mut()
            .unwrap()
            .remove("recipientAccountId");
        let mut event = api_call(unnamed);
        event["account"] = json!("222222222222");
        let Envelope::Record(r) = parse_event(&event).unwrap() else {
            panic!("not a record")
        };
        assert_eq!(r.account(), Some("222222222222"));
        // The envelope's account is what EventBridge says: it must be there, and an account id.
        for (account, problem) in [
            (None, "field account is missing"),
            (
                Some(json!(7)),
                "field account should be a string, found a number",
            ),
            (
                Some(json!("12345")),
                "account \"12345\" is not an AWS account id (12 digits)",
            ),
        ] {
            let mut event = api_call(stop_logging());
            match account {
                Some(a) => event["account"] = a,
                None => {
                    event.as_object_mut().unwrap().remove("account");
                }
            }
            let error = parse_event(&event).unwrap_err().to_string();
            assert!(error.contains(problem), "{error}");
        }
    }

    #[test]
    fn reads_a_bare_record_the_same_way() {
        let Envelope::Record(r) = parse_event(&stop_logging()).unwrap() else {
            panic!("not a record")
        };
        assert_eq!(r.event_id, "e1");
    }

    #[test]
    fn reads_a_scheduled_event() {
        let event = json!({"version": "0", "id": "s1", "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "time": "2026-11-21T10:05:00Z", "region": "eu-west-1",
            "resources": ["arn:aws:events:eu-west-1:123456789012:rule/check"], "detail": {}});
        let Envelope::Scheduled(s) = parse_event(&event).unwrap() else {
            panic!("not scheduled")
        };
        assert_eq!(s.region, "eu-west-1");
        assert_eq!(s.resources.len(), 1);
    }

    #[test]
    #[cfg(feature = "log-files")]
    fn reads_a_gzip_log_file() {
        use std::io::Write;
        let file = json!({"Records": [stop_logging(), stop_logging()]}).to_string();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(file.as_bytes()).unwrap();
        let records = parse_log_file(&gz.finish().unwrap()).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(parse_log_file(file.as_bytes()).unwrap().len(), 2);
    }

    #[test]
    fn each_bad_input_names_what_is_wrong() {
        let mut no_name = stop_logging();
        no_name.as_object_mut().unwrap().remove("eventName");
        let mut bad_arn = stop_logging();
        bad_arn["userIdentity"]["arn"] = json!("mallory");
        let mut bad_identity = stop_logging();
        bad_identity["userIdentity"] = json!("root");
        let mut deep = json!(1);
        for _ in 0..100 {
            deep = json!([deep]);
        }
        let cases: Vec<(Value, &str)> = vec![
            (json!([]), "expected a JSON object, found an array"),
            (json!({}), "neither an EventBridge event"),
            (
                json!({"detail-type": "Object Created", "detail": {}}),
                "\"Object Created\" is not one trailwarden handles",
            ),
            (
                json!({"detail-type": "AWS API Call via CloudTrail"}),
                "field detail is missing",
            ),
            (api_call(no_name), "field eventName is missing"),
            (
                api_call(json!({"eventName": 7})),
                "field eventName should be a string, found a number",
            ),
            (
                api_call(bad_arn),
                "userIdentity.arn is not an ARN: \"mallory\"",
            ),
            (
                api_call(bad_identity),
                "userIdentity should be an object, found a string",
            ),
            (
                json!({"detail-type": "AWS API Call via CloudTrail", "detail": deep}),
                "nested more than 64 levels",
            ),
        ];
        for (input, expected) in cases {
            let err = parse_event(&input).unwrap_err().to_string();
            assert!(
                err.contains(expected),
                "{err:?} should contain {expected:?}"
            );
        }
        assert!(
            parse_event_bytes(b"not json")
                .unwrap_err()
                .to_string()
                .starts_with("the event is not JSON")
        );
        let big = vec![b' '; MAX_EVENT_BYTES + 1];
        assert_eq!(parse_event_bytes(&big).unwrap_err().kind(), "TooLarge");
    }
}
