//! The rule windows of a list of messages, for `src/safety/model/window_level.py` (which
//! chooses the level of the model's windowed veto from data, out of fold).
//!
//! `cargo build --release --example safety_windows`, then
//! `target/release/examples/safety_windows [SAFETY_DIR] [RADIUS] [all] < messages.jsonl`
//!
//! Reads one JSON string per line on stdin and prints one JSON line per message:
//! `{"windows": [{alert, category, strong, window}, ...]}`, every rule occurrence no guard
//! keeps quiet (before any veto; with `all`, every occurrence), with its sentence and RADIUS (default 1) sentences
//! either side, as the detector read them.

mod dump_lines;

use std::path::PathBuf;

use medfaq::knowledge::load_safety;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("faq/safety"));
    let radius: u16 = args.next().map_or(medfaq::safety::WINDOW_RADIUS, |r| {
        r.parse().expect("RADIUS is a number of sentences")
    });
    // ALL: every occurrence, also those a guard keeps quiet
    let guarded = args.next().is_none_or(|a| a != "all");
    let rules = match load_safety(&dir) {
        Ok(rules) => rules,
        Err(problems) => {
            for p in problems {
                eprintln!("{}:{}: {}", p.origin, p.line.unwrap_or(0), p.message);
            }
            std::process::exit(2);
        }
    };
    dump_lines::dump_each(
        |message| serde_json::json!({ "windows": rules.loud_windows(message, radius, guarded) }),
    );
}
