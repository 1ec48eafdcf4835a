//! What every guard leaves alone before its own rules: failed calls, trailwarden's own actions and
//! allowed principals (tripwire's rules each choose which of these their [`Gate`] applies).
//!
//! [`Gate`]: crate::tripwire::Gate

use crate::{Config, Ignored, PrincipalPattern};
use trailwarden_events::{Actor, Record, RoleKey};

/// Why the record needs no response whatever it did, or `None` when the guard must look at it.
pub fn of_change(record: &Record, config: &Config) -> Option<Ignored> {
    failed(record).or_else(|| of_actor(record, config))
}

/// The call failed: it changed nothing.
pub(crate) fn failed(record: &Record) -> Option<Ignored> {
    record.error_code.as_ref().map(|code| Ignored::FailedCall {
        error_code: code.clone(),
    })
}

/// Why the actor's calls are left alone, failed or not: trailwarden itself, or an allowed principal.
pub(crate) fn of_actor(record: &Record, config: &Config) -> Option<Ignored> {
    own_role(&record.actor, record.account(), config)
        .map(|role| Ignored::OwnRole { role })
        .or_else(|| {
            allowed_by(&record.actor, config).map(|pattern| Ignored::AllowedPrincipal {
                pattern: pattern.to_string(),
            })
        })
}

/// trailwarden's own role, when it is the actor's ([`Config::is_own_role`]: one of its execution
/// roles, or the member role acting in its own account).
pub(crate) fn own_role(actor: &Actor, account: Option<&str>, config: &Config) -> Option<RoleKey> {
    actor
        .role()
        .filter(|role| config.is_own_role(role, account))
}

/// The `ALLOWED_PRINCIPALS` pattern that matches the actor.
pub(crate) fn allowed_by<'c>(actor: &Actor, config: &'c Config) -> Option<&'c PrincipalPattern> {
    config
        .allowed_principals
        .iter()
        .find(|pattern| pattern.matches_actor(actor))
}
