//! `medfaq serve`: runs the Discord bot until SIGINT/SIGTERM.

use std::path::Path;
use std::process::ExitCode;

pub fn serve(config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let _ = config;
    anyhow::bail!("`medfaq serve` is not implemented yet")
}
