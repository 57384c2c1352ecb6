//! Discord's rules the stand-in enforces on top of plain answers: gateway intents (the
//! privileged ones must be granted, message content is blanked without the Message
//! Content intent, events need their intent), the channels it knows (DM channels, threads
//! and forum posts with their parent), deleted messages and channels (Discord's error
//! codes), registered application commands (global and per guild, as stored by a bulk
//! overwrite), and Discord-style JSON errors.
//!
//! Each rule cites the file of `discord/discord-api-docs` it models.

use std::collections::{HashMap, HashSet};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::{payload, BOT_USER_ID};

/// Gateway intents (developers/events/gateway.mdx, "List of Intents").
pub const INTENT_GUILDS: u64 = 1 << 0;
pub const INTENT_GUILD_MEMBERS: u64 = 1 << 1;
pub const INTENT_GUILD_PRESENCES: u64 = 1 << 8;
pub const INTENT_GUILD_MESSAGES: u64 = 1 << 9;
pub const INTENT_DIRECT_MESSAGES: u64 = 1 << 12;
pub const INTENT_MESSAGE_CONTENT: u64 = 1 << 15;
/// The privileged intents: asked for without being enabled for the app in the Developer
/// Portal, the gateway closes with 4014 (developers/events/gateway.mdx, "Privileged
/// Intents").
pub const PRIVILEGED_INTENTS: u64 =
    INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT;

/// Close code for a privileged intent that is not enabled (developers/topics/
/// opcodes-and-status-codes.mdx, "Gateway Close Event Codes").
pub const CLOSE_DISALLOWED_INTENTS: u16 = 4014;

/// JSON error codes (developers/topics/opcodes-and-status-codes.mdx, "JSON Error Codes").
pub const UNKNOWN_CHANNEL: u64 = 10003;
pub const UNKNOWN_MESSAGE: u64 = 10008;
pub const INVALID_FORM_BODY: u64 = 50035;

/// Channel types (developers/resources/channel.mdx, "Channel Types").
pub const GUILD_TEXT: u8 = 0;
pub const DM: u8 = 1;
pub const PUBLIC_THREAD: u8 = 11;
pub const PRIVATE_THREAD: u8 = 12;
pub const GUILD_FORUM: u8 = 15;

/// The id of the bot's managed role in the stand-in's guild (sent in GUILD_CREATE).
pub const BOT_ROLE_ID: u64 = 700_000_000_000_000_200;

/// Application flags of an app whose privileged intents `granted` are enabled in the
/// Developer Portal, as a bot in under 100 servers has them: the `*_LIMITED` flags
/// (developers/resources/application.mdx, "Application Flags").
pub fn application_flags(granted: u64) -> u64 {
    let mut flags = 0;
    if granted & INTENT_GUILD_PRESENCES != 0 {
        flags |= 1 << 13; // GATEWAY_PRESENCE_LIMITED
    }
    if granted & INTENT_GUILD_MEMBERS != 0 {
        flags |= 1 << 15; // GATEWAY_GUILD_MEMBERS_LIMITED
    }
    if granted & INTENT_MESSAGE_CONTENT != 0 {
        flags |= 1 << 19; // GATEWAY_MESSAGE_CONTENT_LIMITED
    }
    flags
}

/// Whether an IDENTIFY asking for `intents` is refused (4014) when only `granted`
/// privileged intents are enabled.
pub fn disallowed(intents: u64, granted: u64) -> bool {
    intents & PRIVILEGED_INTENTS & !granted != 0
}

