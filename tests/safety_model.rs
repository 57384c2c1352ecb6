//! The safety model (`faq/safety/model.tsv`): the Rust inference reproduces the
//! probabilities `src/safety/model/train.py` computes (`tests/data/safety_model_parity.tsv`,
//! written by the script), so the hashing and text normalization of both agree; the
//! loader validates the file like the other safety files.

mod common;

use std::path::PathBuf;

use medfaq::safety::model::Model;
use medfaq::safety::{Alert, Rules};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bundled_model() -> Model {
    let path = root().join("faq/safety/model.tsv");
    let text = std::fs::read_to_string(&path).expect("faq/safety/model.tsv");
    Model::parse(&text, "faq/safety/model.tsv").expect("the bundled model parses")
}

#[test]
fn rust_probabilities_match_the_training_script() {
    let model = bundled_model();
    let text = std::fs::read_to_string(root().join("tests/data/safety_model_parity.tsv"))
        .expect("parity fixture");
    let mut checked = 0;
    let mut wrong = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let mut f = line.split('\t');
        let (Some(m), Some(pe), Some(pc)) = (f.next(), f.next(), f.next()) else {
            panic!("bad fixture line {line:?}");
        };
        let message: String = serde_json::from_str(m).expect("a JSON string");
        let want = [pe.parse::<f64>().unwrap(), pc.parse::<f64>().unwrap()];
        let got = model.probabilities(&message);
        if (got[0] - want[0]).abs() > 1e-4 || (got[1] - want[1]).abs() > 1e-4 {
            let short: String = message.chars().take(80).collect();
            wrong.push(format!("  {short:?}: python {want:?}, rust {got:?}"));
        }
        checked += 1;
    }
    assert!(checked >= 50, "only {checked} fixture messages");
    assert!(
        wrong.is_empty(),
        "{} differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_fixture_covers_both_classes() {
    // a parity check on messages where every probability is near 0 could not fail
    let model = bundled_model();
    let text = std::fs::read_to_string(root().join("tests/data/safety_model_parity.tsv")).unwrap();
    let mut seen = [false; 2];
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let m: String = serde_json::from_str(line.split('\t').next().unwrap()).unwrap();
        match model.alert(&m) {
            Some(Alert::Emergency) => seen[0] = true,
            Some(Alert::Crisis) => seen[1] = true,
            None => {}
        }
    }
    assert_eq!(seen, [true, true]);
}

#[test]
fn bundled_rules_carry_the_model_and_a_faq_without_it_uses_rules_only() {
    assert!(Rules::bundled().model().is_some());
    let with = medfaq::knowledge::load_safety(&root().join("faq/safety")).expect("loads");
    let (a, b) = (with.model().unwrap(), bundled_model());
    assert_eq!(a.kept(), b.kept());
    let m = "my chest is so tight and my left arm has gone numb";
    assert_eq!(a.probabilities(m), b.probabilities(m));
    let f = common::faq::FaqFixture::good();
    let without = medfaq::knowledge::load_safety(&f.path().join("safety")).expect("loads");
    assert!(without.model().is_none());
}

#[test]
fn a_broken_model_file_is_reported_with_file_and_line() {
    let f = common::faq::FaqFixture::good();
    f.write(
        "safety/model.tsv",
        "format\tmedfaq-safety-model 1\nbuckets\t8\nstep\t0.1\nbias\t0\t0\nthreshold\t0.9\t0.9\nweights\n9\t1\t1\n",
    );
    let problems = medfaq::knowledge::load_safety(&f.path().join("safety")).unwrap_err();
    let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(text.len(), 1, "{text:?}");
    assert!(
        text[0].contains("model.tsv:7: bucket 9 is not below `buckets` (8)"),
        "{text:?}"
    );
    let (code, stdout, _) = common::medfaq(&["check", "--faq", f.path().to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("model.tsv:7:"), "{stdout}");
}
