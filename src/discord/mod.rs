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
//! | [`sendq`]     | chat replies in flight: bounded, per channel, urgent notices first      |
//! | `commands`    | `/faq ask|show|list` and the "Find FAQ answer" message command, registration |
//! | `moderator`   | `/faqmod reload`: moderators only, servers only                         |
//! | `scope`       | which chat messages are for the bot: DMs, mentions, question channels, threads |
//! | `events`      | chat messages and button presses                                        |
//! | `feedback`    | insights: recording, 👍/👎 and "Not what I asked" buttons, `/faqmod insights`|
//! | `reload`      | reload with keep-last-good, and the debounced folder watcher            |
//!
//! The loaded FAQ lives in an `ArcSwap<Knowledge>`: handlers take a snapshot, compute the
//! reply synchronously, and only then await Discord; no lock is held across `.await`.

mod commands;
pub mod cooldown;
pub mod diff;
mod events;
mod feedback;
mod gateway;
mod moderator;
mod reload;
pub mod render;
mod respond;
mod scope;
pub mod sendq;
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
    #[error(
        "Discord refused the gateway intents (close 4014): the privileged Message Content \
         intent is not enabled for this application. Enable it in the Developer Portal \
         (Bot -> Privileged Gateway Intents), or set [discord] message_content = false \
         (or leave it unset to decide from the application's settings)"
    )]
    DisallowedIntents,
    #[error("cannot log in to Discord: {0}")]
    Login(String),
    #[error("{0}")]
    Setup(String),
    /// Discord closed the gateway with a code no retry can fix (4004, 4010-4014).
    #[error("Discord closed the gateway connection with {code} ({name}): {advice}")]
    GatewayRefused {
        code: u16,
        name: &'static str,
        advice: &'static str,
    },
}

impl DiscordError {
    /// The error for gateway close `code`, if no retry can fix it.
    fn gateway_refused(code: u16) -> Option<DiscordError> {
        gateway::fatal_close(code).map(|(name, advice)| DiscordError::GatewayRefused {
            code,
            name,
            advice,
        })
    }
}

/// What went wrong logging in, in an operator's words.
fn login_problem(e: &serenity::Error) -> String {
    match e {
        serenity::Error::Http(h) if h.status_code().is_some_and(|s| s.as_u16() == 401) => {
            "Discord refused the token (401 Unauthorized): check DISCORD_TOKEN (Developer \
             Portal, Bot, Reset Token)"
                .to_string()
        }
        other => format!("{other} (is Discord, or [discord] api_base, reachable?)"),
    }
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
    /// Turns for chat replies in flight ([`MAX_SENDS_IN_FLIGHT`]; urgent first).
    sends: sendq::SendQueue,
    /// Thread parents and servers told they are not served.
    scope: scope::ScopeState,
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
            sends: sendq::SendQueue::new(MAX_SENDS_IN_FLIGHT, 1),
            scope: scope::ScopeState::default(),
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

impl Bot {
    /// Decides what to say to a direct message: always answered (a no-match says so),
    /// no cooldowns (a private conversation disturbs nobody). With `answer_dms` off only
    /// an urgent message is answered, with its notice.
    pub fn plan_dm(&self, text: &str) -> Option<Reply> {
        let answered = self.knowledge.load().ask(text);
        (self.config.discord.answer_dms || answered.alert.is_some()).then_some(answered.reply)
    }
}

/// Discord's JSON error code of a failed call, when Discord answered with one (e.g. 10062
/// unknown interaction, 10008 unknown message).
pub(crate) fn discord_code(e: &serenity::Error) -> Option<isize> {
    match e {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) => Some(r.error.code),
        _ => None,
    }
}

