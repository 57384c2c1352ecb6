//! Matcher tests on a literal FAQ (no files).

use std::collections::BTreeMap;

use super::*;
use crate::faq::{Disclaimer, Entry, Faq, Source, SourceRef, SynonymGroup};

fn entry(id: &str, question: &str, alternates: &[&str], keywords: &[&str], answer: &str) -> Entry {
    Entry {
        id: id.into(),
        question: question.into(),
        alternates: alternates.iter().map(|s| s.to_string()).collect(),
        keywords: keywords.iter().map(|s| s.to_string()).collect(),
        topic: None,
        answer: answer.into(),
        sources: vec![SourceRef {
            source: "guide".into(),
            section: "Summary".into(),
        }],
        origin: format!("entries/{id}.md"),
    }
}

fn group(canonical: &str, variants: &[&str]) -> SynonymGroup {
    SynonymGroup {
        canonical: canonical.into(),
        variants: variants.iter().map(|s| s.to_string()).collect(),
    }
}

/// A small FAQ in the shape of the bundled one.
pub(crate) fn faq() -> Faq {
    let mut entries = vec![
        entry(
            "after-back-surgery",
            "Can I take magnesium after back surgery?",
            &[
                "is magnesium ok after spine surgery",
                "mag supplements after my fusion?",
            ],
            &["post-op", "supplement"],
            "Only with your surgeon's approval.",
        ),
        entry(
            "kidney-problems",
            "Can I take magnesium if I have kidney problems?",
            &[
                "is magnesium safe with kidney disease",
                "renal failure and magnesium",
            ],
            &["kidney", "renal"],
            "Not without your doctor: the kidneys clear magnesium.",
        ),
        entry(
            "migraine-effectiveness",
            "Does IV magnesium work for migraine?",
            &["is a magnesium drip effective for migraine"],
            &["clinical trials"],
            "Studies conflict; some trials found relief within an hour.",
        ),
        entry(
            "digestive-side-effects",
            "Can magnesium cause diarrhea or an upset stomach?",
            &["does magnesium give you the runs"],
            &["laxative"],
            "Yes, especially citrate and oxide at higher doses.",
        ),
        entry(
            "glycinate",
            "What is magnesium glycinate good for?",
            &["is magnesium glycinate good for sleep"],
            &["sleep", "relaxation", "calcium"],
            "Glycinate is gentle on the stomach and often taken in the evening.",
        ),
        entry(
            "forms-compared",
            "Which form of magnesium should I choose?",
            &["which type of magnesium is best"],
            &["citrate", "glycinate", "oxide"],
            "Citrate, glycinate and oxide differ in absorption.",
        ),
    ];
    entries.sort_by(|a, b| a.id.cmp(&b.id));
    let mut sources = BTreeMap::new();
    sources.insert(
        "guide".to_string(),
        Source {
            id: "guide".into(),
            title: "A Guide".into(),
            publisher: None,
            url: None,
            doi: Some("10.5812/aapm.112348".into()),
        },
    );
    Faq {
        entries,
        sources,
        synonyms: vec![
            group("magnesium", &["mag", "mg"]),
            group("intravenous", &["iv", "drip", "infusion"]),
            group("spine", &["spinal", "back"]),
            group("surgery", &["operation", "op"]),
            group("kidney", &["kidneys", "renal"]),
            group("migraine", &["migraines"]),
            group("pregnancy", &["pregnant", "expecting"]),
        ],
        disclaimer: Disclaimer::new("Not medical advice.").unwrap(),
    }
}

fn index() -> Index {
    Index::build(&faq(), MatchOptions::default())
}

fn answered(index: &Index, q: &str) -> Option<String> {
    match index.search(q).decision {
        Decision::Answer(m) => Some(m.id),
        _ => None,
    }
}

#[test]
fn answers_plain_questions() {
    let i = index();
    assert_eq!(
        answered(&i, "Can I take magnesium after back surgery?").as_deref(),
        Some("after-back-surgery")
    );
    assert_eq!(
        answered(&i, "magnesium and kidney disease").as_deref(),
        Some("kidney-problems")
    );
    assert_eq!(
        answered(&i, "does iv mag work for migraines").as_deref(),
        Some("migraine-effectiveness")
    );
}

