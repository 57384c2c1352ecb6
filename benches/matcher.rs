//! Criterion micro-benchmarks of the matcher hot path (`cargo bench --bench matcher`).
//!
//! - `faq45/*`: the bundled FAQ (`faq/`): one search per iteration, cycling through the
//!   questions of `tests/data/dev.jsonl`, and the index build.
//! - `corpus16k/*`: MedQuAD (`../shared/data/medquad.jsonl`, or `$MEDFAQ_CORPUS`): one
//!   search per iteration, cycling through the first 500 noisy queries, and the index
//!   build. Skipped with a note when the corpus is not there (e.g. on CI).
//!
//! End-to-end figures against the rapidfuzz baseline come from `benches/run.sh`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use medfaq::matcher::{Index, MatchOptions};

fn manifest_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The `query` field of every row of a JSONL file, at most `limit`.
fn queries(path: &PathBuf, limit: usize) -> Vec<String> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let row: serde_json::Value = serde_json::from_str(l).expect("JSONL row");
            row["query"].as_str().expect("query field").to_string()
        })
        .take(limit)
        .collect()
}

/// Benchmarks one `search` per iteration, cycling through `qs`.
fn search_cycling(c: &mut Criterion, name: &str, index: &Index, qs: &[String]) {
    c.bench_function(name, |b| {
        let mut i = 0;
        b.iter(|| {
            let q = &qs[i % qs.len()];
            i += 1;
            black_box(index.search(black_box(q)))
        })
    });
}

fn faq45(c: &mut Criterion) {
    let faq = medfaq::faq::load(&manifest_path("faq")).expect("bundled faq/ loads");
    let qs = queries(&manifest_path("tests/data/dev.jsonl"), usize::MAX);
    let index = Index::build(&faq, MatchOptions::default());
    search_cycling(c, "faq45/search", &index, &qs);
    c.bench_function("faq45/build", |b| {
        b.iter(|| Index::build(black_box(&faq), MatchOptions::default()))
    });
}

fn corpus16k(c: &mut Criterion) {
    let data = manifest_path("../shared/data");
    let corpus = std::env::var_os("MEDFAQ_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| data.join("medquad.jsonl"));
    let noisy = std::env::var_os("MEDFAQ_QUERIES")
        .map(PathBuf::from)
        .unwrap_or_else(|| data.join("medquad_noisy_queries.jsonl"));
    if !corpus.is_file() || !noisy.is_file() {
        eprintln!(
            "corpus16k: skipped, {} or {} not found (set MEDFAQ_CORPUS / MEDFAQ_QUERIES)",
            corpus.display(),
            noisy.display()
        );
        return;
    }
    let faq = medfaq::corpus::load(&corpus)
        .expect("corpus loads")
        .into_faq();
    let qs = queries(&noisy, 500);
    let index = Index::build(&faq, MatchOptions::default());
    search_cycling(c, "corpus16k/search", &index, &qs);

    let mut group = c.benchmark_group("corpus16k");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.bench_function("build", |b| {
        b.iter(|| Index::build(black_box(&faq), MatchOptions::default()))
    });
    group.finish();
}

criterion_group!(benches, faq45, corpus16k);
criterion_main!(benches);
