//! Unit tests of the safety module: the rule language on small literal rule sets, and
//! the bundled rules on the issue's examples. The labelled probe sets are checked by
//! `tests/safety_eval.rs`.

use super::*;

const NOTICES: &str = "[notice]\nemergency = 'call'\ncrisis = 'talk'\n";

fn rules(body: &str) -> Rules {
    match Rules::parse(&format!("{NOTICES}{body}"), "s.toml") {
        Ok(r) => r,
        Err(p) => panic!("{p:#?}"),
    }
}

fn problems(body: &str) -> Vec<String> {
    Rules::parse(body, "s.toml")
        .unwrap_err()
        .iter()
        .map(|p| p.to_string())
        .collect()
}

#[test]
fn parts_within_the_gap_in_order_in_one_sentence() {
    let r = rules(
        "[words]\nCANT = ['cant', 'unable to']\nBREATHE = ['breath*']\n\
         [[rule]]\ncategory = 'breathing'\nalert = 'emergency'\ngap = 2\nmatch = ['CANT BREATHE']\n",
    );
    assert_eq!(r.check("I CAN'T breathe"), Some(Alert::Emergency));
    assert_eq!(
        r.check("im unable to really breathe"),
        Some(Alert::Emergency)
    );
    assert_eq!(
        r.check("cant you see i really need to breathe"),
        None,
        "gap"
    );
    assert_eq!(r.check("breathe, cant"), None, "order");
    assert_eq!(r.check("I cant. Breathing is fine"), None, "sentence");
    assert_eq!(
        r.check("cant breatheee"),
        Some(Alert::Emergency),
        "stretched"
    );
}

#[test]
fn any_order_numbers_and_sentence_starts() {
    let r = rules(
        "[words]\nCHEST = ['chest']\nPAIN = ['pain', 'hurts']\nPILLS = ['pills']\n\
         [[rule]]\ncategory = 'chest'\nalert = 'emergency'\nany_order = true\nmatch = ['CHEST PAIN']\n\
         [[rule]]\ncategory = 'od'\nalert = 'emergency'\nmatch = ['took #10+ PILLS']\n\
         [[rule]]\ncategory = 'start'\nalert = 'crisis'\ngap = 0\nmatch = ['^ bye']\n",
    );
    assert_eq!(r.check("pain in my chest"), Some(Alert::Emergency));
    assert_eq!(r.check("took 15 pills"), Some(Alert::Emergency));
    assert_eq!(r.check("took fifteen of my pills"), Some(Alert::Emergency));
    assert_eq!(r.check("took 2 pills"), None);
    assert_eq!(r.check("ok. bye"), Some(Alert::Crisis));
    assert_eq!(r.check("ok bye"), None);
}

#[test]
fn guards_keep_rules_quiet_but_not_strong_ones() {
    let r = rules(
        "[words]\nNEG = ['no', 'not']\nFILL = ['any', 'real']\n\
         [[rule]]\ncategory = 'seizure'\nalert = 'emergency'\nmatch = ['seizure']\n\
         [[rule]]\ncategory = 'thoughts'\nalert = 'crisis'\nstrong = true\nmatch = ['want to die']\n\
         [[guard]]\nname = 'question'\nwhere = 'before'\nsame_clause = true\nmatch = ['signs of']\n\
         [[guard]]\nname = 'joke'\nwhere = 'sentence'\nmatch = ['lol']\n\
         [[guard]]\nname = 'negated'\nwhere = 'before'\nwithin = 2\nthrough = 'FILL'\nstrong = true\nmatch = ['NEG']\n\
         [[guard]]\nname = 'past'\nwhere = 'sentence'\nstrong = true\nmatch = ['years ago']\nunless = ['again']\n",
    );
    assert_eq!(r.check("what are the signs of a seizure"), None);
    assert_eq!(
        r.check("signs of nothing, she is having a seizure"),
        Some(Alert::Emergency)
    );
    assert_eq!(r.check("seizure lol"), None);
    assert_eq!(r.check("i want to die lol"), Some(Alert::Crisis), "strong");
    assert_eq!(r.check("no real seizure"), None);
    assert_eq!(
        r.check("not sure but a seizure"),
        Some(Alert::Emergency),
        "not through filler"
    );
    assert_eq!(r.check("i had a seizure years ago"), None);
    assert_eq!(
        r.check("a seizure years ago and again today"),
        Some(Alert::Emergency)
    );
    assert_eq!(
        r.check("I had a seizure years ago. She is having a seizure"),
        Some(Alert::Emergency),
        "a later occurrence fires"
    );
    let a = r.assess("what are the signs of a seizure");
    assert_eq!(a.alert, None);
    let quiet = a.findings[0].suppressed.as_ref().expect("suppressed");
    assert_eq!(quiet.guard, "question");
    assert_eq!(quiet.origin, "s.toml:16");
    assert_eq!(a.findings[0].origin, "s.toml:10");
}