#[test]
fn tolerates_typos_and_says_so() {
    let i = index();
    assert_eq!(
        answered(&i, "magnseium and kidny disease").as_deref(),
        Some("kidney-problems")
    );
    let q = i.explain_query("magnseium and kidny disease");
    let kidney = q
        .terms
        .iter()
        .find(|t| t.from == "kidny")
        .expect("kidny is a term");
    assert!(kidney.corrected.is_some(), "{kidney:?}");
    assert!(kidney.known);
}

#[test]
fn applies_synonyms_and_multiword_phrases() {
    let i = index();
    let q = i.explain_query("can i take mag after my spinal op");
    let syn: Vec<_> = q.terms.iter().filter_map(|t| t.synonym.clone()).collect();
    assert!(syn.contains(&"magnesium".to_string()), "{q:?}");
    assert!(syn.contains(&"spine".to_string()), "{q:?}");
    assert!(syn.contains(&"surgery".to_string()), "{q:?}");
    assert_eq!(
        answered(&i, "can i take mag after my spinal op??").as_deref(),
        Some("after-back-surgery")
    );
}

#[test]
fn unknown_words_count_against_a_match() {
    let i = index();
    // "zinc" and "potassium" are not in the FAQ: not answered.
    assert_eq!(answered(&i, "is zinc good for migraines"), None);
    assert_eq!(answered(&i, "is potassium safe with kidney disease"), None);
    // "calcium" is known (a keyword elsewhere) but the message is not about magnesium
    // and the kidney entry does not explain it.
    assert_eq!(answered(&i, "is calcium safe with kidney disease"), None);
    let q = i.explain_query("is zinc good for migraines");
    assert!(
        q.terms.iter().any(|t| t.from == "zinc" && !t.known),
        "{q:?}"
    );
}

#[test]
fn noise_and_greetings_get_nothing() {
    let i = index();
    for m in [
        "hi",
        "test",
        "lol",
        "❤️",
        "",
        "DROP TABLE entries;",
        &"x".repeat(5000),
        "what's 2+2",
    ] {
        let o = i.search(m);
        assert_eq!(o.decision, Decision::None, "{m:?} -> {:?}", o.decision);
    }
}

#[test]
fn related_but_unclear_suggests() {
    let i = index();
    match i.search("magnesium glycinate").decision {
        Decision::Suggest(s) => {
            assert!(!s.is_empty() && s.len() <= 3);
            assert!(s.iter().any(|m| m.id == "glycinate"), "{s:?}");
        }
        Decision::Answer(m) => assert_eq!(m.id, "glycinate"),
        Decision::None => panic!("glycinate is related"),
    }
}

#[test]
fn scores_are_in_range_and_sorted_with_explanations() {
    let i = index();
    let o = i.search("is magnesium glycinate good for sleep");
    assert!(!o.candidates.is_empty() && o.candidates.len() <= 5);
    for w in o.candidates.windows(2) {
        assert!(w[0].score >= w[1].score);
    }
    let top = &o.candidates[0];
    assert_eq!(top.id, "glycinate");
    assert!((0.0..=1.0).contains(&top.score));
    assert!(top.explanation.coverage > 0.99, "{:?}", top.explanation);
    assert!(top
        .explanation
        .terms
        .iter()
        .any(|t| t.field == Some(Field::Question)));
}

#[test]
fn shorter_words_do_not_trigger_longer_synonyms() {
    // "expect" must not become "pregnancy" through the variant "expecting".
    let i = index();
    let q = i.explain_query("what to expect");
    assert!(
        q.terms
            .iter()
            .all(|t| t.synonym.as_deref() != Some("pregnancy")),
        "{q:?}"
    );
}

#[test]
fn long_messages_are_cut() {
    let i = Index::build(
        &faq(),
        MatchOptions {
            max_query_chars: 10,
            ..MatchOptions::default()
        },
    );
    let q = i.explain_query("magnesium kidney disease renal");
    assert_eq!(q.words, ["magnesium"]);
}

