//! `discord-standin`: a loopback stand-in for Discord's REST API v10 and gateway, enough
//! to run a real serenity 0.12 client unmodified in tests. See README.md.
//!
//! One [`StandIn`] serves HTTP and the WebSocket gateway on `127.0.0.1:0`. Point the bot's
//! REST base URL at [`StandIn::base_url`]; `GET /api/v10/gateway` answers with the
//! gateway URL of the same server. Tests inject gateway events ([`StandIn::dispatch`] and
//! the helpers in [`payload`]), read every REST call the bot made ([`StandIn::recorded`],
//! [`StandIn::wait_for_request`]), and inject faults ([`StandIn::close_gateway`],
//! [`StandIn::invalid_session`], [`StandIn::set_heartbeat_ack`], [`StandIn::fail_next`]).

// `payload::guild_create` is one large `json!` literal.
#![recursion_limit = "256"]

pub mod lifecycle;
pub mod payload;
pub mod ratelimit;
pub mod rules;
pub mod tls;
pub mod validate;

pub use lifecycle::{Violation, ViolationKind};
pub use ratelimit::{Limit, Mode as RateLimitMode, RateLimits};
pub use tls::DiscordTls;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::{mpsc, watch};

/// The bot's user id in READY (and its application id: Discord uses the same number).
pub const BOT_USER_ID: u64 = 700_000_000_000_000_001;
/// The application id.
pub const APPLICATION_ID: u64 = BOT_USER_ID;
/// The guild everything happens in.
pub const GUILD_ID: u64 = 700_000_000_000_000_100;
/// The bot's user name.
pub const BOT_NAME: &str = "medfaq";

/// One REST call the bot made.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Position in the record, from 0.
    pub index: usize,
    pub method: String,
    /// Path without the query, e.g. `/api/v10/channels/1/messages`.
    pub path: String,
    pub query: Option<String>,
    /// JSON body, when there was one (a non-JSON body is kept as a JSON string).
    pub body: Option<Value>,
    /// Status the stand-in answered with.
    pub status: u16,
    /// When the call arrived at the stand-in (before any `Slow` fault delay), for
    /// latency measurements such as `benches/e2e.rs`.
    pub at: Instant,
    /// For a 429: what the answer told the client (`None` for every other status).
    pub limited: Option<Limited>,
}

/// What a 429 answer said: how long to wait, and which limit (`X-RateLimit-Scope`).
#[derive(Debug, Clone, PartialEq)]
pub struct Limited {
    /// `Retry-After`, in seconds with decimals.
    pub retry_after: Duration,
    /// `X-RateLimit-Scope` (`user` for a route bucket, `global`), when sent.
    pub scope: Option<String>,
    /// Whether `X-RateLimit-Global` was sent.
    pub global: bool,
}

impl Limited {
    /// Reads a 429 answer's headers.
    fn of(response: &Response) -> Option<Limited> {
        if response.status() != StatusCode::TOO_MANY_REQUESTS {
            return None;
        }
        let h = response.headers();
        let text = |name: &str| {
            h.get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        Some(Limited {
            retry_after: text("retry-after")
                .and_then(|s| s.parse::<f64>().ok())
                .map_or(Duration::ZERO, Duration::from_secs_f64),
            scope: text("x-ratelimit-scope"),
            global: h.contains_key("x-ratelimit-global"),
        })
    }
}

impl Recorded {
    /// `method` matches and the path ends with `suffix`.
    pub fn is(&self, method: &str, suffix: &str) -> bool {
        self.method == method && self.path.ends_with(suffix)
    }

    /// A message create (`POST /channels/{id}/messages`).
    pub fn is_channel_message(&self) -> bool {
        self.method == "POST"
            && self.path.contains("/channels/")
            && self.path.ends_with("/messages")
    }

    /// An interaction callback (`POST /interactions/{id}/{token}/callback`).
    pub fn is_interaction_callback(&self) -> bool {
        self.method == "POST"
            && self.path.contains("/interactions/")
            && self.path.ends_with("/callback")
    }

    /// A webhook (interaction follow-up) create or edit.
    pub fn is_followup(&self) -> bool {
        (self.method == "POST" || self.method == "PATCH") && self.path.contains("/webhooks/")
    }

    /// The part of the body that is a message: `data` of an interaction callback, or the
    /// body itself.
    pub fn message_body(&self) -> Option<&Value> {
        let body = self.body.as_ref()?;
        if self.is_interaction_callback() {
            body.get("data")
        } else {
            Some(body)
        }
    }

    /// Whether this call puts user-visible text in a channel (content or embeds).
    pub fn sends_content(&self) -> bool {
        let Some(m) = self.message_body() else {
            return false;
        };
        if !(self.is_channel_message() || self.is_interaction_callback() || self.is_followup()) {
            return false;
        }
        m.get("content")
            .is_some_and(|c| c.as_str().is_some_and(|s| !s.is_empty()))
            || m.get("embeds")
                .is_some_and(|e| e.as_array().is_some_and(|a| !a.is_empty()))
    }

    /// All text of the message body (content, embed titles, descriptions, fields,
    /// footers, button labels), joined with newlines; for `contains` assertions.
    pub fn text(&self) -> String {
        let mut out = Vec::new();
        if let Some(m) = self.message_body() {
            collect_text(m, &mut out);
        }
        out.join("\n")
    }
}

fn collect_text(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| collect_text(x, out)),
        Value::Object(o) => {
            for (k, x) in o {
                if matches!(k.as_str(), "url" | "custom_id" | "allowed_mentions" | "id") {
                    continue;
                }
                collect_text(x, out);
            }
        }
        _ => {}
    }
}

