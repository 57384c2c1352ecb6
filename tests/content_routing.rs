//! Members' most common dose, muscle-relaxant and migraine questions land on an entry
//! that answers them without misleading (issue 12): dose questions on `how-much-to-take`
//! (never on the IV dose or a study regimen), muscle-relaxant questions on
//! `drug-interactions` (which carries the warning), migraine questions on an entry that
//! gives both the clinic guide's and the review's view.
//!
//! The questions are the issue's own plus paraphrases written for this test; none is an
//! alternate of an entry.

mod common;

use medfaq::knowledge::Knowledge;
use medfaq::matcher::{Decision, MatchOptions};

fn knowledge() -> Knowledge {
    Knowledge::load(&common::faq::bundled_faq(), MatchOptions::default())
        .expect("the bundled FAQ loads")
}

/// What the bot does with `question`: `answer <id>`, `suggest <id>,<id>..` or `none`.
fn decision(k: &Knowledge, question: &str) -> String {
    match k.ask(question).outcome.decision {
        Decision::Answer(m) => format!("answer {}", m.id),
        Decision::Suggest(ms) => format!(
            "suggest {}",
            ms.iter()
                .map(|m| m.id.as_str())
                .collect::<Vec<_>>()
                .join(",")
        ),
        Decision::None => "none".to_string(),
    }
}

/// The entry answered, or the first suggestion.
fn landed(shown: &str) -> Option<&str> {
    let rest = shown
        .strip_prefix("answer ")
        .or_else(|| shown.strip_prefix("suggest "))?;
    rest.split(',').next()
}

/// Every question either gets `expected` as its answer or, for those marked `true`, at
/// least as the first suggestion; none is answered with an entry of `never`. Since the
/// fitted decision (issue 11: a wrong answer is worse than a suggestion), short questions
/// that two entries share are often offered rather than answered: those are marked `true`.
#[track_caller]
fn assert_lands(k: &Knowledge, cases: &[(&str, bool)], expected: &str, never: &[&str]) {
    let mut wrong = Vec::new();
    for (question, may_suggest) in cases {
        let shown = decision(k, question);
        let ok = shown == format!("answer {expected}")
            || (*may_suggest && shown.starts_with("suggest ") && landed(&shown) == Some(expected));
        let forbidden = never.iter().any(|id| shown == format!("answer {id}"));
        if !ok || forbidden {
            wrong.push(format!("{question:?}: got {shown}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "expected `{expected}` (never an answer from {never:?}):\n  {}",
        wrong.join("\n  ")
    );
}

#[test]
fn dose_questions_get_who_decides_not_an_iv_or_study_dose() {
    let k = knowledge();
    let never = [
        "iv-dose",
        "chronic-pain-iv-regimens",
        "chronic-low-back-pain",
        "oxide",
    ];
    assert_lands(
        &k,
        &[
            ("what's a normal daily amount of magnesium to take", false),
            // the near-miss guard reads "adult" as a topic the entry does not name, so
            // this one is offered as the first suggestion rather than answered
            (
                "how many mg of magnesium should an adult take each day",
                true,
            ),
            ("what is the usual dose of magnesium tablets", true),
            ("how much magnesium is safe to take daily", false),
            ("how many magnesium pills a day", false),
            ("recommended magnesium dose after spinal surgery", true),
            ("how much oral magnesium should I be on", false),
            ("whats the max magnesium i can take in a day", true),
            ("is 500mg magnesium a day ok", true),
        ],
        "how-much-to-take",
        &never,
    );
    // and the answer says there is no general dose, and who decides
    let answer = &k.faq.entry("how-much-to-take").unwrap().answer;
    for needle in ["no general daily dose", "surgeon", "doctor"] {
        assert!(answer.contains(needle), "how-much-to-take lacks {needle:?}");
    }
    // IV dose questions still find the IV dose
    assert_eq!(
        decision(
            &k,
            "how many grams of magnesium go into a migraine infusion"
        ),
        "answer iv-dose"
    );
}

#[test]
fn muscle_relaxant_questions_get_the_interaction_warning() {
    let k = knowledge();
    assert_lands(
        &k,
        &[
            ("can I take magnesium with muscle relaxants", true),
            (
                "is it safe to take magnesium while on a muscle relaxer",
                false,
            ),
            ("does magnesium interact with muscle relaxants", false),
            ("mag and muscle relaxers together ok?", true),
            ("magnesium plus muscle relaxers after back surgery", true),
        ],
        "drug-interactions",
        &["muscle-spasms"],
    );
    let answer = &k.faq.entry("drug-interactions").unwrap().answer;
    assert!(
        answer.contains("muscle relaxants and opioids"),
        "drug-interactions lost the warning: {answer}"
    );
}

#[test]
fn migraine_questions_get_both_views() {
    let k = knowledge();
    // an entry gives both views when it cites both sides and names both
    let both_views = |id: &str| {
        let entry = k.faq.entry(id).unwrap();
        let cites = |s: &str| entry.sources.iter().any(|c| c.source == s);
        cites("iv-migraine-guide")
            && cites("chronic-pain-review")
            && entry.answer.contains("Anesthesiology and Pain Medicine")
            && (entry.answer.contains("IV migraine guide") || entry.answer.contains("clinic guide"))
    };
    let mut wrong = Vec::new();
    for (question, may_suggest) in [
        ("does magnesium help migraines", true),
        ("is magnesium good for migraines", true),
        ("magnesium and migraine, does it work", true),
        ("does iv magnesium help a migraine attack", true),
        ("magnesium for migraines", true),
        ("can magnesium cure my migraines", true),
        ("should i take magnesium for my migraines", true),
    ] {
        let shown = decision(&k, question);
        let answered = shown.starts_with("answer ");
        let ok = (answered || may_suggest) && landed(&shown).is_some_and(both_views);
        if !ok {
            wrong.push(format!("{question:?}: got {shown}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "migraine questions must land on an entry giving both views:\n  {}",
        wrong.join("\n  ")
    );
    // the example lands on one of the two core entries (answered, or offered
    // first when the two compete too closely for the fitted decision to answer)
    let shown = decision(&k, "does magnesium help migraines");
    assert!(
        ["migraine-mechanism", "migraine-effectiveness"].contains(&landed(&shown).unwrap_or("")),
        "{shown}"
    );
}
