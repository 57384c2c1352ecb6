//! Loading and validating FAQ folders: a good fixture loads; each rule has a broken
//! fixture whose problem names the file and the line; the bundled `faq/` holds every
//! catalogue entry; `medfaq check` and `medfaq list` print what moderators read.

mod common;

use common::faq::*;
use common::medfaq;

#[test]
fn good_folder_loads() {
    let faq = FaqFixture::good().load();
    let ids: Vec<&str> = faq.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["after-back-surgery", "iv-dose", "kidney-problems"]);
    let entry = faq.entry("after-back-surgery").unwrap();
    assert_eq!(entry.question, "Can I take magnesium after back surgery?");
    assert_eq!(entry.alternates.len(), 2);
    assert_eq!(entry.answer, "Only with your surgeon's approval.");
    assert_eq!(entry.sources[1].section, "The Essential First Step");
    assert_eq!(
        faq.sources.keys().collect::<Vec<_>>(),
        [
            "back-surgery-guide",
            "chronic-pain-review",
            "iv-migraine-guide"
        ]
    );
    assert_eq!(
        faq.sources["chronic-pain-review"].link().as_deref(),
        Some("https://doi.org/10.5812/aapm.112348")
    );
    assert_eq!(faq.synonyms.len(), 2);
    assert_eq!(faq.synonyms[1].variants, ["iv", "infusion", "drip"]);
    assert_eq!(faq.disclaimer.as_str(), DISCLAIMER.trim());
}

#[test]
fn editor_leftovers_are_ignored() {
    let f = FaqFixture::good();
    f.write("entries/.after-back-surgery.md.swp", b"\xff\xfe swap")
        .write("entries/after-back-surgery.md~", "old copy")
        .write("entries/#after-back-surgery.md#", "autosave")
        .write("entries/.DS_Store", b"\x00\x01");
    assert_eq!(f.load().entries.len(), 3);
}

#[test]
fn other_files_and_folders_in_entries_are_problems() {
    let f = FaqFixture::good();
    f.write("entries/notes.txt", "todo")
        .write("entries/drafts/new.md", ENTRY_KIDNEY);
    let p = f.problems();
    assert_problem(&p, "entries/notes.txt: ", "not an entry file");
    assert_problem(
        &p,
        "entries/drafts: ",
        "folders inside `entries` are not read",
    );
    assert_eq!(p.len(), 2, "{p:#?}");
}

#[test]
fn front_matter_missing() {
    let f = FaqFixture::good();
    f.write("entries/kidney-problems.md", "Not without your doctor.\n");
    let p = f.problems();
    assert_eq!(
        p,
        ["entries/kidney-problems.md:1: an entry must start with a line `+++`, then its settings (question, alternates, sources), then another line `+++`, then the answer"]
    );
}

#[test]
fn front_matter_unclosed() {
    let f = FaqFixture::good();
    f.write(
        "entries/kidney-problems.md",
        ENTRY_KIDNEY.replacen("+++\nNot", "Not", 1),
    );
    assert_problem(
        &f.problems(),
        "entries/kidney-problems.md:1:",
        "opened by `+++` on line 1 is never closed",
    );
}

#[test]
fn toml_syntax_error_names_its_line() {
    let f = FaqFixture::good();
    f.write(
        "entries/kidney-problems.md",
        ENTRY_KIDNEY.replace("topic = \"safety\"", "topic = \"safety"),
    );
    let p = f.problems();
    assert_problem(&p, "entries/kidney-problems.md:4:", "is not valid TOML");
    assert_eq!(p.len(), 1, "{p:#?}");
}

#[test]
fn misspelt_key_suggests_the_right_one() {
    let f = FaqFixture::good();
    f.write(
        "entries/after-back-surgery.md",
        ENTRY_SURGERY.replace("alternates =", "alternatives ="),
    );
    let p = f.problems();
    assert_eq!(
        p,
        ["entries/after-back-surgery.md:3: unknown key `alternatives`; did you mean `alternates`?"]
    );
}