#[test]
fn complete_prefers_ids_then_questions_then_fuzzy() {
    let i = index();
    let f = faq();
    let ids = |v: Vec<usize>| {
        v.into_iter()
            .map(|e| f.entries[e].id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(i.complete("kidney-problems", 3))[0], "kidney-problems");
    assert_eq!(ids(i.complete("glyc", 3))[0], "glycinate");
    assert_eq!(ids(i.complete("which form", 3))[0], "forms-compared");
    assert!(ids(i.complete("magnesum diarrhea", 3)).contains(&"digestive-side-effects".to_string()));
    assert_eq!(i.complete("", 2).len(), 2);
    assert!(i.complete("kidney", 0).is_empty());
}

#[test]
fn empty_faq_matches_nothing() {
    let mut f = faq();
    f.entries.clear();
    let i = Index::build(&f, MatchOptions::default());
    assert_eq!(i.search("magnesium").decision, Decision::None);
    assert!(i.complete("m", 5).is_empty());
}

#[test]
fn byte_levenshtein_agrees_with_strsim() {
    let words = [
        "",
        "a",
        "magnesium",
        "magnseium",
        "kidney disease",
        "iv magnesium migraine",
        "dose iv",
        "migrain",
        "zz",
        "abc abd",
        "intravenous magnesium work migrain",
        "héllo",
        "hello",
    ];
    let mut row = Vec::new();
    for a in words {
        for b in words {
            let ours = super::search::normalized_levenshtein(a, b, &mut row);
            let theirs = strsim::normalized_levenshtein(a, b) as f32;
            assert_eq!(ours, theirs, "{a:?} vs {b:?}");
        }
    }
}

#[test]
fn story_filler_does_not_sink_a_match() {
    let i = index();
    let story =
        "Long story short my brother had his op in March, he's been a nightmare since lol, \
                 his mate says mag sorted him out. Is it ok to take magnesium after back surgery?";
    assert_eq!(answered(&i, story).as_deref(), Some("after-back-surgery"));
    let q = i.explain_query(story);
    let salience = |w: &str| q.terms.iter().find(|t| t.from == w).map(|t| t.salience);
    let (filler, content) = (
        salience("nightmare").unwrap(),
        salience("magnesium").unwrap(),
    );
    assert!(
        filler < 0.4 && content > 0.8,
        "nightmare {filler}, magnesium {content}"
    );
}

#[test]
fn the_question_after_a_long_story_is_read() {
    let i = index();
    let filler = "We waited ages at the clinic and the weather was awful all week. ".repeat(12);
    assert!(filler.chars().count() > 500);
    let message = format!("{filler}Can I take magnesium if I have kidney problems?");
    assert_eq!(answered(&i, &message).as_deref(), Some("kidney-problems"));
    let o = i.search(&message);
    let span = o.candidates[0].explanation.span.as_deref();
    assert_eq!(
        span,
        Some("can i take magnesium if i have kidney problems"),
        "{o:?}"
    );
}

#[test]
fn a_topic_the_entry_does_not_cover_blocks_the_answer() {
    let i = index();
    assert_eq!(
        answered(&i, "is magnesium glycinate good for sleep").as_deref(),
        Some("glycinate")
    );
    let o = i.search("is magnesium glycinate good for heartburn");
    assert!(
        !matches!(o.decision, Decision::Answer(_)),
        "{:?}",
        o.decision
    );
    assert_eq!(
        o.candidates[0].explanation.blocked_by.as_deref(),
        Some("heartburn")
    );
}

#[test]
fn small_talk_gets_no_suggestion() {
    let i = index();
    for m in [
        "good night all",
        "morning everyone",
        "thanks so much, you're all great",
    ] {
        let o = i.search(m);
        assert_eq!(o.decision, Decision::None, "{m:?} -> {:?}", o.decision);
    }
}

#[test]
fn a_real_word_is_not_corrected_into_another() {
    let i = index();
    // "rental" is one letter from the synonym "renal", but a word of its own
    let q = i.explain_query("rental magnesium");
    let rental = q.terms.iter().find(|t| t.from == "rental").expect("read");
    assert!(
        rental.corrected.is_none() && rental.synonym.is_none(),
        "{rental:?}"
    );
    // a misspelling still is
    let q = i.explain_query("kidnye magnesium");
    assert!(
        q.terms
            .iter()
            .any(|t| t.from == "kidnye" && t.corrected.is_some()),
        "{q:?}"
    );
}

#[test]
fn milligrams_after_a_number_are_not_magnesium() {
    let i = index();
    let q = i.explain_query("is 400 mg ok");
    assert!(
        q.terms
            .iter()
            .all(|t| t.synonym.as_deref() != Some("magnesium")),
        "{q:?}"
    );
    let q = i.explain_query("is mg ok");
    assert!(q
        .terms
        .iter()
        .any(|t| t.synonym.as_deref() == Some("magnesium")));
}

#[test]
fn labels_with_digits_and_single_letters_weigh_little() {
    let i = index();
    let q = i.explain_query("fusion at l4-l5, took 2 x 400mg, what about zinc");
    let term = |w: &str| q.terms.iter().find(|t| t.from == w).expect(w).clone();
    let (l4, zinc) = (term("l4"), term("zinc"));
    assert!(!l4.known && !zinc.known, "{q:?}");
    assert!(l4.weight < 0.2 * zinc.weight, "l4 {l4:?} vs zinc {zinc:?}");
    assert!(term("x").salience < 0.1, "{q:?}");
    // "here" is a function word, not "her"
    let q = i.explain_query("anyone here take magnesium");
    assert!(q.terms.iter().all(|t| t.from != "here"), "{q:?}");
}

/// The bundled shape plus a synonym group that names the subject and one that the
/// questions use with a common word in its phrases.
fn faq_with_vocabulary() -> Faq {
    let mut faq = faq();
    faq.entries.push(entry(
        "deficiency-and-migraine",
        "Is hypomagnesemia common with migraine?",
        &[],
        &[],
        "Some studies found lower magnesium levels.",
    ));
    faq.synonyms
        .push(group("hypomagnesemia", &["low magnesium", "low mag"]));
    faq.synonyms
        .push(group("diarrhea", &["the runs", "running to the toilet"]));
    faq.entries
        .iter_mut()
        .find(|e| e.id == "digestive-side-effects")
        .unwrap()
        .question = "Can magnesium cause diarrhea?".into();
    faq
}

/// The word that held the best candidate back, if any.
fn blocked_by(o: &Outcome) -> Option<&str> {
    o.candidates[0].explanation.blocked_by.as_deref()
}

fn features(o: &Outcome) -> decision::Features {
    o.candidates[0]
        .explanation
        .decision
        .as_ref()
        .expect("the best candidate carries the decision")
        .features
}

#[test]
fn a_synonym_that_names_the_subject_is_on_subject() {
    let i = Index::build(&faq_with_vocabulary(), MatchOptions::default());
    let o = i.search("is low mag common for people with migraines");
    assert_eq!(o.candidates[0].id, "deficiency-and-migraine", "{o:?}");
    assert_eq!(features(&o).off_subject, 0.0, "{o:?}");
}

#[test]
fn the_synonym_vocabulary_is_no_near_miss() {
    let i = Index::build(&faq_with_vocabulary(), MatchOptions::default());
    let o = i.search("does magnesium make you need the toilet");
    assert_eq!(blocked_by(&o), None, "{o:?}");
    // a topic word outside the FAQ's vocabulary still blocks
    let o = i.search("does magnesium make you need the dentist");
    assert_eq!(blocked_by(&o), Some("dentist"), "{o:?}");
}

#[test]
fn the_near_miss_guard_reads_the_question_of_a_long_message() {
    let i = index();
    let story = "The incision is healing nicely and the staples came out last week. \
                 We waited ages at the clinic and the weather was awful all week. \
                 My partner has been brilliant through all of it. \
                 Can I take magnesium after back surgery?";
    let reading = i.analyze_query(story);
    let guarded = i.guarded(&reading, &(0..reading.words.len()));
    let read: Vec<&str> = guarded.iter().map(|q| q.from.as_str()).collect();
    assert!(
        !read.contains(&"incision") && read.contains(&"magnesium"),
        "{read:?}"
    );
    let o = i.search(story);
    assert_eq!(blocked_by(&o), None, "{o:?}");
    // the word that changes the question still blocks there
    let story = "We waited ages at the clinic and the weather was awful all week. \
                 My partner has been brilliant through all of it. \
                 Is magnesium glycinate good for heartburn?";
    let o = i.search(story);
    assert_eq!(blocked_by(&o), Some("heartburn"), "{o:?}");
}

#[test]
fn the_subject_named_in_the_story_counts_for_its_question() {
    let i = index();
    let message = "I have taken magnesium every night for years. \
                   We waited ages at the clinic and the weather was awful all week. \
                   My partner has been brilliant through all of it. \
                   Is it safe with renal failure?";
    let o = i.search(message);
    assert_eq!(o.candidates[0].id, "kidney-problems", "{o:?}");
    assert!(o.candidates[0].explanation.span.is_some(), "{o:?}");
    assert_eq!(features(&o).off_subject, 0.0, "{o:?}");
}
