//! Alerts: built from the record, the decision and what became of each action; rendered for
//! people (email text) and machines (a versioned JSON document); published as one SNS message
//! whose attributes subscribers filter on.

mod alert;
mod publish;
mod render;

pub use alert::{Alert, AlertAction, AlertActor, AlertEvent, SCHEMA_VERSION};
pub use publish::{AlertError, AlertPublisher, MAX_MESSAGE_BYTES, document, message};
pub use render::{console_link, subject, text};