/// A REST fault, applied to the next call(s) in order.
#[derive(Debug, Clone)]
pub enum Fault {
    /// 429 with `retry_after` (seconds) in the body and the `Retry-After` header.
    RateLimited { retry_after: f64, global: bool },
    /// 500 Internal Server Error.
    ServerError,
    /// 401 Unauthorized, as Discord answers a bad or revoked token.
    Unauthorized,
    /// Answer normally, but only after this delay.
    Slow(Duration),
    /// Never answer: the connection stays open and silent (a stalled call; the bot's own
    /// timeout must end it).
    Stall,
    /// A Discord JSON error: `status` with `{ "code": code, "message": message }` (e.g.
    /// 404 / 10062 Unknown interaction, 404 / 10008 Unknown message).
    Api {
        status: u16,
        code: u64,
        message: String,
    },
}

/// Gateway bookkeeping, for waits and assertions. `Debug` leaves out the token.
#[derive(Clone, Default)]
pub struct GatewayStats {
    /// WebSocket connections accepted.
    pub connections: usize,
    /// Whether a connection is live now: open, and attached to a session by IDENTIFY
    /// (READY sent) or a successful RESUME. Only a live connection gets dispatches, as on
    /// Discord; a dispatch before that is kept for replay on RESUME.
    pub connected: bool,
    /// IDENTIFY (op 2) payloads received (each made a new session and got READY).
    pub identifies: usize,
    /// RESUME (op 6) payloads received.
    pub resumes: usize,
    /// Successful resumes (replayed and sent RESUMED).
    pub resumed: usize,
    /// Heartbeats (op 1) received.
    pub heartbeats: usize,
    /// Last IDENTIFY `d`, with its `token` replaced by `"<redacted>"`.
    pub last_identify: Option<Value>,
    /// The token of the last IDENTIFY or RESUME, as sent (e.g. `Bot abc...`).
    pub last_token: Option<String>,
    /// Close codes the stand-in sent.
    pub closes_sent: Vec<u16>,
    /// The `shard` (`[id, total]`) of every accepted IDENTIFY, in order (`[0, 1]` when
    /// the bot sent none).
    pub shards_identified: Vec<[u64; 2]>,
}

impl std::fmt::Debug for GatewayStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayStats")
            .field("connections", &self.connections)
            .field("connected", &self.connected)
            .field("identifies", &self.identifies)
            .field("resumes", &self.resumes)
            .field("resumed", &self.resumed)
            .field("heartbeats", &self.heartbeats)
            .field("closes_sent", &self.closes_sent)
            .field("shards_identified", &self.shards_identified)
            .finish_non_exhaustive()
    }
}

/// Stand-in options.
#[derive(Debug, Clone)]
pub struct Options {
    /// Sent in HELLO.
    pub heartbeat_interval: Duration,
    /// `TCP_NODELAY` on every accepted connection (on by default). Off, a small gateway
    /// frame written while the previous one is not yet acknowledged waits for the bot's
    /// delayed ACK (Nagle): a ~40 ms stall on Linux loopback. Off only to reproduce that.
    pub tcp_nodelay: bool,
    /// Privileged intents enabled for the app in the Developer Portal (`rules::INTENT_*`;
    /// default: Message Content only). An IDENTIFY asking for another privileged intent
    /// is closed with 4014; `GET /oauth2/applications/@me` reports these in `flags`.
    pub granted_intents: u64,
    /// How long after dispatch an interaction takes its first response (Discord: 3 s);
    /// later -> 10062. See [`lifecycle`].
    pub interaction_deadline: Duration,
    /// REST rate limits with Discord's headers and 429s ([`ratelimit`]). `None` (the
    /// default): no limits, no headers, as a rate-limiting proxy in front of Discord
    /// would present it to a bot whose own limiter is off.
    pub rate_limits: Option<RateLimits>,
    /// `shards` in `GET /gateway/bot` (Discord's recommended shard count).
    pub recommended_shards: u64,
    /// The guilds the bot is in. Each shard's READY lists the ones it owns, and a
    /// dispatch goes to the session of the shard that owns its `guild_id`:
    /// `(guild_id >> 22) % num_shards` (`developers/events/gateway.mdx`, "Sharding");
    /// events without a guild (DMs) go to shard 0.
    pub guilds: Vec<u64>,
    /// An IDENTIFY with fewer shards than this is closed with 4011 "Sharding required"
    /// (Discord: the session would handle too many guilds).
    pub min_shards: u64,
    /// Also answer the REST API over HTTPS as `discord.com`, on a second loopback port
    /// with a certificate made at start ([`tls`], [`StandIn::discord_tls`]): for a bot
    /// whose own rate limiter is on (serenity's limiter always calls
    /// `https://discord.com`). Off by default.
    pub https_as_discord: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            heartbeat_interval: Duration::from_millis(41_250),
            tcp_nodelay: true,
            granted_intents: rules::INTENT_MESSAGE_CONTENT,
            interaction_deadline: lifecycle::INTERACTION_DEADLINE,
            rate_limits: None,
            recommended_shards: 1,
            guilds: vec![GUILD_ID],
            min_shards: 1,
            https_as_discord: false,
        }
    }
}

enum Control {
    /// A serialized frame.
    Frame(String),
    Close(u16, String),
}

struct Session {
    id: String,
    /// `[shard_id, num_shards]` from IDENTIFY.
    shard: [u64; 2],
    /// The connection attached to this session (see [`GatewayStats::connected`]).
    live: Option<usize>,
    seq: u64,
    /// Every dispatch frame of this session (seq, serialized), for replay on RESUME.
    frames: Vec<(u64, String)>,
    /// Intents of the IDENTIFY that made it: they decide what it receives.
    intents: u64,
}

