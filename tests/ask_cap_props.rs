//! Properties of the input caps (what `tests/ask_props.rs` does not cover: that one checks
//! no panic and the disclaimer on any text).
//! - Matching reads at most `MatchOptions::max_query_chars` characters: the cap is applied
//!   first thing in `Index::search`, so whatever follows it cannot change the outcome (and
//!   cannot cost time).
//! - The safety check reads up to 4000 characters, the longest Discord message: an
//!   emergency anywhere in a message of that size is still seen, however long the rest.

mod common;

use std::sync::OnceLock;

use medfaq::knowledge::Knowledge;
use medfaq::matcher::normalize::truncate_chars;
use medfaq::matcher::MatchOptions;
use medfaq::safety::Alert;
use proptest::prelude::*;

fn knowledge() -> &'static Knowledge {
    static K: OnceLock<Knowledge> = OnceLock::new();
    K.get_or_init(|| {
        Knowledge::load(&common::faq::bundled_faq(), MatchOptions::default())
            .expect("the bundled FAQ loads")
    })
}

/// Words from the FAQ's own vocabulary, so the capped prefix really matches things.
fn vocabulary() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop::sample::select(vec![
            "magnesium",
            "mag",
            "after",
            "back",
            "surgery",
            "kidney",
            "iv",
            "migraine",
            "glycinate",
            "oxide",
            "dose",
            "how",
            "much",
            "can",
            "i",
            "take",
            "?",
            "pain",
            "side",
            "effects",
            "pregnant",
            "citrate",
            "sleep",
            "the",
            "cramps",
        ]),
        1..200,
    )
    .prop_map(|w| w.join(" "))
}

const EMERGENCY: &str = "I can't breathe after my magnesium infusion";
/// The longest message Discord delivers (Nitro), which the safety check reads in full.
const DISCORD_MAX_MESSAGE: usize = 4000;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn nothing_after_max_query_chars_changes_the_outcome(
        head in vocabulary(),
        tail in "\\PC{0,400}",
    ) {
        let k = knowledge();
        let cap = k.index.options().max_query_chars;
        // A message of at least `cap` characters, then anything.
        let mut long = head.clone();
        while long.chars().count() < cap {
            long.push(' ');
            long.push_str(&head);
        }
        let capped = truncate_chars(&long, cap).to_string();
        let outcome = k.index.search(&format!("{capped}{tail}"));
        prop_assert_eq!(&outcome, &k.index.search(&capped));
    }

    // A question phrase earlier in the same clause ("side effects", "dose for") used to
    // quiet the emergency told after it; guards now stop at a new statement ("I can't").
    #[test]
    fn an_emergency_anywhere_in_a_discord_sized_message_is_seen(
        filler in vocabulary(),
        at in 0usize..DISCORD_MAX_MESSAGE,
    ) {
        let k = knowledge();
        let mut text = filler.clone();
        while text.len() < DISCORD_MAX_MESSAGE {
            text.push(' ');
            text.push_str(&filler);
        }
        text.truncate(DISCORD_MAX_MESSAGE - EMERGENCY.len() - 2);
        let at = at.min(text.len());
        let at = text[..at].rfind(' ').map_or(0, |i| i + 1); // between words
        text.insert_str(at, &format!("{EMERGENCY}. "));
        prop_assert!(text.chars().count() <= DISCORD_MAX_MESSAGE);
        let answered = k.ask(&text);
        prop_assert_eq!(answered.alert, Some(Alert::Emergency), "at {}", at);
        prop_assert!(answered.reply.notice().is_some());
        prop_assert!(answered.reply.render_text().contains(k.faq.disclaimer.as_str()));
    }
}

#[test]
fn the_cap_is_what_the_options_say() {
    // A marker past the cap would change the outcome if the cap were not applied.
    let k = knowledge();
    let cap = k.index.options().max_query_chars;
    let padding = "x ".repeat(cap); // 2 * cap characters of noise
    let question = "Can I take magnesium after back surgery?";
    let outcome = k.index.search(&format!("{padding}{question}"));
    assert_eq!(outcome, k.index.search(truncate_chars(&padding, cap)));
    assert_ne!(
        outcome,
        k.index.search(question),
        "the question past the cap was read"
    );
}
