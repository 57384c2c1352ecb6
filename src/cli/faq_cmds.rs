//! `medfaq check` and `medfaq list`.

use std::path::Path;
use std::process::ExitCode;

pub fn check(faq: &Path) -> anyhow::Result<ExitCode> {
    let _ = faq;
    anyhow::bail!("`medfaq check` is not implemented yet")
}

pub fn list(faq: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let _ = (faq, json);
    anyhow::bail!("`medfaq list` is not implemented yet")
}
