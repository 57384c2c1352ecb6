//! JSON payloads shaped the way serenity 0.12's model deserializes them.
//!
//! Every required field of serenity's `Message`, `User`, `Member`, `CommandInteraction`
//! and `ComponentInteraction` is present: serenity silently drops a dispatch that misses
//! one. medfaq's `tests/standin_payloads.rs` checks each builder against serenity's types.

use serde_json::{json, Value};

use crate::{APPLICATION_ID, BOT_NAME, BOT_USER_ID, GUILD_ID};

/// A fixed, plausible ISO 8601 timestamp.
pub const TIMESTAMP: &str = "2026-01-01T00:00:00.000000+00:00";

/// Discord's MANAGE_GUILD ("Manage Server") permission bit.
pub const MANAGE_GUILD: u64 = 1 << 5;

/// Interaction types.
pub const INTERACTION_COMMAND: u8 = 2;
pub const INTERACTION_COMPONENT: u8 = 3;
pub const INTERACTION_AUTOCOMPLETE: u8 = 4;

/// A user object.
pub fn user(id: u64, name: &str, bot: bool) -> Value {
    json!({
        "id": id.to_string(),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": null,
        "bot": bot,
    })
}

/// The bot's own user.
pub fn bot_user() -> Value {
    user(BOT_USER_ID, BOT_NAME, true)
}

/// A guild member as sent in interactions (with `user` and `permissions`).
pub fn member(user: &Value, roles: &[u64], permissions: u64) -> Value {
    json!({
        "user": user,
        "nick": null,
        "avatar": null,
        "roles": roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
        "joined_at": TIMESTAMP,
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "permissions": permissions.to_string(),
        "communication_disabled_until": null,
    })
}

/// A partial member as sent with MESSAGE_CREATE (no `user`).
pub fn partial_member(roles: &[u64]) -> Value {
    json!({
        "roles": roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
        "joined_at": TIMESTAMP,
        "deaf": false,
        "mute": false,
        "flags": 0,
    })
}

/// A guild text message (MESSAGE_CREATE `d`). `mentions` are user objects.
pub fn message(
    id: u64,
    channel_id: u64,
    author: &Value,
    content: &str,
    mentions: &[Value],
) -> Value {
    json!({
        "id": id.to_string(),
        "channel_id": channel_id.to_string(),
        "guild_id": GUILD_ID.to_string(),
        "author": author,
        "member": partial_member(&[]),
        "content": content,
        "timestamp": TIMESTAMP,
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": mentions,
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": false,
        "type": 0,
        "flags": 0,
        "components": [],
    })
}

/// A message object built from a create-message body the bot sent (REST response shape).
/// `body` may be a channel-message body or an interaction callback's `data`.
pub fn message_from_body(id: u64, channel_id: u64, author: &Value, body: &Value) -> Value {
    let get = |k: &str| body.get(k).cloned();
    let mut m = message(
        id,
        channel_id,
        author,
        body.get("content").and_then(Value::as_str).unwrap_or(""),
        &[],
    );
    m["embeds"] = get("embeds").filter(Value::is_array).unwrap_or(json!([]));
    m["components"] = get("components")
        .filter(Value::is_array)
        .unwrap_or(json!([]));
    m["flags"] = get("flags").filter(Value::is_u64).unwrap_or(json!(0));
    if let Some(reference) = body
        .get("message_reference")
        .and_then(|r| r.get("message_id"))
    {
        m["type"] = json!(19);
        m["message_reference"] = json!({
            "message_id": reference,
            "channel_id": channel_id.to_string(),
            "guild_id": GUILD_ID.to_string(),
        });
    }
    m
}

/// Fields shared by every interaction.
fn interaction_base(id: u64, kind: u8, channel_id: u64, member: &Value, token: &str) -> Value {
    json!({
        "id": id.to_string(),
        "application_id": APPLICATION_ID.to_string(),
        "type": kind,
        "guild_id": GUILD_ID.to_string(),
        "channel_id": channel_id.to_string(),
        "channel": { "id": channel_id.to_string(), "type": 0, "name": "general", "permissions": null },
        "member": member,
        "token": token,
        "version": 1,
        "app_permissions": "2251799813685247",
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": { "0": GUILD_ID.to_string() },
        "context": 0,
        "attachment_size_limit": 10485760,
    })
}

/// One option of a slash command: `(name, value)`; strings become type 3, integers 4,
/// booleans 5.
pub fn option(name: &str, value: Value) -> Value {
    let kind = match &value {
        Value::Bool(_) => 5,
        Value::Number(n) if n.is_i64() || n.is_u64() => 4,
        Value::Number(_) => 10,
        _ => 3,
    };
    json!({ "name": name, "type": kind, "value": value })
}

