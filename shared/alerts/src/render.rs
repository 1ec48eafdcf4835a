//! The alert as each reader sees it: text for people (email), the Chatbot notification for chat,
//! and the versioned JSON document (`docs/alert.schema.json`) for machines.

use crate::Alert;
use std::fmt::Write;
use trailwarden_rules::Outcome;

/// The first word(s) of the alert: what trailwarden did.
fn verdict(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Reverted => "Reverted",
        Outcome::WouldRevert => "Would revert (dry-run)",
        Outcome::Allowed => "Allowed",
        Outcome::Failed => "FAILED to revert",
        Outcome::AlreadyReverted => "Already reverted",
        Outcome::Superseded => "Not reverted (changed again later)",
        Outcome::AlertOnly => "Alert",
    }
}

/// The SNS `Subject`: printable ASCII, at most 100 characters, severity and what happened.
pub fn subject(alert: &Alert) -> String {
    let account = match (&alert.event.account, &alert.event.account_name) {
        (Some(id), Some(name)) if alert.account_in_subject => format!("{id} {name}: "),
        (Some(id), None) if alert.account_in_subject => format!("{id}: "),
        _ => String::new(),
    };
    let full = format!(
        "[{}] {account}{}: {}",
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
    // Every value below may hold text an attacker chose: each stays on its own line.
    let l = one_line;
    let _ = writeln!(out, "{}: {}", verdict(alert.outcome), l(&alert.summary));
    let _ = writeln!(out);
    let _ = writeln!(out, "Severity:   {}", alert.severity);
    if let Some(rule) = &alert.rule {
        let _ = writeln!(out, "Rule:       {} ({})", rule.id, rule.explanation);
    }
    let _ = writeln!(
        out,
        "Who:        {}{}",
        l(&a.description),
        a.arn
            .as_ref()
            .map(|arn| format!(" ({})", l(arn)))
            .unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "What:       {} ({})",
        l(&alert.event.name),
        l(&alert.event.source)
    );
    let _ = writeln!(out, "Resource:   {}", l(&alert.resource));
    let _ = writeln!(
        out,
        "From:       {} via {}, {}, MFA {}",
        l(a.source_ip.as_deref().unwrap_or("unknown IP")),
        if a.console { "console" } else { "API" },
        l(a.user_agent.as_deref().unwrap_or("unknown user agent")),
        match a.mfa {
            Some(true) => "yes",
            Some(false) => "no",
            None => "unknown",
        }
    );
    let _ = writeln!(out, "When:       {}", l(&alert.event.time));
    let _ = writeln!(
        out,
        "Account:    {}{} in {}",
        l(alert.event.account.as_deref().unwrap_or("unknown")),
        alert
            .event
            .account_name
            .as_ref()
            .map(|name| format!(" ({})", l(name)))
            .unwrap_or_default(),
        l(&alert.event.region)
    );
    let _ = writeln!(out, "Event id:   {}", l(&alert.event.id));
    let _ = writeln!(out, "Mode:       {}", alert.mode);
    let _ = writeln!(out);
    if let Some(error) = &alert.error {
        let _ = writeln!(out, "trailwarden could NOT finish the revert: {}", l(error));
        let _ = writeln!(
            out,
            "Steps marked failed or not-attempted below were NOT done: do them by hand."
        );
        let _ = writeln!(out);
    }
    if alert.actions.is_empty() {
        let _ = writeln!(
            out,
            "trailwarden changed nothing: this event is reported, not reverted."
        );
    } else {
        let _ = writeln!(out, "What trailwarden did:");
        for step in &alert.actions {
            let _ = write!(out, "  - {}: {}", l(&step.action), step.status);
            if let Some(state) = &step.state_after {
                let _ = write!(out, "; now: {}", l(state));
            }
            if let Some(error) = &step.error {
                let _ = write!(out, "; error: {}", l(error));
            }
            let _ = writeln!(out);
        }
    }
    if let Some(previous) = &alert.previous_state {
        let _ = writeln!(out, "Where the previous state came from: {}.", l(previous));
    }
    if !alert.next_steps.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "What to do next:");
        for step in &alert.next_steps {
            let _ = writeln!(out, "  - {}", l(step));
        }
    }
    if let Some(link) = &alert.event.console_link {
        let _ = writeln!(out);
        let _ = writeln!(out, "The event in the CloudTrail console: {link}");
    }
    for note in &alert.notes {
        let _ = writeln!(out, "Note: {}", l(note));
    }
    let _ = writeln!(out, "(raised by trailwarden {})", alert.function);
    out
}

