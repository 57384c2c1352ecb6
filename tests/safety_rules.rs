//! The safety files as moderators meet them: `medfaq check` reports their problems with
//! file and line, the bot refuses a FAQ folder without them, and `medfaq ask --explain`
//! names the rule, its file:line, the words that fired it and any guard.

mod common;

use common::faq::{assert_problem, FaqFixture};
use common::medfaq;

/// Problems of `f` as `medfaq::knowledge::load` reports them, relative to the folder.
fn problems(f: &FaqFixture) -> Vec<String> {
    let err = medfaq::knowledge::load(f.path()).expect_err("expected problems");
    let prefix = format!("{}/", f.path().display());
    err.problems()
        .iter()
        .map(|p| p.to_string().replace(&prefix, ""))
        .collect()
}

#[test]
fn the_fixture_with_the_bundled_safety_files_loads() {
    let f = FaqFixture::good();
    let (faq, safety) = medfaq::knowledge::load(f.path()).expect("loads");
    assert_eq!(faq.entries.len(), 3);
    assert!(safety.categories().len() >= 15);
}

#[test]
fn bad_safety_files_are_reported_with_file_and_line() {
    let f = FaqFixture::good();
    f.write(
        "safety/local.toml",
        "# our additions\n[words]\nSLANG = ['unalive*']\n\n[[rule]]\ncategory = 'crisis-local'\nalert = 'crisis'\nmatch = [\n  'SLANG myself',\n  'SLANGG me',\n]\n\n[[guard]]\nname = 'x'\nwhere = 'around'\nmatch = ['lol']\n",
    );
    let p = problems(&f);
    assert_problem(&p, "safety/local.toml:10:", "`SLANGG` is not a word list");
    assert_problem(&p, "safety/local.toml:10:", "did you mean `SLANG`");
    assert_problem(&p, "safety/local.toml:", "where = \"around\"");
    assert_eq!(p.len(), 2, "{p:#?}");

    // the same through the command a moderator runs
    let dir = f.path().to_str().unwrap();
    let (code, stdout, stderr) = medfaq(&["check", "--faq", dir]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("local.toml:10: pattern \"SLANGG me\""),
        "{stdout}"
    );
}

#[test]
fn notices_must_exist_once_and_not_be_empty() {
    let f = FaqFixture::good();
    f.write(
        "safety/more.toml",
        "[notice]\nemergency = 'x'\ncrisis = 'y'\n",
    );
    let p = problems(&f);
    assert_problem(&p, "safety/notices.toml:", "[notice] is already set");

    let f = FaqFixture::good();
    f.write(
        "safety/notices.toml",
        "[notice]\nemergency = \"call 112\"\ncrisis = \"\"\n",
    );
    assert_problem(
        &problems(&f),
        "safety/notices.toml:3:",
        "crisis notice is empty",
    );

    let f = FaqFixture::good();
    f.remove("safety");
    assert_problem(&problems(&f), "safety:", "rules folder is missing");

    let f = FaqFixture::good();
    f.write(
        "safety/rules.toml",
        "[[rule]]\ncategory = 'x'\nalert = 'crisis'\nmatch = ['a']\n[rule]\n",
    );
    assert_problem(&problems(&f), "safety/rules.toml:", "");
}

#[test]
fn moderators_can_set_their_own_numbers() {
    let f = FaqFixture::good();
    f.write(
        "safety/notices.toml",
        "[notice]\nemergency = \"Call 000 now.\"\ncrisis = \"Call Lifeline on 13 11 14.\"\n",
    );
    let k = medfaq::knowledge::Knowledge::load(f.path(), Default::default()).expect("loads");
    let a = k.ask("i want to kill myself");
    assert!(a
        .reply
        .render_text()
        .starts_with("Call Lifeline on 13 11 14."));
}

#[test]
fn explain_names_category_rule_words_and_guards() {
    let faq = common::faq::bundled_faq();
    let dir = faq.to_str().unwrap();
    let (code, out, err) = medfaq(&[
        "ask",
        "--explain",
        "--faq",
        dir,
        "my son is having a siezure",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("safety: emergency (seizure)"), "{out}");
    assert!(out.contains("emergency.toml:"), "{out}");
    assert!(out.contains("siezure"), "{out}");

    let (_, out, _) = medfaq(&[
        "ask",
        "--explain",
        "--faq",
        dir,
        "what are the signs of a seizure",
    ]);
    assert!(out.contains("safety: no alert"), "{out}");
    assert!(
        out.contains("kept quiet") && out.contains("guards.toml:"),
        "{out}"
    );
}

#[test]
fn match_output_carries_the_alert_and_its_category() {
    let faq = common::faq::bundled_faq();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_medfaq"))
        .args(["match", "--faq", faq.to_str().unwrap()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"i want to die\nwhat foods have magnesium\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["emergency"], true);
    assert_eq!(lines[0]["alert"], "crisis");
    assert!(lines[0]["category"].is_string());
    assert_eq!(lines[1]["emergency"], false);
    assert!(lines[1]["alert"].is_null());
}
