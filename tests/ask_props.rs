//! Property: whatever a member types, `ask` returns a reply that carries the disclaimer
//! (and never panics). Timing is checked by the benchmarks, not here.

mod common;

use std::sync::OnceLock;

use medfaq::knowledge::Knowledge;
use medfaq::matcher::MatchOptions;
use proptest::prelude::*;

fn knowledge() -> &'static Knowledge {
    static K: OnceLock<Knowledge> = OnceLock::new();
    K.get_or_init(|| {
        Knowledge::load(&common::faq::bundled_faq(), MatchOptions::default())
            .expect("the bundled FAQ loads")
    })
}

fn check(message: &str) {
    let k = knowledge();
    let a = k.ask(message);
    let disclaimer = k.faq.disclaimer.as_str();
    assert_eq!(a.reply.disclaimer(), disclaimer);
    let text = a.reply.render_text();
    assert!(
        text.contains(disclaimer),
        "no disclaimer for {message:?}:\n{text}"
    );
    assert!(a.outcome.candidates.len() <= 5);
    for m in &a.outcome.candidates {
        assert!(
            (0.0..=1.0).contains(&m.score),
            "score {} for {message:?}",
            m.score
        );
    }
}

#[test]
fn edge_inputs() {
    let big = "magnesium ".repeat(10_000); // 100 KB
    let noise: String = (0..100_000u32)
        .map(|i| char::from_u32(0x1F600 + i % 80).unwrap())
        .collect();
    for m in [
        "",
        " ",
        "\0\u{1}\u{7}\u{1b}[31m",
        "❤️",
        "🙂🙂🙂",
        big.as_str(),
        noise.as_str(),
        "```unclosed code block",
        "<@123> <#456> <:x:789>",
        "ﷺ ǅ ß İ",
        "a\u{301}\u{301}\u{301}\u{301}",
    ] {
        check(m);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_text_gets_a_reply_with_the_disclaimer(s in "\\PC{0,300}") {
        check(&s);
    }

    #[test]
    fn any_chars_including_controls(s in proptest::collection::vec(any::<char>(), 0..200)) {
        let s: String = s.into_iter().collect();
        check(&s);
    }

    #[test]
    fn word_salad_from_the_faq_vocabulary(words in proptest::collection::vec(
        prop::sample::select(vec!["magnesium", "mag", "iv", "after", "surgery", "kidney",
            "migraine", "cant", "breathe", "???", "glycinate", "xx", "the", "l-threonate"]), 0..30)) {
        check(&words.join(" "));
    }
}
