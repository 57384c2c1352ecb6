//! Properties of the FAQ parsers and loader on hostile input (the same invariants the
//! `faq_parse` fuzz target checks, run briefly in `cargo test`):
//! - no parser panics, whatever the text;
//! - every problem has a message, names the origin it was given, and points at a line
//!   that exists in the text (or one past the end, for "never closed" problems);
//! - `load()` of a folder holding only garbage never panics and loads nothing; a good
//!   folder with one garbage entry loads nothing either (a broken file is never skipped).

mod common;

use common::faq::*;
use medfaq::faq::{parse_entry, parse_sources, parse_synonyms, Problems};
use proptest::prelude::*;

/// Runs every parser on `text` and checks the problems they report.
fn check_all_parsers(text: &str) {
    check(
        "faq/entries/x.md",
        text,
        parse_entry(text, "faq/entries/x.md").err(),
    );
    check(
        "faq/sources.toml",
        text,
        parse_sources(text, "faq/sources.toml").err(),
    );
    check(
        "faq/synonyms.toml",
        text,
        parse_synonyms(text, "faq/synonyms.toml").err(),
    );
    check(
        "faq/safety.toml",
        text,
        medfaq::safety::Rules::parse(text, "faq/safety.toml").err(),
    );
}

#[track_caller]
fn check(origin: &str, text: &str, problems: Option<Problems>) {
    let last = text.lines().count().max(1) + 1;
    for p in problems.unwrap_or_default() {
        assert_eq!(p.origin, origin, "problem names another file: {p}");
        assert!(
            !p.message.trim().is_empty(),
            "problem without a message: {p:?}"
        );
        if let Some(line) = p.line {
            assert!(
                (1..=last).contains(&line),
                "line {line} is outside 1..={last} for {p}\ntext: {text:?}"
            );
        }
    }
}

/// A valid file with `edits` applied: each edit inserts a snippet or deletes a span at a
/// position (taken modulo the length, on a char boundary). Mutating real files reaches
/// much deeper into the parsers than random strings do.
fn mutate(base: &str, edits: &[(usize, Option<&str>, usize)]) -> String {
    let mut s = base.to_string();
    for &(at, insert, delete) in edits {
        let mut at = if s.is_empty() { 0 } else { at % (s.len() + 1) };
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        match insert {
            Some(snippet) => s.insert_str(at, snippet),
            None => {
                let mut end = (at + delete).min(s.len());
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                s.replace_range(at..end, "");
            }
        }
    }
    s
}

/// Fragments that matter to the formats: TOML syntax, front-matter fences, odd chars.
const SNIPPETS: &[&str] = &[
    "+++",
    "+++\n",
    "\n",
    "\r\n",
    "=",
    "\"",
    "'",
    "'''",
    "\"\"\"",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    ",",
    "#",
    "\\",
    "\\u{0}",
    "\0",
    "\u{feff}",
    "é",
    "🙂",
    "\u{301}",
    "source",
    "section",
    "question",
    "id",
    "variants",
    "canonical",
    "[[source]]",
    "[[group]]",
    "= 1",
    "= []",
    "= {}",
    "= true",
    "1979-05-27",
    "\t",
    " ",
];

fn edits() -> impl Strategy<Value = Vec<(usize, Option<&'static str>, usize)>> {
    proptest::collection::vec(
        (
            any::<usize>(),
            proptest::option::of(prop::sample::select(SNIPPETS)),
            0usize..40,
        ),
        1..8,
    )
}

#[test]
fn edge_texts() {
    let long_line = "x".repeat(200_000);
    let deep = "[".repeat(10_000);
    let deep_inline = format!("+++\nquestion = {}\n+++\n", "[".repeat(5_000));
    for text in [
        "",
        "\n",
        "+++",
        "+++\n+++",
        "+++\r\n+++\r\n",
        "\u{feff}+++\n+++\n",
        "+++\n+++\n+++\n+++\n",
        "\0",
        long_line.as_str(),
        deep.as_str(),
        deep_inline.as_str(),
        "[[source]]\n[[source]]\n",
        "[[group]]\nvariants = [[]]\n",
        "a = 1\na = 2\n",
        "\r\r\r",
    ] {
        check_all_parsers(text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn parsers_never_panic_on_any_text(text in "\\PC{0,400}") {
        check_all_parsers(&text);
    }

    #[test]
    fn parsers_never_panic_on_any_chars(chars in proptest::collection::vec(any::<char>(), 0..300)) {
        let text: String = chars.into_iter().collect();
        check_all_parsers(&text);
    }

    #[test]
    fn mutated_entries(edits in edits()) {
        check_all_parsers(&mutate(ENTRY_SURGERY, &edits));
    }

    #[test]
    fn mutated_sources(edits in edits()) {
        check_all_parsers(&mutate(SOURCES, &edits));
    }

    #[test]
    fn mutated_synonyms(edits in edits()) {
        check_all_parsers(&mutate(SYNONYMS, &edits));
    }

    #[test]
    fn mutated_safety_rules(edits in edits()) {
        check_all_parsers(&mutate(&safety_toml(), &edits));
    }
}

/// A relative path made of one to three random name parts, some under `entries/`.
fn garbage_path() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        proptest::collection::vec("[a-zA-Z0-9._~#-]{1,12}", 1..3),
    )
        .prop_map(|(in_entries, parts)| {
            let rel = parts
                .into_iter()
                .map(|p| {
                    if p == "." || p == ".." {
                        "dot".to_string()
                    } else {
                        p
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            if in_entries {
                format!("entries/{rel}")
            } else {
                rel
            }
        })
}

proptest! {
    // Each case touches the disk: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn a_folder_of_garbage_loads_nothing(
        files in proptest::collection::vec(
            (garbage_path(), proptest::collection::vec(any::<u8>(), 0..300)),
            0..8,
        )
    ) {
        let f = FaqFixture::empty();
        for (rel, bytes) in &files {
            // Earlier random files may be where this one wants a folder; skip those.
            let path = f.path().join(rel);
            if std::fs::create_dir_all(path.parent().unwrap()).is_ok() && !path.is_dir() {
                let _ = std::fs::write(&path, bytes);
            }
        }
        // No disclaimer.md, sources.toml or entries: never a FAQ.
        let result = medfaq::faq::load(f.path());
        prop_assert!(result.is_err(), "garbage loaded as a FAQ: {:?}", files);
        prop_assert!(!result.unwrap_err().problems().is_empty());
    }

    #[test]
    fn one_garbage_entry_spoils_a_good_folder(
        name in "[a-z][a-z0-9-]{0,20}",
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
    ) {
        // Bytes that contain no `+++` fence can never be a valid entry.
        prop_assume!(!bytes.windows(3).any(|w| w == b"+++"));
        let f = FaqFixture::good();
        f.write(&format!("entries/{name}.md"), &bytes);
        let result = medfaq::faq::load(f.path());
        prop_assert!(result.is_err(), "a garbage entry was accepted: {:?}", bytes);
        let problems = result.unwrap_err();
        let origin = format!("{name}.md");
        prop_assert!(
            problems.problems().iter().any(|p| p.origin.ends_with(&origin)),
            "no problem names entries/{}: {}", origin, problems
        );
    }
}
