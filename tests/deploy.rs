//! The files of `deploy/` (issue 15): the systemd unit passes `systemd-analyze verify`
//! (skipped with a message where systemd is not installed), is hardened as the README
//! says, and its command line and the CI template's are ones the binary accepts.

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_medfaq");

fn deploy(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(name)
}

fn unit() -> String {
    std::fs::read_to_string(deploy("medfaq.service")).unwrap()
}

/// `key=value` settings of the unit, in order.
fn settings(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && !l.starts_with('['))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

#[test]
fn the_unit_passes_systemd_analyze_verify() {
    let Ok(version) = Command::new("systemd-analyze").arg("--version").output() else {
        eprintln!(
            "SKIPPED the_unit_passes_systemd_analyze_verify: systemd-analyze is not installed \
             (Debian: apt-get install systemd; or run deploy/verify.sh, which installs it)"
        );
        return;
    };
    assert!(version.status.success());
    // verify checks that ExecStart's program exists: point it at the binary just built
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("medfaq.service");
    std::fs::write(&copy, unit().replace("/usr/local/bin/medfaq", BIN)).unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // unknown keys and bad values are only warnings (exit 0): any word about the unit fails
    let about_unit: Vec<&str> = said.lines().filter(|l| l.contains("medfaq")).collect();
    assert!(
        out.status.success() && about_unit.is_empty(),
        "systemd-analyze verify {}:\n{said}",
        copy.display()
    );
}

#[test]
fn the_unit_is_hardened_and_takes_the_token_from_an_environment_file() {
    let s = settings(&unit());
    let get = |key: &str| -> Vec<&str> {
        s.iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    for (key, value) in [
        ("User", "medfaq"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("Restart", "on-failure"),
        ("EnvironmentFile", "/etc/medfaq/medfaq.env"),
        ("CapabilityBoundingSet", ""),
    ] {
        assert_eq!(get(key), [value], "{key}");
    }
    assert!(
        get("Environment").iter().all(|v| !v.contains("TOKEN")),
        "the token must not be in the unit"
    );
    let env = std::fs::read_to_string(deploy("medfaq.env.example")).unwrap();
    assert!(env.lines().any(|l| l == "DISCORD_TOKEN="), "{env}");
}

#[test]
fn the_command_lines_in_deploy_are_accepted_by_the_binary() {
    // ExecStart without the program: flags the binary must know (a usage error is exit 2)
    let s = settings(&unit());
    let exec = &s.iter().find(|(k, _)| k == "ExecStart").unwrap().1;
    let args: Vec<&str> = exec.split_whitespace().skip(1).collect();
    assert_eq!(args[0], "serve");
    let out = Command::new(BIN)
        .args(&args)
        .env_remove("DISCORD_TOKEN")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot read config /etc/medfaq/config.toml"),
        "the unit's flags parse; only the missing config stops it here: {stderr}"
    );

    // the CI template: `medfaq check --faq DIR` on a FAQ repository
    let workflow = std::fs::read_to_string(deploy("faq-check.yml")).unwrap();
    assert!(workflow.contains("pull_request"), "{workflow}");
    let line = workflow
        .lines()
        .find_map(|l| l.trim().strip_prefix("run: medfaq "))
        .expect("a step that runs medfaq");
    let tmp = tempfile::tempdir().unwrap();
    medfaq::cli::write_bundled(&tmp.path().join("faq")).unwrap();
    let args: Vec<String> = line
        .split_whitespace()
        .map(|a| a.replace("\"$FAQ_DIR\"", "faq"))
        .collect();
    let out = Command::new(BIN)
        .args(&args)
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "medfaq {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
