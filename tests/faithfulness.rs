//! Faithfulness of the FAQ to its sources (issue 12, section 4): the bundled FAQ passes
//! every rule against the source texts in `tests/data/seeds/`, each rule fails on a
//! fixture that breaks it (with file:line), and `medfaq check --strict` says the same.

mod common;

use std::path::{Path, PathBuf};

use common::faq::{assert_problem as assert_one, bundled_faq, medfaq, FaqFixture};
use medfaq::faq::faithful::{self, EntryFile, Rules, Severity, SourceText};
use medfaq::faq::{check_faithful, parse_entry, parse_sources, Source, RULES_FILE};

fn seeds_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/seeds")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The bundled sources, their texts and the rules, as the pure check takes them.
struct Library {
    sources: Vec<Source>,
    texts: Vec<String>,
    rules: Rules,
}

impl Library {
    fn bundled() -> Library {
        let sources = parse_sources(&read(&bundled_faq().join("sources.toml")), "sources.toml")
            .expect("the bundled sources.toml parses");
        let rules = Rules::parse(&read(&seeds_dir().join(RULES_FILE)), RULES_FILE)
            .expect("the bundled faithfulness rules parse");
        let texts = sources
            .iter()
            .map(|s| {
                let file = rules
                    .source(&s.id)
                    .map_or(format!("{}.txt", s.id), |r| r.file_name());
                read(&seeds_dir().join(file))
            })
            .collect();
        Library {
            sources,
            texts,
            rules,
        }
    }

    /// Every finding for one entry file (named `entries/fixture.md`), shown as
    /// `file:line: message` (warnings with `warning:`).
    fn check(&self, entry_file: &str) -> Vec<String> {
        let entry = parse_entry(entry_file, "entries/fixture.md")
            .unwrap_or_else(|p| panic!("fixture does not parse: {p:?}"));
        let texts: Vec<SourceText<'_>> = self
            .sources
            .iter()
            .zip(&self.texts)
            .map(|(source, text)| SourceText { source, text })
            .collect();
        let files = [EntryFile {
            entry: &entry,
            text: entry_file,
        }];
        faithful::check(&files, &texts, &self.rules)
            .iter()
            .map(ToString::to_string)
            .collect()
    }
}

/// An entry file citing `cites` (`(source, section)`), with `answer` starting on line
/// `7 + cites.len()`.
fn entry(topic: &str, cites: &[(&str, &str)], answer: &str) -> String {
    let cites: String = cites
        .iter()
        .map(|(s, sec)| format!("  {{ source = \"{s}\", section = \"{sec}\" }},\n"))
        .collect();
    format!(
        "+++\nquestion = \"A fixture question?\"\ntopic = \"{topic}\"\nsources = [\n{cites}]\n+++\n{answer}\n"
    )
}

#[track_caller]
fn assert_clean(found: &[String]) {
    assert!(
        found.is_empty(),
        "expected no finding, got:\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn the_bundled_faq_is_faithful_to_its_sources() {
    let faq = medfaq::faq::load(&bundled_faq()).expect("the bundled FAQ loads");
    let findings = check_faithful(&faq, &seeds_dir());
    let errors: Vec<String> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(ToString::to_string)
        .collect();
    assert!(
        errors.is_empty(),
        "{} answer(s) stray from their sources:\n  {}",
        errors.len(),
        errors.join("\n  ")
    );
}

#[test]
fn the_seed_copies_match_the_shared_seeds() {
    // tests/data/seeds/README.md maps each copy to its original.
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds");
    if !shared.is_dir() {
        return; // a clean clone without ../shared: the copies are all there is
    }
    let readme = read(&seeds_dir().join("README.md"));
    let pairs: Vec<(&str, &str)> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells.len() >= 2 && cells[0].ends_with(".txt")).then(|| (cells[0], cells[1]))
        })
        .collect();
    assert_eq!(pairs.len(), 3, "README table read wrongly: {pairs:?}");
    for (copy, original) in pairs {
        assert!(
            read(&seeds_dir().join(copy)) == read(&shared.join(original)),
            "tests/data/seeds/{copy} differs from ../shared/seeds/{original}: copy it again"
        );
    }
}

// Rule 1: every cited section exists in its source.