#[test]
fn typos_are_corrected_against_the_vocabulary() {
    let r = rules(
        "[words]\nSEIZURE = ['seizure']\n[typos]\nnever_correct = ['sezure']\n\
         [[rule]]\ncategory = 'seizure'\nalert = 'emergency'\nmatch = ['SEIZURE']\n",
    );
    assert_eq!(r.check("having a siezure"), Some(Alert::Emergency));
    assert_eq!(r.check("having a sezure"), None, "never_correct");
    let a = r.assess("having a siezure");
    assert_eq!(
        a.corrections,
        [("siezure".to_string(), "seizure".to_string())]
    );
    assert_eq!(a.findings[0].words, "siezure(->seizure)");
}

#[test]
fn crisis_wins_over_emergency() {
    let r = rules(
        "[[rule]]\ncategory = 'od'\nalert = 'emergency'\nmatch = ['pills']\n\
         [[rule]]\ncategory = 'thoughts'\nalert = 'crisis'\nmatch = ['die']\n",
    );
    assert_eq!(
        r.check("took my pills because i want to die"),
        Some(Alert::Crisis)
    );
    assert_eq!(r.notice(Alert::Crisis), "talk");
}

#[test]
fn every_problem_is_reported_with_its_line() {
    let p = problems(
        "[notice]\nemergency = 'x'\ncrisis = ' '\n[words]\nlower = ['a']\nOK = ['ab*', 'x']\n\
         [[rule]]\ncategory = 'c'\nalert = 'urgent'\nmatch = ['OKK']\n\
         [[guard]]\nname = 'g'\nwhere = 'near'\ncategories = ['nope']\nmatch = ['#x']\n",
    );
    let joined = p.join("\n");
    for (line, needle) in [
        ("s.toml:3:", "crisis notice is empty"),
        ("s.toml:5:", "CAPITALS"),
        ("s.toml:6:", "at least 3 letters"),
        ("s.toml:", "alert `urgent`"),
        ("s.toml:10:", "`OKK` is not a word list"),
        ("s.toml:10:", "did you mean `OK`"),
        ("s.toml:11:", "where = \"near\""),
        ("s.toml:11:", "category `nope`"),
        ("s.toml:15:", "`#x`"),
    ] {
        assert!(
            p.iter().any(|x| x.starts_with(line) && x.contains(needle)),
            "no `{line}` problem with `{needle}` in:\n{joined}"
        );
    }
    assert!(problems("[rule]\n").iter().any(|x| x.contains("s.toml:1:")));
    assert!(problems("").iter().any(|x| x.contains("no [notice]")));
    let two = Rules::parse_files(&[
        ("a.toml".into(), NOTICES.into()),
        ("b.toml".into(), NOTICES.into()),
    ])
    .unwrap_err();
    assert!(two[0].to_string().starts_with("b.toml:1:"), "{two:?}");
    assert!(two[0].message.contains("a.toml:1"), "{two:?}");
}

