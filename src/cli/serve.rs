//! `medfaq serve`: runs the Discord bot until SIGINT/SIGTERM.

use std::process::ExitCode;

use anyhow::Context as _;

use crate::config::{Config, Token};

/// Reads the token from `DISCORD_TOKEN` and runs the bot with `config` (its FAQ folder
/// already resolved by the caller) until SIGINT or SIGTERM.
pub fn serve(mut config: Config) -> anyhow::Result<ExitCode> {
    config.insights.key = crate::insights::Key::from_env();
    let token = Token::from_env()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(crate::discord::run(config, token, shutdown_signal()));
    // `run` has drained the replies; a task serenity could not stop (a shard Discord
    // refused, see `discord::gateway`) must not keep the process from exiting.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    result?;
    Ok(ExitCode::SUCCESS)
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("SIGINT received"),
        _ = term => tracing::info!("SIGTERM received"),
    }
}
