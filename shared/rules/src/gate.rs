//! The rules every guard applies before its own: failed calls, trailwarden's own actions and
//! allowed principals are left alone.

use crate::{Config, Ignored};
use trailwarden_events::Record;

/// Why the record needs no response whatever it did, or `None` when the guard must look at it.
pub fn ignored(record: &Record, config: &Config) -> Option<Ignored> {
    if let Some(code) = &record.error_code {
        return Some(Ignored::FailedCall {
            error_code: code.clone(),
        });
    }
    // By role ARN, never by session name: anyone who can assume a role picks its session name.
    if let Some(role) = record.actor.role()
        && config.responder_roles.contains(&role)
    {
        return Some(Ignored::Responder { role });
    }
    config
        .allowed_principals
        .iter()
        .find(|pattern| pattern.matches_actor(&record.actor))
        .map(|pattern| Ignored::AllowedPrincipal {
            pattern: pattern.to_string(),
        })
}