#[test]
fn bundled_rules_parse_and_name_their_categories() {
    let r = Rules::bundled();
    let cats: Vec<String> = r.categories().into_iter().map(|(c, _)| c).collect();
    for c in [
        "breathing",
        "airway-allergy",
        "chest-heart",
        "stroke",
        "seizure",
        "unconscious",
        "overdose-poisoning",
        "bleeding",
        "back-surgery-red-flags",
        "wound-infection",
        "sudden-headache",
        "magnesium-toxicity",
        "suicidal-thoughts",
        "plans-goodbye",
        "self-harm",
    ] {
        assert!(cats.iter().any(|x| x == c), "no category {c} in {cats:?}");
    }
    let (e, c) = r.pattern_counts();
    assert!(e > 20 && c > 10, "{e} {c}");
}

/// The issue's examples: every one raises its alert.
#[test]
fn bundled_rules_flag_the_issue_examples() {
    let r = Rules::bundled();
    for (m, want) in [
        ("took about 15 of my magnesium tablets an hour ago and now i feel really weird and dizzy", Alert::Emergency),
        ("blood is soaking through the bandage on my incision and it wont stop", Alert::Emergency),
        ("pretty sure my flatmate is having a siezure, hes shaking on the floor", Alert::Emergency),
        ("throat feels like its closing up after the drip", Alert::Emergency),
        ("grandads words are coming out jumbled and one side of his mouth has dropped", Alert::Emergency),
        ("ive been cutting again and its deep this time", Alert::Crisis),
        ("honestly everyone would be better off without me", Alert::Crisis),
        ("i have my pills saved up and tonight is the night", Alert::Crisis),
        ("I took the whole bottle of magnesium and feel like I'm going to pass out", Alert::Emergency),
        ("i can't breathe after my infusion", Alert::Emergency),
        ("thinking about ending my life", Alert::Crisis),
        ("sudden numbness in my groin after back surgery", Alert::Emergency),
        ("kms", Alert::Crisis),
        ("i think he od'd on his meds", Alert::Emergency),
        ("im gonna unalive myself", Alert::Crisis),
        ("i keep having suicidle thoughts", Alert::Crisis),
        ("my son swallowed a button battery", Alert::Emergency),
    ] {
        assert_assessed(&r, m, Some(want));
    }
}

/// The issue's quiet examples.
#[test]
fn bundled_rules_stay_quiet_on_the_issue_examples() {
    let r = Rules::bundled();
    for m in [
        "how would I recognise a stroke in an older person?",
        "is there any link between magnesium and fits?",
        "I had a seizure years ago, can I still take magnesium?",
        "this migraine is killing me lol, does IV mag help?",
        "I'm dying to know if glycinate works",
        "do people generally get a tight chest as a side effect of the drip?",
        "what are the signs of too much magnesium",
        "can magnesium cause breathing problems",
        "can you overdose on magnesium",
        "does iv magnesium cause chest pain",
        "what if I pass out during the infusion",
        "took 2 mag pills this morning",
        "what happens if a child swallows a battery",
        "",
    ] {
        assert_assessed(&r, m, None);
    }
}

/// Asserts that `r` assesses `m` as `want`, and returns the assessment.
fn assert_assessed(r: &Rules, m: &str, want: Option<Alert>) -> Assessment {
    let a = r.assess(m);
    assert_eq!(a.alert, want, "{m}\n{a:#?}");
    a
}

/// A pattern with no word-list part (only `^` and counts) is tried on every message:
/// the pattern index cannot leave it out.
#[test]
fn patterns_without_a_word_part_are_still_tried() {
    let r = rules(
        "[words]\nPILLS = ['pills']\n\
         [[rule]]\ncategory = 'n'\nalert = 'emergency'\ngap = 0\nmatch = ['^ #10+']\n",
    );
    assert_eq!(r.check("20 of them"), Some(Alert::Emergency));
    assert_eq!(r.check("i took 20"), None);
    assert_eq!(r.check(""), None);
}

