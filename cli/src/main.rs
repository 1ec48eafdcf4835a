//! `trailwarden`: exit 0 when the run completed (replay, actions) or everything is valid (validate-logs), 1
//! when `--strict` found something unreadable or a log file or digest is not valid, 2 for bad
//! arguments, configuration or AWS errors (clap's own usage errors exit 2 too).

use clap::Parser;
use std::process::ExitCode;
use trailwarden_cli::{Cli, Command, Completed};

fn main() -> ExitCode {
    let args = match Cli::parse().command {
        Command::Replay(args) => args,
        Command::Actions(args) => {
            return match trailwarden_cli::actions(&args, &mut std::io::stdout().lock()) {
                Ok(_) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("trailwarden actions: {error}");
                    ExitCode::from(2)
                }
            };
        }
        Command::ValidateLogs(args) => {
            return match trailwarden_cli::validate_logs(&args, &mut std::io::stdout().lock()) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(1),
                Err(error) => {
                    eprintln!("trailwarden validate-logs: {error}");
                    ExitCode::from(2)
                }
            };
        }
    };
    match trailwarden_cli::replay(&args, &mut std::io::stdout().lock()) {
        Ok(Completed::Clean) => ExitCode::SUCCESS,
        Ok(Completed::Unreadable) => ExitCode::from(1),
        Err(error) => {
            eprintln!("trailwarden replay: {error}");
            ExitCode::from(2)
        }
    }
}
