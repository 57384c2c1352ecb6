//! Issue 5's accuracy floor at scale: the 16,407-entry MedQuAD corpus and its 2,000
//! deliberately noisy queries from `../shared/data/` (every developer and CI have it beside
//! the project), through the same `Index` the bot uses. A hit is the top candidate being
//! any of the query's `expected_ids`. Speed is the benchmarks' business (`medfaq bench`,
//! `benches/run.sh`), not this test's.

use std::path::PathBuf;

use medfaq::corpus;
use medfaq::matcher::{Index, MatchOptions};

/// Top-1 accuracy must stay at or above the target (measured: 0.826).
const FLOOR: f64 = 0.80;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(name)
}

#[test]
fn noisy_medquad_queries_meet_the_accuracy_floor() {
    let corpus_path = data("medquad.jsonl");
    if !corpus_path.is_file() {
        // A clone without the shared data beside it (e.g. a fresh machine): say so instead
        // of failing; every run with the data checks the floor in full.
        eprintln!(
            "SKIPPED noisy_medquad_queries_meet_the_accuracy_floor: {} is absent (the shared \
             data set lives beside the project, in ../shared/data; see README \"Requirements\")",
            corpus_path.display()
        );
        return;
    }
    let corpus = corpus::load(&corpus_path)
        .unwrap_or_else(|e| panic!("{}: {e} (the shared data set)", corpus_path.display()));
    let faq = corpus.into_faq();
    assert!(faq.entries.len() > 16_000, "{} entries", faq.entries.len());
    let index = Index::build(&faq, MatchOptions::default());

    let queries_path = data("medquad_noisy_queries.jsonl");
    let text = std::fs::read_to_string(&queries_path)
        .unwrap_or_else(|e| panic!("{}: {e}", queries_path.display()));
    let (mut total, mut hits) = (0usize, 0usize);
    let mut misses = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let row: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{}:{}: {e}", queries_path.display(), i + 1));
        let query = row["query"].as_str().expect("query");
        let expected: Vec<&str> = row["expected_ids"]
            .as_array()
            .expect("expected_ids")
            .iter()
            .map(|v| v.as_str().expect("id"))
            .collect();
        let top = index.search(query).candidates.into_iter().next();
        total += 1;
        match top {
            Some(m) if expected.contains(&m.id.as_str()) => hits += 1,
            other if misses.len() < 10 => misses.push(format!(
                "  {query:?}: got {:?}, expected one of {expected:?}",
                other.map(|m| m.id)
            )),
            _ => {}
        }
    }
    assert_eq!(total, 2000, "queries read");
    let accuracy = hits as f64 / total as f64;
    assert!(
        accuracy >= FLOOR,
        "top-1 accuracy {accuracy:.4} ({hits}/{total}) < {FLOOR}; first misses:\n{}",
        misses.join("\n")
    );
}
