//! Issue 15, from a clone to a running bot, through the built binary as a user runs it:
//! `medfaq init` from an empty folder, which FAQ folder each command uses, the config
//! validated the same way by every command, errors said once, `ask` showing what
//! Discord shows, and a closed stderr that neither panics nor wedges the bot.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::discord::{bundled_faq, TOKEN, WAIT};
use medfaq::knowledge::Knowledge;
use medfaq::matcher::MatchOptions;

const BIN: &str = env!("CARGO_BIN_EXE_medfaq");
const MAGNESIUM: &str = "can i take magnesium after back surgery";

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary in `cwd` with no inherited config or log environment.
fn medfaq(cwd: &Path, args: &[&str]) -> Run {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env_remove("RUST_LOG")
        .env_remove("DISCORD_TOKEN")
        .output()
        .expect("run medfaq");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

#[test]
fn init_check_and_ask_work_from_an_empty_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let here = tmp.path();
    let init = medfaq(here, &["init", "faq"]);
    assert_eq!(init.code, Some(0), "{init:?}");
    assert!(init.stdout.contains("README.md"), "{init:?}");
    let written = here.join("faq");
    for file in [
        "README.md",
        "disclaimer.md",
        "sources.toml",
        "synonyms.toml",
        "safety.toml",
    ] {
        assert_eq!(
            std::fs::read(written.join(file)).unwrap(),
            std::fs::read(bundled_faq().join(file)).unwrap(),
            "{file} differs from the bundled one"
        );
    }
    let bundled = std::fs::read_dir(bundled_faq().join("entries"))
        .unwrap()
        .count();
    let copied = std::fs::read_dir(written.join("entries")).unwrap().count();
    assert_eq!(copied, bundled, "entry files written");

    let check = medfaq(here, &["check", "--faq", "faq"]);
    assert_eq!(check.code, Some(0), "{check:?}");
    assert!(check.stdout.starts_with("ok: "), "{check:?}");
    assert!(
        check.stderr.contains("FAQ folder: faq (from --faq)"),
        "{check:?}"
    );

    // unquoted words, and ./faq found without --faq
    let words: Vec<&str> = MAGNESIUM.split(' ').collect();
    let ask = medfaq(here, &[&["ask"], words.as_slice()].concat());
    assert_eq!(ask.code, Some(0), "{ask:?}");
    assert!(
        ask.stderr
            .contains("FAQ folder: faq (./faq in the current folder)"),
        "{ask:?}"
    );
    let k = Knowledge::load(&bundled_faq(), MatchOptions::default()).unwrap();
    let expected = medfaq::cli::discord_view(&k.ask(MAGNESIUM).reply);
    assert_eq!(ask.stdout, expected, "unquoted words ask the same question");
    assert!(ask.stdout.contains(k.faq.disclaimer.as_str()), "{ask:?}");

    // a second init never overwrites what the server now owns
    let again = medfaq(here, &["init", "faq"]);
    assert_eq!(again.code, Some(1), "{again:?}");
    assert!(again.stderr.contains("not empty"), "{again:?}");
}

#[test]
fn without_a_faq_folder_the_error_names_medfaq_init() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        &["ask", "is", "magnesium", "safe"][..],
        &["check"],
        &["list"],
    ] {
        let run = medfaq(tmp.path(), args);
        assert_eq!(run.code, Some(1), "{args:?}: {run:?}");
        assert!(run.stderr.contains("medfaq init faq"), "{args:?}: {run:?}");
        assert_eq!(run.stderr.lines().count(), 1, "said once: {run:?}");
        assert!(run.stdout.is_empty(), "{run:?}");
    }
}

