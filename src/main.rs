//! The `dslab` binary: parse the command line, run it, map errors to exit codes.
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = dslab::cli::Cli::parse();
    match dslab::app::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(dslab::error::exit_code(&err))
        }
    }
}
