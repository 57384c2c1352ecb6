//! Discord's limits and shapes for every payload a bot sends: what Discord refuses, the
//! stand-in refuses, with Discord's answer (400, code 50035 "Invalid Form Body" and an
//! `errors` tree keyed by the JSON path of each bad value, or 50006 for an empty message).
//!
//! Sources (repository `discord/discord-api-docs`, folder `developers/`):
//! - `reference.mdx` "Error Messages": the 50035 body, `errors` nested by JSON key with
//!   `_errors: [{code, message}]` at the leaves;
//! - `resources/message.mdx` "Create Message" / "Edit Message" / "Embed Limits" /
//!   "Allowed Mentions Object": content 2000, up to 10 embeds, title 256, description
//!   4096, 25 fields, field name 256 and value 1024, footer 2048, author name 256, 6000
//!   across all embeds (whitespace trimmed), the flags each route accepts;
//! - `components/reference.mdx` "Action Row" / "Button" / "String Select": 5 rows (legacy
//!   components), 5 buttons or one select per row, label 80, `custom_id` 1-100 and unique
//!   in the message, link buttons (style 5) with `url` (max 512) and no `custom_id`, other
//!   styles with `custom_id` and no `url`, 25 select options of at most 100 characters;
//! - `interactions/receiving-and-responding.mdx` "Interaction Response Object": callback
//!   types, the flags a callback may set (only EPHEMERAL on a deferred one), autocomplete
//!   "max of 25 choices";
//! - `interactions/application-commands.mdx` "Application Command Object": names 1-32
//!   matching `^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$`, lowercase where a lowercase
//!   form exists (slash commands and options); descriptions 1-100 for slash commands and
//!   empty for user/message commands; "max of 25" options and choices; choice names 1-100
//!   and string values up to 100; `min_length`/`max_length` within 0-6000; no
//!   `autocomplete` with `choices`; 8000 characters per command; unique names per type.
//!
//! Character counts are Unicode scalar values (`chars()`), the closest stable reading of
//! Discord's "characters". Error `code` strings follow the ones Discord returns where the
//! docs or observed answers give them (`BASE_TYPE_MAX_LENGTH`, `BASE_TYPE_BAD_LENGTH`,
//! `BASE_TYPE_REQUIRED`, `BASE_TYPE_CHOICES`, ...); tests assert on the JSON path, not the
//! exact wording.
//!
//! Besides Discord's rules, [`mention_policy`] checks medfaq's own rule (every outgoing
//! message sets allowed mentions to none). Discord accepts a message without it, so the
//! stand-in does too, but records the breach ([`crate::StandIn::violations`]).

use serde_json::{json, Map, Value};

/// Message flags (`resources/message.mdx` "Message Flags").
pub mod flags {
    pub const SUPPRESS_EMBEDS: u64 = 1 << 2;
    pub const EPHEMERAL: u64 = 1 << 6;
    pub const SUPPRESS_NOTIFICATIONS: u64 = 1 << 12;
    pub const IS_VOICE_MESSAGE: u64 = 1 << 13;
    pub const IS_COMPONENTS_V2: u64 = 1 << 15;
}

/// Flags "Create Message" accepts (`resources/message.mdx`, JSON/Form Params).
const CREATE_FLAGS: u64 = flags::SUPPRESS_EMBEDS
    | flags::SUPPRESS_NOTIFICATIONS
    | flags::IS_VOICE_MESSAGE
    | flags::IS_COMPONENTS_V2;
/// Flags "Edit Message" accepts (same file).
const EDIT_FLAGS: u64 = flags::SUPPRESS_EMBEDS | flags::IS_COMPONENTS_V2;
/// Flags an interaction response message or follow-up accepts
/// (`interactions/receiving-and-responding.mdx`, "Messages").
const INTERACTION_FLAGS: u64 = flags::SUPPRESS_EMBEDS
    | flags::EPHEMERAL
    | flags::IS_COMPONENTS_V2
    | flags::IS_VOICE_MESSAGE
    | flags::SUPPRESS_NOTIFICATIONS;

pub const CONTENT: usize = 2000;
pub const EMBEDS: usize = 10;
pub const EMBED_TITLE: usize = 256;
pub const EMBED_DESCRIPTION: usize = 4096;
pub const EMBED_FIELDS: usize = 25;
pub const FIELD_NAME: usize = 256;
pub const FIELD_VALUE: usize = 1024;
pub const FOOTER: usize = 2048;
pub const AUTHOR_NAME: usize = 256;
pub const EMBEDS_TOTAL: usize = 6000;
pub const ACTION_ROWS: usize = 5;
pub const BUTTONS_PER_ROW: usize = 5;
pub const BUTTON_LABEL: usize = 80;
pub const BUTTON_URL: usize = 512;
pub const CUSTOM_ID: usize = 100;
pub const SELECT_OPTIONS: usize = 25;
pub const SELECT_OPTION_TEXT: usize = 100;
pub const CHOICES: usize = 25;
pub const CHOICE_TEXT: usize = 100;
pub const COMMAND_NAME: usize = 32;
pub const COMMAND_DESCRIPTION: usize = 100;
pub const COMMAND_OPTIONS: usize = 25;
pub const COMMAND_TOTAL: usize = 8000;
pub const OPTION_LENGTH_MAX: u64 = 6000;

/// What the stand-in answers instead of the normal response.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub status: u16,
    /// Discord's JSON error body (`code`, `message`, and `errors` for 50035).
    pub body: Value,
}