#[test]
fn the_config_faq_dir_is_used_and_every_command_validates_the_config_alike() {
    let tmp = tempfile::tempdir().unwrap();
    let here = tmp.path();
    assert_eq!(medfaq(here, &["init", "server-faq"]).code, Some(0));
    std::fs::write(here.join("config.toml"), "[faq]\ndir = \"server-faq\"\n").unwrap();
    let ask = medfaq(here, &["ask", MAGNESIUM]);
    assert_eq!(ask.code, Some(0), "{ask:?}");
    assert!(
        ask.stderr
            .contains("FAQ folder: server-faq ([faq] dir of config.toml)"),
        "{ask:?}"
    );

    std::fs::write(
        here.join("bad.toml"),
        "[matcher]\nanswer_threshold = 70\n[discord]\nguild_id = \"#general\"\n",
    )
    .unwrap();
    let mut messages = Vec::new();
    for args in [
        &["ask", "--config", "bad.toml", "hello"][..],
        &["match", "--config", "bad.toml"],
        &["check", "--config", "bad.toml"],
        &["serve", "--config", "bad.toml"],
    ] {
        let run = medfaq(here, args);
        assert_eq!(run.code, Some(1), "{args:?}: {run:?}");
        messages.push(run.stderr);
    }
    assert!(
        messages.iter().all(|m| m == &messages[0]),
        "every command reports the config the same way:\n{messages:#?}"
    );
    // toml stops at the first type error; the id is the first one here
    assert!(messages[0].contains("bad.toml"), "{}", messages[0]);

    std::fs::write(
        here.join("bad.toml"),
        "[matcher]\nanswer_threshold = 70.0\n",
    )
    .unwrap();
    for args in [
        &["ask", "--config", "bad.toml", "hi"][..],
        &["serve", "--config", "bad.toml"],
    ] {
        let run = medfaq(here, args);
        assert_eq!(run.code, Some(1), "{run:?}");
        assert!(
            run.stderr
                .contains("answer_threshold must be within 0.0..=1.0"),
            "{run:?}"
        );
    }

    // quoted ids are fine
    std::fs::write(
        here.join("quoted.toml"),
        "[discord]\nguild_id = \"123456789012345678\"\n[faq]\ndir = \"server-faq\"\n",
    )
    .unwrap();
    let run = medfaq(here, &["check", "--config", "quoted.toml"]);
    assert_eq!(run.code, Some(0), "{run:?}");
}

