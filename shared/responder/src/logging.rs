//! The functions' log subscriber: one JSON line per log event, whatever `AWS_LAMBDA_LOG_FORMAT`
//! says (the template asks for JSON, and a reader or a log query gets one shape everywhere), at
//! `AWS_LAMBDA_LOG_LEVEL` (else `RUST_LOG`, else info). Like lambda_runtime's
//! `init_default_subscriber` but with a level rather than an `EnvFilter` and one format: no regex
//! engine and no second formatter are linked into a function.

use tracing_subscriber::filter::LevelFilter;

/// The level the variables ask for; info when unset or not a level.
pub fn level(get: impl Fn(&str) -> Option<String>) -> LevelFilter {
    get("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|| get("RUST_LOG"))
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(LevelFilter::INFO)
}

/// Installs the subscriber for the process; call once, first thing in `main`.
pub fn init() {
    tracing_subscriber::fmt()
        .json()
        .with_target(false)
        .without_time()
        .with_max_level(level(|name| std::env::var(name).ok()))
        .with_writer(std::io::stdout)
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(vars: &[(&str, &str)]) -> LevelFilter {
        level(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn lambdas_level_wins_then_rust_log_then_info() {
        assert_eq!(
            of(&[("AWS_LAMBDA_LOG_LEVEL", "WARN"), ("RUST_LOG", "debug")]),
            LevelFilter::WARN
        );
        assert_eq!(of(&[("RUST_LOG", "debug")]), LevelFilter::DEBUG);
        assert_eq!(of(&[]), LevelFilter::INFO);
        assert_eq!(of(&[("RUST_LOG", "aws_smithy=debug")]), LevelFilter::INFO);
    }
}