#[test]
fn unknown_key_lists_the_allowed_keys() {
    let f = FaqFixture::good();
    f.write(
        "entries/kidney-problems.md",
        ENTRY_KIDNEY.replace("topic = \"safety\"", "tags = [\"kidney\"]"),
    );
    assert_problem(
        &f.problems(),
        "entries/kidney-problems.md:4:",
        "unknown key `tags`; the allowed keys in an entry are: question, alternates, keywords, topic, sources, id",
    );
}

#[test]
fn wrong_types_name_what_was_found() {
    let f = FaqFixture::good();
    f.write(
        "entries/kidney-problems.md",
        ENTRY_KIDNEY
            .replace(
                "alternates = [\"magnesium with kidney disease\", \"renal failure and mag\"]",
                "alternates = \"magnesium with kidney disease\"",
            )
            .replace("topic = \"safety\"", "topic = 3"),
    );
    let p = f.problems();
    assert_problem(
        &p,
        "entries/kidney-problems.md:3:",
        "`alternates` must be a list of texts in double quotes",
    );
    assert_problem(
        &p,
        "entries/kidney-problems.md:4:",
        "`topic` must be a text in double quotes, like topic = \"...\", but here it is a whole number",
    );
}

#[test]
fn missing_question_answer_and_sources() {
    let f = FaqFixture::good();
    f.write(
        "entries/kidney-problems.md",
        "+++\ntopic = \"safety\"\n+++\n\n",
    );
    let p = f.problems();
    assert_problem(&p, "entries/kidney-problems.md:1:", "missing `question`");
    assert_problem(&p, "entries/kidney-problems.md:1:", "missing `sources`");
    assert_problem(&p, "entries/kidney-problems.md:3:", "there is no answer");
    assert_eq!(p.len(), 3, "{p:#?}");
}

#[test]
fn empty_texts_are_problems() {
    let f = FaqFixture::good();
    f.write(
        "entries/after-back-surgery.md",
        ENTRY_SURGERY
            .replace("Can I take magnesium after back surgery?", "")
            .replace("\"mag supplements after my fusion?\"", "\"  \""),
    );
    let p = f.problems();
    assert_problem(
        &p,
        "entries/after-back-surgery.md:2:",
        "`question` is empty",
    );
    assert_problem(
        &p,
        "entries/after-back-surgery.md:5:",
        "item 2 of `alternates` is empty",
    );
}

#[test]
fn citations_need_source_and_section() {
    let f = FaqFixture::good();
    f.write(
        "entries/after-back-surgery.md",
        ENTRY_SURGERY
            .replace(
                "{ source = \"back-surgery-guide\", section = \"Quick Summary\" }",
                "{ section = \"Quick Summary\" }",
            )
            .replace("section = \"The Essential First Step\"", "section = \"\""),
    );
    let p = f.problems();
    assert_problem(&p, "entries/after-back-surgery.md:10:", "missing `source`");
    assert_problem(
        &p,
        "entries/after-back-surgery.md:11:",
        "`section` is empty",
    );
}

#[test]
fn id_must_match_the_file_name() {
    let f = FaqFixture::good();
    f.write(
        "entries/kidney-problems.md",
        ENTRY_KIDNEY.replace("topic = \"safety\"", "id = \"kidneys\""),
    );
    assert_problem(
        &f.problems(),
        "entries/kidney-problems.md:4:",
        "`id` is \"kidneys\" but the file is named `kidney-problems.md`",
    );
}

#[test]
fn invalid_id_characters_in_the_file_name() {
    let f = FaqFixture::good();
    f.remove("entries/kidney-problems.md")
        .write("entries/Kidney_Problems.md", ENTRY_KIDNEY);
    // A file name has no line: the problem names the file.
    assert_eq!(
        f.problems(),
        ["entries/Kidney_Problems.md: the file name `Kidney_Problems.md` is not a valid entry id: use only lowercase letters a-z, digits and `-`, like `kidney-problems.md`"]
    );
}

