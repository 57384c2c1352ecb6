//! `medfaq` binary: sets up tracing, parses the command line and runs it.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = medfaq::cli::Cli::parse();
    medfaq::cli::init_tracing(&cli);
    match medfaq::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