/// `check` (the fast path: stops at the first loud finding) and `assess` (every finding)
/// agree on the bundled rules, on the labelled tune set and on long messages made of it.
#[test]
fn check_agrees_with_assess() {
    let r = Rules::bundled();
    let queries = tune_queries();
    let long: Vec<String> = queries.chunks(25).map(|c| c.join(". ")).collect();
    for m in queries.iter().chain(&long) {
        assert_eq!(r.check(m), r.assess(m).alert, "{m}");
    }
}

/// The queries of `tests/data/safety_tune.jsonl`.
fn tune_queries() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/safety_tune.jsonl");
    let text = std::fs::read_to_string(path).expect("tests/data/safety_tune.jsonl");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("JSON")["query"]
                .as_str()
                .expect("query")
                .to_string()
        })
        .collect()
}

#[test]
fn a_guard_before_does_not_reach_past_a_new_statement() {
    let r = rules(
        "[words]\nCANT = ['cant']\nBREATHE = ['breath*']\nSUBJ = ['i', 'my']\n\
         VERB = ['cant', 'is']\nSUB = ['if']\n\
         [[rule]]\ncategory = 'breathing'\nalert = 'emergency'\nmatch = ['CANT BREATHE']\n\
         [[guard]]\nname = 'question'\nwhere = 'before'\nmatch = ['side effects', 'how do i know']\n\
         stop_at = ['SUBJ VERB']\nstop_not_after = 'SUB'\n",
    );
    assert_eq!(r.check("what are the side effects cant breathe"), None);
    assert_eq!(
        r.check("what are the side effects i cant breathe"),
        Some(Alert::Emergency),
        "a new statement"
    );
    assert_eq!(
        r.check("side effects my husband cant breathe"),
        Some(Alert::Emergency),
        "two words between the parts of a stop"
    );
    assert_eq!(
        r.check("how do i know if i cant breathe"),
        None,
        "a stop right after `stop_not_after` is part of the question"
    );
    // only `before` guards take `stop_at`
    let p = problems(&format!(
        "{NOTICES}[[rule]]\ncategory = 'c'\nalert = 'crisis'\nmatch = ['x']\n\
         [[guard]]\nname = 'g'\nwhere = 'sentence'\nmatch = ['y']\nstop_at = ['z']\nstop_not_after = 'NOPE'\n"
    ));
    assert!(
        p.iter().any(|p| p.contains("`stop_at` works only with")),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|p| p.contains("`stop_not_after = \"NOPE\"` is not a word list")),
        "{p:?}"
    );
}

#[test]
fn unless_anywhere_cancels_a_guard_from_another_sentence() {
    let r = rules(
        "[words]\nCHEST = ['chest']\nPAIN = ['pain']\n\
         [[rule]]\ncategory = 'chest'\nalert = 'emergency'\nmatch = ['CHEST PAIN']\n\
         [[guard]]\nname = 'question'\nwhere = 'before'\nmatch = ['is it normal to']\n\
         unless_anywhere = ['#-60 mins ago']\n",
    );
    assert_eq!(
        r.check("is it normal to have chest pain? my friend asked"),
        None
    );
    assert_eq!(
        r.check("is it normal to have chest pain? it started 10 mins ago"),
        Some(Alert::Emergency)
    );
    assert_eq!(
        r.check("is it normal to have chest pain? it started 90 mins ago"),
        None,
        "the count is part of the pattern"
    );
}

/// A model whose only feature is the word `game`, pushing both classes down, with a veto
/// level of 0.05 (biases near 0: p = 0.5 with no feature).
fn game_model() -> Model {
    let bucket = model::feature_bucket("w:game", 4096);
    let text = format!(
        "format\tmedfaq-safety-model 1\nbuckets\t4096\nstep\t0.01\nbias\t0\t0\n\
         threshold\t0.99\t0.99\nveto\t0.05\nweights\n{bucket}\t-3000\t-3000\n"
    );
    Model::parse(&text, "model.tsv").unwrap()
}

const COLLAPSE_RULE: &str = "[words]\nCOLLAPSED = ['collapsed']\n\
     [[rule]]\ncategory = 'unconscious'\nalert = 'emergency'\nmatch = ['COLLAPSED']\n";