/// A slash command interaction. With `subcommand`, `options` belong to it
/// (`/faq ask question:...` = `slash_command(.., "faq", Some("ask"), [option("question", ..)])`).
pub fn slash_command(
    id: u64,
    channel_id: u64,
    member: &Value,
    token: &str,
    command: &str,
    subcommand: Option<&str>,
    options: Vec<Value>,
) -> Value {
    let options = match subcommand {
        Some(sub) => json!([{ "name": sub, "type": 1, "options": options }]),
        None => Value::Array(options),
    };
    let mut i = interaction_base(id, INTERACTION_COMMAND, channel_id, member, token);
    i["data"] = json!({
        "id": command_id(command),
        "name": command,
        "type": 1,
        "options": options,
        "guild_id": GUILD_ID.to_string(),
    });
    i
}

/// An autocomplete interaction: like [`slash_command`], with option `focused` being typed
/// (value `partial`).
#[allow(clippy::too_many_arguments)]
pub fn autocomplete(
    id: u64,
    channel_id: u64,
    member: &Value,
    token: &str,
    command: &str,
    subcommand: Option<&str>,
    focused: &str,
    partial: &str,
) -> Value {
    let focused = json!({ "name": focused, "type": 3, "value": partial, "focused": true });
    let mut i = slash_command(
        id,
        channel_id,
        member,
        token,
        command,
        subcommand,
        vec![focused],
    );
    i["type"] = json!(INTERACTION_AUTOCOMPLETE);
    i
}

/// A message context-menu command ("Apps > name" on `target`, a message object).
pub fn message_command(
    id: u64,
    channel_id: u64,
    member: &Value,
    token: &str,
    name: &str,
    target: &Value,
) -> Value {
    let target_id = target["id"].clone();
    let mut i = interaction_base(id, INTERACTION_COMMAND, channel_id, member, token);
    let mut messages = serde_json::Map::new();
    messages.insert(
        target_id.as_str().unwrap_or("0").to_string(),
        target.clone(),
    );
    i["data"] = json!({
        "id": command_id(name),
        "name": name,
        "type": 3,
        "target_id": target_id,
        "resolved": { "messages": messages },
        "guild_id": GUILD_ID.to_string(),
    });
    i
}

/// A button press on `message` (a message object that carries the button).
pub fn button(
    id: u64,
    channel_id: u64,
    member: &Value,
    token: &str,
    custom_id: &str,
    message: &Value,
) -> Value {
    let mut i = interaction_base(id, INTERACTION_COMPONENT, channel_id, member, token);
    i["data"] = json!({ "custom_id": custom_id, "component_type": 2 });
    i["message"] = message.clone();
    i
}

/// A stable fake command id derived from the name.
pub fn command_id(name: &str) -> String {
    let h = name.bytes().fold(1_469_598_103_934_665_603u64, |h, b| {
        (h ^ b as u64).wrapping_mul(1_099_511_628_211)
    });
    (h % 1_000_000_000_000 + 1).to_string()
}

/// The READY dispatch data.
pub fn ready(session_id: &str, resume_url: &str) -> Value {
    json!({
        "v": 10,
        "user": {
            "id": BOT_USER_ID.to_string(),
            "username": BOT_NAME,
            "discriminator": "0",
            "global_name": null,
            "avatar": null,
            "bot": true,
            "verified": true,
            "mfa_enabled": false,
            "flags": 0,
        },
        "guilds": [{ "id": GUILD_ID.to_string(), "unavailable": true }],
        "session_id": session_id,
        "resume_gateway_url": resume_url,
        "shard": [0, 1],
        "application": { "id": APPLICATION_ID.to_string(), "flags": 0 },
    })
}

/// `GET /oauth2/applications/@me`.
pub fn application_info() -> Value {
    json!({
        "id": APPLICATION_ID.to_string(),
        "name": BOT_NAME,
        "icon": null,
        "description": "stand-in application",
        "rpc_origins": [],
        "bot_public": true,
        "bot_require_code_grant": false,
        "owner": user(1, "owner", false),
        "verify_key": "0",
        "team": null,
        "flags": 0,
    })
}

/// An application command as Discord echoes it after a bulk overwrite.
pub fn command_echo(sent: &Value, guild_id: Option<u64>) -> Value {
    let mut c = sent.clone();
    let name = sent["name"].as_str().unwrap_or("").to_string();
    c["id"] = json!(command_id(&name));
    c["application_id"] = json!(APPLICATION_ID.to_string());
    c["version"] = json!("1");
    if c.get("type").is_none() {
        c["type"] = json!(1);
    }
    if !c.get("description").is_some_and(Value::is_string) {
        c["description"] = json!("");
    }
    if c.get("default_member_permissions").is_none() {
        c["default_member_permissions"] = Value::Null;
    }
    if let Some(g) = guild_id {
        c["guild_id"] = json!(g.to_string());
    }
    c
}