#[test]
fn duplicate_ids_differing_in_case() {
    let f = FaqFixture::good();
    f.write(
        "entries/KIDNEY-PROBLEMS.md",
        ENTRY_KIDNEY.replace("renal failure and mag", "renal"),
    );
    let p = f.problems();
    assert_problem(
        &p,
        "entries/kidney-problems.md: ",
        "`kidney-problems.md` and `KIDNEY-PROBLEMS.md` have the same id",
    );
    assert_problem(
        &p,
        "entries/KIDNEY-PROBLEMS.md: ",
        "is not a valid entry id",
    );
}

#[test]
fn alternate_colliding_with_another_entry() {
    let f = FaqFixture::good();
    f.write(
        "entries/kidney-problems.md",
        ENTRY_KIDNEY.replace(
            "\"renal failure and mag\"",
            "\"Is magnesium OK after spine-surgery??\"",
        ),
    );
    let p = f.problems();
    assert_eq!(p.len(), 1, "{p:#?}");
    // Reported on the later entry (by id), pointing at the earlier one's file and line.
    assert!(
        p[0].starts_with("entries/kidney-problems.md:3: \"Is magnesium OK after spine-surgery??\" reads the same as \"is magnesium ok after spine surgery\" of entry `after-back-surgery` ("),
        "{p:#?}"
    );
    assert!(p[0].contains("entries/after-back-surgery.md:4)"), "{p:#?}");
}

#[test]
fn question_colliding_with_another_entrys_alternate() {
    let f = FaqFixture::good();
    f.write(
        "entries/iv-dose.md",
        ENTRY_IV_DOSE.replace(
            "What is the typical IV magnesium dose for a migraine?",
            "Magnesium with kidney disease",
        ),
    );
    assert_problem(
        &f.problems(),
        "entries/kidney-problems.md:3:",
        "reads the same as \"Magnesium with kidney disease\" of entry `iv-dose`",
    );
}

#[test]
fn undeclared_source_suggests_the_closest() {
    let f = FaqFixture::good();
    f.write(
        "entries/iv-dose.md",
        ENTRY_IV_DOSE.replace("\"iv-migraine-guide\"", "\"iv-migrane-guide\""),
    );
    let p = f.problems();
    assert_eq!(p.len(), 1, "{p:#?}");
    assert!(p[0].starts_with("entries/iv-dose.md:6: source `iv-migrane-guide` is not declared in "));
    assert!(
        p[0].ends_with("sources.toml; did you mean `iv-migraine-guide`?"),
        "{p:#?}"
    );
}

#[test]
fn duplicate_source_ids() {
    let f = FaqFixture::good();
    f.write(
        "sources.toml",
        SOURCES.replace(
            "id = \"chronic-pain-review\"",
            "id = \"back-surgery-guide\"",
        ),
    );
    let p = f.problems();
    assert_problem(
        &p,
        "sources.toml:7:",
        "source id `back-surgery-guide` is declared twice (first on line 2)",
    );
    // The iv-dose entry cites the id that is now missing... but only once sources.toml is
    // valid again; a broken sources.toml does not flood every entry with problems.
    assert_eq!(p.len(), 1, "{p:#?}");
}

#[test]
fn problems_in_sources_toml() {
    let f = FaqFixture::good();
    f.write(
        "sources.toml",
        SOURCES
            .replace("publisher =", "publiser =")
            .replace("title = \"IV Magnesium for Migraine\"\n", ""),
    );
    let p = f.problems();
    assert_problem(
        &p,
        "sources.toml:4:",
        "unknown key `publiser`; did you mean `publisher`?",
    );
    assert_problem(&p, "sources.toml:11:", "missing `title`");
}

#[test]
fn synonym_term_in_two_groups() {
    let f = FaqFixture::good();
    f.write("synonyms.toml", SYNONYMS.replace("\"drip\"", "\"Mag\""));
    assert_eq!(
        f.problems(),
        ["synonyms.toml:7: \"Mag\" is already in the group of \"magnesium\" on line 3: a word may belong to one group only"]
    );
}