/// [`discord_code`] of a handler error that is a serenity error.
pub(crate) fn error_code(e: &(dyn std::error::Error + 'static)) -> Option<isize> {
    e.downcast_ref::<serenity::Error>().and_then(discord_code)
}

/// Discord's "Unknown interaction": the interaction was not answered within 3 s (or its
/// token is gone); no response or follow-up can reach the member any more.
pub(crate) const UNKNOWN_INTERACTION: isize = 10062;
/// "Interaction has already been acknowledged": only follow-ups work now.
pub(crate) const ALREADY_ACKNOWLEDGED: isize = 40060;

/// The gateway intents: guilds, guild and direct messages, plus the privileged Message
/// Content intent when `message_content`. Without it Discord still sends the content of
/// DMs, of messages that mention the bot, and of a context-menu command's target.
pub fn gateway_intents(message_content: bool) -> serenity::GatewayIntents {
    let base = serenity::GatewayIntents::GUILDS
        | serenity::GatewayIntents::GUILD_MESSAGES
        | serenity::GatewayIntents::DIRECT_MESSAGES;
    if message_content {
        base | serenity::GatewayIntents::MESSAGE_CONTENT
    } else {
        base
    }
}

/// Whether to ask for Message Content: as configured, else whether the application has it
/// enabled (its flags, `GET /oauth2/applications/@me`). Asking for it when it is not
/// enabled makes Discord close the gateway (4014) and the bot could not start.
async fn want_message_content(config: &Config, http: &serenity::Http) -> bool {
    if let Some(on) = config.discord.message_content {
        return on;
    }
    match http.get_current_application_info().await {
        Ok(app) => {
            use serenity::ApplicationFlags as F;
            app.flags.is_some_and(|f| {
                f.intersects(F::GATEWAY_MESSAGE_CONTENT | F::GATEWAY_MESSAGE_CONTENT_LIMITED)
            })
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not read the application's settings; starting without the Message Content intent");
            false
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

/// Where the bot reaches `discord.com` instead of through DNS, for tests of serenity's own
/// rate limiter ([`run_reaching`]).
#[derive(Debug, Clone)]
pub struct DiscordAt {
    /// A loopback address answering HTTPS for `discord.com`.
    pub addr: std::net::SocketAddr,
    /// The root certificate (DER) its certificate chains to: the only root trusted then.
    pub root_certificate_der: Vec<u8>,
}

/// Runs the bot until `shutdown` completes (or the gateway fails for good): loads the
/// FAQ, connects, registers the commands, answers, reloads; on shutdown closes the shards
/// and waits for in-flight replies.
pub async fn run(
    config: Config,
    token: Token,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), DiscordError> {
    run_with(config, token, shutdown, None).await
}

/// [`run`], with `https://discord.com` reached at `at` (a loopback address only), trusting
/// only `at`'s root certificate and no system proxy. For end-to-end tests of the default
/// setup, serenity's own rate limiter on, which always calls `https://discord.com` and
/// ignores `api_base` (docs/sharding.md): the test's stand-in answers as `discord.com` on
/// loopback. Not reachable from the config file, so an operator cannot point the bot's
/// token at another host this way; `api_base` stays the way to use a proxy.
pub async fn run_reaching(
    config: Config,
    token: Token,
    shutdown: impl Future<Output = ()> + Send + 'static,
    at: DiscordAt,
) -> Result<(), DiscordError> {
    if !at.addr.ip().is_loopback() {
        return Err(DiscordError::Setup(format!(
            "discord.com can be redirected to this machine only, not {}",
            at.addr
        )));
    }
    run_with(config, token, shutdown, Some(at)).await
}

/// The HTTP client for every call to Discord: bounded by `timeout`; with `at`, pinned to
/// a loopback `discord.com` trusting only its root.
fn http_client(timeout: Duration, at: Option<&DiscordAt>) -> Result<reqwest::Client, DiscordError> {
    let problem = |e: reqwest::Error| DiscordError::Setup(format!("HTTP client: {e}"));
    // Same TLS backend as serenity's default client.
    let mut builder = reqwest::Client::builder().use_rustls_tls().timeout(timeout);
    if let Some(at) = at {
        let root = reqwest::Certificate::from_der(&at.root_certificate_der).map_err(problem)?;
        builder = builder
            .resolve("discord.com", at.addr)
            .tls_built_in_root_certs(false)
            .add_root_certificate(root)
            .no_proxy();
    }
    builder.build().map_err(problem)
}

async fn run_with(
    config: Config,
    token: Token,
    shutdown: impl Future<Output = ()> + Send + 'static,
    at: Option<DiscordAt>,
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

    // Every HTTP call is bounded: a stalled connection would otherwise hold a send slot
    // (and the member's cooldown) forever.
    let client = http_client(bot.config.discord.http_timeout, at.as_ref())?;
    let mut http = serenity::HttpBuilder::new(token.expose())
        .client(client)
        .default_allowed_mentions(respond::no_mentions());
    if let Some(base) = &bot.config.discord.api_base {
        http = http.proxy(base.clone()).ratelimiter_disabled(true);
    }
    let http = http.build();
    // Check the token first: with a refused one, serenity falls back to Discord's default
    // gateway address and retries for ever, so the bot would neither run nor stop.
    match http.get_current_user().await {
        Ok(user) => tracing::debug!(user = %user.tag(), "token accepted"),
        Err(e) => return Err(DiscordError::Login(login_problem(&e))),
    }
    let message_content = want_message_content(&bot.config, &http).await;
    if message_content {
        tracing::info!("Message Content intent on: questions in question channels are read");
    } else {
        tracing::warn!(
            "Message Content intent off: question channels and threads cannot be read; \
             answering mentions of the bot, DMs, slash commands and \"Find FAQ answer\" only"
        );
    }

    let setup_bot = bot.clone();
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all(),
            command_check: Some(|ctx| Box::pin(commands::served(ctx))),
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

    let intents = gateway_intents(message_content);
    let mut client = serenity::ClientBuilder::new_with_http(http, intents)
        .framework(framework)
        .await
        .map_err(Box::new)?;

    let shards = client.shard_manager.clone();
    // serenity stops by itself on 4004, 4013 and 4014 but retries 4010 and 4011 for ever:
    // the watch finds a shard that never connects and asks Discord why.
    let watch = gateway::watch(
        shards.clone(),
        client.http.clone(),
        gateway::Identity {
            ws_url: client.ws_url.lock().await.clone(),
            token: client.http.token().to_string(),
            intents: intents.bits(),
            total: match bot.config.discord.shards {
                crate::config::Shards::Range { total, .. } => Some(total),
                crate::config::Shards::Recommended => None,
            },
        },
    );
    let (stopped_tx, stopped_rx) = tokio::sync::oneshot::channel::<()>();
    let closing_shards = shards.clone();
    let stopper = tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down: closing shards");
        closing_shards.shutdown_all().await;
        let _ = stopped_tx.send(());
    });
    // `shutdown_all` makes `start` return; the grace period covers a shutdown that lands
    // before the shard runners exist.
    let shard_plan = bot.config.discord.shards;
    let result = tokio::select! {
        r = start_shards(&mut client, shard_plan) => r.map_err(|e| match e {
            serenity::Error::Gateway(serenity::GatewayError::DisallowedGatewayIntents) => {
                DiscordError::DisallowedIntents
            }
            serenity::Error::Gateway(serenity::GatewayError::InvalidAuthentication) => {
                DiscordError::gateway_refused(4004).expect("4004 is fatal")
            }
            serenity::Error::Gateway(serenity::GatewayError::InvalidGatewayIntents) => {
                DiscordError::gateway_refused(4013).expect("4013 is fatal")
            }
            e => DiscordError::Client(Box::new(e)),
        }),
        _ = async {
            if stopped_rx.await.is_ok() {
                tokio::time::sleep(Duration::from_secs(5)).await;
            } else {
                std::future::pending::<()>().await;
            }
        } => Ok(()),
        // serenity's tasks of the refused shard are left to the runtime's end (see
        // `gateway`): shutting the shard down would spin for ever.
        code = watch => Err(DiscordError::gateway_refused(code).expect("the watch returns fatal codes")),
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
    result
}

/// Starts the gateway shards of `plan` with serenity's own sharding: Discord's recommended
/// count (`GET /gateway/bot`), or a range of a fixed total. Per-process state (cooldowns,
/// the send queue) then covers exactly the servers of these shards: a server's events
/// all go to shard `(guild_id >> 22) % total` (docs/sharding.md).
async fn start_shards(
    client: &mut serenity::Client,
    plan: crate::config::Shards,
) -> Result<(), serenity::Error> {
    match plan {
        crate::config::Shards::Recommended => client.start_autosharded().await,
        crate::config::Shards::Range { total, first, last } => {
            tracing::info!(first, last, total, "running a range of gateway shards");
            // serenity's `Range` end is inclusive here (it is the last shard started).
            client.start_shard_range(first..last, total).await
        }
    }
}
