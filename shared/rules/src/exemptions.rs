//! What every guard leaves alone before its own rules: failed calls, trailwarden's own actions and
//! allowed principals (tripwire's rules each choose which of these their [`Gate`] applies).
//!
//! [`Gate`]: crate::tripwire::Gate

use crate::{Config, Ignored, PrincipalPattern};
use trailwarden_events::{Actor, Record, RoleKey};

/// Why the record needs no response whatever it did, or `None` when the guard must look at it.
pub fn of_change(record: &Record, config: &Config) -> Option<Ignored> {
    failed(record).or_else(|| of_actor(&record.actor, config))
}

/// The call failed: it changed nothing.
pub(crate) fn failed(record: &Record) -> Option<Ignored> {
    record.error_code.as_ref().map(|code| Ignored::FailedCall {
        error_code: code.clone(),
    })
}

/// Why the actor's calls are left alone, failed or not: trailwarden itself, or an allowed principal.
pub(crate) fn of_actor(actor: &Actor, config: &Config) -> Option<Ignored> {
    own_role(actor, config)
        .map(|role| Ignored::OwnRole { role })
        .or_else(|| {
            allowed_by(actor, config).map(|pattern| Ignored::AllowedPrincipal {
                pattern: pattern.to_string(),
            })
        })
}

/// trailwarden's own role, when it is the actor's. By role ARN, never by session name: anyone who
/// can assume a role picks its session name.
pub(crate) fn own_role(actor: &Actor, config: &Config) -> Option<RoleKey> {
    actor.role().filter(|role| config.own_roles.contains(role))
}

/// The `ALLOWED_PRINCIPALS` pattern that matches the actor.
pub(crate) fn allowed_by<'c>(actor: &Actor, config: &'c Config) -> Option<&'c PrincipalPattern> {
    config
        .allowed_principals
        .iter()
        .find(|pattern| pattern.matches_actor(actor))
}