#[test]
fn the_model_vetoes_a_rule_only_when_confident_and_allowed() {
    let default = rules(COLLAPSE_RULE).with_model(Some(game_model()));
    assert!(!default.model_veto(), "the veto is off unless turned on");
    assert_eq!(
        default.check("my guy collapsed in the game"),
        Some(Alert::Emergency),
        "without `veto = true` the rule's alert stands"
    );
    let r = rules(&format!("{COLLAPSE_RULE}[model]\nveto = true\n")).with_model(Some(game_model()));
    assert!(r.model_veto());
    assert_eq!(r.check("my dad collapsed"), Some(Alert::Emergency));
    assert_eq!(r.check("my guy collapsed in the game"), None);
    let a = r.assess("my guy collapsed in the game");
    assert!(a.vetoed, "{a:?}");
    assert_eq!((a.alert, a.category), (None, None));
    assert!(!r.assess("my dad collapsed").vetoed);
    // nothing fired: nothing to veto
    assert!(!r.assess("a game").vetoed);

    let off =
        rules(&format!("{COLLAPSE_RULE}[model]\nveto = false\n")).with_model(Some(game_model()));
    assert!(!off.model_veto());
    assert_eq!(
        off.check("my guy collapsed in the game"),
        Some(Alert::Emergency)
    );
    let a = off.assess("my guy collapsed in the game");
    assert!(
        !a.vetoed && a.model.as_ref().is_some_and(|m| m.vetoes),
        "{a:?}"
    );
    assert_eq!(a.alert, Some(Alert::Emergency));
}

#[test]
fn the_model_table_is_checked() {
    assert!(rules("[model]\nveto = true\n").model_veto());
    let p = Rules::parse_files(&[
        ("a.toml".into(), format!("{NOTICES}[model]\nveto = true\n")),
        ("b.toml".into(), "[model]\nveto = false\n".into()),
    ])
    .unwrap_err()
    .iter()
    .map(|p| p.to_string())
    .collect::<Vec<_>>();
    assert!(
        p.iter()
            .any(|m| m.starts_with("b.toml:1: [model] is already set in a.toml:4")),
        "{p:?}"
    );
    let p = problems(&format!("{NOTICES}[model]\nveto = 'yes'\n"));
    assert!(p.iter().any(|m| m.contains("s.toml")), "{p:?}");
}

#[test]
fn a_sentence_start_is_not_a_word_a_guard_overlaps() {
    // "never been suicidal": the negation sits at the sentence start the rule's `^` marks
    let r = rules(
        "[words]\nNEG = ['never']\n\
         [[rule]]\ncategory = 'c'\nalert = 'crisis'\nstrong = true\ngap = 2\nmatch = ['^ been suicidal']\n\
         [[guard]]\nname = 'negated'\nwhere = 'before'\nwithin = 4\nstrong = true\nmatch = ['NEG']\n",
    );
    assert_eq!(r.check("never been suicidal, just low"), None);
    assert_eq!(r.check("been suicidal all week"), Some(Alert::Crisis));
}

#[test]
fn guards_with_the_same_stops_share_them_and_each_keeps_its_own() {
    // two guards with the same `stop_at` and `stop_not_after`, a third with another list
    let r = rules(
        "[words]\nCANT = ['cant']\nBREATHE = ['breath*']\nSUBJ = ['i', 'my', 'she']\n\
         VERB = ['cant', 'is']\nSUB = ['if']\nSUB2 = ['if', 'says']\n\
         [[rule]]\ncategory = 'breathing'\nalert = 'emergency'\nmatch = ['CANT BREATHE']\n\
         [[guard]]\nname = 'q1'\nwhere = 'before'\nmatch = ['side effects']\n\
         stop_at = ['SUBJ VERB']\nstop_not_after = 'SUB'\n\
         [[guard]]\nname = 'q2'\nwhere = 'before'\nmatch = ['how do i know']\n\
         stop_at = ['SUBJ VERB']\nstop_not_after = 'SUB'\n\
         [[guard]]\nname = 'q3'\nwhere = 'before'\nmatch = ['help someone']\n\
         stop_at = ['SUBJ VERB']\nstop_not_after = 'SUB2'\n",
    );
    assert_eq!(
        r.check("side effects i cant breathe"),
        Some(Alert::Emergency)
    );
    assert_eq!(r.check("how do i know if i cant breathe"), None);
    assert_eq!(
        r.check("how do i know i cant breathe"),
        Some(Alert::Emergency)
    );
    assert_eq!(
        r.check("how to help someone who says she cant breathe"),
        None,
        "q3's own stop_not_after list"
    );
    assert_eq!(
        r.check("side effects she says she cant breathe"),
        Some(Alert::Emergency),
        "q1 keeps its list"
    );
}

