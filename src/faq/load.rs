//! Reading a FAQ folder from disk: the thin I/O layer over `parse`.

use std::path::Path;

use super::model::Faq;
use super::parse::Problem;

/// Why a folder did not load. A folder with any problem loads nothing.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Every problem found across all files, each with file and line.
    #[error("the FAQ in {dir} has {} problem(s):\n{}", .problems.len(), crate::faq::load::list(.problems))]
    Invalid { dir: String, problems: Vec<Problem> },
}

pub(crate) fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Loads and validates the FAQ folder `dir`.
pub fn load(dir: &Path) -> Result<Faq, LoadError> {
    let _ = dir;
    todo!("faq helper")
}
