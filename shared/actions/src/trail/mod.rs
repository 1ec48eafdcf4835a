//! CloudTrail actions, and the trail facts trail-guard decides from. Every call goes to the
//! trail's home region (`TrailRef.region`): a multi-region trail can be changed only there, and
//! an error says so when AWS refuses for that reason.

use crate::ActionError;
use trailwarden_rules::TrailRef;

// One module per remediation family (named in the actions' declaration), the facts, and the
// state readers both use.
pub(crate) mod creation;
mod facts;
pub(crate) mod logging;
pub(crate) mod selectors;
pub(crate) mod settings;
mod state;

pub use facts::gather_all;

/// Says where a multi-region trail must be changed from, when AWS refused for that reason.
fn home(mut error: ActionError, trail: &TrailRef) -> ActionError {
    if error.code.as_deref() == Some("InvalidHomeRegionException") {
        error.message = format!(
            "{}; trailwarden called {}, which is not the trail's home region, and a multi-region trail is changed only from its home region",
            error.message, trail.region
        );
    }
    error
}