struct Inner {
    requests: Vec<Recorded>,
    faults: VecDeque<Fault>,
    gateway: GatewayStats,
    /// One session per shard (a new IDENTIFY for a shard replaces its session).
    sessions: Vec<Session>,
    /// Open gateway connections.
    conns: Vec<(usize, mpsc::UnboundedSender<Control>)>,
    heartbeat_ack: bool,
    next_id: u64,
    sessions_made: usize,
    /// REST calls that arrived (recorded ones plus those still being answered).
    rest_started: usize,
    /// Interaction token -> channel id, for follow-up message objects.
    interaction_channels: std::collections::HashMap<String, u64>,
    /// Channels, deleted messages and registered commands ([`rules::World`]).
    world: rules::World,
    /// Payloads that broke a rule ([`StandIn::violations`]).
    violations: Vec<Violation>,
}

struct Shared {
    base: String,
    ws: String,
    options: Options,
    rules: lifecycle::Rules,
    limiter: Option<ratelimit::Limiter>,
    inner: Mutex<Inner>,
    version: watch::Sender<u64>,
}

impl Shared {
    /// Changes state that waiters watch: wakes every [`StandIn::wait_until`].
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        let out = f(&mut self.inner.lock().unwrap_or_else(|p| p.into_inner()));
        self.version.send_modify(|v| *v += 1);
        out
    }

    /// Reads state, or changes what no wait depends on (ids): wakes nobody, so a busy
    /// bot does not make every waiter rescan the record for nothing.
    fn peek<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        f(&mut self.inner.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// A running stand-in. Dropping it stops the server.
pub struct StandIn {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
    /// [`Options::https_as_discord`]: where, and the server and acceptor tasks.
    https: Option<(DiscordTls, [tokio::task::JoinHandle<()>; 2])>,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.server.abort();
        for task in self.https.iter().flat_map(|(_, t)| t) {
            task.abort();
        }
    }
}

/// Waiting for a condition took longer than the timeout.
#[derive(Debug, Clone)]
pub struct Timeout(pub String);

impl std::fmt::Display for Timeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Timeout {}

impl StandIn {
    /// Starts a stand-in with default options on `127.0.0.1:0`.
    pub async fn start() -> StandIn {
        StandIn::start_with(Options::default()).await
    }

    /// Starts a stand-in on `127.0.0.1:0`.
    pub async fn start_with(options: Options) -> StandIn {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let nodelay = options.tcp_nodelay;
        let https_as_discord = options.https_as_discord;
        let shared = Arc::new(Shared {
            base: format!("http://{addr}"),
            ws: format!("ws://{addr}/ws"),
            rules: lifecycle::Rules::new(options.interaction_deadline),
            limiter: options.rate_limits.map(ratelimit::Limiter::new),
            options,
            inner: Mutex::new(Inner {
                requests: Vec::new(),
                faults: VecDeque::new(),
                gateway: GatewayStats::default(),
                sessions: Vec::new(),
                conns: Vec::new(),
                heartbeat_ack: true,
                next_id: 800_000_000_000_000_000,
                sessions_made: 0,
                interaction_channels: Default::default(),
                rest_started: 0,
                world: rules::World::default(),
                violations: Vec::new(),
            }),
            version: watch::channel(0).0,
        });
        let app = Router::new()
            .route("/ws", get(gateway))
            .fallback(rest)
            .with_state(shared.clone());
        // Set per accepted socket: the listener's setting is not inherited.
        let listener = listener.tap_io(move |tcp| {
            let _ = tcp.set_nodelay(nodelay);
        });
        let https = if https_as_discord {
            let (tls_listener, info, acceptor) = tls::listen(nodelay).await;
            let app = app.clone();
            let server = tokio::spawn(async move {
                let _ = axum::serve(tls_listener, app).await;
            });
            Some((info, [server, acceptor]))
        } else {
            None
        };
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        StandIn {
            shared,
            addr,
            server,
            https,
        }
    }

    /// The REST base URL (`http://127.0.0.1:PORT`), for the bot's `api_base`.
    pub fn base_url(&self) -> String {
        self.shared.base.clone()
    }

    /// The gateway URL returned by `GET /api/v10/gateway`.
    pub fn gateway_url(&self) -> String {
        self.shared.ws.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where the REST API answers HTTPS as `discord.com` and the root certificate to
    /// trust for it ([`Options::https_as_discord`]; `None` when off).
    pub fn discord_tls(&self) -> Option<&DiscordTls> {
        self.https.as_ref().map(|(info, _)| info)
    }

    /// A fresh snowflake (message, interaction and user ids in tests).
    pub fn next_id(&self) -> u64 {
        self.shared.peek(|i| {
            i.next_id += 1;
            i.next_id
        })
    }

    /// Every REST call so far, in order.
    pub fn recorded(&self) -> Vec<Recorded> {
        self.shared.peek(|i| i.requests.clone())
    }

    /// Runs `f` on every REST call so far, borrowed under the stand-in's lock (no copy,
    /// wakes nobody): for polling a large record cheaply. Keep `f` short.
    pub fn with_recorded<T>(&self, f: impl FnOnce(&[Recorded]) -> T) -> T {
        self.shared.peek(|i| f(&i.requests))
    }

    /// How many REST calls were recorded so far (a mark for [`Self::wait_for_request_since`]).
    pub fn mark(&self) -> usize {
        self.shared.peek(|i| i.requests.len())
    }

    /// Gateway bookkeeping now.
    pub fn gateway(&self) -> GatewayStats {
        self.shared.peek(|i| i.gateway.clone())
    }

    /// Waits until `f` returns `Some` (re-checked on every change of the stand-in's state).
    pub async fn wait_until<T>(
        &self,
        timeout: Duration,
        what: &str,
        mut f: impl FnMut(&[Recorded], &GatewayStats) -> Option<T>,
    ) -> Result<T, Timeout> {
        let mut rx = self.shared.version.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            {
                let inner = self.shared.inner.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(v) = f(&inner.requests, &inner.gateway) {
                    return Ok(v);
                }
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => continue,
                _ => {
                    let inner = self.shared.inner.lock().unwrap_or_else(|p| p.into_inner());
                    let calls: Vec<String> = inner
                        .requests
                        .iter()
                        .map(|r| format!("  #{} {} {} -> {}", r.index, r.method, r.path, r.status))
                        .collect();
                    return Err(Timeout(format!(
                        "timed out after {timeout:?} waiting for {what}\ngateway: {:?}\nREST calls so far:\n{}",
                        inner.gateway,
                        calls.join("\n")
                    )));
                }
            }
        }
    }

