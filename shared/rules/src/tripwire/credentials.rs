//! Credentials minted outside the usual paths: federation tokens.

use super::{Finding, Seen, account_of, finding};

pub(super) fn federation_token(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    (source == "sts.amazonaws.com" && name == "GetFederationToken").then_some(())?;
    let federated = record.request_str("name").unwrap_or("?");
    finding(
        format!("{actor} created federated session credentials for {federated}"),
        format!("federated user {federated} of {}", account_of(record)),
        &[
            "Federation tokens last up to 36 hours and survive deleting the access key that made them; deny the session with a policy on the user (aws:TokenIssueTime) if unexpected.",
            "Check whether the caller's access key is expected to be used from this IP.",
        ],
    )
}
