//! Every decision of the safety check on a list of messages, for the equivalence check
//! of `benches/safety_equivalence.py` (a speed change must not change one decision).
//!
//! `cargo run --release --example safety_dump -- [SAFETY_DIR] < messages.jsonl`
//!
//! Reads one JSON string per line on stdin (a message, line breaks and all), checks it
//! with the rules of `SAFETY_DIR` (default `faq/safety`, read as `medfaq` reads them) and
//! prints one JSON line per message: the alert of [`Rules::check`] and everything
//! [`Rules::assess`] saw (alert, category, every finding with its words and the guard that
//! kept it quiet, the typo corrections), which is what `ask --explain` shows.

mod dump_lines;

use std::path::PathBuf;

use medfaq::knowledge::load_safety;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("faq/safety"));
    let rules = match load_safety(&dir) {
        Ok(rules) => rules,
        Err(problems) => {
            for p in problems {
                eprintln!("{}:{}: {}", p.origin, p.line.unwrap_or(0), p.message);
            }
            std::process::exit(2);
        }
    };
    dump_lines::dump_each(|message| {
        serde_json::json!({
            "check": rules.check(message),
            "assess": rules.assess(message),
        })
    });
}
