//! An account leaving its organization (and its guardrails).

use super::{Finding, Seen, account_of, finding};

pub(super) fn leave_organization(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    (source == "organizations.amazonaws.com" && name == "LeaveOrganization").then_some(())?;
    let summary = if record.failed() {
        format!("{actor} tried to take the account out of its AWS Organization")
    } else {
        format!("The account left its AWS Organization (LeaveOrganization by {actor})")
    };
    finding(
        summary,
        account_of(record),
        &[
            "Treat the actor's credentials as compromised until they explain: leaving the organization drops its SCPs and organization trail.",
            "An SCP denying organizations:LeaveOrganization in member accounts prevents this.",
        ],
    )
}