/// A DM channel object between the bot and `recipient` (a user object).
pub fn dm_channel(id: u64, recipient: &Value) -> Value {
    json!({
        "id": id.to_string(),
        "type": crate::rules::DM,
        "last_message_id": null,
        "recipients": [recipient],
    })
}

/// A guild channel of `kind` (`rules::GUILD_TEXT`, `rules::GUILD_FORUM`, ...).
pub fn guild_channel(id: u64, kind: u8, name: &str) -> Value {
    json!({
        "id": id.to_string(),
        "type": kind,
        "guild_id": GUILD_ID.to_string(),
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "nsfw": false,
        "parent_id": null,
    })
}

/// A thread (`rules::PUBLIC_THREAD` or `PRIVATE_THREAD`) in channel `parent_id`; a
/// forum post is a public thread whose parent is a forum channel.
pub fn thread(id: u64, parent_id: u64, kind: u8, name: &str, owner: u64) -> Value {
    json!({
        "id": id.to_string(),
        "type": kind,
        "guild_id": GUILD_ID.to_string(),
        "parent_id": parent_id.to_string(),
        "owner_id": owner.to_string(),
        "name": name,
        "last_message_id": null,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "thread_metadata": {
            "archived": false,
            "auto_archive_duration": 1440,
            "archive_timestamp": TIMESTAMP,
            "locked": false,
            "create_timestamp": TIMESTAMP,
        },
        "total_message_sent": 0,
        "flags": 0,
        "applied_tags": [],
    })
}

/// A direct message from `author` to the bot in DM channel `channel_id`: no `guild_id`,
/// no `member` (developers/resources/message.mdx).
pub fn dm_message(id: u64, channel_id: u64, author: &Value, content: &str) -> Value {
    let mut m = message(id, channel_id, author, content, &[]);
    let o = m.as_object_mut().expect("a message object");
    o.remove("guild_id");
    o.remove("member");
    m
}

/// A member's reply (type 19) to `replied` (a message object) in the same channel. With
/// `ping` (the client's default), Discord adds the replied-to author to `mentions`
/// although the text does not mention them.
pub fn reply_message(id: u64, author: &Value, content: &str, replied: &Value, ping: bool) -> Value {
    let channel = replied["channel_id"]
        .as_str()
        .unwrap_or("1")
        .parse()
        .unwrap_or(1);
    let mentions = if ping {
        vec![replied["author"].clone()]
    } else {
        vec![]
    };
    let mut m = message(id, channel, author, content, &mentions);
    m["type"] = json!(19);
    m["message_reference"] = json!({
        "type": 0,
        "message_id": replied["id"],
        "channel_id": replied["channel_id"],
        "guild_id": GUILD_ID.to_string(),
    });
    m["referenced_message"] = replied.clone();
    m
}

/// The guild as GUILD_CREATE sends it after READY (developers/events/gateway-events.mdx
/// "Guild Create"): roles @everyone and the bot's managed role (`rules::BOT_ROLE_ID`,
/// `tags.bot_id`), the given channels and active threads.
pub fn guild_create(guild_id: u64, channels: &[Value], threads: &[Value]) -> Value {
    let role = |id: u64, name: &str, managed: bool, tags: Value| {
        json!({
            "id": id.to_string(),
            "name": name,
            "color": 0,
            "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null },
            "hoist": false,
            "icon": null,
            "unicode_emoji": null,
            "position": if managed { 1 } else { 0 },
            "permissions": "0",
            "managed": managed,
            "mentionable": true,
            "flags": 0,
            "tags": tags,
        })
    };
    json!({
        "id": guild_id.to_string(),
        "name": "stand-in guild",
        "icon": null,
        "icon_hash": null,
        "splash": null,
        "discovery_splash": null,
        "owner_id": "1",
        "afk_channel_id": null,
        "afk_timeout": 300,
        "widget_enabled": false,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [
            role(guild_id, "@everyone", false, json!({})),
            role(crate::rules::BOT_ROLE_ID, BOT_NAME, true, json!({ "bot_id": BOT_USER_ID.to_string() })),
        ],
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": null,
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "max_members": 500000,
        "vanity_url_code": null,
        "description": null,
        "banner": null,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": null,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": false,
        "safety_alerts_channel_id": null,
        "joined_at": TIMESTAMP,
        "large": false,
        "unavailable": false,
        "member_count": 2,
        "voice_states": [],
        "members": [],
        "channels": channels,
        "threads": threads,
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
    })
}