#[test]
fn disclaimer_empty_or_missing() {
    let f = FaqFixture::good();
    f.write("disclaimer.md", " \n\n");
    assert_problem(
        &f.problems(),
        "disclaimer.md: ",
        "the disclaimer is empty: every reply must carry the medical disclaimer, so the bot refuses to run without one",
    );
    f.remove("disclaimer.md");
    assert_problem(
        &f.problems(),
        "disclaimer.md: ",
        "the medical disclaimer is missing",
    );
}

#[test]
fn answer_too_long_for_a_discord_embed() {
    let f = FaqFixture::good();
    f.write(
        "entries/kidney-problems.md",
        ENTRY_KIDNEY.replace(
            "Not without your doctor: the kidneys clear magnesium.",
            &"Not without your doctor. ".repeat(170),
        ),
    );
    assert_problem(
        &f.problems(),
        "entries/kidney-problems.md:7:",
        "the answer is 4249 characters long; a Discord reply holds at most 4096",
    );
}

#[test]
fn sources_too_long_for_a_discord_field() {
    let f = FaqFixture::good();
    let citations: String = (1..=40)
        .map(|i| format!("  {{ source = \"back-surgery-guide\", section = \"Part {i}\" }},\n"))
        .collect();
    f.write(
        "entries/kidney-problems.md",
        ENTRY_KIDNEY.replace(
            "sources = [{ source = \"back-surgery-guide\", section = \"Kidney Function and Hypermagnesemia\" }]",
            &format!("sources = [\n{citations}]"),
        ),
    );
    assert_problem(
        &f.problems(),
        "entries/kidney-problems.md:5:",
        "the sources would take 2030 characters in Discord",
    );
}

#[test]
fn answer_and_disclaimer_too_long_together() {
    let f = FaqFixture::good();
    f.write("disclaimer.md", "Not medical advice. ".repeat(100))
        .write(
            "entries/kidney-problems.md",
            ENTRY_KIDNEY.replace(
                "Not without your doctor: the kidneys clear magnesium.",
                &"Not without your doctor. ".repeat(160),
            ),
        );
    let p = f.problems();
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_problem(
        &p,
        "entries/kidney-problems.md:7:",
        "question, answer, sources and disclaimer together would be",
    );
}

#[test]
fn invalid_utf8_names_file_and_line() {
    let f = FaqFixture::good();
    let mut bytes = ENTRY_KIDNEY.as_bytes().to_vec();
    let at = ENTRY_KIDNEY.find("kidneys").unwrap();
    bytes.splice(at..at, [0xe9]); // a Latin-1 "é"
    f.write("entries/kidney-problems.md", bytes);
    let mut synonyms = SYNONYMS.as_bytes().to_vec();
    synonyms.extend_from_slice(b"# caf\xe9\n");
    f.write("synonyms.toml", synonyms);
    let p = f.problems();
    assert_problem(&p, "entries/kidney-problems.md:7:", "not valid UTF-8");
    assert_problem(&p, "synonyms.toml:8:", "not valid UTF-8");
    assert_eq!(p.len(), 2, "{p:#?}");
}

#[test]
fn missing_or_empty_folder() {
    let f = FaqFixture::empty();
    let missing = f.path().join("nope");
    let err = medfaq::faq::load(&missing).unwrap_err();
    assert_eq!(err.problems().len(), 1);
    assert_eq!(
        err.problems()[0].to_string(),
        format!("{}: the FAQ folder does not exist", missing.display())
    );

    let p = f.problems();
    assert_problem(&p, "entries: ", "the `entries` folder is missing");
    assert_problem(&p, "sources.toml: ", "the sources file is missing");
    assert_problem(&p, "synonyms.toml: ", "the synonyms file is missing");
    assert_problem(&p, "disclaimer.md: ", "missing");

    let f = FaqFixture::good();
    f.remove("entries/after-back-surgery.md")
        .remove("entries/kidney-problems.md")
        .remove("entries/iv-dose.md");
    assert_eq!(
        f.problems(),
        ["entries: there are no entries: add at least one `<id>.md` file here"]
    );
}