#[test]
fn a_cited_section_that_is_not_in_the_source_fails() {
    let lib = Library::bundled();
    let bad = entry(
        "iv",
        &[
            ("iv-migraine-guide", "Q7"),
            ("iv-migraine-guide", "Dosage Table"),
        ],
        "The clinic guide gives no table.",
    );
    let found = lib.check(&bad);
    assert_one(
        &found,
        "entries/fixture.md:6:",
        "the section \"Dosage Table\" does not exist in iv-migraine-guide",
    );
    assert_eq!(found.len(), 1, "{found:#?}");

    // a typo gets a suggestion
    let typo = entry(
        "iv",
        &[("iv-migraine-guide", "Why IV Administraton Matters")],
        "The clinic guide says so.",
    );
    assert_one(
        &lib.check(&typo),
        "entries/fixture.md:5:",
        "did you mean \"Why IV Administration Matters\"",
    );

    // headings, colon parts, bold labels and named paragraphs all resolve
    let good = entry(
        "surgery",
        &[
            ("iv-migraine-guide", "Q7"),
            ("iv-migraine-guide", "Product/Service Explanation"),
            ("iv-migraine-guide", "Cons/Limitations"),
            ("back-surgery-guide", "Oral vs. Intravenous Magnesium"),
            ("back-surgery-guide", "Introduction"),
            ("chronic-pain-review", "CRPS pilot trial"),
        ],
        "The clinic guide says so.",
    );
    assert_clean(&lib.check(&good));
}

// Rule 2: every number (with its unit) is in a cited section.

#[test]
fn a_number_that_no_cited_section_gives_fails() {
    let lib = Library::bundled();
    let cites = [("iv-migraine-guide", "Q7")];
    assert_clean(&lib.check(&entry("iv", &cites, "The clinic guide says 1 to 2 grams.")));

    // an invented figure, on the answer's second line
    let invented = entry("iv", &cites, "The clinic guide says:\nup to 3 grams.");
    assert_one(
        &lib.check(&invented),
        "entries/fixture.md:9:",
        "the answer says \"3 grams\", but 3 with the unit g is not in any cited section \
         (iv-migraine-guide \"Q7\")",
    );

    // a real figure of the source, but from a section the entry does not cite
    let uncited = entry("iv", &cites, "It takes 30-60 minutes.");
    let found = lib.check(&uncited);
    assert_one(&found, "entries/fixture.md:8:", "30 with the unit minute");
    assert_one(&found, "entries/fixture.md:8:", "60 with the unit minute");
}

#[test]
fn a_number_with_the_wrong_unit_fails() {
    let lib = Library::bundled();
    let cites = [("chronic-pain-review", "CRPS pilot trial")];
    assert_clean(&lib.check(&entry(
        "chronic-pain",
        &cites,
        "A 2021 review: 5 days of 70 mg/kg infusions; better at 12 weeks.",
    )));
    let found = lib.check(&entry(
        "chronic-pain",
        &cites,
        "A 2021 review: 70 mg infusions for five weeks.",
    ));
    assert_one(
        &found,
        "entries/fixture.md:8:",
        "70 with the unit mg is not",
    );
    assert_one(
        &found,
        "entries/fixture.md:8:",
        "5 with the unit week is not",
    );
    assert_eq!(found.len(), 2, "{found:#?}");
}

// Rule 3: no run of 12 or more words copied from a source.

#[test]
fn a_run_of_twelve_copied_words_fails_and_eleven_pass() {
    let lib = Library::bundled();
    let cites = [("back-surgery-guide", "Drug Interactions")];
    // "magnesium can potentiate the effects of muscle relaxants and opioids used during
    // and after surgery" in the source
    let eleven = "Magnesium can potentiate the effects of muscle relaxants and opioids used, so tell your team.";
    assert_clean(&lib.check(&entry("safety", &cites, eleven)));
    let twelve = "Note:\nMagnesium can potentiate the effects of muscle relaxants and opioids used during surgery.";
    let found = lib.check(&entry("safety", &cites, twelve));
    assert_one(
        &found,
        "entries/fixture.md:9:",
        "12 words in a row are copied from back-surgery-guide: \"Magnesium can potentiate the \
         effects of muscle relaxants and opioids used during\"",
    );
    // Markdown and case do not hide a copy; the whole run is reported once
    let styled = "**MAGNESIUM CAN POTENTIATE** the effects of *muscle relaxants* and opioids used during and after surgery.";
    let found = lib.check(&entry("safety", &cites, styled));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_one(
        &found,
        "entries/fixture.md:8:",
        "15 words in a row are copied",
    );
}

