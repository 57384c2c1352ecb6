//! Every matcher outcome on a list of messages, for the equivalence check of
//! `benches/matcher_equivalence.py` (a speed change must not change one candidate, score
//! or decision).
//!
//! `cargo run --release --example matcher_dump -- (--faq DIR | --corpus FILE) < messages.jsonl`
//!
//! Builds an index over a FAQ folder or a JSONL corpus (as `medfaq bench` does, default
//! options), reads one JSON string per line on stdin (a message, line breaks and all) and
//! prints one JSON line per message: the whole [`Outcome`](medfaq::matcher::Outcome) of
//! `Index::search` (decision, ranked candidates with scores and explanations, the
//! decision trace).

mod dump_lines;

use std::path::PathBuf;

use medfaq::matcher::{Index, MatchOptions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let faq = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["--faq", dir] => medfaq::faq::load(&PathBuf::from(dir)).unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2)
        }),
        ["--corpus", file] => medfaq::corpus::load(&PathBuf::from(file))
            .unwrap_or_else(|e| {
                eprintln!("{file}: {e}");
                std::process::exit(2)
            })
            .into_faq(),
        _ => {
            eprintln!("usage: matcher_dump (--faq DIR | --corpus FILE) < messages.jsonl");
            std::process::exit(2)
        }
    };
    let index = Index::build(&faq, MatchOptions::default());
    dump_lines::dump_each(|message| index.search(message));
}
