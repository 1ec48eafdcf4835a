//! [`EventError`]: why an event cannot be read, with the field that is wrong; the handler turns it
//! into a Lambda error so that the event is retried and kept, never guessed at.

use thiserror::Error;

/// Why an input could not be read. Each message names what is wrong and where.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum EventError {
    #[error("the event is not JSON: {0}")]
    NotJson(String),
    #[error("the event is {bytes} bytes, more than the {limit} an EventBridge event can be")]
    TooLarge { bytes: usize, limit: usize },
    #[error("the event is nested more than {limit} levels deep")]
    TooDeep { limit: usize },
    #[error("the event has the wrong shape: {0}")]
    Shape(String),
    #[error("detail-type {0:?} is not one trailwarden handles")]
    UnsupportedDetailType(String),
    #[error("field {field} is missing")]
    Missing { field: &'static str },
    #[error("field {field} should be {expected}, found {found}")]
    WrongType {
        field: &'static str,
        expected: &'static str,
        found: String,
    },
    #[error("field {field} is not an ARN: {value:?}")]
    NotAnArn { field: String, value: String },
    #[error("{field} {value:?} is not an AWS region")]
    UnknownRegion { field: &'static str, value: String },
    #[error("eventTime {0:?} is not an ISO 8601 UTC time")]
    BadTime(String),
    #[error("requestParameters of {event_name}: {reason}")]
    Request { event_name: String, reason: String },
    #[error(
        "a bare CloudTrail record is not an EventBridge event; the functions answer only what EventBridge delivers (bare records and log files are for the trailwarden command and the tests)"
    )]
    NotDelivered,
    #[error(
        "source {0:?} is not an AWS service's: only AWS sends events with an \"aws.\" source, so this one did not come from CloudTrail through EventBridge"
    )]
    ForeignSource(String),
    #[error(
        "the record's recipientAccountId {record:?} is not its envelope's account {envelope:?}: an event is answered only in the account it came from"
    )]
    AccountMismatch { envelope: String, record: String },
    #[error("record {index} of the log file: {source}")]
    InLogFile {
        index: usize,
        source: Box<EventError>,
    },
}

impl EventError {
    /// A short stable name for the kind of error, used as the Lambda `error_type`.
    pub fn kind(&self) -> &'static str {
        match self {
            EventError::NotJson(_) => "NotJson",
            EventError::TooLarge { .. } => "TooLarge",
            EventError::TooDeep { .. } => "TooDeep",
            EventError::Shape(_) => "WrongShape",
            EventError::UnsupportedDetailType(_) => "UnsupportedDetailType",
            EventError::Missing { .. } => "MissingField",
            EventError::WrongType { .. } => "WrongFieldType",
            EventError::NotAnArn { .. } => "NotAnArn",
            EventError::UnknownRegion { .. } => "UnknownRegion",
            EventError::BadTime(_) => "BadTime",
            EventError::Request { .. } => "BadRequestParameters",
            EventError::NotDelivered => "NotDelivered",
            EventError::ForeignSource(_) => "ForeignSource",
            EventError::AccountMismatch { .. } => "AccountMismatch",
            EventError::InLogFile { source, .. } => source.kind(),
        }
    }
}
