//! The serenity/poise adapter: slash commands, message triggers, FAQ reload and
//! cooldowns. The only module that touches serenity.
//!
//! | file          | owns                                                                   |
//! |---------------|------------------------------------------------------------------------|
//! | `mod.rs`      | [`run`]: client setup, shutdown and draining; [`Bot`], the shared state |
//! | [`render`]    | pure: a `Reply` as embed text within Discord's limits, pages, splitting |
//! | [`cooldown`]  | pure: per-user / per-channel / same-entry bookkeeping                   |
//! | [`trigger`]   | pure: mentions and "reads as a question"                                |
//! | [`diff`]      | pure: what changed between two FAQs                                     |
//! | `respond`     | every outgoing builder (allowed mentions none, in one place)            |
//! | `commands`    | `/faq ask|show|list|reload` and the "Find FAQ answer" message command   |
//! | `events`      | chat messages and button presses                                        |
//! | `feedback`    | insights: recording, 👍/👎 and "Not what I asked" buttons, `/faq insights` |
//! | `reload`      | reload with keep-last-good, and the debounced folder watcher            |
//!
//! The loaded FAQ lives in an `ArcSwap<Knowledge>`: handlers take a snapshot, compute the
//! reply synchronously, and only then await Discord; no lock is held across `.await`.

mod commands;
pub mod cooldown;
pub mod diff;
mod events;
mod feedback;
mod reload;
pub mod render;
mod respond;
pub mod trigger;

use std::future::Future;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use poise::serenity_prelude as serenity;

use crate::config::{Config, Token};
use crate::faq::LoadError;
use crate::knowledge::Knowledge;
use crate::reply::Reply;
use cooldown::CooldownBook;

pub use reload::ReloadOutcome;

/// Errors returned from command and event handlers (logged, answered with an apology).
pub type Error = Box<dyn std::error::Error + Send + Sync>;
/// The poise context of a command.
pub type Context<'a> = poise::Context<'a, Arc<Bot>, Error>;

