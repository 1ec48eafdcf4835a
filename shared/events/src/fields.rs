//! Typed fields out of a JSON object, each wrong type or missing field an [`EventError`] naming
//! the field: shared by the record and the actor readers.

use crate::EventError;
use serde_json::{Map, Value};

pub(crate) fn kind_of(value: &Value) -> String {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
    .to_string()
}

pub(crate) fn wrong_type(field: &'static str, expected: &'static str, found: &Value) -> EventError {
    EventError::WrongType {
        field,
        expected,
        found: kind_of(found),
    }
}

pub(crate) fn required_str<'a>(
    map: &'a Map<String, Value>,
    field: &'static str,
) -> Result<&'a str, EventError> {
    match map.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(Value::String(_)) | None | Some(Value::Null) => Err(EventError::Missing { field }),
        Some(other) => Err(wrong_type(field, "a string", other)),
    }
}

pub(crate) fn optional_str(
    map: &Map<String, Value>,
    field: &'static str,
) -> Result<Option<String>, EventError> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(wrong_type(field, "a string", other)),
    }
}
