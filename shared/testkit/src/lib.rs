//! The tests' kit, one copy for every crate's tests: a [`Config`] from a list of variables as the
//! environment would give them, and a CloudTrail [`Record`] from the fields a test cares about.
//! Dev-only: no function depends on it.

use serde_json::{Value, json};
use trailwarden_events::Record;
use trailwarden_rules::{Config, ConfigError};

/// The account of the records [`record`] makes.
pub const ACCOUNT: &str = "123456789012";

/// A CloudTrail record of an API call: `fields` (an object: `eventSource`, `eventName`,
/// `userIdentity`, `requestParameters`, and any other) over the fields every record has, which a
/// test names only when it cares (time 2026-11-21T10:00:00Z, us-east-1, account [`ACCOUNT`]).
pub fn record(fields: Value) -> Record {
    let mut base = json!({
        "eventVersion": "1.09", "eventTime": "2026-11-21T10:00:00Z", "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.66", "userAgent": "aws-cli/2.15.30",
        "eventID": "11111111-2222-3333-4444-555555555555", "recipientAccountId": ACCOUNT,
        "responseElements": null
    });
    let Value::Object(fields) = fields else {
        panic!("a record's fields are an object")
    };
    base.as_object_mut().unwrap().extend(fields);
    Record::from_value(&base).unwrap_or_else(|e| panic!("a test's record: {e}"))
}

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
