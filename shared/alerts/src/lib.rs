//! Alerts: built from the record, the decision and what became of each action; rendered for
//! people (email text) and machines (a versioned JSON document); published as one SNS message
//! whose attributes subscribers filter on; with `SECURITY_HUB_FINDINGS`, also a Security Hub finding
//! (`finding`, `import`).

mod alert;
pub mod finding;
mod import;
mod publish;
mod render;

pub use alert::{
    Alert, AlertAction, AlertActor, AlertEvent, AlertRule, SCHEMA_VERSION, console_link,
};
pub use finding::{FindingTarget, finding};
pub use import::{FindingError, import_finding};
pub use publish::{
    AlertError, AlertPublisher, MAX_MESSAGE_BYTES, RECORD_STRING_MAX, document, fit, message,
};
pub use render::{chat, subject, text};
