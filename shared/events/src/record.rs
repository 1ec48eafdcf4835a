//! [`Record`]: one CloudTrail record, lenient where AWS is inconsistent (null parameters, missing
//! request ids) and strict where a decision depends on a field.

use crate::fields::{kind_of, optional_str, required_str, wrong_type};
use crate::{Actor, EventError, EventTime, Region};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// What a Lambda function of trailwarden receives, once read.
#[derive(Debug, Clone)]
pub enum Envelope {
    /// A CloudTrail record: an API call, a console sign-in or a service event.
    Record(Box<Record>),
    /// An EventBridge schedule firing ("Scheduled Event").
    Scheduled(Scheduled),
    /// A CloudTrail Insights event: an unusual rate of calls or errors.
    Insight(Box<Insight>),
}

const RECORD_DETAIL_TYPES: &[&str] = &[
    "AWS API Call via CloudTrail",
    "AWS Console Sign In via CloudTrail",
    "AWS Service Event via CloudTrail",
    "AWS Console Action via CloudTrail",
];

pub(crate) fn envelope_from_value(value: &Value) -> Result<Envelope, EventError> {
    let Value::Object(map) = value else {
        return Err(EventError::Shape(format!(
            "expected a JSON object, found {}",
            kind_of(value)
        )));
    };
    let Some(detail_type) = map.get("detail-type") else {
        if map.contains_key("eventName") || map.contains_key("eventSource") {
            return Ok(Envelope::Record(Box::new(Record::from_value(value)?)));
        }
        return Err(EventError::Shape(
            "neither an EventBridge event (no \"detail-type\") nor a CloudTrail record (no \"eventName\")".into(),
        ));
    };
    let Value::String(detail_type) = detail_type else {
        return Err(wrong_type("detail-type", "a string", detail_type));
    };
    let detail = || {
        map.get("detail")
            .ok_or(EventError::Missing { field: "detail" })
    };
    match detail_type.as_str() {
        t if RECORD_DETAIL_TYPES.contains(&t) => {
            let mut record = Record::from_value(detail()?)?;
            record.recipient_account_id = Some(account_of(map, record.recipient_account_id)?);
            Ok(Envelope::Record(Box::new(record)))
        }
        "AWS Insight via CloudTrail" => {
            let mut insight = Insight::from_value(detail()?)?;
            insight.recipient_account_id = Some(account_of(map, insight.recipient_account_id)?);
            Ok(Envelope::Insight(Box::new(insight)))
        }
        "Scheduled Event" => Ok(Envelope::Scheduled(Scheduled::from_map(map)?)),
        other => Err(EventError::UnsupportedDetailType(other.to_string())),
    }
}

/// The account a delivered record is of: the envelope's `account` (EventBridge sets it to the
/// account whose bus the event came from; nobody can send it for another), which the record's
/// `recipientAccountId` must equal. A record that names another account than its envelope would
/// make trailwarden act in an account the event did not come from: refused.
fn account_of(
    envelope: &serde_json::Map<String, Value>,
    recipient: Option<String>,
) -> Result<String, EventError> {
    let envelope = match envelope.get("account") {
        Some(Value::String(account)) => account,
        Some(other) => return Err(wrong_type("account", "a string", other)),
        None => return Err(EventError::Missing { field: "account" }),
    };
    if !(envelope.len() == 12 && envelope.bytes().all(|b| b.is_ascii_digit())) {
        return Err(EventError::Shape(format!(
            "account {envelope:?} is not an AWS account id (12 digits)"
        )));
    }
    match recipient {
        Some(recipient) if recipient != *envelope => Err(EventError::AccountMismatch {
            envelope: envelope.clone(),
            record: recipient,
        }),
        _ => Ok(envelope.clone()),
    }
}

/// One CloudTrail record, with typed access to what decisions need.
#[derive(Debug, Clone)]
pub struct Record {
    pub event_name: String,
    pub event_source: String,
    pub event_id: String,
    pub event_time: EventTime,
    /// As written in the record; [`Record::region`] checks it before anything is built from it.
    pub aws_region: String,
    pub recipient_account_id: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub event_type: Option<String>,
    pub read_only: Option<bool>,
    pub actor: Actor,
    /// `None` when absent or `null`.
    pub request_parameters: Option<Value>,
    pub response_elements: Option<Value>,
    pub additional_event_data: Option<Value>,
    /// The record as received, for the alert and for evidence.
    pub raw: Value,
}

impl Record {
    pub fn from_value(value: &Value) -> Result<Record, EventError> {
        let mut record = Record::fields(value)?;
        record.raw = value.clone();
        Ok(record)
    }

    /// [`Record::from_value`] of a record the caller no longer needs: moved into `raw`, not copied
    /// (a log file's records, `read_log_file`: a deep copy of each was a large part of a replay).
    pub fn from_owned(value: Value) -> Result<Record, EventError> {
        let mut record = Record::fields(&value)?;
        record.raw = value;
        Ok(record)
    }

