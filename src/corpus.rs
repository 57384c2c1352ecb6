//! Public Q&A corpora (JSONL) as an in-memory [`Faq`]: what `medfaq bench` and the
//! criterion benches match against at scale.
//!
//! A corpus file has one JSON object per line with at least `id`, `question` and `answer`
//! (the shape of MedQuAD's `medquad.jsonl`); `source` (the collection, e.g. `GHR`) and
//! `url` are used when present, every other field is ignored. Each row becomes one
//! [`Entry`] (id = row id, question = question, answer = answer) citing one [`Source`] per
//! collection, with the row's URL as the cited section. Rows that repeat another row's
//! question stay separate entries: only the id must be unique.
//!
//! [`parse`] is pure (text in, a [`Corpus`] or every problem with its line out); [`load`]
//! reads the file. [`Corpus::into_faq`] makes the `Faq` the matcher indexes: a corpus has no
//! synonyms of its own.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::faq::{Disclaimer, Entry, Faq, Problem, Source, SourceRef};

/// Collection name used for rows without a `source` field.
pub const DEFAULT_COLLECTION: &str = "corpus";

/// Why a corpus did not load. A corpus with any bad row loads nothing.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("cannot read corpus {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Every bad row, each with file and line.
    #[error("the corpus {origin} has {} problem(s):\n{}", .problems.len(), list(.problems))]
    Invalid {
        origin: String,
        problems: Vec<Problem>,
    },
}

fn list(problems: &[Problem]) -> String {
    const SHOWN: usize = 20;
    let mut out: Vec<String> = problems
        .iter()
        .take(SHOWN)
        .map(|p| format!("  {p}"))
        .collect();
    if problems.len() > SHOWN {
        out.push(format!("  ... and {} more", problems.len() - SHOWN));
    }
    out.join("\n")
}

/// One corpus row as it appears in the file; unknown fields are ignored.
#[derive(Debug, serde::Deserialize)]
struct Row {
    id: Option<String>,
    question: Option<String>,
    answer: Option<String>,
    source: Option<String>,
    url: Option<String>,
}

/// The entries and per-collection sources of a parsed corpus.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// Sorted by id.
    pub entries: Vec<Entry>,
    /// One per collection, keyed by collection name.
    pub sources: BTreeMap<String, Source>,
    /// Names the corpus in the disclaimer.
    pub origin: String,
}

impl Corpus {
    /// The FAQ the matcher indexes: these entries, no synonyms and a disclaimer naming
    /// the corpus.
    pub fn into_faq(self) -> Faq {
        let disclaimer = Disclaimer::new(&format!(
            "This answer is imported unchanged from the public corpus {}. It is general \
             information, not medical advice: ask a health professional about your own \
             situation.",
            self.origin
        ))
        .expect("the corpus disclaimer is not empty");
        Faq {
            entries: self.entries,
            sources: self.sources,
            synonyms: Vec::new(),
            disclaimer,
        }
    }
}