    /// Waits for the first REST call (from the start) matching `pred`.
    pub async fn wait_for_request(
        &self,
        pred: impl Fn(&Recorded) -> bool,
        timeout: Duration,
    ) -> Result<Recorded, Timeout> {
        self.wait_for_request_since(0, pred, timeout).await
    }

    /// Waits for the first REST call at index `>= mark` matching `pred`.
    pub async fn wait_for_request_since(
        &self,
        mark: usize,
        pred: impl Fn(&Recorded) -> bool,
        timeout: Duration,
    ) -> Result<Recorded, Timeout> {
        self.wait_until(timeout, "a matching REST call", |reqs, _| {
            reqs.iter().skip(mark).find(|r| pred(r)).cloned()
        })
        .await
    }

    /// REST calls that arrived so far, including any still being answered (a `Slow` fault
    /// holds a call between arrival and its record).
    pub fn rest_started(&self) -> usize {
        self.shared.peek(|i| i.rest_started)
    }

    /// Waits until at least `n` REST calls have arrived (see [`Self::rest_started`]).
    pub async fn wait_rest_started(&self, n: usize, timeout: Duration) -> Result<(), Timeout> {
        let mut rx = self.shared.version.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self
                .shared
                .inner
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .rest_started
                >= n
            {
                return Ok(());
            }
            if !matches!(
                tokio::time::timeout_at(deadline, rx.changed()).await,
                Ok(Ok(()))
            ) {
                return Err(Timeout(format!(
                    "timed out after {timeout:?} waiting for {n} REST calls"
                )));
            }
        }
    }

    /// Waits until a session is identified and READY was sent on an open connection.
    pub async fn wait_ready(&self, timeout: Duration) -> Result<GatewayStats, Timeout> {
        self.wait_until(timeout, "IDENTIFY and READY", |_, g| {
            (g.connected && g.identifies > 0).then(|| g.clone())
        })
        .await
    }

    /// Waits until a bot is connected (IDENTIFY and READY) and has registered its
    /// application commands (`PUT .../commands`): from then on it answers events.
    pub async fn wait_connected(&self, timeout: Duration) -> Result<(), Timeout> {
        self.wait_ready(timeout).await?;
        self.wait_for_request(
            // Not the empty set that removes a stale registration.
            |r| {
                r.method == "PUT"
                    && r.path.ends_with("/commands")
                    && r.body
                        .as_ref()
                        .and_then(Value::as_array)
                        .is_some_and(|a| !a.is_empty())
            },
            timeout,
        )
        .await
        .map(|_| ())
    }

    /// Sends a dispatch (op 0) event `t` with data `d` to the current session; returns its
    /// sequence number. Kept for replay on RESUME. Panics without a session (call
    /// [`Self::wait_ready`] first). As on Discord, the session's intents filter it
    /// ([`rules::filter_dispatch`]): an event it may not receive is not sent (returns 0),
    /// message content is blanked without the Message Content intent.
    /// Sends a dispatch (op 0) event `t` with data `d` to the session of the shard that
    /// owns `d.guild_id` (shard 0 without one; see [`Options::guilds`]); returns its
    /// sequence number. Kept for replay on RESUME. Panics without such a session (call
    /// [`Self::wait_ready`] first).
    pub fn dispatch(&self, t: &str, d: Value) -> u64 {
        if t == "INTERACTION_CREATE" {
            self.shared.rules.open_interaction(&d);
        }
        self.shared.with(|i| {
            if t == "INTERACTION_CREATE" {
                if let (Some(token), Some(channel)) = (
                    d.get("token").and_then(Value::as_str),
                    d.get("channel_id")
                        .and_then(Value::as_str)
                        .and_then(|c| c.parse().ok()),
                ) {
                    i.interaction_channels.insert(token.to_string(), channel);
                }
            }
            let guild = d
                .get("guild_id")
                .and_then(Value::as_str)
                .and_then(|g| g.parse::<u64>().ok());
            let session = i
                .sessions
                .iter_mut()
                .find(|s| owns(s.shard, guild))
                .unwrap_or_else(|| {
                    panic!("no gateway session for guild {guild:?}: wait_ready first")
                });
            // What Discord sends this session: intents decide (see `rules`).
            let Some(d) = rules::filter_dispatch(t, d, session.intents) else {
                return 0;
            };
            session.seq += 1;
            // Serialized once: the same text is kept for replay and sent.
            let frame = json!({ "op": 0, "t": t, "s": session.seq, "d": d }).to_string();
            session.frames.push((session.seq, frame.clone()));
            let seq = session.seq;
            if let Some(live) = session.live {
                if let Some((_, tx)) = i.conns.iter().find(|(id, _)| *id == live) {
                    let _ = tx.send(Control::Frame(frame));
                }
            }
            seq
        })
    }

    /// Dispatches MESSAGE_CREATE for `message` (see [`payload::message`]).
    pub fn send_message(&self, message: Value) -> u64 {
        self.dispatch("MESSAGE_CREATE", message)
    }

    /// Dispatches INTERACTION_CREATE for `interaction` (see [`payload`]).
    pub fn send_interaction(&self, interaction: Value) -> u64 {
        self.dispatch("INTERACTION_CREATE", interaction)
    }

    /// Sends a raw frame (any opcode) on every open connection.
    pub fn send_raw(&self, frame: Value) {
        self.shared.with(|i| {
            for (_, tx) in &i.conns {
                let _ = tx.send(Control::Frame(frame.to_string()));
            }
        });
    }

    /// Closes the gateway connection with `code` (4000 = resumable unknown error,
    /// 4004 = authentication failed, 4009 = session timed out, ...).
    pub fn close_gateway(&self, code: u16) {
        self.shared.with(|i| {
            for (_, tx) in &i.conns {
                let _ = tx.send(Control::Close(code, format!("stand-in close {code}")));
            }
        });
    }

    /// Sends INVALID_SESSION (op 9). Not resumable also forgets the session.
    pub fn invalid_session(&self, resumable: bool) {
        self.shared.with(|i| {
            if !resumable {
                i.sessions.clear();
            }
            for (_, tx) in &i.conns {
                let _ = tx.send(Control::Frame(
                    json!({ "op": 9, "d": resumable }).to_string(),
                ));
            }
        });
    }

    /// Sends RECONNECT (op 7).
    pub fn request_reconnect(&self) {
        self.send_raw(json!({ "op": 7, "d": null }));
    }

    /// Whether heartbeats get HEARTBEAT_ACK (op 11). On by default.
    pub fn set_heartbeat_ack(&self, on: bool) {
        self.shared.with(|i| i.heartbeat_ack = on);
    }

    /// The next `n` REST calls get `fault`.
    pub fn fail_next(&self, n: usize, fault: Fault) {
        self.shared.with(|i| {
            for _ in 0..n {
                i.faults.push_back(fault.clone());
            }
        });
    }

    /// Adds (or replaces) a channel Discord knows: a DM channel, a guild channel or a
    /// thread ([`payload::dm_channel`], [`payload::guild_channel`], [`payload::thread`]).
    /// `GET /channels/{id}` answers it; guild channels and threads added before the bot
    /// connects are in its GUILD_CREATE.
    pub fn add_channel(&self, channel: Value) {
        let id = channel["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        self.shared.with(|i| i.world.channels.insert(id, channel));
    }

    /// A new thread or forum post (see [`payload::thread`]): added, and THREAD_CREATE
    /// dispatched as Discord does to sessions with the GUILDS intent; returns its `seq`.
    pub fn create_thread(&self, thread: Value) -> u64 {
        self.add_channel(thread.clone());
        let mut d = thread;
        d["newly_created"] = json!(true);
        self.dispatch("THREAD_CREATE", d)
    }

    /// The member deleted message `id` (e.g. their question): a reply referencing it gets
    /// 400 / 50035 `REPLIES_UNKNOWN_MESSAGE` unless `fail_if_not_exists` is false, and
    /// edits or reads of it get 404 / 10008.
    pub fn delete_message(&self, id: u64) {
        self.shared.with(|i| i.world.deleted_messages.insert(id));
    }

    /// Channel `id` was deleted: every call on it gets 404 / 10003.
    pub fn delete_channel(&self, id: u64) {
        self.shared.with(|i| {
            i.world.channels.remove(&id);
            i.world.deleted_channels.insert(id)
        });
    }

    /// Registers `commands` (an array of command objects, as a bulk overwrite would) in
    /// `guild`, or globally for `None`: e.g. a stale set left by an earlier run.
    pub fn set_commands(&self, guild: Option<u64>, commands: Value) {
        self.shared.with(|i| i.world.register(guild, &commands));
    }

    /// The commands registered now, globally (`None`) or in `guild`.
    pub fn commands(&self, guild: Option<u64>) -> Value {
        self.shared.peek(|i| i.world.registered(guild))
    }

    /// Every payload so far that broke Discord's rules (answered with Discord's error) or
    /// medfaq's allowed-mentions rule (answered normally), in order.
    pub fn violations(&self) -> Vec<Violation> {
        self.shared.peek(|i| i.violations.clone())
    }

    /// Moves the stand-in's clock forward by `by` (interaction deadlines; see [`lifecycle`]):
    /// e.g. an answer "after 3 s" without waiting.
    pub fn advance_clock(&self, by: Duration) {
        self.shared.rules.advance(by);
    }

    /// Starts an interaction's clock without dispatching it (as [`Self::dispatch`] of
    /// INTERACTION_CREATE does), for driving the REST rules without a gateway session.
    pub fn open_interaction(&self, interaction: &Value) {
        self.shared.rules.open_interaction(interaction);
    }

    /// A message object for a message the bot sent in `rec` (channel message, callback or
    /// follow-up), as Discord would return it; used to press the buttons it carries.
    pub fn message_of(&self, rec: &Recorded, channel_id: u64) -> Value {
        let id = self.next_id();
        let body = rec.message_body().cloned().unwrap_or(json!({}));
        payload::message_from_body(id, channel_id, &payload::bot_user(), &body)
    }
}

