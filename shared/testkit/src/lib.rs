//! The tests' kit, one copy for every crate's tests: a [`Config`] from a list of variables as the
//! environment would give them. Dev-only: no function depends on it.

use trailwarden_rules::{Config, ConfigError};

/// The alert topic of a configuration that names none.
pub const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:alerts";

/// The configuration `vars` give over `defaults`: a variable in `vars` wins over the same in
/// `defaults`; one in neither is unset.
pub fn try_config_over(
    defaults: &[(&str, &str)],
    vars: &[(&str, &str)],
) -> Result<Config, ConfigError> {
    Config::from_lookup(|name| {
        vars.iter()
            .chain(defaults)
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    })
}

/// The configuration `vars` give, with [`TOPIC`] unless they name another.
pub fn try_config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    try_config_over(&[("ALERT_TOPIC_ARN", TOPIC)], vars)
}

/// [`try_config`] of variables a test knows to be good.
pub fn config(vars: &[(&str, &str)]) -> Config {
    try_config(vars).unwrap_or_else(|e| panic!("a test's configuration {vars:?}: {e}"))
}
