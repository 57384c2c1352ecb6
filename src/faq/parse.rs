//! Pure parsers for the FAQ files: text in, values or every problem found out.

use super::model::{Entry, Source, SynonymGroup};

/// One thing wrong in a FAQ file, worded for a moderator.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// File the problem is in (as given to the parser, e.g. `faq/entries/risks.md`).
    pub origin: String,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.origin, line, self.message),
            None => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

/// Every problem found, in file order.
pub type Problems = Vec<Problem>;

/// Parses one entry file. `origin` names it in problems; the id is the file stem.
pub fn parse_entry(text: &str, origin: &str) -> Result<Entry, Problems> {
    let _ = (text, origin);
    todo!("faq helper")
}

/// Parses `sources.toml`.
pub fn parse_sources(text: &str, origin: &str) -> Result<Vec<Source>, Problems> {
    let _ = (text, origin);
    todo!("faq helper")
}

/// Parses `synonyms.toml`.
pub fn parse_synonyms(text: &str, origin: &str) -> Result<Vec<SynonymGroup>, Problems> {
    let _ = (text, origin);
    todo!("faq helper")
}