/// Why the bot could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum DiscordError {
    #[error("cannot start without a FAQ: {0}")]
    Faq(#[from] LoadError),
    #[error("discord client: {0}")]
    Client(#[from] Box<serenity::Error>),
    #[error("internal task failed: {0}")]
    Task(String),
}

/// How long shutdown waits for in-flight replies.
const DRAIN: Duration = Duration::from_secs(10);

/// Chat replies sent at once; more wait for a slot. Without a bound, a burst of questions
/// makes the HTTP client open one new connection per concurrent reply (HTTP/1.1 through
/// the proxy: one request per connection at a time), hundreds in a burst, each a TCP (or
/// TLS) handshake on both ends. 16 in flight is far above Discord's own rate limits even
/// at 100 ms per call, and keeps the connections warm in the pool.
pub const MAX_SENDS_IN_FLIGHT: usize = 16;

/// State shared by every handler.
pub struct Bot {
    knowledge: ArcSwap<Knowledge>,
    config: Config,
    cooldowns: Mutex<CooldownBook>,
    /// Serializes reloads (taken only inside blocking reload code, never across `.await`).
    reload_gate: Mutex<()>,
    bot_id: AtomicU64,
    in_flight: AtomicUsize,
    idle: tokio::sync::Notify,
    /// The folder watcher task, when watching.
    watcher: Mutex<Option<tokio::task::AbortHandle>>,
    /// Slots for chat replies in flight ([`MAX_SENDS_IN_FLIGHT`]).
    sends: tokio::sync::Semaphore,
    /// Insights recording (queues only; see `crate::insights`).
    insights: crate::insights::Insights,
}

/// Counts a handler as in flight until dropped.
pub(crate) struct Busy(Arc<Bot>);

impl Drop for Busy {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl Bot {
    /// A bot state serving `knowledge` under `config`.
    pub fn new(config: Config, knowledge: Knowledge) -> Bot {
        Bot {
            knowledge: ArcSwap::from_pointee(knowledge),
            cooldowns: Mutex::new(CooldownBook::new(config.discord.cooldowns)),
            insights: crate::insights::Insights::start(&config.insights),
            config,
            reload_gate: Mutex::new(()),
            bot_id: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            idle: tokio::sync::Notify::new(),
            watcher: Mutex::new(None),
            sends: tokio::sync::Semaphore::new(MAX_SENDS_IN_FLIGHT),
        }
    }

    /// The FAQ being served now.
    pub fn knowledge(&self) -> Arc<Knowledge> {
        self.knowledge.load_full()
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The bot's own user id, once READY arrived.
    pub fn bot_id(&self) -> Option<u64> {
        Some(self.bot_id.load(Ordering::Acquire)).filter(|&id| id != 0)
    }

    pub(crate) fn busy(self: &Arc<Self>) -> Busy {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        Busy(self.clone())
    }

    /// Waits until no handler is in flight, at most `timeout`; returns how many still are.
    async fn drain(&self, timeout: Duration) -> usize {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let idle = self.idle.notified();
            tokio::pin!(idle);
            idle.as_mut().enable();
            let n = self.in_flight.load(Ordering::Acquire);
            if n == 0 {
                return 0;
            }
            if tokio::time::timeout_at(deadline, idle).await.is_err() {
                return self.in_flight.load(Ordering::Acquire);
            }
        }
    }

    /// Releases the cooldown records of a chat reply that could not be sent.
    pub(crate) fn unplan_chat(&self, user: u64, channel: u64, reply: &Reply, at: Instant) {
        let entry = match reply.body() {
            crate::reply::Body::Answer { id, .. } => Some(id.as_str()),
            _ => None,
        };
        let mut book = self.cooldowns.lock().unwrap_or_else(|p| p.into_inner());
        book.undo(user, channel, entry, at);
    }

    /// Decides what to say to a chat message (already known to be in scope: the bot was
    /// mentioned or it is a question channel). Applies the question test, the decision
    /// rules and the cooldowns; urgent notices bypass the cooldowns.
    pub fn plan_chat(
        &self,
        text: &str,
        mentioned: bool,
        user: u64,
        channel: u64,
        now: Instant,
    ) -> Option<Reply> {
        use crate::matcher::Decision;
        let answered = self.knowledge.load().ask(text);
        let urgent = answered.alert.is_some();
        if !urgent && !mentioned && !trigger::reads_as_question(text) {
            return None;
        }
        let entry = match &answered.outcome.decision {
            Decision::Answer(m) => Some(m.id.clone()),
            _ => None,
        };
        let speak = urgent
            || match &answered.outcome.decision {
                Decision::Answer(_) => true,
                Decision::Suggest(s) => !s.is_empty(),
                Decision::None => mentioned,
            };
        if !speak {
            return None;
        }
        let mut book = self.cooldowns.lock().unwrap_or_else(|p| p.into_inner());
        if urgent {
            book.note(user, channel, entry.as_deref(), now);
            return Some(answered.reply);
        }
        match book.try_take(user, channel, entry.as_deref(), now) {
            Ok(()) => Some(answered.reply),
            Err(hold) => {
                tracing::debug!(user, channel, ?hold, "cooldown: not answering");
                None
            }
        }
    }
}

/// Whether a member may run moderator commands: Manage Server or Administrator
/// permission, or one of the configured roles. Uses only the interaction's member data.
pub fn is_moderator(
    permissions: Option<serenity::Permissions>,
    roles: &[serenity::RoleId],
    moderator_roles: &[u64],
) -> bool {
    let by_permission = permissions.is_some_and(|p| p.manage_guild() || p.administrator());
    by_permission || roles.iter().any(|r| moderator_roles.contains(&r.get()))
}

/// Runs the bot until `shutdown` completes (or the gateway fails for good): loads the
/// FAQ, connects, registers the commands, answers, reloads; on shutdown closes the shards
/// and waits for in-flight replies.
pub async fn run(
    config: Config,
    token: Token,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), DiscordError> {
    let dir = config.faq.dir.clone();
    let options = config.matcher.clone();
    let knowledge = tokio::task::spawn_blocking(move || Knowledge::load(&dir, options))
        .await
        .map_err(|e| DiscordError::Task(e.to_string()))??;
    tracing::info!(
        entries = knowledge.faq.entries.len(),
        dir = %config.faq.dir.display(),
        "FAQ loaded"
    );
    let bot = Arc::new(Bot::new(config, knowledge));

    let mut http =
        serenity::HttpBuilder::new(token.expose()).default_allowed_mentions(respond::no_mentions());
    if let Some(base) = &bot.config.discord.api_base {
        http = http.proxy(base.clone()).ratelimiter_disabled(true);
    }
    let http = http.build();

    let setup_bot = bot.clone();
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all(),
            event_handler: |fw, event| Box::pin(events::on_event(fw, event)),
            on_error: |err| Box::pin(commands::on_error(err)),
            allowed_mentions: Some(respond::no_mentions()),
            initialize_owners: false,
            ..Default::default()
        })
        .setup(move |ctx, ready, framework| {
            Box::pin(async move {
                setup_bot
                    .bot_id
                    .store(ready.user.id.get(), Ordering::Release);
                // Watch first: once the commands are registered, every edit is seen.
                if setup_bot.config.faq.watch {
                    reload::watch(setup_bot.clone(), ctx.http.clone());
                }
                commands::register(ctx, framework, &setup_bot).await;
                Ok(setup_bot)
            })
        })
        .build();

    let intents = serenity::GatewayIntents::GUILDS
        | serenity::GatewayIntents::GUILD_MESSAGES
        | serenity::GatewayIntents::DIRECT_MESSAGES
        | serenity::GatewayIntents::MESSAGE_CONTENT;
    let mut client = serenity::ClientBuilder::new_with_http(http, intents)
        .framework(framework)
        .await
        .map_err(Box::new)?;

    let shards = client.shard_manager.clone();
    let (stopped_tx, stopped_rx) = tokio::sync::oneshot::channel::<()>();
    let stopper = tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down: closing shards");
        shards.shutdown_all().await;
        let _ = stopped_tx.send(());
    });
    // `shutdown_all` makes `start` return; the grace period covers a shutdown that lands
    // before the shard runners exist.
    let result = tokio::select! {
        r = client.start() => r,
        _ = async {
            if stopped_rx.await.is_ok() {
                tokio::time::sleep(Duration::from_secs(5)).await;
            } else {
                std::future::pending::<()>().await;
            }
        } => Ok(()),
    };
    stopper.abort();
    reload::stop_watching(&bot);
    let left = bot.drain(DRAIN).await;
    if left > 0 {
        tracing::warn!(left, "shutdown: replies still in flight after {DRAIN:?}");
    } else {
        tracing::info!("shutdown: all in-flight replies finished");
    }
    // Insights: write what is queued, then stop the writer.
    let closing = bot.clone();
    let _ = tokio::task::spawn_blocking(move || closing.insights.close()).await;
    result.map_err(|e| DiscordError::Client(Box::new(e)))
}