impl Rejection {
    /// A one-line summary for the violation record.
    pub fn summary(&self) -> String {
        let code = self.body["code"].as_i64().unwrap_or(0);
        let mut leaves = Vec::new();
        leaf_paths(&self.body["errors"], "", &mut leaves);
        if leaves.is_empty() {
            format!("{code} {}", self.body["message"].as_str().unwrap_or(""))
        } else {
            format!("{code} {}", leaves.join("; "))
        }
    }

    /// A Discord JSON error without an `errors` tree (e.g. 10062, 40060, 50006).
    pub fn plain(status: u16, code: u64, message: &str) -> Rejection {
        Rejection {
            status,
            body: json!({ "message": message, "code": code }),
        }
    }
}

fn leaf_paths(v: &Value, prefix: &str, out: &mut Vec<String>) {
    let Some(o) = v.as_object() else { return };
    for (k, x) in o {
        if k == "_errors" {
            for e in x.as_array().into_iter().flatten() {
                out.push(format!(
                    "{}: {} {}",
                    if prefix.is_empty() { "(body)" } else { prefix },
                    e["code"].as_str().unwrap_or(""),
                    e["message"].as_str().unwrap_or("")
                ));
            }
        } else {
            let p = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            leaf_paths(x, &p, out);
        }
    }
}

/// Collects form errors into Discord's nested `errors` tree.
#[derive(Debug, Default)]
pub struct FormErrors {
    tree: Map<String, Value>,
}

impl FormErrors {
    /// Adds an error at `path` (JSON keys and array indexes, outermost first).
    pub fn add(&mut self, path: &[String], code: &str, message: impl Into<String>) {
        let mut node = &mut self.tree;
        for key in path {
            node = node
                .entry(key.clone())
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .expect("error tree nodes are objects");
        }
        node.entry("_errors")
            .or_insert_with(|| json!([]))
            .as_array_mut()
            .expect("_errors is an array")
            .push(json!({ "code": code, "message": message.into() }));
    }

    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }

    /// `Ok` when no error was added, else Discord's 400 / 50035 answer.
    pub fn finish(self) -> Result<(), Rejection> {
        if self.tree.is_empty() {
            return Ok(());
        }
        Err(Rejection {
            status: 400,
            body: json!({
                "message": "Invalid Form Body",
                "code": 50035,
                "errors": Value::Object(self.tree),
            }),
        })
    }
}

/// A JSON path under construction.
#[derive(Clone, Default)]
struct Path(Vec<String>);

