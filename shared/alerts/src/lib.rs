//! Alerts: built from the record, the decision and what became of each action; rendered for
//! people (email text) and machines (a versioned JSON document); published as one SNS message
//! whose attributes subscribers filter on.

mod alert;
mod publish;
mod render;

pub use alert::{
    Alert, AlertAction, AlertActor, AlertEvent, AlertRule, SCHEMA_VERSION, console_link,
};
pub use publish::{
    AlertError, AlertPublisher, MAX_MESSAGE_BYTES, RECORD_STRING_MAX, document, fit, message,
};
pub use render::{chat, subject, text};
