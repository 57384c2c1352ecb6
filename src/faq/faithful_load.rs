//! Reading what the strict check needs from disk: the source texts folder (its
//! `faithfulness.toml` and one text per declared source) and each entry's file. The thin
//! I/O layer over the pure [`faithful`](super::faithful) checks.

use std::path::Path;

use super::faithful::{self, EntryFile, Finding, Rules, Severity, SourceText};
use super::model::Faq;
use super::parse::Problem;

/// The name of the rules file in a texts folder.
pub const RULES_FILE: &str = "faithfulness.toml";

/// Checks every answer of `faq` against the source texts in `texts_dir`; a folder, rules
/// file, text or entry file that cannot be read is itself an error finding.
pub fn check_faithful(faq: &Faq, texts_dir: &Path) -> Vec<Finding> {
    let error = |origin: &Path, line: Option<usize>, message: String| Finding {
        severity: Severity::Error,
        problem: Problem {
            origin: origin.display().to_string(),
            line,
            message,
        },
    };
    let rules_path = texts_dir.join(RULES_FILE);
    let rules_text = match std::fs::read_to_string(&rules_path) {
        Ok(text) => text,
        Err(e) => {
            return vec![error(
                &rules_path,
                None,
                format!(
                    "cannot read the faithfulness rules ({e}); the strict check needs the \
                     source texts folder (--texts) with this file in it"
                ),
            )]
        }
    };
    let rules = match Rules::parse(&rules_text, &rules_path.display().to_string()) {
        Ok(rules) => rules,
        Err(problem) => {
            return vec![Finding {
                severity: Severity::Error,
                problem,
            }]
        }
    };
    let mut findings = Vec::new();
    let mut texts = Vec::new();
    for source in faq.sources.values() {
        let file = rules
            .source(&source.id)
            .map_or_else(|| format!("{}.txt", source.id), |r| r.file_name());
        let path = texts_dir.join(&file);
        match std::fs::read_to_string(&path) {
            Ok(text) => texts.push((source, text)),
            Err(e) => findings.push(error(
                &path,
                None,
                format!(
                    "cannot read the text of source `{}` ({e}): put the document there so \
                     the answers citing it can be checked",
                    source.id
                ),
            )),
        }
    }
    let mut files = Vec::new();
    for entry in &faq.entries {
        match std::fs::read_to_string(&entry.origin) {
            Ok(text) => files.push((entry, text)),
            Err(e) => findings.push(error(
                Path::new(&entry.origin),
                None,
                format!("cannot read this entry again for the strict check: {e}"),
            )),
        }
    }
    let texts: Vec<SourceText<'_>> = texts
        .iter()
        .map(|(source, text)| SourceText { source, text })
        .collect();
    let files: Vec<EntryFile<'_>> = files
        .iter()
        .map(|(entry, text)| EntryFile { entry, text })
        .collect();
    findings.extend(faithful::check(&files, &texts, &rules));
    findings
}
