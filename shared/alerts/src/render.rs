use crate::Alert;
use std::fmt::Write;
use trailwarden_actions::Outcome;
use trailwarden_events::Record;

/// The first word(s) of the alert: what trailwarden did.
fn verdict(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Reverted => "Reverted",
        Outcome::WouldRevert => "Would revert (dry-run)",
        Outcome::Allowed => "Allowed",
        Outcome::Failed => "FAILED to revert",
        Outcome::AlreadyReverted => "Already reverted",
        Outcome::AlertOnly => "Alert",
    }
}

/// The SNS `Subject`: printable ASCII, at most 100 characters, severity and what happened.
pub fn subject(alert: &Alert) -> String {
    let full = format!(
        "[{}] {}: {}",
        alert.severity.as_str().to_uppercase(),
        verdict(alert.outcome),
        alert.summary
    );
    let mut ascii: String = full
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect();
    if ascii.len() > 100 {
        ascii.truncate(97);
        ascii.push_str("...");
    }
    ascii
}

/// The email body: the first line says what happened and what was done; the rest is for the
/// person who has to follow up.
pub fn text(alert: &Alert) -> String {
    let mut out = String::new();
    let a = &alert.actor;
    let _ = writeln!(out, "{}: {}", verdict(alert.outcome), alert.summary);
    let _ = writeln!(out);
    let _ = writeln!(out, "Severity:   {}", alert.severity);
    let _ = writeln!(
        out,
        "Who:        {}{}",
        a.description,
        a.arn
            .as_ref()
            .map(|arn| format!(" ({arn})"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "What:       {} ({})",
        alert.event.name, alert.event.source
    );
    let _ = writeln!(out, "Resource:   {}", alert.resource);
    let _ = writeln!(
        out,
        "From:       {} via {}, {}, MFA {}",
        a.source_ip.as_deref().unwrap_or("unknown IP"),
        if a.console { "console" } else { "API" },
        a.user_agent.as_deref().unwrap_or("unknown user agent"),
        match a.mfa {
            Some(true) => "yes",
            Some(false) => "no",
            None => "unknown",
        }
    );
    let _ = writeln!(out, "When:       {}", alert.event.time);
    let _ = writeln!(
        out,
        "Account:    {} in {}",
        alert.event.account.as_deref().unwrap_or("unknown"),
        alert.event.region
    );
    let _ = writeln!(out, "Event id:   {}", alert.event.id);
    let _ = writeln!(out, "Mode:       {}", alert.mode);
    let _ = writeln!(out);
    if alert.actions.is_empty() {
        let _ = writeln!(
            out,
            "trailwarden changed nothing: this event is reported, not reverted."
        );
    } else {
        let _ = writeln!(out, "What trailwarden did:");
        for step in &alert.actions {
            let _ = write!(out, "  - {}: {}", step.action, step.status);
            if let Some(state) = &step.state_after {
                let _ = write!(out, "; now: {state}");
            }
            if let Some(error) = &step.error {
                let _ = write!(out, "; error: {error}");
            }
            let _ = writeln!(out);
        }
    }
    if !alert.next_steps.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "What to do next:");
        for step in &alert.next_steps {
            let _ = writeln!(out, "  - {step}");
        }
    }
    if let Some(link) = &alert.event.console_link {
        let _ = writeln!(out);
        let _ = writeln!(out, "The event in the CloudTrail console: {link}");
    }
    let _ = writeln!(out, "(raised by trailwarden {})", alert.function);
    out
}

/// A link to the event in the CloudTrail console, when the region is a real one.
pub fn console_link(record: &Record) -> Option<String> {
    let region = record.region().ok()?;
    // Event ids are UUIDs; anything else is not put in a URL.
    let id_ok = record
        .event_id
        .bytes()
        .all(|b| b.is_ascii_hexdigit() || b == b'-');
    id_ok.then(|| {
        format!(
            "https://{region}.console.aws.amazon.com/cloudtrailv2/home?region={region}#/events/{}",
            record.event_id
        )
    })
}
