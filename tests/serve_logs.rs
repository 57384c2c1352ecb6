//! Issue 15's logs, through the built binary against the loopback Discord stand-in at
//! the default level: one line for the FAQ loaded (folder, entries), connected as whom,
//! in which servers, watching for edits, each reload; no colour codes when stderr is not
//! a terminal; `--log-format json` writes one JSON object per line.
//!
//! `cargo test --release --test serve_logs -- --nocapture` prints the lines seen.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::discord::{TOKEN, WAIT};
use discord_standin::{StandIn, GUILD_ID};

const BIN: &str = env!("CARGO_BIN_EXE_medfaq");

/// A running `medfaq serve` whose stderr lines arrive on a channel.
struct Served {
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    faq: std::path::PathBuf,
    _tmp: tempfile::TempDir,
}

impl Served {
    fn start(standin: &StandIn, extra: &[&str]) -> Served {
        let tmp = tempfile::tempdir().unwrap();
        let faq = tmp.path().join("faq");
        medfaq::cli::write_bundled(&faq).unwrap();
        let config = tmp.path().join("config.toml");
        std::fs::write(
            &config,
            format!(
                "[discord]\napi_base = \"{}\"\nguild_id = \"{GUILD_ID}\"\n[faq]\ndir = \"faq\"\ndebounce_ms = 100\n",
                standin.base_url()
            ),
        )
        .unwrap();
        let mut child = Command::new(BIN)
            .arg("serve")
            .arg("--config")
            .arg(&config)
            .args(extra)
            .env("DISCORD_TOKEN", TOKEN)
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Served {
            child,
            lines,
            seen: Vec::new(),
            faq,
            _tmp: tmp,
        }
    }

    /// Waits for a line containing every one of `needles`; returns it.
    fn line_with(&mut self, needles: &[&str]) -> String {
        let start = Instant::now();
        loop {
            if let Some(l) = self
                .seen
                .iter()
                .find(|l| needles.iter().all(|n| l.contains(n)))
            {
                return l.clone();
            }
            let left = WAIT.saturating_sub(start.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => panic!(
                    "no log line with {needles:?} within {WAIT:?}; the lines were:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// SIGTERM, then every remaining line.
    fn stop(mut self) -> Vec<String> {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let start = Instant::now();
        while self.child.try_wait().unwrap().is_none() {
            assert!(start.elapsed() < WAIT, "serve did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(2)) {
            self.seen.push(line);
        }
        self.seen
    }
}

#[cfg(unix)]
#[test]
fn the_default_log_says_what_an_operator_needs_and_has_no_colour() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let standin = rt.block_on(StandIn::start());
    let mut served = Served::start(&standin, &[]);
    let entries = std::fs::read_dir(served.faq.join("entries"))
        .unwrap()
        .count();
    served.line_with(&["FAQ folder:", "faq"]);
    served.line_with(&["INFO", "FAQ loaded", &format!("entries={entries}")]);
    served.line_with(&["INFO", "connected", discord_standin::BOT_NAME]);
    served.line_with(&["INFO", "watching the FAQ folder"]);
    served.line_with(&["INFO", "commands registered"]);
    rt.block_on(standin.wait_connected(WAIT)).unwrap();
    // an edit is picked up and said
    let entry = std::fs::read_dir(served.faq.join("entries"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut text = std::fs::read_to_string(&entry).unwrap();
    text.push_str("\nOne more sentence.\n");
    std::fs::write(&entry, text).unwrap();
    served.line_with(&["INFO", "FAQ reloaded", "edited"]);
    let lines = served.stop();
    eprintln!(
        "first 10 log lines:\n{}",
        lines
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        lines.iter().all(|l| !l.contains('\u{1b}')),
        "colour codes on a pipe:\n{}",
        lines.join("\n")
    );
    assert!(
        lines.iter().all(|l| !l.contains(TOKEN)),
        "the token was logged"
    );
    let below_info: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains(" DEBUG ") || l.contains(" TRACE "))
        .collect();
    assert!(
        below_info.is_empty(),
        "below the default level: {below_info:#?}"
    );
}

#[cfg(unix)]
#[test]
fn log_format_json_writes_one_object_per_line() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let standin = rt.block_on(StandIn::start());
    let mut served = Served::start(&standin, &["--log-format", "json"]);
    served.line_with(&["\"FAQ loaded\""]);
    served.line_with(&["commands registered"]);
    let lines = served.stop();
    let mut objects = 0;
    for line in &lines {
        if line.starts_with("FAQ folder:") {
            continue; // the command's own note, before logging starts
        }
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(
            v["level"].is_string() && v["timestamp"].is_string(),
            "{line}"
        );
        objects += 1;
    }
    assert!(objects >= 3, "{lines:#?}");
    let loaded = lines.iter().find(|l| l.contains("FAQ loaded")).unwrap();
    let v: serde_json::Value = serde_json::from_str(loaded).unwrap();
    assert!(v["entries"].as_u64().unwrap() > 40, "{loaded}");
}
