//! Inputs that once broke an invariant of the FAQ parsers or the ask path, found by the
//! fuzz targets (`fuzz/`) or the property tests, kept so they stay fixed. Each names what
//! it broke. Larger inputs live in `tests/data/fuzz/<target>/`; every file there is
//! replayed through the same checks as its target.

mod common;

use std::path::Path;

use medfaq::faq::{parse_entry, parse_sources, parse_synonyms, Problems};

/// The `faq_parse` target's checks: no panic; every problem has a message and a line
/// within the text.
fn faq_parse(text: &str) {
    let last = text.lines().count().max(1) + 1;
    let check = |problems: Option<Problems>| {
        for p in problems.unwrap_or_default() {
            assert!(
                !p.message.trim().is_empty(),
                "problem without a message: {p:?} for {text:?}"
            );
            if let Some(line) = p.line {
                assert!(
                    (1..=last).contains(&line),
                    "line {line} outside 1..={last}: {p}"
                );
            }
        }
    };
    check(parse_entry(text, "faq/entries/x.md").err());
    check(parse_sources(text, "faq/sources.toml").err());
    check(parse_synonyms(text, "faq/synonyms.toml").err());
    check(medfaq::safety::Rules::parse(text, "faq/safety.toml").err());
}

/// Found by `tests/faq_props.rs` (parsers_never_panic_on_any_chars): a carriage return
/// not followed by a newline made `safety.toml` report a problem with an empty message,
/// because the TOML error had none. Fixed in `safety::Rules::parse`.
#[test]
fn safety_toml_stray_carriage_return_has_a_message() {
    for text in ["\r¡", "\r", "a = 1\r\nb = 2\rc = 3", "[emergency]\r"] {
        faq_parse(text);
    }
    let problems = medfaq::safety::Rules::parse("\r¡", "faq/safety.toml").unwrap_err();
    assert!(
        problems[0].message.contains("not valid TOML"),
        "{problems:?}"
    );
}

/// Every saved input under `tests/data/fuzz/faq_parse/`.
#[test]
fn saved_faq_parse_inputs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz/faq_parse");
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let bytes = std::fs::read(entry.path()).unwrap();
        faq_parse(&String::from_utf8_lossy(&bytes));
    }
}