// Rule 4: an answer citing both sides of a dispute names both.

#[test]
fn a_disputed_answer_that_names_one_side_fails() {
    let lib = Library::bundled();
    let cites = [
        ("iv-migraine-guide", "Performance & Effectiveness"),
        ("chronic-pain-review", "Migraine paragraph"),
    ];
    let one_sided = "The IV migraine guide says it works.\nBut studies conflict.";
    let found = lib.check(&entry("migraine", &cites, one_sided));
    assert_one(
        &found,
        "entries/fixture.md:9:",
        "the sources disagree on whether IV magnesium helps migraine and headache, and this \
         answer cites chronic-pain-review without naming it",
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    let both = "The IV migraine guide says it works; a review in Anesthesiology and Pain Medicine \
                found the studies conflicting.";
    assert_clean(&lib.check(&entry("migraine", &cites, both)));
    // the dispute is about migraine: a safety answer citing both is not held to it
    let fda = [
        ("iv-migraine-guide", "Q9"),
        ("chronic-pain-review", "FDA-approved uses paragraph"),
    ];
    assert_clean(&lib.check(&entry("safety", &fda, "Ask your doctor.")));
}

// Rule 5: a long answer is a warning, not a failure.

#[test]
fn a_long_answer_warns_without_failing() {
    let lib = Library::bundled();
    let cites = [("back-surgery-guide", "Quick Summary")];
    let long = "Ask your surgeon first. ".repeat(40);
    let found = lib.check(&entry("surgery", &cites, long.trim()));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_one(
        &found,
        "entries/fixture.md:8: warning:",
        "the answer is 959 characters; the moderators' guide recommends at most 900",
    );
}

// The command moderators run.

/// A copy of the bundled FAQ in a temporary folder.
fn bundled_copy() -> FaqFixture {
    let f = FaqFixture::empty();
    for rel in ["sources.toml", "synonyms.toml", "disclaimer.md"] {
        f.write(rel, read(&bundled_faq().join(rel)));
    }
    for (name, text) in common::faq::safety_files() {
        f.write(&format!("safety/{name}"), text);
    }
    for file in std::fs::read_dir(bundled_faq().join("entries")).unwrap() {
        let path = file.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        f.write(&format!("entries/{name}"), read(&path));
    }
    f
}

#[test]
fn check_strict_passes_the_bundled_faq_and_points_at_a_broken_answer() {
    let seeds = seeds_dir();
    let seeds = seeds.to_str().unwrap();
    let faq = bundled_faq();
    let (code, stdout, stderr) = medfaq(&[
        "check",
        "--strict",
        "--faq",
        faq.to_str().unwrap(),
        "--texts",
        seeds,
    ]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("strict: every answer is faithful"),
        "{stdout}"
    );

    let f = bundled_copy();
    let dir = f.path().to_str().unwrap();
    let dose = read(&bundled_faq().join("entries/iv-dose.md"));
    assert!(
        dose.contains("1 to 2 grams"),
        "the fixture edits this figure"
    );
    f.write(
        "entries/iv-dose.md",
        dose.replace("1 to 2 grams", "2 to 4 grams"),
    );
    // the answer's line (the keywords also hold the figure)
    let lines: Vec<&str> = dose.lines().collect();
    let line = lines
        .iter()
        .rposition(|l| l.contains("1 to 2 grams"))
        .unwrap()
        + 1;
    let (code, stdout, stderr) = medfaq(&["check", "--strict", "--faq", dir, "--texts", seeds]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!(
            "{dir}/entries/iv-dose.md:{line}: the answer says \"2 to 4 grams\", but 4 with the unit g"
        )),
        "{stdout}"
    );
    assert!(stderr.contains("problem(s)"), "{stderr}");

    // without --strict the same folder is fine: the rules need the source texts
    let (code, _, stderr) = medfaq(&["check", "--faq", dir]);
    assert_eq!(code, Some(0), "{stderr}");

    // a texts folder without the rules file is reported, not ignored
    let empty = tempfile::tempdir().unwrap();
    let (code, stdout, _) = medfaq(&[
        "check",
        "--strict",
        "--faq",
        dir,
        "--texts",
        empty.path().to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1));
    assert!(
        stdout.contains("faithfulness.toml: cannot read the faithfulness rules"),
        "{stdout}"
    );
}
