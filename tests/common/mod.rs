//! Helpers shared by the integration tests (one submodule per area).
#![allow(dead_code)]

pub mod discord;
pub mod faq;

/// Runs the `medfaq` binary built for the tests; (exit code, stdout, stderr).
pub fn medfaq(args: &[&str]) -> (Option<i32>, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_medfaq"))
        .args(args)
        .output()
        .expect("run medfaq");
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}
