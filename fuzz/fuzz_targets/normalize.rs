//! Arbitrary UTF-8 through the matcher's normalizer and query analysis: no panic, and the
//! normalizer's output keeps its promises (non-empty words without separators, a cut that
//! is a prefix of at most the asked number of characters).
#![no_main]

mod bundled;

use bundled::knowledge;
use libfuzzer_sys::fuzz_target;
use medfaq::matcher::normalize::{stem, truncate_chars, undouble, words};

fuzz_target!(|text: &str| {
    for w in words(text) {
        assert!(!w.is_empty(), "empty word from {text:?}");
        assert!(
            !w.chars().any(char::is_whitespace),
            "word {w:?} has whitespace"
        );
        let _ = stem(&w);
        let _ = undouble(&w);
    }
    let n = text.len() % 64;
    let cut = truncate_chars(text, n);
    assert!(text.starts_with(cut) && cut.chars().count() <= n);
    // The whole analysis: synonyms, typo correction, stop words.
    let _ = knowledge().index.explain_query(text);
});