/// `GET /ws`: the gateway.
async fn gateway(ws: WebSocketUpgrade, State(shared): State<Arc<Shared>>) -> Response {
    ws.on_upgrade(move |socket| connection(shared, socket))
}

async fn send(socket: &mut WebSocket, frame: String) -> bool {
    socket.send(Message::Text(frame.into())).await.is_ok()
}

async fn connection(shared: Arc<Shared>, mut socket: WebSocket) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let conn_id = shared.with(|i| {
        i.gateway.connections += 1;
        let id = i.gateway.connections;
        i.conns.push((id, tx));
        id
    });
    let hello = json!({
        "op": 10,
        "d": { "heartbeat_interval": shared.options.heartbeat_interval.as_millis() as u64 },
    });
    if send(&mut socket, hello.to_string()).await {
        loop {
            tokio::select! {
                msg = socket.recv() => match msg {
                    Some(Ok(Message::Text(text))) => {
                        let Ok(frame) = serde_json::from_str::<Value>(text.as_str()) else { continue };
                        let (replies, close) = on_frame(&shared, conn_id, &frame);
                        for reply in replies {
                            if !send(&mut socket, reply).await { break; }
                        }
                        if let Some((code, reason)) = close {
                            shared.with(|i| i.gateway.closes_sent.push(code));
                            let _ = socket
                                .send(Message::Close(Some(CloseFrame { code, reason: reason.into() })))
                                .await;
                            break;
                        }
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                },
                ctl = rx.recv() => match ctl {
                    Some(Control::Frame(frame)) => {
                        if !send(&mut socket, frame).await { break; }
                    }
                    Some(Control::Close(code, reason)) => {
                        shared.with(|i| i.gateway.closes_sent.push(code));
                        let _ = socket
                            .send(Message::Close(Some(CloseFrame { code, reason: reason.into() })))
                            .await;
                        break;
                    }
                    None => break,
                },
            }
        }
    }
    shared.with(|i| {
        i.conns.retain(|(id, _)| *id != conn_id);
        for s in &mut i.sessions {
            if s.live == Some(conn_id) {
                s.live = None;
            }
        }
        i.gateway.connected = i.sessions.iter().any(|s| s.live.is_some());
    });
}

