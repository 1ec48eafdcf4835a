//! `trailwarden`: exit 0 when the run completed, 1 when `--strict` found something unreadable,
//! 2 for bad arguments or configuration (clap's own usage errors exit 2 too).

use clap::Parser;
use std::process::ExitCode;
use trailwarden_cli::{Cli, Command, Completed};

fn main() -> ExitCode {
    let Command::Replay(args) = Cli::parse().command;
    match trailwarden_cli::replay(&args, &mut std::io::stdout().lock()) {
        Ok(Completed::Clean) => ExitCode::SUCCESS,
        Ok(Completed::Unreadable) => ExitCode::from(1),
        Err(error) => {
            eprintln!("trailwarden replay: {error}");
            ExitCode::from(2)
        }
    }
}