    /// Every field but `raw` (left `null`).
    fn fields(value: &Value) -> Result<Record, EventError> {
        let Value::Object(map) = value else {
            return Err(EventError::Shape(format!(
                "a CloudTrail record is a JSON object, found {}",
                kind_of(value)
            )));
        };
        let event_name = required_str(map, "eventName")?.to_string();
        let event_source = required_str(map, "eventSource")?.to_string();
        let event_time = EventTime::parse(required_str(map, "eventTime")?)?;
        let user_identity = match map.get("userIdentity") {
            Some(Value::Object(identity)) => identity,
            Some(other) => return Err(wrong_type("userIdentity", "an object", other)),
            None => {
                return Err(EventError::Missing {
                    field: "userIdentity",
                });
            }
        };
        let actor = Actor::from_record(map, user_identity)?;
        Ok(Record {
            event_name,
            event_source,
            event_id: required_str(map, "eventID")?.to_string(),
            event_time,
            aws_region: required_str(map, "awsRegion")?.to_string(),
            recipient_account_id: optional_str(map, "recipientAccountId")?,
            error_code: optional_str(map, "errorCode")?.filter(|s| !s.is_empty()),
            error_message: optional_str(map, "errorMessage")?,
            event_type: optional_str(map, "eventType")?,
            read_only: match map.get("readOnly") {
                Some(Value::Bool(b)) => Some(*b),
                Some(Value::String(s)) => Some(s == "true"),
                _ => None,
            },
            actor,
            request_parameters: optional_object(map, "requestParameters")?,
            response_elements: optional_object(map, "responseElements")?,
            additional_event_data: optional_object(map, "additionalEventData")?,
            raw: Value::Null,
        })
    }

    /// True when the call failed (`errorCode` set): it changed nothing.
    pub fn failed(&self) -> bool {
        self.error_code.is_some()
    }

    /// The region the call was made in, checked to be a real region name.
    pub fn region(&self) -> Result<Region, EventError> {
        Region::parse("awsRegion", &self.aws_region)
    }

    /// The account the event belongs to: `recipientAccountId`, else the actor's account.
    pub fn account(&self) -> Option<&str> {
        self.recipient_account_id
            .as_deref()
            .or(self.actor.account.as_deref())
    }

    /// The request parameters of a call trailwarden handles, read into their own type.
    pub fn request<T: DeserializeOwned>(&self) -> Result<T, EventError> {
        let params = self
            .request_parameters
            .as_ref()
            .ok_or_else(|| EventError::Request {
                event_name: self.event_name.clone(),
                reason: "requestParameters is missing or null".into(),
            })?;
        T::deserialize(params).map_err(|e| EventError::Request {
            event_name: self.event_name.clone(),
            reason: e.to_string(),
        })
    }

    /// A string at `path` (dot-separated) of `requestParameters`, or `None`.
    pub fn request_str(&self, path: &str) -> Option<&str> {
        let mut value = self.request_parameters.as_ref()?;
        for key in path.split('.') {
            value = value.get(key)?;
        }
        value.as_str()
    }

    /// A string in `responseElements`, or `None`.
    pub fn response_str(&self, key: &str) -> Option<&str> {
        self.response_elements.as_ref()?.get(key)?.as_str()
    }

    /// The service part of `eventSource`: `iam` for `iam.amazonaws.com`.
    pub fn service(&self) -> &str {
        self.event_source
            .split('.')
            .next()
            .unwrap_or(&self.event_source)
    }
}

/// An EventBridge "Scheduled Event": the periodic check.
#[derive(Debug, Clone)]
pub struct Scheduled {
    pub id: String,
    pub time: EventTime,
    pub region: String,
    pub account: Option<String>,
    /// The schedule rule(s) that fired.
    pub resources: Vec<String>,
}

impl Scheduled {
    fn from_map(map: &Map<String, Value>) -> Result<Scheduled, EventError> {
        Ok(Scheduled {
            id: required_str(map, "id")?.to_string(),
            time: EventTime::parse(required_str(map, "time")?)?,
            region: required_str(map, "region")?.to_string(),
            account: optional_str(map, "account")?,
            resources: match map.get("resources") {
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect(),
                _ => Vec::new(),
            },
        })
    }
}

/// A CloudTrail Insights event: CloudTrail saw an unusual rate of an API call or its errors.
#[derive(Debug, Clone)]
pub struct Insight {
    pub event_id: String,
    pub event_time: EventTime,
    pub aws_region: String,
    pub recipient_account_id: Option<String>,
    /// The API call whose rate is unusual.
    pub api_name: Option<String>,
    /// `ApiCallRateInsight` or `ApiErrorRateInsight`.
    pub insight_type: Option<String>,
    /// `Start` or `End`.
    pub state: Option<String>,
    pub raw: Value,
}

impl Insight {
    fn from_value(value: &Value) -> Result<Insight, EventError> {
        let Value::Object(map) = value else {
            return Err(wrong_type("detail", "an object", value));
        };
        let details = map.get("insightDetails");
        let detail_str = |key: &str| {
            details
                .and_then(|d| d.get(key))
                .and_then(Value::as_str)
                .map(String::from)
        };
        Ok(Insight {
            event_id: required_str(map, "eventID")?.to_string(),
            event_time: EventTime::parse(required_str(map, "eventTime")?)?,
            aws_region: required_str(map, "awsRegion")?.to_string(),
            recipient_account_id: optional_str(map, "recipientAccountId")?,
            api_name: detail_str("eventName"),
            insight_type: detail_str("insightType"),
            state: detail_str("state"),
            raw: value.clone(),
        })
    }
}

fn optional_object(
    map: &Map<String, Value>,
    field: &'static str,
) -> Result<Option<Value>, EventError> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => Ok(Some(v.clone())),
        Some(other) => Err(wrong_type(field, "an object or null", other)),
    }
}