/// What a session identified with `intents` receives of dispatch `t` with data `d`:
/// `None` when the event needs an intent it lacks; message content fields blanked
/// without the Message Content intent.
///
/// Rules (developers/events/gateway.mdx, "List of Intents" and "Message Content Intent"):
/// MESSAGE_CREATE/UPDATE/DELETE in a guild need GUILD_MESSAGES, in a DM DIRECT_MESSAGES.
/// Without MESSAGE_CONTENT, `content`, `embeds`, `attachments`, `components` and `poll`
/// are empty except in DMs, in messages that mention the app (it is in `mentions`, which
/// a reply with ping on also does), and in the app's own messages. The target of a message
/// context-menu command keeps its content: it travels inside INTERACTION_CREATE, which is
/// not filtered.
pub fn filter_dispatch(t: &str, mut d: Value, intents: u64) -> Option<Value> {
    if !matches!(t, "MESSAGE_CREATE" | "MESSAGE_UPDATE" | "MESSAGE_DELETE") {
        return Some(d);
    }
    let in_guild = d.get("guild_id").is_some_and(|g| !g.is_null());
    let needed = if in_guild {
        INTENT_GUILD_MESSAGES
    } else {
        INTENT_DIRECT_MESSAGES
    };
    if intents & needed == 0 {
        return None;
    }
    if intents & INTENT_MESSAGE_CONTENT != 0 || !in_guild || t == "MESSAGE_DELETE" {
        return Some(d);
    }
    let me = BOT_USER_ID.to_string();
    let from_me = d.pointer("/author/id").and_then(Value::as_str) == Some(me.as_str());
    let mentions_me = d
        .get("mentions")
        .and_then(Value::as_array)
        .is_some_and(|m| m.iter().any(|u| u["id"].as_str() == Some(me.as_str())));
    if !(from_me || mentions_me) {
        blank_content(&mut d);
    }
    Some(d)
}

fn blank_content(m: &mut Value) {
    if let Some(o) = m.as_object_mut() {
        if o.contains_key("content") {
            o.insert("content".into(), json!(""));
        }
        for key in ["embeds", "attachments", "components"] {
            if o.contains_key(key) {
                o.insert(key.into(), json!([]));
            }
        }
        o.remove("poll");
    }
}

/// A Discord-style JSON error (`{ "code", "message" }`).
pub fn api_error(status: u16, code: u64, message: &str) -> (u16, Response) {
    let s = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (
        status,
        (s, Json(json!({ "message": message, "code": code }))).into_response(),
    )
}

/// 400 / 50035 with an `errors` tree holding one error at `path` (object keys).
pub fn form_error(path: &[&str], code: &str, message: &str) -> (u16, Response) {
    let mut tree = json!({ "_errors": [{ "code": code, "message": message }] });
    for key in path.iter().rev() {
        let mut level = serde_json::Map::new();
        level.insert(key.to_string(), tree);
        tree = Value::Object(level);
    }
    let body = json!({ "message": "Invalid Form Body", "code": INVALID_FORM_BODY, "errors": tree });
    (400, (StatusCode::BAD_REQUEST, Json(body)).into_response())
}

/// Channels, deleted things and registered commands: what the stand-in's Discord knows.
#[derive(Default)]
pub struct World {
    /// Channel objects by id (DM channels, threads, forum and other guild channels a test
    /// added), answered by `GET /channels/{id}`.
    pub channels: HashMap<u64, Value>,
    pub deleted_channels: HashSet<u64>,
    pub deleted_messages: HashSet<u64>,
    /// Registered commands: `None` = global, `Some(guild)` = that guild's.
    pub commands: HashMap<Option<u64>, Value>,
}