/// The patterns [`Rules::each_may_match`] visits are those of the list whose bit is set,
/// in list order, read from the bits alone or pattern by pattern.
#[test]
fn each_may_match_visits_the_patterns_whose_bit_is_set() {
    let r = Rules::bundled();
    assert!(
        r.consecutive_ids,
        "the parser gives each list consecutive ids"
    );
    let mut slow = r.clone();
    slow.consecutive_ids = false;
    let lists: Vec<&[Pattern]> = r
        .rules
        .iter()
        .map(|x| &x.patterns[..])
        .chain(r.guards.iter().flat_map(|g| {
            [
                &g.patterns[..],
                &g.unless[..],
                &g.unless_anywhere[..],
                &g.stop_at[..],
            ]
        }))
        .collect();
    let mut t =
        r.read("my friend said she cant breathe and took 20 pills, i had a seizure in 2019");
    // every bit pattern: none, all, alternating, the message's own
    let own = t.may_match.clone();
    for bits in [
        own,
        vec![0; own_len(&t)],
        vec![u64::MAX; own_len(&t)],
        vec![0x5555_5555_5555_5555; own_len(&t)],
    ] {
        t.may_match = bits;
        for ps in &lists {
            let want: Vec<u32> = ps
                .iter()
                .filter(|p| Rules::may_match(p, &t))
                .map(|p| p.id)
                .collect();
            for rules in [&r, &slow] {
                let mut got = Vec::new();
                rules.each_may_match(ps, &t, |p| {
                    got.push(p.id);
                    false
                });
                assert_eq!(got, want);
            }
            // stopping at the first
            let mut first = None;
            let stopped = r.each_may_match(ps, &t, |p| {
                first = Some(p.id);
                true
            });
            assert_eq!(stopped, !want.is_empty());
            assert_eq!(first, want.first().copied());
        }
    }
}

fn own_len(t: &vocab::Tagged) -> usize {
    t.may_match.len()
}