/// The body for AWS Chatbot (Amazon Q Developer in chat applications): its custom notification
/// format, `version` 1.0 and `source` custom, rendered in the chat platform's markdown. Every value
/// that came from the event is put in inline code, so that nothing an attacker chose (a user agent,
/// a session name) can mention a channel or make a link.
pub fn chat(alert: &Alert) -> serde_json::Value {
    let a = &alert.actor;
    let mut description = String::new();
    let mut line = |label: &str, value: String| {
        let _ = writeln!(description, "*{label}:* {value}");
    };
    line(
        "Who",
        match &a.arn {
            Some(arn) => format!("{} {}", code(&a.description), code(arn)),
            None => code(&a.description),
        },
    );
    line(
        "What",
        format!("{} {}", code(&alert.event.name), code(&alert.event.source)),
    );
    line("Resource", code(&alert.resource));
    line(
        "From",
        format!(
            "{} via {}, MFA {}",
            code(a.source_ip.as_deref().unwrap_or("unknown IP")),
            if a.console { "console" } else { "API" },
            match a.mfa {
                Some(true) => "yes",
                Some(false) => "no",
                None => "unknown",
            }
        ),
    );
    line(
        "When",
        format!(
            "{} in {} {}",
            code(&alert.event.time),
            code(alert.event.account.as_deref().unwrap_or("unknown account")),
            code(&alert.event.region)
        ),
    );
    line("Event id", code(&alert.event.id));
    if let Some(rule) = &alert.rule {
        line("Rule", format!("{} {}", code(&rule.id), rule.explanation));
    }
    if let Some(error) = &alert.error {
        line("Error", code(error));
    }
    if alert.actions.is_empty() {
        line("Done", "nothing: reported, not reverted".into());
    } else {
        for step in &alert.actions {
            line(
                "Action",
                format!("{} → *{}*", code(&step.action), step.status),
            );
        }
    }
    if let Some(link) = &alert.event.console_link {
        line("Event", format!("<{link}|open in the CloudTrail console>"));
    }
    let description = clip(&description, CHAT_DESCRIPTION_MAX);
    let title = clip(
        &format!(
            "{} [{}] {}: {}",
            match alert.severity {
                trailwarden_rules::Severity::Critical => ":rotating_light:",
                trailwarden_rules::Severity::High => ":warning:",
                _ => ":information_source:",
            },
            alert.severity.as_str().to_uppercase(),
            verdict(alert.outcome),
            plain(&alert.summary)
        ),
        CHAT_TITLE_MAX,
    );
    let account = alert
        .event
        .account
        .clone()
        .unwrap_or_else(|| "unknown".into());
    let mut related = vec![alert.resource.clone()];
    related.extend(a.arn.clone());
    serde_json::json!({
        "version": "1.0",
        "source": "custom",
        "id": alert.event.id,
        "content": {
            "textType": "client-markdown",
            "title": title,
            "description": description,
            "nextSteps": alert.next_steps.iter().take(CHAT_STEPS_MAX).map(|s| clip(&plain(s), 500)).collect::<Vec<_>>(),
            "keywords": [alert.severity.as_str(), alert.outcome.as_str(), alert.function.as_str(), alert.event.name.as_str()],
        },
        "metadata": {
            // A retried event's alerts land in one thread.
            "threadId": alert.event.id,
            "summary": subject(alert),
            "eventType": format!("trailwarden.{}", alert.outcome.as_str()),
            "relatedResources": related,
            "additionalContext": {
                "schema_version": alert.schema_version,
                "event_id": alert.event.id,
                "event_name": alert.event.name,
                "outcome": alert.outcome.as_str(),
                "severity": alert.severity.as_str(),
                "account": account,
                "function": alert.function,
            },
        },
    })
}

/// Chat platforms cut long messages; these keep the notification whole in Slack and Teams.
const CHAT_TITLE_MAX: usize = 250;
const CHAT_DESCRIPTION_MAX: usize = 3000;
const CHAT_STEPS_MAX: usize = 10;

/// A value as inline code, with the characters that could end the code span taken out.
fn code(value: &str) -> String {
    let clean: String = clip(value, 300)
        .chars()
        .map(|c| {
            if c == '`' || breaks_a_line(c) {
                '\''
            } else {
                c
            }
        })
        .collect();
    format!("`{clean}`")
}

/// True for the characters that would break a line or reorder what a person reads: controls
/// (newlines, escapes), Unicode line and paragraph separators, and bidirectional overrides.
fn breaks_a_line(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{061C}' | '\u{200E}' | '\u{200F}'
        )
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// A value on one line: a newline shows as `\n`, any other such character as `?`, so that no
/// value can forge a line of the email ("What trailwarden did: ... done").
pub(crate) fn one_line(value: &str) -> std::borrow::Cow<'_, str> {
    if !value.chars().any(breaks_a_line) {
        return value.into();
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if breaks_a_line(c) => out.push('?'),
            c => out.push(c),
        }
    }
    out.into()
}

/// A value as plain chat text: on one line, with no markup, link or mention (`@here`, `<!channel>`).
fn plain(value: &str) -> String {
    one_line(value).replace(['`', '*', '_', '<', '>', '@'], "'")
}

/// At most `max` bytes, cut on a character boundary, with "..." when cut.
pub(crate) fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max.saturating_sub(3);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}