#[test]
fn errors_are_said_once() {
    let tmp = tempfile::tempdir().unwrap();
    let here = tmp.path();
    let run = medfaq(here, &["ask", "--config", "missing.toml", "hi"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(run.stderr.matches("No such file").count(), 1, "{run:?}");

    assert_eq!(medfaq(here, &["init", "faq"]).code, Some(0));
    std::fs::write(here.join("faq/disclaimer.md"), "").unwrap();
    for args in [&["ask", "hi"][..], &["list"]] {
        let run = medfaq(here, args);
        assert_eq!(run.code, Some(1), "{run:?}");
        assert_eq!(run.stderr.matches("problem(s)").count(), 1, "{run:?}");
        assert_eq!(
            run.stderr.matches("disclaimer is empty").count(),
            1,
            "{run:?}"
        );
    }
}

#[test]
fn ask_shows_what_discord_shows_for_no_answer_and_for_an_emergency() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let k = Knowledge::load(&bundled_faq(), MatchOptions::default()).unwrap();
    let nothing = "what is the capital of mongolia";
    let run = medfaq(repo, &["ask", "--faq", "faq", nothing]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        run.stdout.contains(medfaq::discord::render::NO_ANSWER),
        "the bot's own no-answer words: {run:?}"
    );
    let embed = medfaq::discord::render::reply_embed(&k.ask(nothing).reply);
    assert!(run.stdout.contains(&embed.description), "{run:?}");

    let urgent = "my dad collapsed and isnt breathing what do i do";
    let answered = k.ask(urgent);
    assert!(
        answered.alert.is_some(),
        "precondition: {urgent:?} is an emergency"
    );
    let run = medfaq(repo, &["ask", "--faq", "faq", urgent]);
    let notice = answered.reply.notice().unwrap().trim();
    assert!(
        run.stdout.contains(&format!("**⚠️ {notice}**")),
        "the notice as Discord shows it: {run:?}"
    );
    assert_eq!(run.stdout, medfaq::cli::discord_view(&answered.reply));
}

#[test]
fn list_json_has_topic_and_keywords() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = medfaq(repo, &["list", "--faq", "faq", "--json"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let k = medfaq::faq::load(&bundled_faq()).unwrap();
    for (row, entry) in json.as_array().unwrap().iter().zip(&k.entries) {
        assert_eq!(row["id"], entry.id.as_str());
        assert_eq!(row["topic"], serde_json::json!(entry.topic), "{}", entry.id);
        assert_eq!(
            row["keywords"],
            serde_json::json!(entry.keywords),
            "{}",
            entry.id
        );
    }
}

#[test]
fn every_flag_has_help_text() {
    use clap::CommandFactory;
    let cli = medfaq::cli::Cli::command();
    let mut missing = Vec::new();
    let mut commands = vec![&cli];
    commands.extend(cli.get_subcommands());
    for command in commands {
        for arg in command.get_arguments() {
            let id = arg.get_id().as_str();
            if id == "help" || id == "version" {
                continue;
            }
            if arg.get_help().is_none() {
                missing.push(format!("{} --{id}", command.get_name()));
            }
        }
    }
    assert!(missing.is_empty(), "arguments without help: {missing:?}");
    let bench = medfaq(Path::new("."), &["bench", "--queries", "q.jsonl"]);
    assert!(
        bench.stderr.contains("--corpus") && bench.stderr.contains("--faq"),
        "bench says it needs --corpus or --faq: {bench:?}"
    );
}

/// `medfaq serve 2>&1 | head -2` with a token Discord refuses: the bot must exit on its
/// own, promptly, without a panic (exit 101) and without hanging on the closed pipe.
#[test]
fn serve_with_a_refused_token_and_a_closed_stderr_exits_promptly() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let standin = rt.block_on(discord_standin::StandIn::start());
    standin.fail_next(100, discord_standin::Fault::Unauthorized);
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[discord]\napi_base = \"{}\"\n[faq]\ndir = {:?}\nwatch = false\n",
            standin.base_url(),
            bundled_faq().display().to_string()
        ),
    )
    .unwrap();
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&config)
        .env("DISCORD_TOKEN", TOKEN)
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // `head -2`: read two lines, then close the pipes
    drop(child.stdout.take());
    let mut lines = BufReader::new(child.stderr.take().unwrap());
    let mut two = String::new();
    for _ in 0..2 {
        lines.read_line(&mut two).unwrap();
    }
    drop(lines);
    let status = wait_with_timeout(&mut child, WAIT);
    assert!(
        status.is_some(),
        "medfaq serve still runs {:?} after its stderr was closed; first lines:\n{two}",
        started.elapsed()
    );
    let status = status.unwrap();
    assert_ne!(status.code(), Some(101), "it panicked; first lines:\n{two}");
    assert_eq!(
        status.code(),
        Some(1),
        "a refused token is a failure: {two}"
    );
    assert!(two.contains("FAQ"), "the first lines say which FAQ: {two}");
}

/// A closed stderr from the start (`2>&-`-like: a pipe nobody reads any more) and SIGTERM
/// while running: the bot stops as it would with a terminal.
#[cfg(unix)]
#[test]
fn serve_with_a_closed_stderr_still_stops_on_sigterm() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let standin = rt.block_on(discord_standin::StandIn::start());
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[discord]\napi_base = \"{}\"\n[faq]\ndir = {:?}\n",
            standin.base_url(),
            bundled_faq().display().to_string()
        ),
    )
    .unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&config)
        .env("DISCORD_TOKEN", TOKEN)
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take()); // nobody reads the logs any more
    rt.block_on(standin.wait_connected(WAIT)).unwrap();
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = wait_with_timeout(&mut child, WAIT).expect("exits after SIGTERM");
    assert!(status.success(), "{status:?}");
}

fn wait_with_timeout(
    child: &mut std::process::Child,
    limit: Duration,
) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
