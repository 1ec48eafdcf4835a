//! The decision path: bytes → envelope → record → facts wanted → each function's decision, with a
//! configuration that exercises the allow-list, protected trails and policies. Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use trailwarden_events::{Envelope, parse_event_bytes};
use trailwarden_rules::{Config, Facts, iam, trail, tripwire};

fn config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let vars = [
            ("ALERT_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:trailwarden-alerts"),
            ("RESPONDER_ROLE_ARNS", "arn:aws:iam::123456789012:role/trailwarden-trail-guard"),
            (
                "ALLOWED_PRINCIPALS",
                "arn:aws:iam::123456789012:role/Deployer,arn:aws:sts::123456789012:assumed-role/BreakGlass/*",
            ),
            ("PROTECTED_TRAILS", "audit"),
            ("PROTECTED_POLICIES", "arn:aws:iam::123456789012:policy/guardrail"),
        ];
        Config::from_lookup(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
        .expect("the fuzz configuration is valid")
    })
}

fuzz_target!(|data: &[u8]| {
    let config = config();
    match parse_event_bytes(data) {
        Ok(Envelope::Record(record)) => {
            let _ = iam::facts_needed(&record, config);
            let _ = trail::facts_needed(&record, config);
            let facts = Facts::new();
            let _ = iam::decide(&record, config, &facts).map(|d| d.to_string());
            let _ = trail::decide(&record, config, &facts).map(|d| d.to_string());
            let _ = tripwire::decide(&record, config).map(|d| d.to_string());
        }
        Ok(Envelope::Insight(insight)) => {
            let _ = tripwire::evaluate_insight(&insight, config);
        }
        Ok(Envelope::Scheduled(_)) | Err(_) => {}
    }
});
