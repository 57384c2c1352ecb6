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

pub mod payload;
pub mod rules;

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
}

impl Default for Options {
    fn default() -> Self {
        Options {
            heartbeat_interval: Duration::from_millis(41_250),
            tcp_nodelay: true,
            granted_intents: rules::INTENT_MESSAGE_CONTENT,
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
    session: Option<Session>,
    conn: Option<(usize, mpsc::UnboundedSender<Control>)>,
    /// The id of the connection attached to the session (see [`GatewayStats::connected`]).
    live: Option<usize>,
    heartbeat_ack: bool,
    next_id: u64,
    sessions_made: usize,
    /// REST calls that arrived (recorded ones plus those still being answered).
    rest_started: usize,
    /// Interaction token -> channel id, for follow-up message objects.
    interaction_channels: std::collections::HashMap<String, u64>,
    /// Channels, deleted messages and registered commands ([`rules::World`]).
    world: rules::World,
}

struct Shared {
    base: String,
    ws: String,
    options: Options,
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
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.server.abort();
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
        let shared = Arc::new(Shared {
            base: format!("http://{addr}"),
            ws: format!("ws://{addr}/ws"),
            options,
            inner: Mutex::new(Inner {
                requests: Vec::new(),
                faults: VecDeque::new(),
                gateway: GatewayStats::default(),
                session: None,
                conn: None,
                live: None,
                heartbeat_ack: true,
                next_id: 800_000_000_000_000_000,
                sessions_made: 0,
                interaction_channels: Default::default(),
                rest_started: 0,
                world: rules::World::default(),
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
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        StandIn {
            shared,
            addr,
            server,
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
    pub fn dispatch(&self, t: &str, d: Value) -> u64 {
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
            let session = i
                .session
                .as_mut()
                .expect("no gateway session: wait_ready first");
            // What Discord sends this session: intents decide (see `rules`).
            let Some(d) = rules::filter_dispatch(t, d, session.intents) else {
                return 0;
            };
            session.seq += 1;
            // Serialized once: the same text is kept for replay and sent.
            let frame = json!({ "op": 0, "t": t, "s": session.seq, "d": d }).to_string();
            session.frames.push((session.seq, frame.clone()));
            let seq = session.seq;
            if let Some((id, tx)) = &i.conn {
                if i.live == Some(*id) {
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

    /// Sends a raw frame (any opcode) on the current connection.
    pub fn send_raw(&self, frame: Value) {
        self.shared.with(|i| {
            if let Some((_, tx)) = &i.conn {
                let _ = tx.send(Control::Frame(frame.to_string()));
            }
        });
    }

    /// Closes the gateway connection with `code` (4000 = resumable unknown error,
    /// 4004 = authentication failed, 4009 = session timed out, ...).
    pub fn close_gateway(&self, code: u16) {
        self.shared.with(|i| {
            if let Some((_, tx)) = &i.conn {
                let _ = tx.send(Control::Close(code, format!("stand-in close {code}")));
            }
        });
    }

    /// Sends INVALID_SESSION (op 9). Not resumable also forgets the session.
    pub fn invalid_session(&self, resumable: bool) {
        self.shared.with(|i| {
            if !resumable {
                i.session = None;
            }
            if let Some((_, tx)) = &i.conn {
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
        i.conn = Some((id, tx));
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
                        for reply in on_frame(&shared, conn_id, &frame) {
                            if !send(&mut socket, reply).await { break; }
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
        if i.conn.as_ref().is_some_and(|(id, _)| *id == conn_id) {
            i.conn = None;
        }
        if i.live == Some(conn_id) {
            i.live = None;
            i.gateway.connected = false;
        }
    });
}

/// Handles one frame from the bot on connection `conn`; returns the frames to send back,
/// serialized (sent before any dispatch queued after this call).
fn on_frame(shared: &Shared, conn: usize, frame: &Value) -> Vec<String> {
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
                vec![json!({ "op": 11 }).to_string()]
            } else {
                vec![]
            }
        }
        2 => {
            i.gateway.identifies += 1;
            i.gateway.last_token = token;
            let intents = d.get("intents").and_then(Value::as_u64).unwrap_or(0);
            i.gateway.last_identify = Some(d);
            if rules::disallowed(intents, shared.options.granted_intents) {
                if let Some((_, tx)) = &i.conn {
                    let _ = tx.send(Control::Close(
                        rules::CLOSE_DISALLOWED_INTENTS,
                        "Disallowed intent(s).".into(),
                    ));
                }
                return vec![];
            }
            i.sessions_made += 1;
            let id = format!("standin-session-{}", i.sessions_made);
            let ready = json!({
                "op": 0, "t": "READY", "s": 1,
                "d": payload::ready(&id, &shared.ws),
            })
            .to_string();
            let mut frames = vec![(1, ready.clone())];
            // developers/events/gateway-events.mdx "Guild Create": after READY, one per
            // guild, to sessions with the GUILDS intent.
            if intents & rules::INTENT_GUILDS != 0 {
                let guild = i.world.guild_create(GUILD_ID);
                let frame = json!({ "op": 0, "t": "GUILD_CREATE", "s": 2, "d": guild }).to_string();
                frames.push((2, frame));
            }
            let out = frames.iter().map(|(_, f)| f.clone()).collect();
            i.session = Some(Session {
                id,
                seq: frames.len() as u64,
                frames,
                intents,
            });
            i.live = Some(conn);
            i.gateway.connected = true;
            out
        }
        6 => {
            i.gateway.resumes += 1;
            i.gateway.last_token = token;
            let wanted = d.get("session_id").and_then(Value::as_str).unwrap_or("");
            let after = d.get("seq").and_then(Value::as_u64).unwrap_or(0);
            match i.session.as_mut().filter(|s| s.id == wanted) {
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
                    i.gateway.resumed += 1;
                    i.live = Some(conn);
                    i.gateway.connected = true;
                    out
                }
                None => vec![json!({ "op": 9, "d": false }).to_string()],
            }
        }
        _ => vec![],
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
            let resp = (
                StatusCode::TOO_MANY_REQUESTS,
                [
                    ("retry-after", format!("{}", retry_after.ceil() as u64)),
                    ("x-ratelimit-global", global.to_string()),
                ],
                Json(body),
            )
                .into_response();
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
            route(&shared, &method, &path, body_json.as_ref())
        }
    };
    shared.with(|i| {
        let index = i.requests.len();
        i.requests.push(Recorded {
            index,
            method: method.to_string(),
            path,
            query: uri.query().map(str::to_string),
            body: body_json,
            status,
            at,
        });
    });
    response
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
            "shards": 1,
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