impl Path {
    fn key(&self, k: impl ToString) -> Path {
        let mut p = self.0.clone();
        p.push(k.to_string());
        Path(p)
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Embed text counts without leading and trailing whitespace (`message.mdx`, "Embed
/// Limits": "they are trimmed automatically").
fn trimmed_chars(v: &Value) -> usize {
    v.as_str().map(|s| chars(s.trim())).unwrap_or(0)
}

fn max_length(e: &mut FormErrors, at: &Path, v: &Value, max: usize) {
    if let Some(s) = v.as_str() {
        if chars(s) > max {
            e.add(
                &at.0,
                "BASE_TYPE_MAX_LENGTH",
                format!("Must be {max} or fewer in length."),
            );
        }
    }
}

fn bad_length(e: &mut FormErrors, at: &Path, v: Option<&Value>, min: usize, max: usize) {
    match v.and_then(Value::as_str) {
        None => e.add(&at.0, "BASE_TYPE_REQUIRED", "This field is required"),
        Some(s) if chars(s) < min || chars(s) > max => e.add(
            &at.0,
            "BASE_TYPE_BAD_LENGTH",
            format!("Must be between {min} and {max} in length."),
        ),
        Some(_) => {}
    }
}

fn max_items(e: &mut FormErrors, at: &Path, v: &Value, max: usize) {
    if v.as_array().is_some_and(|a| a.len() > max) {
        e.add(
            &at.0,
            "BASE_TYPE_MAX_LENGTH",
            format!("Must be {max} or fewer in length."),
        );
    }
}

fn non_empty_str(v: Option<&Value>) -> bool {
    v.and_then(Value::as_str).is_some_and(|s| !s.is_empty())
}

fn non_empty_array(v: Option<&Value>) -> bool {
    v.and_then(Value::as_array).is_some_and(|a| !a.is_empty())
}

/// Which route a message payload goes to: decides the flags it may set and whether it
/// must carry something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageRoute {
    /// `POST /channels/{id}/messages`.
    Create,
    /// `PATCH /channels/{id}/messages/{id}`.
    Edit,
    /// Callback type 4 (`CHANNEL_MESSAGE_WITH_SOURCE`) or a follow-up (`POST
    /// /webhooks/{app}/{token}`).
    InteractionCreate,
    /// Callback type 7 (`UPDATE_MESSAGE`) or `PATCH /webhooks/{app}/{token}/messages/{id}`.
    InteractionEdit,
}

/// Checks a message body for `route`.
pub fn message(body: &Value, route: MessageRoute) -> Result<(), Rejection> {
    let mut e = FormErrors::default();
    message_into(&mut e, &Path::default(), body, route);
    let creates = matches!(
        route,
        MessageRoute::Create | MessageRoute::InteractionCreate
    );
    if e.is_empty() && creates && !has_payload(body) {
        // `message.mdx`, Create Message: "At least one of content, embeds, sticker_ids,
        // components, files[n], poll ... is required"; `opcodes-and-status-codes.mdx`:
        // 50006 "Cannot send an empty message".
        return Err(Rejection::plain(400, 50006, "Cannot send an empty message"));
    }
    e.finish()
}

fn has_payload(body: &Value) -> bool {
    non_empty_str(body.get("content"))
        || ["embeds", "components", "sticker_ids", "attachments"]
            .iter()
            .any(|k| non_empty_array(body.get(*k)))
        || body.get("poll").is_some_and(|p| !p.is_null())
}

fn message_into(e: &mut FormErrors, at: &Path, body: &Value, route: MessageRoute) {
    let Some(obj) = body.as_object() else {
        e.add(
            &at.0,
            "DICT_TYPE_CONVERT",
            "Only dictionaries may be used in a DictType",
        );
        return;
    };
    if let Some(c) = obj.get("content") {
        max_length(e, &at.key("content"), c, CONTENT);
    }
    let flags = obj.get("flags").and_then(Value::as_u64).unwrap_or(0);
    let allowed = match route {
        MessageRoute::Create => CREATE_FLAGS,
        MessageRoute::Edit => EDIT_FLAGS,
        MessageRoute::InteractionCreate | MessageRoute::InteractionEdit => INTERACTION_FLAGS,
    };
    if flags & !allowed != 0 {
        e.add(
            &at.key("flags").0,
            "MESSAGE_FLAGS_INVALID",
            format!("Flags {:#x} cannot be set here", flags & !allowed),
        );
    }
    if flags & flags::IS_COMPONENTS_V2 != 0
        && (non_empty_str(obj.get("content")) || non_empty_array(obj.get("embeds")))
    {
        e.add(
            &at.0,
            "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            "The 'content' and 'embeds' fields cannot be used with IS_COMPONENTS_V2",
        );
    }
    if let Some(embeds) = obj.get("embeds") {
        embeds_into(e, &at.key("embeds"), embeds);
    }
    if let Some(components) = obj.get("components") {
        if flags & flags::IS_COMPONENTS_V2 == 0 {
            components_into(e, &at.key("components"), components);
        }
    }
    if let Some(am) = obj.get("allowed_mentions") {
        allowed_mentions_into(e, &at.key("allowed_mentions"), am);
    }
}

fn embeds_into(e: &mut FormErrors, at: &Path, embeds: &Value) {
    let Some(list) = embeds.as_array() else {
        if !embeds.is_null() {
            e.add(&at.0, "BASE_TYPE_ARRAY", "Must be an array.");
        }
        return;
    };
    max_items(e, at, embeds, EMBEDS);
    let mut total = 0;
    for (i, embed) in list.iter().enumerate() {
        let at = at.key(i);
        let title = embed.get("title").cloned().unwrap_or(Value::Null);
        let description = embed.get("description").cloned().unwrap_or(Value::Null);
        let footer = embed
            .pointer("/footer/text")
            .cloned()
            .unwrap_or(Value::Null);
        let author = embed
            .pointer("/author/name")
            .cloned()
            .unwrap_or(Value::Null);
        for (key, v, max) in [
            ("title", &title, EMBED_TITLE),
            ("description", &description, EMBED_DESCRIPTION),
        ] {
            if trimmed_chars(v) > max {
                max_length(e, &at.key(key), v, max);
            }
            total += trimmed_chars(v);
        }
        if trimmed_chars(&footer) > FOOTER {
            max_length(e, &at.key("footer").key("text"), &footer, FOOTER);
        }
        if trimmed_chars(&author) > AUTHOR_NAME {
            max_length(e, &at.key("author").key("name"), &author, AUTHOR_NAME);
        }
        total += trimmed_chars(&footer) + trimmed_chars(&author);
        if let Some(fields) = embed.get("fields") {
            max_items(e, &at.key("fields"), fields, EMBED_FIELDS);
            for (j, f) in fields.as_array().into_iter().flatten().enumerate() {
                let at = at.key("fields").key(j);
                for (key, max) in [("name", FIELD_NAME), ("value", FIELD_VALUE)] {
                    match f.get(key) {
                        Some(v) if v.is_string() && trimmed_chars(v) > 0 => {
                            if trimmed_chars(v) > max {
                                max_length(e, &at.key(key), v, max);
                            }
                            total += trimmed_chars(v);
                        }
                        _ => e.add(
                            &at.key(key).0,
                            "BASE_TYPE_REQUIRED",
                            "This field is required",
                        ),
                    }
                }
            }
        }
    }
    if total > EMBEDS_TOTAL {
        e.add(
            &at.0,
            "MAX_EMBED_SIZE_EXCEEDED",
            format!("Embed size exceeds maximum size of {EMBEDS_TOTAL}"),
        );
    }
}

/// Component types (`components/reference.mdx`, "Component Types").
const ACTION_ROW: u64 = 1;
const BUTTON: u64 = 2;
const SELECTS: [u64; 5] = [3, 5, 6, 7, 8];
const LINK_STYLE: u64 = 5;
const PREMIUM_STYLE: u64 = 6;

fn components_into(e: &mut FormErrors, at: &Path, components: &Value) {
    let Some(rows) = components.as_array() else {
        if !components.is_null() {
            e.add(&at.0, "BASE_TYPE_ARRAY", "Must be an array.");
        }
        return;
    };
    max_items(e, at, components, ACTION_ROWS);
    let mut seen: Vec<String> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let at = at.key(i);
        if row.get("type").and_then(Value::as_u64) != Some(ACTION_ROW) {
            e.add(
                &at.key("type").0,
                "BASE_TYPE_CHOICES",
                "Top-level components must be action rows (type 1)",
            );
            continue;
        }
        let children = row
            .get("components")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if children.is_empty() {
            e.add(
                &at.key("components").0,
                "BASE_TYPE_MIN_LENGTH",
                "Must be 1 or more in length.",
            );
        }
        let selects = children
            .iter()
            .filter(|c| {
                c.get("type")
                    .and_then(Value::as_u64)
                    .is_some_and(|t| SELECTS.contains(&t))
            })
            .count();
        if children.len() > BUTTONS_PER_ROW || (selects > 0 && children.len() > 1) {
            e.add(
                &at.key("components").0,
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            );
        }
        for (j, c) in children.iter().enumerate() {
            component_into(e, &at.key("components").key(j), c, &mut seen);
        }
    }
}

fn custom_id_into(e: &mut FormErrors, at: &Path, c: &Value, seen: &mut Vec<String>) {
    bad_length(e, &at.key("custom_id"), c.get("custom_id"), 1, CUSTOM_ID);
    if let Some(id) = c.get("custom_id").and_then(Value::as_str) {
        if seen.iter().any(|s| s == id) {
            e.add(
                &at.key("custom_id").0,
                "COMPONENT_CUSTOM_ID_DUPLICATED",
                "Component custom id cannot be duplicated",
            );
        }
        seen.push(id.to_string());
    }
}

fn component_into(e: &mut FormErrors, at: &Path, c: &Value, seen: &mut Vec<String>) {
    match c.get("type").and_then(Value::as_u64) {
        Some(BUTTON) => {
            let style = c.get("style").and_then(Value::as_u64).unwrap_or(0);
            if !(1..=PREMIUM_STYLE).contains(&style) {
                e.add(
                    &at.key("style").0,
                    "BASE_TYPE_CHOICES",
                    "Value must be one of (1, 2, 3, 4, 5, 6).",
                );
            }
            if let Some(label) = c.get("label") {
                max_length(e, &at.key("label"), label, BUTTON_LABEL);
            }
            let has = |k: &str| c.get(k).is_some_and(|v| !v.is_null());
            match style {
                LINK_STYLE => {
                    match c.get("url").and_then(Value::as_str) {
                        None => e.add(
                            &at.key("url").0,
                            "BUTTON_COMPONENT_URL_REQUIRED",
                            "A url is required",
                        ),
                        Some(u) if chars(u) > BUTTON_URL => {
                            max_length(e, &at.key("url"), &c["url"], BUTTON_URL)
                        }
                        Some(_) => {}
                    }
                    if has("custom_id") {
                        e.add(
                            &at.key("custom_id").0,
                            "BUTTON_COMPONENT_CUSTOM_ID_FORBIDDEN",
                            "A custom id cannot be specified for link buttons",
                        );
                    }
                }
                PREMIUM_STYLE => {
                    if !has("sku_id") || has("custom_id") || has("label") || has("url") {
                        e.add(
                            &at.0,
                            "BUTTON_COMPONENT_INVALID_PREMIUM",
                            "Premium buttons need sku_id and nothing else",
                        );
                    }
                }
                _ => {
                    custom_id_into(e, at, c, seen);
                    if has("url") {
                        e.add(
                            &at.key("url").0,
                            "BUTTON_COMPONENT_URL_FORBIDDEN",
                            "A url can only be specified for link buttons",
                        );
                    }
                }
            }
            if style != PREMIUM_STYLE && !non_empty_str(c.get("label")) && !has("emoji") {
                e.add(
                    &at.0,
                    "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED",
                    "A label or an emoji is required",
                );
            }
        }
        Some(t) if SELECTS.contains(&t) => {
            custom_id_into(e, at, c, seen);
            if let Some(p) = c.get("placeholder") {
                max_length(e, &at.key("placeholder"), p, 150);
            }
            if t == 3 {
                let options = c.get("options").cloned().unwrap_or(Value::Null);
                max_items(e, &at.key("options"), &options, SELECT_OPTIONS);
                for (k, o) in options.as_array().into_iter().flatten().enumerate() {
                    let at = at.key("options").key(k);
                    bad_length(e, &at.key("label"), o.get("label"), 1, SELECT_OPTION_TEXT);
                    bad_length(e, &at.key("value"), o.get("value"), 1, SELECT_OPTION_TEXT);
                    if let Some(d) = o.get("description") {
                        max_length(e, &at.key("description"), d, SELECT_OPTION_TEXT);
                    }
                }
            }
        }
        _ => e.add(
            &at.key("type").0,
            "BASE_TYPE_CHOICES",
            "An action row holds buttons or one select menu",
        ),
    }
}

fn allowed_mentions_into(e: &mut FormErrors, at: &Path, am: &Value) {
    if am.is_null() {
        return;
    }
    let parse: Vec<&str> = am
        .get("parse")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (i, p) in parse.iter().enumerate() {
        if !matches!(*p, "roles" | "users" | "everyone") {
            e.add(
                &at.key("parse").key(i).0,
                "BASE_TYPE_CHOICES",
                "Value must be one of ('roles', 'users', 'everyone').",
            );
        }
    }
    for key in ["users", "roles"] {
        if let Some(list) = am.get(key) {
            max_items(e, &at.key(key), list, 100);
            if non_empty_array(Some(list)) && parse.contains(&key) {
                e.add(
                    &at.key(key).0,
                    "MENTION_PARSE_CONFLICT",
                    format!("Cannot both parse {key} and list specific {key}"),
                );
            }
        }
    }
}

/// medfaq's rule (brief, "Discord facts"): every outgoing message and interaction
/// response sets allowed mentions to none: `allowed_mentions` present, `parse` empty, no
/// users or roles listed, `replied_user` not true. `None` when the payload keeps it.
pub fn mention_policy(message: &Value) -> Option<String> {
    let Some(am) = message.get("allowed_mentions").filter(|v| !v.is_null()) else {
        return Some("allowed_mentions missing (must be none)".into());
    };
    if am.get("parse") != Some(&json!([])) {
        return Some(format!(
            "allowed_mentions.parse is {} (must be [])",
            am.get("parse").unwrap_or(&Value::Null)
        ));
    }
    for key in ["users", "roles"] {
        if non_empty_array(am.get(key)) {
            return Some(format!("allowed_mentions.{key} is not empty"));
        }
    }
    if am.get("replied_user") == Some(&json!(true)) {
        return Some("allowed_mentions.replied_user is true".into());
    }
    None
}

/// Interaction callback types (`receiving-and-responding.mdx`, "Interaction Callback
/// Type").
pub mod callback {
    pub const PONG: u64 = 1;
    pub const CHANNEL_MESSAGE: u64 = 4;
    pub const DEFERRED_CHANNEL_MESSAGE: u64 = 5;
    pub const DEFERRED_UPDATE_MESSAGE: u64 = 6;
    pub const UPDATE_MESSAGE: u64 = 7;
    pub const AUTOCOMPLETE_RESULT: u64 = 8;
    pub const MODAL: u64 = 9;
}

/// Checks an interaction callback body (`POST /interactions/{id}/{token}/callback`).
pub fn interaction_callback(body: &Value) -> Result<(), Rejection> {
    let mut e = FormErrors::default();
    let data = body.get("data").cloned().unwrap_or(Value::Null);
    let at = Path::default().key("data");
    match body.get("type").and_then(Value::as_u64) {
        Some(callback::CHANNEL_MESSAGE) => {
            return message(&data, MessageRoute::InteractionCreate).map_err(nest_data)
        }
        Some(callback::UPDATE_MESSAGE) => {
            return message(&data, MessageRoute::InteractionEdit).map_err(nest_data)
        }
        Some(callback::DEFERRED_CHANNEL_MESSAGE) => {
            // Only EPHEMERAL may be set on a deferred response (same file, note under
            // "Messages").
            let f = data.get("flags").and_then(Value::as_u64).unwrap_or(0);
            if f & !flags::EPHEMERAL != 0 {
                e.add(
                    &at.key("flags").0,
                    "MESSAGE_FLAGS_INVALID",
                    "Only EPHEMERAL can be set on a deferred response",
                );
            }
        }
        Some(callback::PONG) | Some(callback::DEFERRED_UPDATE_MESSAGE) => {}
        Some(callback::AUTOCOMPLETE_RESULT) => {
            let choices = data.get("choices").cloned().unwrap_or(Value::Null);
            if !choices.is_array() {
                e.add(
                    &at.key("choices").0,
                    "BASE_TYPE_REQUIRED",
                    "This field is required",
                );
            }
            choices_into(&mut e, &at.key("choices"), &choices);
        }
        Some(callback::MODAL) => {
            bad_length(
                &mut e,
                &at.key("custom_id"),
                data.get("custom_id"),
                1,
                CUSTOM_ID,
            );
            bad_length(&mut e, &at.key("title"), data.get("title"), 1, 45);
        }
        _ => e.add(
            &Path::default().key("type").0,
            "BASE_TYPE_CHOICES",
            "Value must be one of (1, 4, 5, 6, 7, 8, 9, 10, 12).",
        ),
    }
    e.finish()
}

/// Moves a message rejection's `errors` tree under `data`.
fn nest_data(mut r: Rejection) -> Rejection {
    if let Some(errors) = r.body.get_mut("errors") {
        let inner = errors.take();
        *errors = json!({ "data": inner });
    }
    r
}

fn choices_into(e: &mut FormErrors, at: &Path, choices: &Value) {
    max_items(e, at, choices, CHOICES);
    for (i, c) in choices.as_array().into_iter().flatten().enumerate() {
        let at = at.key(i);
        bad_length(e, &at.key("name"), c.get("name"), 1, CHOICE_TEXT);
        match c.get("value") {
            Some(Value::String(s)) if chars(s) > CHOICE_TEXT => {
                max_length(e, &at.key("value"), &c["value"], CHOICE_TEXT)
            }
            Some(Value::String(_)) | Some(Value::Number(_)) => {}
            _ => e.add(
                &at.key("value").0,
                "BASE_TYPE_REQUIRED",
                "This field is required",
            ),
        }
    }
}

/// Application command types.
const CHAT_INPUT: u64 = 1;
/// Option types with nested options.
const SUB_COMMAND: u64 = 1;
const SUB_COMMAND_GROUP: u64 = 2;

/// `^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$`, lowercase where a lowercase form
/// exists (`application-commands.mdx`, "Application Command Naming"). `is_alphanumeric`
/// covers letters, numbers and the combining marks of Devanagari and Thai.
fn valid_slash_name(name: &str) -> bool {
    let n = chars(name);
    (1..=COMMAND_NAME).contains(&n)
        && name
            .chars()
            .all(|c| c == '-' || c == '_' || c == '\'' || c.is_alphanumeric())
        && name.chars().all(|c| !c.is_uppercase())
}

/// Checks a bulk overwrite of application commands (`PUT .../commands`).
pub fn commands(body: &Value) -> Result<(), Rejection> {
    let mut e = FormErrors::default();
    let Some(list) = body.as_array() else {
        e.add(&[], "BASE_TYPE_ARRAY", "Must be an array.");
        return e.finish();
    };
    // `application-commands.mdx`, "Registering a Command": 100 slash commands, 5 user and
    // 5 message commands.
    let mut names: Vec<(u64, String)> = Vec::new();
    for (i, cmd) in list.iter().enumerate() {
        let at = Path::default().key(i);
        let kind = cmd
            .get("type")
            .and_then(Value::as_u64)
            .unwrap_or(CHAT_INPUT);
        let name = cmd.get("name").and_then(Value::as_str).unwrap_or("");
        if kind == CHAT_INPUT {
            if !valid_slash_name(name) {
                e.add(
                    &at.key("name").0,
                    "APPLICATION_COMMAND_INVALID_NAME",
                    format!("Command name {name:?} is invalid"),
                );
            }
            bad_length(
                &mut e,
                &at.key("description"),
                cmd.get("description"),
                1,
                COMMAND_DESCRIPTION,
            );
            let options = cmd.get("options").cloned().unwrap_or(Value::Null);
            options_into(&mut e, &at.key("options"), &options, 0);
        } else {
            bad_length(&mut e, &at.key("name"), cmd.get("name"), 1, COMMAND_NAME);
            if non_empty_str(cmd.get("description")) {
                e.add(
                    &at.key("description").0,
                    "APPLICATION_COMMAND_DESCRIPTION_FORBIDDEN",
                    "User and message commands have an empty description",
                );
            }
            if non_empty_array(cmd.get("options")) {
                e.add(
                    &at.key("options").0,
                    "APPLICATION_COMMAND_OPTIONS_FORBIDDEN",
                    "Only slash commands take options",
                );
            }
        }
        if names.iter().any(|(k, n)| *k == kind && n == name) {
            e.add(
                &at.key("name").0,
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                format!("Application command names must be unique ({name})"),
            );
        }
        names.push((kind, name.to_string()));
        let size = command_size(cmd);
        if size > COMMAND_TOTAL {
            e.add(
                &at.0,
                "APPLICATION_COMMAND_TOO_LARGE",
                format!("Command exceeds maximum size ({COMMAND_TOTAL})"),
            );
        }
    }
    for (kind, max) in [(1u64, 100usize), (2, 5), (3, 5)] {
        if names.iter().filter(|(k, _)| *k == kind).count() > max {
            e.add(
                &[],
                "APPLICATION_COMMANDS_TOO_MANY",
                format!("At most {max} commands of type {kind}"),
            );
        }
    }
    e.finish()
}

/// Characters of names, descriptions and choice names/values of a command and its
/// options (`application-commands.mdx`, "Slash Commands": 8000 combined).
fn command_size(v: &Value) -> usize {
    let own: usize = ["name", "description"]
        .iter()
        .map(|k| v.get(*k).and_then(Value::as_str).map(chars).unwrap_or(0))
        .sum();
    let choices: usize = v
        .get("choices")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| {
            c.get("name")
                .and_then(Value::as_str)
                .map(chars)
                .unwrap_or(0)
                + match c.get("value") {
                    Some(Value::String(s)) => chars(s),
                    Some(other) => other.to_string().len(),
                    None => 0,
                }
        })
        .sum();
    let options: usize = v
        .get("options")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(command_size)
        .sum();
    own + choices + options
}

