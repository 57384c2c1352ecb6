//! `medfaq` binary: sets up tracing, parses the command line and runs it.
//!
//! Nothing here panics on a closed stdout or stderr (`medfaq serve 2>&1 | head -2`): log
//! lines and the final error are dropped when stderr is gone, and an output cut short by
//! its reader (`medfaq list | head -1`) ends the program quietly.

use clap::Parser;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = medfaq::cli::Cli::parse();
    if !matches!(cli.command, medfaq::cli::Command::Serve { .. }) {
        end_quietly_on_a_closed_pipe();
    }
    medfaq::cli::init_tracing(&cli);
    match medfaq::cli::run(cli) {
        Ok(code) => code,
        Err(err) if closed_output(&err) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            medfaq::cli::note(format_args!("error: {}", medfaq::cli::error_text(&err)));
            std::process::ExitCode::FAILURE
        }
    }
}

/// Whether `err` is only the reader of our output having gone away.
fn closed_output(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// One-shot commands (`medfaq check | head -1`) end quietly, as other command-line tools
/// do, when the reader of their output goes away. Not for `serve`: a bot must outlive its
/// log reader (its log writes are dropped instead).
fn end_quietly_on_a_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called once at start-up, before any thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