/// Whether the session of `shard` (`[id, total]`) gets an event of `guild` (`None`: an
/// event without a guild, such as a DM, which goes to shard 0).
fn owns(shard: [u64; 2], guild: Option<u64>) -> bool {
    let [id, total] = shard;
    match guild {
        Some(g) => (g >> 22) % total.max(1) == id,
        None => id == 0,
    }
}

/// A close the stand-in sends after the frames of [`on_frame`].
type Close = Option<(u16, String)>;

/// Handles one frame from the bot on connection `conn`; returns the frames to send back,
/// serialized (sent before any dispatch queued after this call), and a close to send
/// after them.
fn on_frame(shared: &Shared, conn: usize, frame: &Value) -> (Vec<String>, Close) {
    let op = frame.get("op").and_then(Value::as_u64).unwrap_or(u64::MAX);
    let mut d = frame.get("d").cloned().unwrap_or(Value::Null);
    let token = d.get("token").and_then(Value::as_str).map(str::to_string);
    if token.is_some() {
        d["token"] = json!("<redacted>");
    }
    shared.with(|i| match op {
        1 => {
            i.gateway.heartbeats += 1;
            if i.heartbeat_ack {
                (vec![json!({ "op": 11 }).to_string()], None)
            } else {
                (vec![], None)
            }
        }
        2 => {
            i.gateway.identifies += 1;
            i.gateway.last_token = token;
            let intents = d.get("intents").and_then(Value::as_u64).unwrap_or(0);
            let shard = match d.get("shard").and_then(Value::as_array) {
                None => Some([0, 1]),
                Some(a) => match (
                    a.first().and_then(Value::as_u64),
                    a.get(1).and_then(Value::as_u64),
                ) {
                    (Some(id), Some(total)) => Some([id, total]),
                    _ => None,
                },
            };
            i.gateway.last_identify = Some(d);
            if rules::disallowed(intents, shared.options.granted_intents) {
                return (
                    vec![],
                    Some((
                        rules::CLOSE_DISALLOWED_INTENTS,
                        "Disallowed intent(s).".to_string(),
                    )),
                );
            }
            // `opcodes-and-status-codes.mdx`, gateway close codes: 4010 "Invalid shard",
            // 4011 "Sharding required".
            let Some([id, total]) = shard.filter(|[id, total]| *total > 0 && id < total) else {
                return (vec![], Some((4010, "Invalid shard".to_string())));
            };
            if total < shared.options.min_shards {
                return (vec![], Some((4011, "Sharding required".to_string())));
            }
            i.gateway.shards_identified.push([id, total]);
            i.sessions_made += 1;
            let session_id = format!("standin-session-{}", i.sessions_made);
            let owned: Vec<u64> = shared
                .options
                .guilds
                .iter()
                .copied()
                .filter(|g| owns([id, total], Some(*g)))
                .collect();
            let mut ready_d = payload::ready(&session_id, &shared.ws);
            ready_d["shard"] = json!([id, total]);
            ready_d["guilds"] = Value::Array(
                owned
                    .iter()
                    .map(|g| json!({ "id": g.to_string(), "unavailable": true }))
                    .collect(),
            );
            let ready = json!({ "op": 0, "t": "READY", "s": 1, "d": ready_d }).to_string();
            let mut frames = vec![(1, ready)];
            // developers/events/gateway-events.mdx "Guild Create": after READY, one per
            // guild, to sessions with the GUILDS intent.
            if intents & rules::INTENT_GUILDS != 0 {
                for g in owned {
                    let guild = i.world.guild_create(g);
                    let s = frames.len() as u64 + 1;
                    let frame =
                        json!({ "op": 0, "t": "GUILD_CREATE", "s": s, "d": guild }).to_string();
                    frames.push((s, frame));
                }
            }
            let out = frames.iter().map(|(_, f)| f.clone()).collect();
            i.sessions.retain(|s| s.shard != [id, total]);
            i.sessions.push(Session {
                id: session_id,
                shard: [id, total],
                live: Some(conn),
                seq: frames.len() as u64,
                frames,
                intents,
            });
            i.gateway.connected = true;
            (out, None)
        }
        6 => {
            i.gateway.resumes += 1;
            i.gateway.last_token = token;
            let wanted = d.get("session_id").and_then(Value::as_str).unwrap_or("");
            let after = d.get("seq").and_then(Value::as_u64).unwrap_or(0);
            match i.sessions.iter_mut().find(|s| s.id == wanted) {
                Some(session) => {
                    let mut out: Vec<String> = session
                        .frames
                        .iter()
                        .filter(|(s, _)| *s > after)
                        .map(|(_, f)| f.clone())
                        .collect();
                    session.seq += 1;
                    let resumed =
                        json!({ "op": 0, "t": "RESUMED", "s": session.seq, "d": {} }).to_string();
                    session.frames.push((session.seq, resumed.clone()));
                    out.push(resumed);
                    session.live = Some(conn);
                    i.gateway.resumed += 1;
                    i.gateway.connected = true;
                    (out, None)
                }
                None => (vec![json!({ "op": 9, "d": false }).to_string()], None),
            }
        }
        _ => (vec![], None),
    })
}