fn options_into(e: &mut FormErrors, at: &Path, options: &Value, depth: usize) {
    if options.is_null() {
        return;
    }
    max_items(e, at, options, COMMAND_OPTIONS);
    let mut names: Vec<&str> = Vec::new();
    let mut optional_seen = false;
    for (i, o) in options.as_array().into_iter().flatten().enumerate() {
        let at = at.key(i);
        let name = o.get("name").and_then(Value::as_str).unwrap_or("");
        if !valid_slash_name(name) {
            e.add(
                &at.key("name").0,
                "APPLICATION_COMMAND_INVALID_NAME",
                format!("Option name {name:?} is invalid"),
            );
        }
        if names.contains(&name) {
            e.add(
                &at.key("name").0,
                "APPLICATION_COMMAND_OPTION_NAME_NOT_UNIQUE",
                "Option names must be unique",
            );
        }
        names.push(name);
        bad_length(
            e,
            &at.key("description"),
            o.get("description"),
            1,
            COMMAND_DESCRIPTION,
        );
        let kind = o.get("type").and_then(Value::as_u64).unwrap_or(0);
        if !(1..=11).contains(&kind) {
            e.add(
                &at.key("type").0,
                "BASE_TYPE_CHOICES",
                "Value must be one of (1..11).",
            );
        }
        if kind == SUB_COMMAND || kind == SUB_COMMAND_GROUP {
            if depth >= 2 || (depth == 1 && kind == SUB_COMMAND_GROUP) {
                e.add(
                    &at.key("type").0,
                    "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                    "Subcommands nest at most two levels",
                );
            }
            let nested = o.get("options").cloned().unwrap_or(Value::Null);
            options_into(e, &at.key("options"), &nested, depth + 1);
            continue;
        }
        // "Required options must be placed before non-required options".
        let required = o.get("required").and_then(Value::as_bool).unwrap_or(false);
        if required && optional_seen {
            e.add(
                &at.key("required").0,
                "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                "Required options must be placed before non-required options",
            );
        }
        optional_seen |= !required;
        if let Some(choices) = o.get("choices").filter(|c| !c.is_null()) {
            choices_into(e, &at.key("choices"), choices);
            if o.get("autocomplete") == Some(&json!(true)) && non_empty_array(Some(choices)) {
                e.add(
                    &at.key("autocomplete").0,
                    "APPLICATION_COMMAND_AUTOCOMPLETE_AND_CHOICES",
                    "Autocomplete cannot be set with choices",
                );
            }
        }
        for (key, min) in [("min_length", 0u64), ("max_length", 1)] {
            if let Some(n) = o.get(key).filter(|v| !v.is_null()) {
                if n.as_u64().is_none_or(|n| n < min || n > OPTION_LENGTH_MAX) {
                    e.add(
                        &at.key(key).0,
                        "NUMBER_TYPE_MAX",
                        format!("Must be between {min} and {OPTION_LENGTH_MAX}."),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_at(r: &Rejection, pointer: &str) -> bool {
        r.body
            .pointer(&format!("/errors{pointer}/_errors"))
            .is_some_and(|v| v.as_array().is_some_and(|a| !a.is_empty()))
    }

    fn am() -> Value {
        json!({ "parse": [], "replied_user": false })
    }

    #[test]
    fn a_plain_reply_passes() {
        let body = json!({ "content": "hi", "allowed_mentions": am() });
        assert_eq!(message(&body, MessageRoute::Create), Ok(()));
        assert_eq!(mention_policy(&body), None);
    }

    #[test]
    fn content_over_2000_is_refused_at_its_path() {
        let body = json!({ "content": "x".repeat(2001) });
        let r = message(&body, MessageRoute::Create).unwrap_err();
        assert_eq!((r.status, r.body["code"].as_u64()), (400, Some(50035)));
        assert!(errors_at(&r, "/content"), "{}", r.body);
        let ok = json!({ "content": "é".repeat(2000) });
        assert_eq!(
            message(&ok, MessageRoute::Create),
            Ok(()),
            "2000 characters, not bytes"
        );
    }

    #[test]
    fn embed_limits_each_and_in_total() {
        let mut embed = json!({ "title": "t".repeat(257), "description": "d".repeat(4097),
            "footer": { "text": "f".repeat(2049) },
            "fields": (0..26).map(|_| json!({"name": "n", "value": "v"})).collect::<Vec<_>>() });
        embed["fields"][3] = json!({ "name": "n".repeat(257), "value": "v".repeat(1025) });
        let r = message(&json!({ "embeds": [embed] }), MessageRoute::Create).unwrap_err();
        for p in [
            "/embeds/0/title",
            "/embeds/0/description",
            "/embeds/0/footer/text",
            "/embeds/0/fields",
            "/embeds/0/fields/3/name",
            "/embeds/0/fields/3/value",
        ] {
            assert!(errors_at(&r, p), "no error at {p}: {}", r.body);
        }
        // 2 x 3500 fits each embed but not the 6000 across embeds.
        let two = json!({ "embeds": [{ "description": "a".repeat(3500) }, { "description": "b".repeat(3500) }] });
        let r = message(&two, MessageRoute::Create).unwrap_err();
        assert!(errors_at(&r, "/embeds"), "{}", r.body);
        let eleven =
            json!({ "embeds": (0..11).map(|_| json!({"description": "x"})).collect::<Vec<_>>() });
        assert!(errors_at(
            &message(&eleven, MessageRoute::Create).unwrap_err(),
            "/embeds"
        ));
        // Whitespace around is trimmed before counting.
        let padded = json!({ "embeds": [{ "title": format!("  {}  ", "t".repeat(256)) }] });
        assert_eq!(message(&padded, MessageRoute::Create), Ok(()));
    }

    #[test]
    fn components_rows_buttons_and_ids() {
        let button = |id: &str| json!({ "type": 2, "style": 2, "label": "L", "custom_id": id });
        let six: Vec<Value> = (0..6).map(|i| button(&format!("b{i}"))).collect();
        let rows: Vec<Value> = (0..6)
            .map(|r| json!({ "type": 1, "components": [button(&format!("r{r}"))] }))
            .collect();
        let r = message(
            &json!({ "content": "x", "components": rows }),
            MessageRoute::Create,
        )
        .unwrap_err();
        assert!(errors_at(&r, "/components"), "6 rows: {}", r.body);
        let r = message(
            &json!({ "content": "x", "components": [{ "type": 1, "components": six }] }),
            MessageRoute::Create,
        )
        .unwrap_err();
        assert!(
            errors_at(&r, "/components/0/components"),
            "6 buttons: {}",
            r.body
        );
        let dup = json!([{ "type": 1, "components": [button("same"), button("same")] }]);
        let r = message(
            &json!({ "content": "x", "components": dup }),
            MessageRoute::Create,
        )
        .unwrap_err();
        assert!(
            errors_at(&r, "/components/0/components/1/custom_id"),
            "duplicate: {}",
            r.body
        );
        let long = json!([{ "type": 1, "components": [button(&"i".repeat(101)), button("")] }]);
        let r = message(
            &json!({ "content": "x", "components": long }),
            MessageRoute::Create,
        )
        .unwrap_err();
        assert!(
            errors_at(&r, "/components/0/components/0/custom_id"),
            "101: {}",
            r.body
        );
        assert!(
            errors_at(&r, "/components/0/components/1/custom_id"),
            "empty: {}",
            r.body
        );
        let label = json!([{ "type": 1, "components": [{ "type": 2, "style": 1, "custom_id": "a", "label": "l".repeat(81) }] }]);
        let r = message(
            &json!({ "content": "x", "components": label }),
            MessageRoute::Create,
        )
        .unwrap_err();
        assert!(
            errors_at(&r, "/components/0/components/0/label"),
            "{}",
            r.body
        );
        let link_with_id = json!([{ "type": 1, "components": [{ "type": 2, "style": 5, "label": "l", "custom_id": "a" }] }]);
        let r = message(
            &json!({ "content": "x", "components": link_with_id }),
            MessageRoute::Create,
        )
        .unwrap_err();
        assert!(
            errors_at(&r, "/components/0/components/0/url"),
            "{}",
            r.body
        );
        assert!(
            errors_at(&r, "/components/0/components/0/custom_id"),
            "{}",
            r.body
        );
        let fine = json!([{ "type": 1, "components": [button("a"), { "type": 2, "style": 5, "label": "Docs", "url": "https://example.org" }] }]);
        assert_eq!(
            message(
                &json!({ "content": "x", "components": fine }),
                MessageRoute::Create
            ),
            Ok(())
        );
    }

    #[test]
    fn empty_messages_and_flags() {
        let r = message(&json!({ "allowed_mentions": am() }), MessageRoute::Create).unwrap_err();
        assert_eq!(r.body["code"], 50006);
        let r = message(
            &json!({ "content": "x", "flags": 64 }),
            MessageRoute::Create,
        )
        .unwrap_err();
        assert!(
            errors_at(&r, "/flags"),
            "ephemeral is for interactions: {}",
            r.body
        );
        assert_eq!(
            message(
                &json!({ "content": "x", "flags": 64 }),
                MessageRoute::InteractionCreate
            ),
            Ok(())
        );
        let r = interaction_callback(&json!({ "type": 5, "data": { "flags": 4 } })).unwrap_err();
        assert!(errors_at(&r, "/data/flags"), "{}", r.body);
        assert_eq!(
            interaction_callback(&json!({ "type": 5, "data": { "flags": 64 } })),
            Ok(())
        );
        let r =
            interaction_callback(&json!({ "type": 4, "data": { "content": "x".repeat(2001) } }))
                .unwrap_err();
        assert!(errors_at(&r, "/data/content"), "{}", r.body);
    }

    #[test]
    fn autocomplete_choices() {
        let choices: Vec<Value> = (0..26)
            .map(|i| json!({ "name": format!("n{i}"), "value": "v" }))
            .collect();
        let r = interaction_callback(&json!({ "type": 8, "data": { "choices": choices } }))
            .unwrap_err();
        assert!(errors_at(&r, "/data/choices"), "{}", r.body);
        let long = json!({ "type": 8, "data": { "choices": [{ "name": "n".repeat(101), "value": "v".repeat(101) }, { "name": "", "value": "v" }] } });
        let r = interaction_callback(&long).unwrap_err();
        for p in [
            "/data/choices/0/name",
            "/data/choices/0/value",
            "/data/choices/1/name",
        ] {
            assert!(errors_at(&r, p), "no error at {p}: {}", r.body);
        }
    }

    #[test]
    fn command_names_descriptions_and_options() {
        let ok = json!([{ "name": "faq", "description": "Answers", "type": 1, "options": [
            { "type": 1, "name": "ask", "description": "Ask", "options": [
                { "type": 3, "name": "question", "description": "Q", "required": true }] }] },
            { "name": "Find FAQ answer", "description": "", "type": 3 }]);
        assert_eq!(commands(&ok), Ok(()));
        let bad = json!([
            { "name": "FAQ", "description": "x", "type": 1 },
            { "name": "a b", "description": "", "type": 1 },
            { "name": "n".repeat(33), "description": "d".repeat(101), "type": 1 },
            { "name": "faq2", "description": "x", "type": 1, "options": [
                { "type": 3, "name": "opt", "description": "o", "required": false },
                { "type": 3, "name": "req", "description": "r", "required": true, "choices": [{"name": "a", "value": "b"}], "autocomplete": true }] },
        ]);
        let r = commands(&bad).unwrap_err();
        for p in [
            "/0/name",
            "/1/name",
            "/1/description",
            "/2/name",
            "/2/description",
            "/3/options/1/required",
            "/3/options/1/autocomplete",
        ] {
            assert!(errors_at(&r, p), "no error at {p}: {}", r.body);
        }
        let options: Vec<Value> = (0..26)
            .map(|i| json!({ "type": 3, "name": format!("o{i}"), "description": "d" }))
            .collect();
        let r = commands(&json!([{ "name": "many", "description": "x", "options": options }]))
            .unwrap_err();
        assert!(errors_at(&r, "/0/options"), "{}", r.body);
    }

    #[test]
    fn mention_policy_flags_each_way_of_pinging() {
        assert!(mention_policy(&json!({ "content": "x" })).is_some());
        assert!(mention_policy(&json!({ "allowed_mentions": { "parse": ["users"] } })).is_some());
        assert!(
            mention_policy(&json!({ "allowed_mentions": { "parse": [], "users": ["1"] } }))
                .is_some()
        );
        assert!(mention_policy(
            &json!({ "allowed_mentions": { "parse": [], "replied_user": true } })
        )
        .is_some());
        assert!(mention_policy(&json!({ "allowed_mentions": { "parse": [] } })).is_none());
    }

    #[test]
    fn summary_lists_each_leaf() {
        let r = message(
            &json!({ "content": "x".repeat(2001), "embeds": [{ "title": "t".repeat(300) }] }),
            MessageRoute::Create,
        )
        .unwrap_err();
        let s = r.summary();
        assert!(
            s.contains("content: BASE_TYPE_MAX_LENGTH") && s.contains("embeds.0.title"),
            "{s}"
        );
    }
}