#[test]
fn every_problem_across_files_in_one_go_sorted_by_file_then_line() {
    let f = FaqFixture::good();
    f.write(
        "entries/kidney-problems.md",
        ENTRY_KIDNEY
            .replace("question =", "qestion =")
            .replace("\"safety\"", "\"safty\""),
    )
    .write(
        "entries/iv-dose.md",
        ENTRY_IV_DOSE.replace("\"chronic-pain-review\"", "\"chronic-pain\""),
    )
    .write("synonyms.toml", SYNONYMS.replace("\"drip\"", "\"mg\""))
    .write("disclaimer.md", "")
    .write("entries/readme.txt", "notes");
    let p = f.problems();
    let locations: Vec<&str> = p.iter().map(|p| p.split(": ").next().unwrap()).collect();
    assert_eq!(
        locations,
        [
            "disclaimer.md",
            "entries/iv-dose.md:7",
            "entries/kidney-problems.md:1",
            "entries/kidney-problems.md:2",
            "entries/kidney-problems.md:4",
            "entries/readme.txt",
            "synonyms.toml:7",
        ],
        "{p:#?}"
    );
}

#[test]
fn bundled_faq_holds_every_catalogue_entry() {
    let ids = catalogue_ids();
    assert!(ids.len() >= 40, "catalogue read wrongly: {ids:?}");
    let faq = match medfaq::faq::load(&bundled_faq()) {
        Ok(faq) => faq,
        Err(err) => panic!("the bundled FAQ does not load:\n{err}"),
    };
    let missing: Vec<&String> = ids.iter().filter(|id| faq.entry(id).is_none()).collect();
    assert!(
        missing.is_empty(),
        "catalogue ids missing from faq/entries: {missing:?}"
    );
    for entry in &faq.entries {
        assert!(!entry.sources.is_empty(), "{} has no source", entry.id);
        for cited in &entry.sources {
            assert!(
                faq.sources.contains_key(&cited.source),
                "{} cites undeclared {}",
                entry.id,
                cited.source
            );
        }
    }
}

#[test]
fn check_command() {
    let f = FaqFixture::good();
    let dir = f.path().to_str().unwrap();
    let (code, stdout, _) = medfaq(&["check", "--faq", dir]);
    assert_eq!(
        (code, stdout.as_str()),
        (Some(0), "ok: 3 entries, 3 sources, 2 synonym groups\n")
    );

    f.write(
        "entries/kidney-problems.md",
        ENTRY_KIDNEY.replace("topic =", "topc ="),
    )
    .write("disclaimer.md", "");
    let (code, stdout, stderr) = medfaq(&["check", "--faq", dir]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert_eq!(
        stdout,
        format!(
            "{dir}/disclaimer.md: the disclaimer is empty: every reply must carry the medical disclaimer, so the bot refuses to run without one; write it in this file\n\
             {dir}/entries/kidney-problems.md:4: unknown key `topc`; did you mean `topic`?\n"
        )
    );
    assert!(stderr.contains("2 problem(s)"), "{stderr}");
}

#[test]
fn list_command() {
    let f = FaqFixture::good();
    let dir = f.path().to_str().unwrap();
    let (code, stdout, stderr) = medfaq(&["list", "--faq", dir]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stdout,
        "id                  topic    question\n\
         after-back-surgery  surgery  Can I take magnesium after back surgery?\n\
         iv-dose             iv       What is the typical IV magnesium dose for a migraine?\n\
         kidney-problems     safety   Can I take magnesium if I have kidney problems?\n"
    );

    let (code, stdout, stderr) = medfaq(&["list", "--faq", dir, "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 3);
    assert_eq!(
        json[2],
        serde_json::json!({
            "id": "kidney-problems",
            "question": "Can I take magnesium if I have kidney problems?",
            "alternates": ["magnesium with kidney disease", "renal failure and mag"],
            "keywords": [],
            "topic": "safety",
            "sources": [{"source": "back-surgery-guide", "section": "Kidney Function and Hypermagnesemia"}],
        })
    );
    let keys: Vec<&String> = json[0].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 6, "{keys:?}");

    f.write("disclaimer.md", "");
    let (code, _, stderr) = medfaq(&["list", "--faq", dir]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("disclaimer is empty"), "{stderr}");
}