fn error_body(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "message": message, "code": 0 }))).into_response()
}

/// Every REST call: record, apply a pending fault, answer.
async fn rest(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    let at = Instant::now();
    let path = uri.path().to_string();
    let body_json = if body.is_empty() {
        None
    } else {
        Some(
            serde_json::from_slice::<Value>(&body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned())),
        )
    };
    let fault = shared.with(|i| {
        i.rest_started += 1;
        i.faults.pop_front()
    });
    let mut violation = None;
    let (status, response) = match fault {
        Some(Fault::RateLimited {
            retry_after,
            global,
        }) => {
            let body = json!({
                "message": "You are being rate limited.",
                "code": 0,
                "retry_after": retry_after,
                "global": global,
            });
            let mut resp = (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", format!("{}", retry_after.ceil() as u64))],
                Json(body),
            )
                .into_response();
            // Only on a global limit: serenity reads the header's presence as global.
            if global {
                resp.headers_mut().insert(
                    "x-ratelimit-global",
                    axum::http::HeaderValue::from_static("true"),
                );
            }
            (429, resp)
        }
        Some(Fault::ServerError) => (
            500,
            error_body(
                StatusCode::INTERNAL_SERVER_ERROR,
                "500: Internal Server Error",
            ),
        ),
        Some(Fault::Unauthorized) => (
            401,
            error_body(StatusCode::UNAUTHORIZED, "401: Unauthorized"),
        ),
        Some(Fault::Api {
            status,
            code,
            message,
        }) => rules::api_error(status, code, &message),
        Some(Fault::Stall) => std::future::pending().await,
        other => {
            if let Some(Fault::Slow(d)) = other {
                tokio::time::sleep(d).await;
            }
            match hold_or_limit(&shared, &method, &path).await {
                Err(limited) => (429, limited),
                Ok(headers) => {
                    let (status, response, broke) =
                        answer(&shared, &method, &path, body_json.as_ref(), headers);
                    violation = broke;
                    (status, response)
                }
            }
        }
    };
    let limited = Limited::of(&response);
    shared.with(|i| {
        let index = i.requests.len();
        if let Some((kind, detail)) = violation {
            i.violations.push(Violation {
                index,
                method: method.to_string(),
                path: path.clone(),
                kind,
                detail,
            });
        }
        i.requests.push(Recorded {
            index,
            method: method.to_string(),
            path,
            query: uri.query().map(str::to_string),
            body: body_json,
            status,
            at,
            limited,
        });
    });
    response
}

/// Rate limits ([`Options::rate_limits`]): `Ok` with the headers for the answer (none
/// without limits), or the 429 answer. In [`RateLimitMode::Hold`] a call past a limit
/// waits until its bucket allows it instead.
async fn hold_or_limit(
    shared: &Shared,
    method: &Method,
    path: &str,
) -> Result<Option<axum::http::HeaderMap>, Response> {
    let Some(limiter) = &shared.limiter else {
        return Ok(None);
    };
    let parts: Vec<&str> = path.trim_start_matches("/api/v10/").split('/').collect();
    let gate = limiter.gate(method.as_str(), &parts);
    let _turn = match limiter.mode() {
        ratelimit::Mode::Hold => Some(gate.lock().await),
        ratelimit::Mode::Refuse => None,
    };
    loop {
        match limiter.take(method.as_str(), &parts, shared.rules.now()) {
            ratelimit::Decision::Allow(h) => return Ok(Some(h)),
            ratelimit::Decision::Limited {
                retry_after,
                headers,
                body,
            } => {
                if limiter.mode() == ratelimit::Mode::Hold {
                    tokio::time::sleep(retry_after.max(Duration::from_millis(1))).await;
                    continue;
                }
                let mut resp = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
                resp.headers_mut().extend(headers);
                return Err(resp);
            }
        }
    }
}

/// A call that got past the faults and rate limits: Discord's rules, then the route.
/// Also returns the rule it broke, if any.
fn answer(
    shared: &Shared,
    method: &Method,
    path: &str,
    body: Option<&Value>,
    limit_headers: Option<axum::http::HeaderMap>,
) -> (u16, Response, Option<(ViolationKind, String)>) {
    let parts: Vec<&str> = path.trim_start_matches("/api/v10/").split('/').collect();
    let verdict = shared.rules.check(method.as_str(), &parts, body);
    let (status, mut response, broke) = match verdict.rejection {
        Some(r) => {
            let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST);
            let detail = r.summary();
            (
                r.status,
                (status, Json(r.body)).into_response(),
                Some((ViolationKind::Refused, detail)),
            )
        }
        None => {
            let (s, resp) = route(shared, method, path, body);
            (s, resp, verdict.policy.map(|p| (ViolationKind::Policy, p)))
        }
    };
    if let Some(h) = limit_headers {
        response.headers_mut().extend(h);
    }
    (status, response, broke)
}