/// Parses a JSONL corpus; entries come out sorted by id.
///
/// Blank lines are skipped. Every bad row (invalid JSON, missing or empty `id`,
/// `question` or `answer`, an id seen before) is reported with its 1-based line.
///
/// ```
/// let text = r#"{"id": "b", "question": "What is gout ?", "answer": "A kind of arthritis.", "source": "NIAMS", "url": "https://example.org/gout"}
/// {"id": "a", "question": "What is gout ?", "answer": "Joint pain from uric acid."}
/// "#;
/// let corpus = medfaq::corpus::parse(text, "tiny.jsonl").unwrap();
/// assert_eq!(corpus.entries.len(), 2);
/// assert_eq!(corpus.entries[0].id, "a");
/// assert_eq!(corpus.entries[1].sources[0].source, "NIAMS");
/// assert_eq!(corpus.entries[1].sources[0].section, "https://example.org/gout");
/// assert_eq!(corpus.sources.len(), 2);
///
/// let err = medfaq::corpus::parse("{\"id\": \"x\"}\n\nnot json\n", "bad.jsonl").unwrap_err();
/// let msg = err.to_string();
/// assert!(msg.contains("bad.jsonl:1: row x has no question"), "{msg}");
/// assert!(msg.contains("bad.jsonl:3: not a JSON object"), "{msg}");
/// ```
pub fn parse(text: &str, origin: &str) -> Result<Corpus, CorpusError> {
    let mut problems = Vec::new();
    let mut entries: Vec<Entry> = Vec::new();
    let mut sources: BTreeMap<String, Source> = BTreeMap::new();
    let mut first_line: HashMap<String, usize> = HashMap::new();

    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let problem = |message: String| Problem {
            origin: origin.to_string(),
            line: Some(line),
            message,
        };
        let row: Row = match serde_json::from_str(raw) {
            Ok(row) => row,
            Err(e) => {
                problems.push(problem(format!(
                    "not a JSON object with string fields: {e}"
                )));
                continue;
            }
        };
        let id = row.id.as_deref().map(str::trim).unwrap_or("");
        if id.is_empty() {
            problems.push(problem("row has no `id`".to_string()));
            continue;
        }
        let mut bad = false;
        for (field, value) in [("question", &row.question), ("answer", &row.answer)] {
            if value.as_deref().map(str::trim).unwrap_or("").is_empty() {
                problems.push(problem(format!("row {id} has no {field}")));
                bad = true;
            }
        }
        if let Some(first) = first_line.get(id) {
            problems.push(problem(format!(
                "duplicate id {id} (first on line {first})"
            )));
            continue;
        }
        first_line.insert(id.to_string(), line);
        if bad {
            continue;
        }

        let collection = row
            .source
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(DEFAULT_COLLECTION)
            .to_string();
        sources.entry(collection.clone()).or_insert_with(|| Source {
            id: collection.clone(),
            title: format!("{collection} (from {origin})"),
            publisher: None,
            url: None,
            doi: None,
        });
        entries.push(Entry {
            id: id.to_string(),
            question: row.question.unwrap_or_default().trim().to_string(),
            alternates: Vec::new(),
            keywords: Vec::new(),
            topic: Some(collection.clone()),
            answer: row.answer.unwrap_or_default(),
            sources: vec![SourceRef {
                source: collection,
                section: row.url.unwrap_or_default(),
            }],
            origin: format!("{origin}:{line}"),
        });
    }

    if !problems.is_empty() {
        return Err(CorpusError::Invalid {
            origin: origin.to_string(),
            problems,
        });
    }
    if entries.is_empty() {
        return Err(CorpusError::Invalid {
            origin: origin.to_string(),
            problems: vec![Problem {
                origin: origin.to_string(),
                line: None,
                message: "the corpus has no rows".to_string(),
            }],
        });
    }
    entries.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Corpus {
        entries,
        sources,
        origin: origin.to_string(),
    })
}

/// Reads and parses the corpus file at `path` (see [`parse`]).
pub fn load(path: &Path) -> Result<Corpus, CorpusError> {
    let text = std::fs::read_to_string(path).map_err(|source| CorpusError::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse(&text, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_repeated_questions_as_separate_entries() {
        let text = "{\"id\":\"q2\",\"question\":\"What is (are) Gout ?\",\"answer\":\"x\",\"source\":\"GARD\"}\n\
                    {\"id\":\"q1\",\"question\":\"What is (are) Gout ?\",\"answer\":\"y\",\"source\":\"GHR\",\"focus\":\"Gout\"}\n";
        let faq = parse(text, "c.jsonl").unwrap();
        let ids: Vec<&str> = faq.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["q1", "q2"]);
        assert_eq!(faq.entries[1].answer, "x");
        assert_eq!(
            faq.sources.keys().map(String::as_str).collect::<Vec<_>>(),
            ["GARD", "GHR"]
        );
        assert_eq!(faq.entries[0].origin, "c.jsonl:2");
    }

    #[test]
    fn reports_every_bad_row_with_its_line() {
        let text = "{\"id\":\"a\",\"question\":\"q\",\"answer\":\"x\"}\n\
                    {\"id\":\"a\",\"question\":\"q\",\"answer\":\"x\"}\n\
                    {\"question\":\"q\",\"answer\":\"x\"}\n\
                    {\"id\":\"b\",\"question\":\" \",\"answer\":\"\"}\n\
                    [1,2]\n";
        let Err(CorpusError::Invalid { problems, .. }) = parse(text, "c.jsonl") else {
            panic!("expected problems");
        };
        let got: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            got,
            [
                "c.jsonl:2: duplicate id a (first on line 1)",
                "c.jsonl:3: row has no `id`",
                "c.jsonl:4: row b has no question",
                "c.jsonl:4: row b has no answer",
                &got[4],
            ]
        );
        assert!(
            got[4].starts_with("c.jsonl:5: not a JSON object with string fields: "),
            "{}",
            got[4]
        );
    }

    #[test]
    fn an_empty_corpus_is_an_error() {
        assert!(parse("\n\n", "e.jsonl").is_err());
    }

    #[test]
    fn rows_without_source_use_the_default_collection() {
        let faq = parse(
            "{\"id\":\"a\",\"question\":\"q\",\"answer\":\"x\"}",
            "c.jsonl",
        )
        .unwrap();
        assert_eq!(faq.entries[0].sources[0].source, DEFAULT_COLLECTION);
        assert_eq!(faq.entries[0].sources[0].section, "");
        assert!(faq.sources.contains_key(DEFAULT_COLLECTION));
    }
}