fn id_of(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

impl World {
    /// The REST calls these rules answer (`None`: the plain route answers). `new_id`
    /// hands out message ids.
    pub fn route(
        &mut self,
        method: &str,
        parts: &[&str],
        body: &Value,
        new_id: &mut dyn FnMut() -> u64,
    ) -> Option<(u16, Response)> {
        let channel_gone = |c: &str, world: &World| {
            c.parse::<u64>()
                .is_ok_and(|c| world.deleted_channels.contains(&c))
        };
        match (method, parts) {
            // developers/resources/channel.mdx "Get Channel"; unknown -> 10003
            ("GET", ["channels", c]) => {
                let id = c.parse::<u64>().ok()?;
                if self.deleted_channels.contains(&id) {
                    return Some(api_error(404, UNKNOWN_CHANNEL, "Unknown Channel"));
                }
                Some(match self.channels.get(&id) {
                    Some(ch) => (200, Json(ch.clone()).into_response()),
                    None => api_error(404, UNKNOWN_CHANNEL, "Unknown Channel"),
                })
            }
            ("POST", ["channels", c, "messages"]) => {
                if channel_gone(c, self) {
                    return Some(api_error(404, UNKNOWN_CHANNEL, "Unknown Channel"));
                }
                // developers/resources/message.mdx "Message Reference Structure":
                // `fail_if_not_exists` (default true) errors on a deleted reference;
                // false sends a normal, non-reply message.
                let reference = body.get("message_reference")?;
                let target = id_of(reference.get("message_id"))?;
                if !self.deleted_messages.contains(&target) {
                    return None;
                }
                if reference.get("fail_if_not_exists") != Some(&json!(false)) {
                    return Some(form_error(
                        &["message_reference"],
                        "REPLIES_UNKNOWN_MESSAGE",
                        "Unknown message",
                    ));
                }
                let mut plain = body.clone();
                plain.as_object_mut()?.remove("message_reference");
                let c = c.parse().unwrap_or(1);
                let msg = payload::message_from_body(new_id(), c, &payload::bot_user(), &plain);
                Some((200, Json(msg).into_response()))
            }
            ("PATCH" | "DELETE" | "GET", ["channels", c, "messages", m]) => {
                if channel_gone(c, self) {
                    return Some(api_error(404, UNKNOWN_CHANNEL, "Unknown Channel"));
                }
                let m = m.parse::<u64>().ok()?;
                self.deleted_messages
                    .contains(&m)
                    .then(|| api_error(404, UNKNOWN_MESSAGE, "Unknown Message"))
            }
            ("POST", ["channels", c, "typing"]) if channel_gone(c, self) => {
                Some(api_error(404, UNKNOWN_CHANNEL, "Unknown Channel"))
            }
            // developers/interactions/application-commands.mdx "Bulk Overwrite ...":
            // the set is replaced; GET lists what is registered.
            ("PUT", ["applications", _, "commands"]) => {
                Some((200, Json(self.register(None, body)).into_response()))
            }
            ("PUT", ["applications", _, "guilds", g, "commands"]) => {
                let guild = g.parse().ok();
                Some((200, Json(self.register(guild, body)).into_response()))
            }
            ("GET", ["applications", _, "commands"]) => {
                Some((200, Json(self.registered(None)).into_response()))
            }
            ("GET", ["applications", _, "guilds", g, "commands"]) => {
                let guild = g.parse().ok();
                Some((200, Json(self.registered(guild)).into_response()))
            }
            _ => None,
        }
    }

    /// A bulk overwrite of the commands of `guild` (`None`: global); returns the echo.
    pub fn register(&mut self, guild: Option<u64>, commands: &Value) -> Value {
        let echo = commands_echo(commands, guild);
        self.commands.insert(guild, echo.clone());
        echo
    }

    /// GUILD_CREATE data for `guild`: its guild channels and threads known now.
    pub fn guild_create(&self, guild: u64) -> Value {
        let mine = |c: &&Value| id_of(c.get("guild_id")) == Some(guild);
        let is_thread = |c: &Value| {
            c["type"]
                .as_u64()
                .is_some_and(|t| t == PUBLIC_THREAD as u64 || t == PRIVATE_THREAD as u64)
        };
        let (threads, channels): (Vec<Value>, Vec<Value>) = self
            .channels
            .values()
            .filter(mine)
            .cloned()
            .partition(|c| is_thread(c));
        payload::guild_create(guild, &channels, &threads)
    }

    /// The commands registered globally (`None`) or in `guild`.
    pub fn registered(&self, guild: Option<u64>) -> Value {
        self.commands.get(&guild).cloned().unwrap_or(json!([]))
    }
}

fn commands_echo(body: &Value, guild: Option<u64>) -> Value {
    Value::Array(
        body.as_array()
            .map(|cmds| {
                cmds.iter()
                    .map(|c| payload::command_echo(c, guild))
                    .collect()
            })
            .unwrap_or_default(),
    )
}