fn ok(v: Value) -> (u16, Response) {
    (200, Json(v).into_response())
}

fn no_content() -> (u16, Response) {
    (204, StatusCode::NO_CONTENT.into_response())
}

fn route(shared: &Shared, method: &Method, path: &str, body: Option<&Value>) -> (u16, Response) {
    let parts: Vec<&str> = path.trim_start_matches("/api/v10/").split('/').collect();
    let new_id = || {
        shared.peek(|i| {
            i.next_id += 1;
            i.next_id
        })
    };
    let channel_of = |token: &str| -> u64 {
        shared.peek(|i| i.interaction_channels.get(token).copied().unwrap_or(1))
    };
    let empty = json!({});
    let body = body.unwrap_or(&empty);
    let m = method.as_str();
    let answer = shared.peek(|i| {
        let Inner { world, next_id, .. } = i;
        world.route(m, &parts, body, &mut || {
            *next_id += 1;
            *next_id
        })
    });
    if let Some(answer) = answer {
        return answer;
    }
    match (m, parts.as_slice()) {
        ("GET", ["gateway"]) => ok(json!({ "url": shared.ws })),
        ("GET", ["gateway", "bot"]) => ok(json!({
            "url": shared.ws,
            "shards": shared.options.recommended_shards,
            "session_start_limit": { "total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1 },
        })),
        ("GET", ["users", "@me"]) => ok(payload::bot_user()),
        ("GET", ["oauth2", "applications", "@me"]) | ("GET", ["applications", "@me"]) => {
            let mut app = payload::application_info();
            app["flags"] = json!(rules::application_flags(shared.options.granted_intents));
            ok(app)
        }
        ("POST", ["channels", c, "messages"]) => {
            let c = c.parse().unwrap_or(1);
            ok(payload::message_from_body(
                new_id(),
                c,
                &payload::bot_user(),
                body,
            ))
        }
        ("PATCH", ["channels", c, "messages", m]) => {
            let c = c.parse().unwrap_or(1);
            let mut msg = payload::message_from_body(new_id(), c, &payload::bot_user(), body);
            msg["id"] = json!(m);
            ok(msg)
        }
        ("POST", ["channels", _, "typing"]) => no_content(),
        ("DELETE", ["channels", _, "messages", _]) => no_content(),
        ("POST", ["interactions", _, _, "callback"]) => no_content(),
        ("POST", ["webhooks", _, token]) => ok(payload::message_from_body(
            new_id(),
            channel_of(token),
            &payload::bot_user(),
            body,
        )),
        ("PATCH", ["webhooks", _, token, "messages", m])
        | ("GET", ["webhooks", _, token, "messages", m]) => {
            let mut msg =
                payload::message_from_body(new_id(), channel_of(token), &payload::bot_user(), body);
            if *m != "@original" {
                msg["id"] = json!(m);
            }
            ok(msg)
        }
        ("DELETE", ["webhooks", _, _, "messages", _]) => no_content(),
        _ => (404, error_body(StatusCode::NOT_FOUND, "404: Not Found")),
    }
}

/// Convenience: a plausible member with the given roles and permission bits.
pub fn member(user_id: u64, name: &str, roles: &[u64], permissions: u64) -> Value {
    payload::member(&payload::user(user_id, name, false), roles, permissions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn identify_is_checked_and_events_go_to_the_guilds_shard() {
        let g0 = GUILD_ID;
        let g1 = GUILD_ID + (1 << 22);
        assert_ne!((g0 >> 22) % 2, (g1 >> 22) % 2);
        let s = StandIn::start_with(Options {
            guilds: vec![g0, g1],
            ..Default::default()
        })
        .await;
        // Message events need their intent (see `rules::filter_dispatch`).
        let identify = |shard: Value| {
            json!({ "op": 2, "d": {
                "token": "t", "shard": shard, "intents": rules::INTENT_GUILD_MESSAGES
            } })
        };
        for bad in [json!([2, 2]), json!([0, 0]), json!(["x"])] {
            let (frames, close) = on_frame(&s.shared, 1, &identify(bad.clone()));
            assert!(frames.is_empty(), "no READY for {bad}");
            assert_eq!(close.map(|c| c.0), Some(4010), "shard {bad}");
        }
        let mut ready = Vec::new();
        for (conn, shard) in [(1, 0u64), (2, 1)] {
            let (frames, close) = on_frame(&s.shared, conn, &identify(json!([shard, 2])));
            assert!(close.is_none());
            let r: Value = serde_json::from_str(&frames[0]).unwrap();
            ready.push(r);
        }
        let owner = |g: u64| ((g >> 22) % 2) as usize;
        for g in [g0, g1] {
            let listed: Vec<&Value> = ready[owner(g)]["d"]["guilds"]
                .as_array()
                .unwrap()
                .iter()
                .collect();
            assert_eq!(listed.len(), 1);
            assert_eq!(
                listed[0]["id"],
                g.to_string(),
                "READY of shard {} lists its guild",
                owner(g)
            );
        }
        // A dispatch lands in the owning shard's session.
        let mut msg = payload::message(1, 2, &payload::user(3, "u", false), "hi", &[]);
        msg["guild_id"] = json!(g1.to_string());
        s.send_message(msg);
        s.shared.peek(|i| {
            let counts: Vec<(u64, usize)> = i
                .sessions
                .iter()
                .map(|x| (x.shard[0], x.frames.len()))
                .collect();
            assert!(counts.contains(&(owner(g1) as u64, 2)), "{counts:?}");
            assert!(counts.contains(&(owner(g0) as u64, 1)), "{counts:?}");
        });
    }
}
