//! `medfaq ask`, `medfaq match` and `medfaq eval`.

use std::path::Path;
use std::process::ExitCode;

pub fn ask(
    question: &str,
    explain: bool,
    faq: &Path,
    config: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let _ = (question, explain, faq, config);
    anyhow::bail!("`medfaq ask` is not implemented yet")
}

pub fn match_lines(faq: &Path, config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let _ = (faq, config);
    anyhow::bail!("`medfaq match` is not implemented yet")
}

pub fn eval(
    file: Option<&Path>,
    faq: &Path,
    config: Option<&Path>,
    verbose: bool,
) -> anyhow::Result<ExitCode> {
    let _ = (file, faq, config, verbose);
    anyhow::bail!("`medfaq eval` is not implemented yet")
}
