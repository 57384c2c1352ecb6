//! Text as moderators save it (issue 15): a byte-order mark and Windows line ends never
//! reach a reply, and an answer longer than the guide recommends is a warning of
//! `medfaq check`, not an error.

use std::path::Path;

use medfaq::faq::RECOMMENDED_ANSWER_CHARS;

fn folder() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    medfaq::cli::write_bundled(&tmp.path().join("faq")).unwrap();
    tmp
}

fn first_entry(faq: &Path) -> std::path::PathBuf {
    let mut files: Vec<_> = std::fs::read_dir(faq.join("entries"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.remove(0)
}

#[test]
fn a_bom_and_crlf_in_any_file_never_reach_a_reply() {
    let tmp = folder();
    let faq = tmp.path().join("faq");
    for name in [
        "disclaimer.md",
        "sources.toml",
        "synonyms.toml",
        "safety.toml",
    ] {
        let path = faq.join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("\u{feff}{}", text.replace('\n', "\r\n"))).unwrap();
    }
    let entry = first_entry(&faq);
    let text = std::fs::read_to_string(&entry).unwrap();
    std::fs::write(&entry, format!("\u{feff}{}", text.replace('\n', "\r\n"))).unwrap();

    let loaded = medfaq::faq::load(&faq).unwrap_or_else(|e| panic!("{e}"));
    let disclaimer = loaded.disclaimer.as_str();
    assert!(
        !disclaimer.starts_with('\u{feff}'),
        "BOM kept: {disclaimer:?}"
    );
    assert!(!disclaimer.contains('\r'), "CR kept: {disclaimer:?}");
    for e in &loaded.entries {
        assert!(
            !e.answer.contains('\r') && !e.answer.contains('\u{feff}'),
            "{}",
            e.id
        );
    }
    let k = medfaq::knowledge::Knowledge::new(
        loaded,
        medfaq::safety::Rules::bundled(),
        Default::default(),
    );
    let shown = medfaq::cli::discord_view(&k.ask("can i take magnesium after back surgery").reply);
    assert!(
        !shown.contains('\u{feff}') && !shown.contains('\r'),
        "{shown:?}"
    );
}

#[test]
fn an_answer_longer_than_the_guide_recommends_is_a_warning() {
    let tmp = folder();
    let faq = tmp.path().join("faq");
    let entry = first_entry(&faq);
    let mut text = std::fs::read_to_string(&entry).unwrap();
    text.push_str("\n\n");
    text.push_str(&"More words here. ".repeat(RECOMMENDED_ANSWER_CHARS / 17 + 1));
    std::fs::write(&entry, text).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_medfaq"))
        .args(["check", "--faq"])
        .arg(&faq)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "a warning does not fail the check: {stdout}"
    );
    let warning = format!("{}: warning: the answer is", entry.display());
    assert!(stdout.contains(&warning), "{stdout}");
    assert!(
        stdout.contains(&format!("at most {RECOMMENDED_ANSWER_CHARS}")),
        "{stdout}"
    );
    assert_eq!(
        stdout.lines().filter(|l| l.contains("warning")).count(),
        1,
        "{stdout}"
    );

    // the bundled FAQ stays within the guide
    let bundled = medfaq::faq::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("faq")).unwrap();
    assert_eq!(medfaq::faq::warnings(&bundled), vec![]);
}
