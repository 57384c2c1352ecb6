//! Reloading the FAQ with keep-last-good, and the debounced folder watcher.
//!
//! A reload builds a whole new `Knowledge` off the async threads and swaps it in only
//! when the folder loaded without a single problem; otherwise the bot keeps serving the
//! FAQ it had and reports every problem (log and moderators' log channel).

use std::sync::Arc;

use notify_debouncer_mini::notify::RecursiveMode;
use poise::serenity_prelude as serenity;

use super::diff::FaqDiff;
use super::render::{limits, split_message};
use super::{respond, Bot};
use crate::knowledge::Knowledge;

/// What a reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReloadOutcome {
    /// The new FAQ is being served.
    Loaded { diff: FaqDiff, entries: usize },
    /// The folder has problems; the previous FAQ is still served.
    Failed { problems: Vec<String>, kept: usize },
}

impl ReloadOutcome {
    /// The report for moderators (may exceed one message; split with `split_message`).
    pub fn report(&self) -> String {
        match self {
            ReloadOutcome::Loaded { diff, entries } => diff.report(*entries),
            ReloadOutcome::Failed { problems, kept } => format!(
                "FAQ NOT reloaded: {} problem(s). Still serving the previous FAQ ({kept} entries).\n{}",
                problems.len(),
                problems
                    .iter()
                    .map(|p| format!("• {p}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        }
    }
}

impl Bot {
    /// Reloads the FAQ folder (blocking I/O runs on the blocking pool).
    pub async fn reload(self: &Arc<Self>) -> ReloadOutcome {
        let bot = self.clone();
        match tokio::task::spawn_blocking(move || bot.reload_blocking()).await {
            Ok(outcome) => outcome,
            Err(e) => ReloadOutcome::Failed {
                problems: vec![format!("the reload crashed: {e}")],
                kept: self.knowledge.load().faq.entries.len(),
            },
        }
    }

    fn reload_blocking(&self) -> ReloadOutcome {
        let _gate = self.reload_gate.lock().unwrap_or_else(|p| p.into_inner());
        let dir = &self.config.faq.dir;
        let options = self.config.matcher.clone();
        let loaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Knowledge::load(dir, options)
        }));
        let old = self.knowledge.load_full();
        match loaded {
            Ok(Ok(new)) => {
                let diff = FaqDiff::between(&old.faq, &new.faq);
                let entries = new.faq.entries.len();
                self.knowledge.store(Arc::new(new));
                tracing::info!(entries, added = ?diff.added, removed = ?diff.removed, edited = ?diff.edited, "FAQ reloaded");
                ReloadOutcome::Loaded { diff, entries }
            }
            Ok(Err(e)) => {
                // The error's text is a header line and one indented line per problem.
                let text = e.to_string();
                let mut lines = text.lines();
                let header = lines.next().unwrap_or_default().to_string();
                let mut problems: Vec<String> = lines
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect();
                if problems.is_empty() {
                    problems.push(header);
                }
                tracing::error!(count = problems.len(), problems = ?problems, "FAQ reload failed; keeping the previous FAQ");
                ReloadOutcome::Failed {
                    problems,
                    kept: old.faq.entries.len(),
                }
            }
            Err(_) => {
                tracing::error!("the FAQ loader panicked; keeping the previous FAQ");
                ReloadOutcome::Failed {
                    problems: vec!["the FAQ loader crashed on these files".to_string()],
                    kept: old.faq.entries.len(),
                }
            }
        }
    }

    /// Posts `text` to the moderators' log channel, if configured (split to fit).
    pub(crate) async fn post_log(&self, http: &serenity::Http, text: &str) {
        let Some(channel) = self.config.discord.log_channel else {
            return;
        };
        for part in split_message(text, limits::MESSAGE) {
            let sent = serenity::ChannelId::new(channel)
                .send_message(http, respond::message().content(part))
                .await;
            if let Err(e) = sent {
                tracing::warn!(channel, error = %e, "could not post to the log channel");
                return;
            }
        }
    }
}

/// Starts watching the FAQ folder: a debounced change triggers a reload; the outcome goes
/// to the log and the log channel. The folder's parent is watched too (not recursively),
/// so a folder that is deleted and created again is picked up and watched anew.
pub(crate) fn watch(bot: Arc<Bot>, http: Arc<serenity::Http>) {
    let dir = bot.config.faq.dir.clone();
    let dir = dir.canonicalize().unwrap_or(dir);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let debouncer = notify_debouncer_mini::new_debouncer(
        bot.config.faq.debounce,
        move |res: notify_debouncer_mini::DebounceEventResult| {
            let _ = tx.send(res);
        },
    );
    let mut debouncer = match debouncer {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "cannot watch the FAQ folder; use /faqmod reload");
            return;
        }
    };
    if let Err(e) = debouncer.watcher().watch(&dir, RecursiveMode::Recursive) {
        tracing::error!(error = %e, dir = %dir.display(), "cannot watch the FAQ folder; use /faqmod reload");
        return;
    }
    if let Some(parent) = dir.parent() {
        if let Err(e) = debouncer
            .watcher()
            .watch(parent, RecursiveMode::NonRecursive)
        {
            tracing::warn!(error = %e, parent = %parent.display(), "cannot watch the FAQ folder's parent; a re-created folder needs /faqmod reload");
        }
    }
    tracing::info!(dir = %dir.display(), "watching the FAQ folder");
    let task_bot = bot.clone();
    let task = tokio::spawn(async move {
        let mut debouncer = debouncer; // dropped (stops watching) when the task ends
        let mut armed = true;
        let bot = task_bot;
        while let Some(events) = rx.recv().await {
            match events {
                Ok(events) if !events.iter().any(|e| e.path.starts_with(&dir)) => continue,
                Ok(events) => {
                    tracing::debug!(changes = events.len(), "FAQ folder changed");
                }
                Err(e) => {
                    tracing::warn!(error = %e, "FAQ folder watch error");
                    continue;
                }
            }
            // A deleted folder's watch is gone; watch it again once it is back.
            if !dir.is_dir() {
                armed = false;
            } else if !armed {
                armed = debouncer
                    .watcher()
                    .watch(&dir, RecursiveMode::Recursive)
                    .is_ok();
            }
            let _busy = bot.busy();
            let outcome = bot.reload().await;
            if let ReloadOutcome::Loaded { diff, .. } = &outcome {
                if diff.is_empty() {
                    continue;
                }
            }
            let text = format!("(automatic reload) {}", outcome.report());
            bot.post_log(&http, &text).await;
        }
    });
    *bot.watcher.lock().unwrap_or_else(|p| p.into_inner()) = Some(task.abort_handle());
}

/// Stops the folder watcher, if any.
pub(crate) fn stop_watching(bot: &Bot) {
    if let Some(task) = bot.watcher.lock().unwrap_or_else(|p| p.into_inner()).take() {
        task.abort();
    }
}
