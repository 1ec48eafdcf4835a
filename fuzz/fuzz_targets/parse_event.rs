//! Arbitrary bytes as an event, a log file, and the redaction of what parsed: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = trailwarden_events::parse_event_bytes(data);
    let _ = trailwarden_events::parse_log_file(data);
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = trailwarden_events::redact::redact_value(&value);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = trailwarden_events::redact::redact_text(text);
    }
});