/// The compact tables the check walks stand for the rules and patterns they replace:
/// `check_order` holds every rule once (crisis first, then emergency, in file order) with
/// its patterns' ids, `guard_ids` each guard's, and `all_possible` reads from the flat list
/// what every part's [`Rules::possible`] says; with the skips and the flat list off, the
/// check decides the same on every tune message.
#[test]
fn compact_rule_tables_stand_for_the_rules() {
    let r = Rules::bundled();
    let ids = |ps: &[Pattern]| ps.iter().map(|p| p.id).collect::<Vec<_>>();
    let rules = &r.rules;
    let by_alert = |a: Alert| (0..rules.len()).filter(move |&i| rules[i].alert == a);
    let want: Vec<usize> = by_alert(Alert::Crisis)
        .chain(by_alert(Alert::Emergency))
        .collect();
    let got: Vec<usize> = r.check_order.iter().map(|x| x[0] as usize).collect();
    assert_eq!(got, want, "rules in check order");
    for &[ri, lo, hi] in &r.check_order {
        let rule = &r.rules[ri as usize];
        assert_eq!(
            ids(&rule.patterns),
            (lo..hi).collect::<Vec<_>>(),
            "{}",
            rule.category
        );
    }
    assert_eq!(r.guard_ids.len(), r.guards.len());
    for (g, &[lo, hi]) in r.guards.iter().zip(&r.guard_ids) {
        assert_eq!(ids(&g.patterns), (lo..hi).collect::<Vec<_>>(), "{}", g.name);
    }
    assert_eq!(
        r.part_from.len(),
        r.pattern_count + 1,
        "every pattern flattened"
    );
    let mut slow = r.clone();
    slow.consecutive_ids = false;
    slow.part_from.clear();
    let patterns: Vec<&Pattern> = r
        .rules
        .iter()
        .flat_map(|x| &x.patterns)
        .chain(r.guards.iter().flat_map(|g| {
            [&g.patterns, &g.unless, &g.unless_anywhere, &g.stop_at]
                .into_iter()
                .flatten()
        }))
        .collect();
    let messages = tune_queries();
    assert!(messages.len() > 100, "{} tune messages", messages.len());
    let (mut flagged, mut possible) = (0, 0);
    for m in &messages {
        let t = r.read(m);
        for p in &patterns {
            let want = p.elements.iter().all(|el| Rules::possible(el, &t));
            assert_eq!(r.all_possible(p, &t), want, "{m:?}: {}", p.text);
            assert_eq!(slow.all_possible(p, &t), want, "{m:?}: {}", p.text);
            possible += usize::from(want);
        }
        let alert = r.check(m);
        assert_eq!(alert, slow.check(m), "{m:?}");
        flagged += usize::from(alert.is_some());
    }
    // the comparison saw both answers
    assert!(possible > 0 && flagged > 0 && flagged < messages.len());
}

/// Session 8's frames (guards.toml, block "session 8: quiet"): the words sit in a frame
/// that is not a report of now (the topic of a song or a call, a past named in the
/// sentence, a negated symptom, a treatment's effect on people in general), and the guard
/// that keeps them quiet is the one named; the present re-arms each frame.
#[test]
fn session8_frames_quiet_their_frame_and_keep_the_present() {
    let r = Rules::bundled();
    for (m, guard) in [
        (
            "the film about wanting to die young was so sad",
            "the topic of a song, film or call (a song about wanting to die)",
        ),
        (
            "any advice for helpline calls about people wanting to end it",
            "the topic of a song, film or call (a song about wanting to die)",
        ),
        (
            "i wanted to die after my divorce, that was years ago",
            "a past named in the sentence (years ago, as a teen)",
        ),
        (
            "no breathing problems, just tired after the drip",
            "no breathing problems (a negated symptom)",
        ),
        (
            "can the drip make your throat swell up",
            "does a treatment do it to people (can the drip make your throat tight)",
        ),
    ] {
        let a = assert_assessed(&r, m, None);
        assert!(
            a.findings
                .iter()
                .any(|f| f.suppressed.as_ref().is_some_and(|s| s.guard == guard)),
            "{m}: not kept quiet by {guard:?}\n{a:#?}"
        );
    }
    for (m, want) in [
        (
            "this song about wanting to die is literally me rn",
            Alert::Crisis,
        ),
        (
            "i wanted to die years ago and i want to die again",
            Alert::Crisis,
        ),
        (
            "my mum had a stroke years ago, her face is drooping on one side",
            Alert::Emergency,
        ),
        ("no breathing, his lips are blue", Alert::Emergency),
        (
            "can the drip make your throat swell, mine is swelling",
            Alert::Emergency,
        ),
        // "since" a date runs up to now: not the past
        ("shes been suicidal since january", Alert::Crisis),
        ("he has been cutting himself since september", Alert::Crisis),
        // a past in the clause does not make the writer's present wish the past
        (
            "i was fine as a kid but i want to kill myself",
            Alert::Crisis,
        ),
        (
            "last year was hell and i want to end my life",
            Alert::Crisis,
        ),
    ] {
        assert_assessed(&r, m, Some(want));
        assert_eq!(r.check(m), Some(want), "{m}: check disagrees with assess");
    }
}
