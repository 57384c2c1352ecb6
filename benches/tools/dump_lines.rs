//! What the dump tools (`safety_dump`, `matcher_dump`) share: one JSON string per stdin
//! line in, one JSON line per message out.

use std::io::{BufRead, BufWriter, Write};

/// Reads one JSON string per line on stdin (a message, line breaks and all) and writes
/// what `row` makes of each message as one JSON line on stdout.
pub fn dump_each<T: serde::Serialize>(mut row: impl FnMut(&str) -> T) {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for (n, line) in stdin.lock().lines().enumerate() {
        let line = line.expect("reading stdin");
        let message: String = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("stdin line {}: not a JSON string: {e}", n + 1));
        serde_json::to_writer(&mut out, &row(&message)).expect("writing stdout");
        out.write_all(b"\n").expect("writing stdout");
    }
    out.flush().expect("writing stdout");
}
