//! Arbitrary bytes through every pure FAQ file parser: none may panic, and every problem
//! they report must point at a line that exists in the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medfaq::faq::{parse_entry, parse_sources, parse_synonyms, Problems};

fn check_lines(text: &str, problems: &Problems) {
    // A line one past the last is allowed (e.g. "never closed" at end of file).
    let lines = text.lines().count().max(1) + 1;
    for p in problems {
        assert!(!p.message.is_empty(), "problem without message: {p:?}");
        if let Some(line) = p.line {
            assert!(line >= 1 && line <= lines, "line {line} outside 1..={lines}: {p}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(problems) = parse_entry(&text, "faq/entries/fuzz.md") {
        check_lines(&text, &problems);
    }
    if let Err(problems) = parse_sources(&text, "faq/sources.toml") {
        check_lines(&text, &problems);
    }
    if let Err(problems) = parse_synonyms(&text, "faq/synonyms.toml") {
        check_lines(&text, &problems);
    }
    if let Err(problems) = medfaq::safety::Rules::parse(&text, "faq/safety.toml") {
        check_lines(&text, &problems);
    }
});
