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

use std::io::{BufRead, BufWriter, Write};
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
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for (n, line) in stdin.lock().lines().enumerate() {
        let line = line.expect("reading stdin");
        let message: String = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("stdin line {}: not a JSON string: {e}", n + 1));
        serde_json::to_writer(&mut out, &index.search(&message)).expect("writing stdout");
        out.write_all(b"\n").expect("writing stdout");
    }
    out.flush().expect("writing stdout");
}
