//! `medfaq check` and `medfaq list`: validate a FAQ folder (with `--strict`, also against
//! the text of its sources), list its entries.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use crate::faq::faithful::Severity;
use crate::faq::{self, Faq, LoadError};

/// The folder of source texts the strict check reads by default: `tests/data/seeds` in
/// the current directory, else next to `Cargo.toml`.
pub fn default_texts_dir() -> PathBuf {
    let here = PathBuf::from("tests/data/seeds");
    if here.is_dir() {
        return here;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/seeds")
}

/// Validates `dir` (FAQ files and safety rules): prints a one-line summary, or every problem (`file:line: message`,
/// one per line, on stdout) and exits 1. With `strict` (the source texts folder), also
/// checks every answer against its sources; warnings are printed but do not fail.
pub fn check(dir: &Path, strict: Option<&Path>) -> anyhow::Result<ExitCode> {
    match crate::knowledge::load(dir) {
        Ok((faq, safety)) => {
            for warning in faq::warnings(&faq) {
                println!("{warning}");
            }
            println!(
                "ok: {} entries, {} sources, {} synonym groups",
                faq.entries.len(),
                faq.sources.len(),
                faq.synonyms.len()
            );
            if let Some(m) = safety.model() {
                println!("safety model: {} ({} weights)", m.origin(), m.kept());
            }
            match strict {
                Some(texts) => check_strict(&faq, texts),
                None => Ok(ExitCode::SUCCESS),
            }
        }
        Err(err @ LoadError::Invalid { .. }) => {
            let mut out = std::io::stdout().lock();
            for problem in err.problems() {
                writeln!(out, "{problem}")?;
            }
            out.flush()?;
            eprintln!(
                "{} problem(s) in {}; the bot would not load this FAQ",
                err.problems().len(),
                dir.display()
            );
            Ok(ExitCode::from(1))
        }
    }
}

/// The strict part of `check`: every finding on stdout, a summary on stderr.
fn check_strict(faq: &Faq, texts: &Path) -> anyhow::Result<ExitCode> {
    let findings = faq::check_faithful(faq, texts);
    let mut out = std::io::stdout().lock();
    for finding in &findings {
        writeln!(out, "{finding}")?;
    }
    out.flush()?;
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    if errors > 0 {
        eprintln!(
            "strict: {errors} problem(s), {warnings} warning(s) against the source texts in {}",
            texts.display()
        );
        Ok(ExitCode::from(1))
    } else {
        println!(
            "strict: every answer is faithful to the source texts in {} ({warnings} warning(s))",
            texts.display()
        );
        Ok(ExitCode::SUCCESS)
    }
}

/// Lists the entries of `dir` as a table, or as one JSON array with `json`.
pub fn list(dir: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let faq = faq::load(dir).with_context(|| format!("cannot list {}", dir.display()))?;
    let text = if json {
        let mut text = serde_json::to_string_pretty(&json_entries(&faq))?;
        text.push('\n');
        text
    } else {
        table(&faq)
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

#[derive(serde::Serialize)]
struct JsonEntry<'a> {
    id: &'a str,
    question: &'a str,
    alternates: &'a [String],
    keywords: &'a [String],
    /// `null` when the entry has none.
    topic: Option<&'a str>,
    sources: &'a [faq::SourceRef],
}

fn json_entries(faq: &Faq) -> Vec<JsonEntry<'_>> {
    faq.entries
        .iter()
        .map(|e| JsonEntry {
            id: &e.id,
            question: &e.question,
            alternates: &e.alternates,
            keywords: &e.keywords,
            topic: e.topic.as_deref(),
            sources: &e.sources,
        })
        .collect()
}

/// Columns id, topic, question, padded to the widest id and topic.
fn table(faq: &Faq) -> String {
    let topic = |e: &faq::Entry| e.topic.clone().unwrap_or_else(|| "-".to_string());
    let id_width = faq
        .entries
        .iter()
        .map(|e| e.id.chars().count())
        .max()
        .unwrap_or(0)
        .max(2);
    let topic_width = faq
        .entries
        .iter()
        .map(|e| topic(e).chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    let mut out = format!("{:id_width$}  {:topic_width$}  question\n", "id", "topic");
    for e in &faq.entries {
        out.push_str(&format!(
            "{:id_width$}  {:topic_width$}  {}\n",
            e.id,
            topic(e),
            e.question
        ));
    }
    out
}
