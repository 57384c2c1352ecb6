//! `medfaq check` and `medfaq list`: validate a FAQ folder, list its entries.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use crate::faq::{self, Faq, LoadError};

/// Validates `dir`: prints a one-line summary, or every problem (`file:line: message`,
/// one per line, on stdout) and exits 1.
pub fn check(dir: &Path) -> anyhow::Result<ExitCode> {
    match faq::load(dir) {
        Ok(faq) => {
            for warning in faq::warnings(&faq) {
                println!("{warning}");
            }
            println!(
                "ok: {} entries, {} sources, {} synonym groups",
                faq.entries.len(),
                faq.sources.len(),
                faq.synonyms.len()
            );
            Ok(ExitCode::SUCCESS)
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
