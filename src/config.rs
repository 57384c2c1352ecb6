//! Configuration: raw TOML (`RawConfig`, serde) validated once into [`Config`].
//! Defaults live here, in one place ([`Defaults`]). The Discord token comes only from the
//! `DISCORD_TOKEN` environment variable, wrapped in [`Token`] so it can't be logged.
//!
//! ```
//! use medfaq::config::Config;
//! let config = Config::parse("[discord]\nguild_id = 42\n", "inline").unwrap();
//! assert_eq!(config.discord.guild_id, Some(42));
//! assert!(!config.discord.public_by_default);
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::matcher::MatchOptions;

/// Every default, in one place.
pub struct Defaults;

impl Defaults {
    pub const FAQ_DIR: &'static str = "faq";
    pub const WATCH: bool = true;
    pub const DEBOUNCE_MS: u64 = 750;
    pub const PUBLIC_BY_DEFAULT: bool = false;
    pub const PER_USER_SECS: u64 = 30;
    pub const PER_CHANNEL_SECS: u64 = 5;
    pub const SAME_ENTRY_SECS: u64 = 300;
    pub const ANSWER_DMS: bool = true;
    pub const HTTP_TIMEOUT_SECS: u64 = 15;
    pub const INSIGHTS_ENABLED: bool = true;
    pub const INSIGHTS_DB: &'static str = "medfaq-insights.sqlite3";
    pub const INSIGHTS_KEEP_TEXT: bool = false;
    pub const INSIGHTS_RETENTION_DAYS: u32 = 30;
}

/// Validated configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Matcher thresholds (`[matcher]` table).
    pub matcher: MatchOptions,
    /// `[discord]` table.
    pub discord: DiscordConfig,
    /// `[faq]` table.
    pub faq: FaqConfig,
    /// `[insights]` table.
    pub insights: InsightsConfig,
}

/// The `[discord]` table, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscordConfig {
    /// REST base URL (e.g. a shared rate-limit proxy or a test stand-in), without a
    /// trailing slash. When set, every REST call goes there and serenity's own rate
    /// limiter is off.
    pub api_base: Option<String>,
    /// Register commands in this guild (instant) instead of globally.
    pub guild_id: Option<u64>,
    /// Channels where a message that reads as a question triggers an answer.
    pub question_channels: Vec<u64>,
    /// Roles allowed to run moderator commands (Manage Server always is).
    pub moderator_roles: Vec<u64>,
    /// Channel for reload reports and FAQ errors.
    pub log_channel: Option<u64>,
    /// `/faq` replies are public instead of ephemeral.
    pub public_by_default: bool,
    pub cooldowns: Cooldowns,
    /// Ask for the privileged Message Content intent: `Some(true)` always (the gateway
    /// refuses to start if it is not enabled in the Developer Portal), `Some(false)` never,
    /// `None` (default) when the application's flags say it is enabled.
    pub message_content: Option<bool>,
    /// Answer direct messages (urgent notices are always sent, even when off).
    pub answer_dms: bool,
    /// Servers the bot serves. Empty: the `guild_id` server when set, else every server.
    pub servers: Vec<u64>,
    /// Upper bound of every HTTP call to Discord (connect to last byte of the answer).
    pub http_timeout: Duration,
    /// Which gateway shards this process runs.
    pub shards: Shards,
}

impl DiscordConfig {
    /// Whether the bot serves server `guild` (see [`DiscordConfig::servers`]).
    pub fn serves(&self, guild: u64) -> bool {
        if !self.servers.is_empty() {
            self.servers.contains(&guild)
        } else {
            self.guild_id.is_none_or(|g| g == guild)
        }
    }
}

/// Which gateway shards a process runs (`[discord] shards`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shards {
    /// As many as Discord recommends (`GET /gateway/bot`), all in this process.
    #[default]
    Recommended,
    /// Shards `first..=last` of `total` (other processes run the rest).
    Range { total: u32, first: u32, last: u32 },
}

impl Default for DiscordConfig {
    fn default() -> Self {
        DiscordConfig {
            api_base: None,
            guild_id: None,
            question_channels: Vec::new(),
            moderator_roles: Vec::new(),
            log_channel: None,
            public_by_default: Defaults::PUBLIC_BY_DEFAULT,
            cooldowns: Cooldowns::default(),
            message_content: None,
            answer_dms: Defaults::ANSWER_DMS,
            servers: Vec::new(),
            http_timeout: Duration::from_secs(Defaults::HTTP_TIMEOUT_SECS),
            shards: Shards::Recommended,
        }
    }
}

/// Anti-spam windows for message triggers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cooldowns {
    /// One triggered answer per user per this window.
    pub per_user: Duration,
    /// One triggered answer per channel per this window.
    pub per_channel: Duration,
    /// The same entry is not answered twice in a channel within this window.
    pub same_entry: Duration,
}

impl Default for Cooldowns {
    fn default() -> Self {
        Cooldowns {
            per_user: Duration::from_secs(Defaults::PER_USER_SECS),
            per_channel: Duration::from_secs(Defaults::PER_CHANNEL_SECS),
            same_entry: Duration::from_secs(Defaults::SAME_ENTRY_SECS),
        }
    }
}

/// The `[faq]` table, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct FaqConfig {
    /// FAQ folder. Relative paths are resolved against the config file's folder by
    /// [`Config::load`].
    pub dir: PathBuf,
    /// Reload when files in `dir` change.
    pub watch: bool,
    /// Quiet time after the last change before reloading.
    pub debounce: Duration,
}

impl Default for FaqConfig {
    fn default() -> Self {
        FaqConfig {
            dir: PathBuf::from(Defaults::FAQ_DIR),
            watch: Defaults::WATCH,
            debounce: Duration::from_millis(Defaults::DEBOUNCE_MS),
        }
    }
}

/// The `[insights]` table, validated (see `crate::insights` and SECURITY.md).
#[derive(Debug, Clone, PartialEq)]
pub struct InsightsConfig {
    /// Record events and feedback at all.
    pub enabled: bool,
    /// SQLite file. Relative paths are resolved against the config file's folder.
    pub db: PathBuf,
    /// Store the scrubbed text of questions (never for DMs, emergencies or crises).
    pub keep_text: bool,
    /// Stored question text is deleted after this many days.
    pub retention_days: u32,
    /// Key of the hash that dedupes votes; from `MEDFAQ_INSIGHTS_KEY` only (never the file).
    pub key: Option<crate::insights::Key>,
    /// Wait between attempts to reach an unavailable database (not a file key).
    pub retry: Duration,
}

impl Default for InsightsConfig {
    fn default() -> Self {
        InsightsConfig {
            enabled: Defaults::INSIGHTS_ENABLED,
            db: PathBuf::from(Defaults::INSIGHTS_DB),
            keep_text: Defaults::INSIGHTS_KEEP_TEXT,
            retention_days: Defaults::INSIGHTS_RETENTION_DAYS,
            key: None,
            retry: Duration::from_secs(5),
        }
    }
}

/// The TOML file as written, before validation.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    #[serde(default)]
    pub discord: RawDiscord,
    #[serde(default)]
    pub faq: RawFaq,
    #[serde(default)]
    pub matcher: MatchOptions,
    #[serde(default)]
    pub insights: RawInsights,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInsights {
    pub enabled: Option<bool>,
    pub db: Option<PathBuf>,
    pub keep_text: Option<bool>,
    pub retention_days: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDiscord {
    pub api_base: Option<String>,
    #[serde(default, deserialize_with = "discord_id::option")]
    pub guild_id: Option<u64>,
    #[serde(default, deserialize_with = "discord_id::list")]
    pub question_channels: Vec<u64>,
    #[serde(default, deserialize_with = "discord_id::list")]
    pub moderator_roles: Vec<u64>,
    #[serde(default, deserialize_with = "discord_id::option")]
    pub log_channel: Option<u64>,
    pub public_by_default: Option<bool>,
    #[serde(default)]
    pub cooldowns: RawCooldowns,
    pub message_content: Option<bool>,
    pub answer_dms: Option<bool>,
    #[serde(default)]
    pub servers: Vec<u64>,
    pub http_timeout_secs: Option<u64>,
    pub shards: Option<RawShards>,
}

/// `shards = { total = 4, range = [0, 1] }`: shards 0 and 1 (inclusive) of 4.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawShards {
    pub total: u32,
    pub range: Option<[u32; 2]>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCooldowns {
    pub per_user_secs: Option<u64>,
    pub per_channel_secs: Option<u64>,
    pub same_entry_secs: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFaq {
    pub dir: Option<PathBuf>,
    pub watch: Option<bool>,
    pub debounce_ms: Option<u64>,
}

/// Discord ids as written in a config: a number (`123`) or, as copied from Discord and
/// pasted between quotes, a string of digits (`"123"`, spaces around it ignored).
pub mod discord_id {
    use serde::de::{Error, SeqAccess, Visitor};
    use serde::Deserializer;

    const EXPECTED: &str = "a Discord id: a number like 123456789012345678, with or without \
                            quotes (Developer Mode, then right-click and \"Copy ID\")";

    struct Id;

    impl<'de> Visitor<'de> for Id {
        type Value = u64;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(EXPECTED)
        }
        fn visit_u64<E: Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }
        fn visit_i64<E: Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| E::custom(format!("{v} is not {EXPECTED}")))
        }
        fn visit_str<E: Error>(self, v: &str) -> Result<u64, E> {
            v.trim()
                .parse()
                .map_err(|_| E::custom(format!("{v:?} is not {EXPECTED}")))
        }
    }

    struct Ids;

    impl<'de> Visitor<'de> for Ids {
        type Value = Vec<u64>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a list of Discord ids, like [123456789012345678]")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u64>, A::Error> {
            let mut ids = Vec::new();
            while let Some(id) = seq.next_element_seed(Seed)? {
                ids.push(id);
            }
            Ok(ids)
        }
    }

    struct Seed;

    impl<'de> serde::de::DeserializeSeed<'de> for Seed {
        type Value = u64;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<u64, D::Error> {
            d.deserialize_any(Id)
        }
    }

    /// `key = 123` or `key = "123"`.
    pub fn option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        d.deserialize_any(Id).map(Some)
    }

    /// `key = [123, "456"]`.
    pub fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
        d.deserialize_seq(Ids)
    }
}

/// Why a config did not load.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {error}")]
    Read {
        path: String,
        /// Shown in the message, not chained as a source, so it is said once.
        error: std::io::Error,
    },
    #[error("{origin}: {message}")]
    Syntax { origin: String, message: String },
    #[error("{origin} has {} problem(s):\n{}", .problems.len(), .problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        origin: String,
        problems: Vec<String>,
    },
    #[error(
        "DISCORD_TOKEN is not set (or empty); the bot token is read only from the environment"
    )]
    MissingToken,
}

impl Config {
    /// Reads and validates the config file at `path`. A relative `[faq] dir` is resolved
    /// against the file's folder.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.display().to_string(),
            error,
        })?;
        let mut config = Config::parse(&text, &path.display().to_string())?;
        if config.faq.dir.is_relative() {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                config.faq.dir = parent.join(&config.faq.dir);
            }
        }
        if config.insights.db.is_relative() {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                config.insights.db = parent.join(&config.insights.db);
            }
        }
        Ok(config)
    }

    /// Parses and validates config text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        raw.validate(origin)
    }
}

impl RawConfig {
    /// Checks every value and applies the defaults; reports every problem at once.
    pub fn validate(self, origin: &str) -> Result<Config, ConfigError> {
        let mut problems = Vec::new();
        let d = self.discord;
        let api_base = match d.api_base {
            None => None,
            Some(url) => {
                let url = url.trim().trim_end_matches('/').to_string();
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    problems.push(format!(
                        "[discord] api_base must start with http:// or https:// (got {url:?})"
                    ));
                } else if url.starts_with("http://") && !is_loopback_url(&url) {
                    problems.push(format!(
                        "[discord] api_base: plain http:// is allowed only to this machine \
                         (127.0.0.1, [::1] or localhost), since the bot token travels with \
                         every call; use https:// for {url:?}"
                    ));
                }
                Some(url)
            }
        };
        let snowflake = |what: &str, id: u64, problems: &mut Vec<String>| {
            if id == 0 {
                problems.push(format!("[discord] {what}: 0 is not a Discord id"));
            }
        };
        if let Some(g) = d.guild_id {
            snowflake("guild_id", g, &mut problems);
        }
        if let Some(c) = d.log_channel {
            snowflake("log_channel", c, &mut problems);
        }
        for &c in &d.question_channels {
            snowflake("question_channels", c, &mut problems);
        }
        for &r in &d.moderator_roles {
            snowflake("moderator_roles", r, &mut problems);
        }
        for &g in &d.servers {
            snowflake("servers", g, &mut problems);
        }
        if let Some(g) = d.guild_id {
            if !d.servers.is_empty() && !d.servers.contains(&g) {
                problems.push(format!(
                    "[discord] guild_id {g} is not in servers: the commands would be registered in a server the bot does not serve"
                ));
            }
        }
        let http_timeout_secs = d.http_timeout_secs.unwrap_or(Defaults::HTTP_TIMEOUT_SECS);
        if !(1..=300).contains(&http_timeout_secs) {
            problems.push(format!(
                "[discord] http_timeout_secs must be between 1 and 300 (got {http_timeout_secs})"
            ));
        }
        let shards = match &d.shards {
            None => Shards::Recommended,
            Some(s) => {
                let [first, last] = s.range.unwrap_or([0, s.total.saturating_sub(1)]);
                if s.total == 0 || first > last || last >= s.total {
                    problems.push(format!(
                        "[discord] shards: range = [first, last] must satisfy first <= last < total \
                         (shard ids count from 0; got total = {}, range = [{first}, {last}])",
                        s.total
                    ));
                }
                Shards::Range {
                    total: s.total,
                    first,
                    last,
                }
            }
        };
        let secs = |v: Option<u64>, default: u64| Duration::from_secs(v.unwrap_or(default));
        let cooldowns = Cooldowns {
            per_user: secs(d.cooldowns.per_user_secs, Defaults::PER_USER_SECS),
            per_channel: secs(d.cooldowns.per_channel_secs, Defaults::PER_CHANNEL_SECS),
            same_entry: secs(d.cooldowns.same_entry_secs, Defaults::SAME_ENTRY_SECS),
        };
        let debounce_ms = self.faq.debounce_ms.unwrap_or(Defaults::DEBOUNCE_MS);
        if !(10..=60_000).contains(&debounce_ms) {
            problems.push(format!(
                "[faq] debounce_ms must be between 10 and 60000 (got {debounce_ms})"
            ));
        }
        let dir = self
            .faq
            .dir
            .unwrap_or_else(|| PathBuf::from(Defaults::FAQ_DIR));
        if dir.as_os_str().is_empty() {
            problems.push("[faq] dir must not be empty".to_string());
        }
        let m = &self.matcher;
        for (name, v) in [
            ("answer_threshold", m.answer_threshold),
            ("answer_margin", m.answer_margin),
            ("low_answer_threshold", m.low_answer_threshold),
            ("wide_margin", m.wide_margin),
            ("suggest_threshold", m.suggest_threshold),
        ] {
            if !(0.0..=1.0).contains(&v) {
                let hint = if (1.0..=100.0).contains(&v) {
                    format!(" (scores are fractions: for {v}% write {})", v / 100.0)
                } else {
                    String::new()
                };
                problems.push(format!(
                    "[matcher] {name} must be within 0.0..=1.0 (got {v}){hint}"
                ));
            }
        }
        if m.low_answer_threshold > m.answer_threshold {
            problems.push(format!(
                "[matcher] low_answer_threshold ({}) must not be above answer_threshold ({})",
                m.low_answer_threshold, m.answer_threshold
            ));
        }
        if m.max_suggestions > 5 {
            problems.push(format!(
                "[matcher] max_suggestions must be at most 5 (one row of Discord buttons; got {})",
                m.max_suggestions
            ));
        }
        if m.max_query_chars == 0 {
            problems.push("[matcher] max_query_chars must be at least 1".to_string());
        }
        let i = self.insights;
        let db = i.db.unwrap_or_else(|| PathBuf::from(Defaults::INSIGHTS_DB));
        if db.as_os_str().is_empty() {
            problems.push("[insights] db must not be empty".to_string());
        }
        let retention_days = i
            .retention_days
            .unwrap_or(Defaults::INSIGHTS_RETENTION_DAYS);
        if !(1..=3650).contains(&retention_days) {
            problems.push(format!(
                "[insights] retention_days must be between 1 and 3650 (got {retention_days})"
            ));
        }
        if !problems.is_empty() {
            return Err(ConfigError::Invalid {
                origin: origin.to_string(),
                problems,
            });
        }
        Ok(Config {
            matcher: self.matcher,
            discord: DiscordConfig {
                api_base,
                guild_id: d.guild_id,
                question_channels: d.question_channels,
                moderator_roles: d.moderator_roles,
                log_channel: d.log_channel,
                public_by_default: d.public_by_default.unwrap_or(Defaults::PUBLIC_BY_DEFAULT),
                cooldowns,
                message_content: d.message_content,
                answer_dms: d.answer_dms.unwrap_or(Defaults::ANSWER_DMS),
                servers: d.servers,
                http_timeout: Duration::from_secs(http_timeout_secs),
                shards,
            },
            faq: FaqConfig {
                dir,
                watch: self.faq.watch.unwrap_or(Defaults::WATCH),
                debounce: Duration::from_millis(debounce_ms),
            },
            insights: InsightsConfig {
                enabled: i.enabled.unwrap_or(Defaults::INSIGHTS_ENABLED),
                db,
                keep_text: i.keep_text.unwrap_or(Defaults::INSIGHTS_KEEP_TEXT),
                retention_days,
                key: None,
                retry: InsightsConfig::default().retry,
            },
        })
    }
}

/// Whether `url` (`http://host[:port][/...]`) names this machine: an IPv4 loopback
/// address, `[::1]` or `localhost`.
fn is_loopback_url(url: &str) -> bool {
    let rest = url.trim_start_matches("http://");
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return false;
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The bot token. Its `Debug` and `Display` print `***`, so it can't leak into logs.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// Wraps a token (tests; production uses [`Token::from_env`]).
    pub fn new(token: impl Into<String>) -> Token {
        Token(token.into())
    }

    /// Reads `DISCORD_TOKEN`.
    pub fn from_env() -> Result<Token, ConfigError> {
        match std::env::var("DISCORD_TOKEN") {
            Ok(t) if !t.trim().is_empty() => Ok(Token(t.trim().to_string())),
            _ => Err(ConfigError::MissingToken),
        }
    }

    /// The secret itself; only for handing to the HTTP client.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::fmt::Display for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_a_range_of_a_fixed_total() {
        let c = Config::parse("[discord]\nshards = { total = 4, range = [2, 3] }\n", "t").unwrap();
        assert_eq!(
            c.discord.shards,
            Shards::Range {
                total: 4,
                first: 2,
                last: 3
            }
        );
        let all = Config::parse("[discord]\nshards = { total = 2 }\n", "t").unwrap();
        assert_eq!(
            all.discord.shards,
            Shards::Range {
                total: 2,
                first: 0,
                last: 1
            }
        );
        assert_eq!(Config::default().discord.shards, Shards::Recommended);
        for bad in [
            "{ total = 0 }",
            "{ total = 4, range = [3, 2] }",
            "{ total = 4, range = [0, 4] }",
        ] {
            let e = Config::parse(&format!("[discord]\nshards = {bad}\n"), "t").unwrap_err();
            assert!(e.to_string().contains("shards"), "{bad}: {e}");
        }
    }

    #[test]
    fn empty_text_gives_the_defaults() {
        let c = Config::parse("", "t").unwrap();
        assert_eq!(c.discord, DiscordConfig::default());
        assert_eq!(c.faq, FaqConfig::default());
        assert_eq!(c.matcher, MatchOptions::default());
        assert_eq!(c.insights, InsightsConfig::default());
    }

    #[test]
    fn insights_keys_are_read_and_checked() {
        let c = Config::parse(
            "[insights]\nenabled = false\ndb = \"x.db\"\nkeep_text = true\nretention_days = 7\n",
            "t",
        )
        .unwrap();
        assert!(!c.insights.enabled && c.insights.keep_text);
        assert_eq!(c.insights.db, PathBuf::from("x.db"));
        assert_eq!(c.insights.retention_days, 7);
        let e = Config::parse("[insights]\nretention_days = 0\n", "t").unwrap_err();
        assert!(e.to_string().contains("retention_days"), "{e}");
        let e = Config::parse("[insights]\nkey = \"secret\"\n", "t").unwrap_err();
        assert!(
            e.to_string().contains("key"),
            "the key is never read from the file: {e}"
        );
    }

    #[test]
    fn every_key_is_read() {
        let c = Config::parse(
            r#"
            [discord]
            api_base = "http://127.0.0.1:9/"
            guild_id = 1
            question_channels = [2, 3]
            moderator_roles = [4]
            log_channel = 5
            public_by_default = true
            message_content = false
            answer_dms = false
            servers = [1, 9]
            http_timeout_secs = 4
            [discord.cooldowns]
            per_user_secs = 6
            per_channel_secs = 7
            same_entry_secs = 8
            [faq]
            dir = "x"
            watch = false
            debounce_ms = 100
            [matcher]
            answer_threshold = 0.6
            "#,
            "t",
        )
        .unwrap();
        assert_eq!(c.discord.api_base.as_deref(), Some("http://127.0.0.1:9"));
        assert_eq!(c.discord.question_channels, vec![2, 3]);
        assert_eq!(c.discord.moderator_roles, vec![4]);
        assert_eq!(c.discord.log_channel, Some(5));
        assert!(c.discord.public_by_default);
        assert_eq!(c.discord.message_content, Some(false));
        assert!(!c.discord.answer_dms);
        assert_eq!(c.discord.servers, vec![1, 9]);
        assert_eq!(c.discord.http_timeout, Duration::from_secs(4));
        assert_eq!(c.discord.cooldowns.per_user, Duration::from_secs(6));
        assert_eq!(c.discord.cooldowns.per_channel, Duration::from_secs(7));
        assert_eq!(c.discord.cooldowns.same_entry, Duration::from_secs(8));
        assert_eq!(c.faq.dir, PathBuf::from("x"));
        assert!(!c.faq.watch);
        assert_eq!(c.faq.debounce, Duration::from_millis(100));
        assert_eq!(c.matcher.answer_threshold, 0.6);
    }

    #[test]
    fn unknown_keys_are_errors() {
        let e = Config::parse("[discord]\nguild = 1\n", "cfg.toml").unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("cfg.toml") && text.contains("guild"),
            "{text}"
        );
    }

    #[test]
    fn every_bad_value_is_reported() {
        let e = Config::parse(
            "[discord]\napi_base = \"ftp://x\"\nguild_id = 0\n[faq]\ndebounce_ms = 1\n",
            "cfg.toml",
        )
        .unwrap_err();
        match e {
            ConfigError::Invalid { problems, .. } => assert_eq!(problems.len(), 3, "{problems:?}"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn plain_http_api_base_only_on_loopback() {
        for ok in [
            "http://127.0.0.1:3000",
            "http://127.9.9.9",
            "http://[::1]:80/",
            "http://localhost:3000",
            "https://proxy.example",
        ] {
            let text = format!("[discord]\napi_base = \"{ok}\"\n");
            assert!(Config::parse(&text, "t").is_ok(), "{ok} refused");
        }
        for bad in [
            "http://10.0.0.1:3000",
            "http://proxy.example",
            "http://127.0.0.1.evil.example",
            "http://localhost@evil.example",
            "http://0.0.0.0:3000",
        ] {
            let text = format!("[discord]\napi_base = \"{bad}\"\n");
            let e = Config::parse(&text, "t").unwrap_err().to_string();
            assert!(e.contains("only to this machine"), "{bad}: {e}");
        }
    }

    #[test]
    fn servers_default_to_the_guild_and_must_hold_it() {
        let c = Config::parse("[discord]\nguild_id = 5\n", "t").unwrap();
        assert!(c.discord.serves(5) && !c.discord.serves(6));
        let c = Config::parse("", "t").unwrap();
        assert!(c.discord.serves(6), "no list, no guild: every server");
        let e = Config::parse("[discord]\nguild_id = 5\nservers = [6]\n", "t").unwrap_err();
        assert!(e.to_string().contains("not in servers"), "{e}");
    }

    #[test]
    fn token_never_prints() {
        let t = Token::new("secret-canary");
        assert_eq!(format!("{t:?} {t}"), "*** ***");
    }

    #[test]
    fn the_example_config_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
        let c = Config::load(&path).unwrap();
        assert!(c.faq.dir.ends_with("faq"));
    }

    #[test]
    fn ids_pasted_in_quotes_are_accepted() {
        let c = Config::parse(
            "[discord]\nguild_id = \" 123456789012345678 \"\nquestion_channels = [\"2\", 3]\nmoderator_roles = [\"4\"]\nlog_channel = \"5\"\n",
            "t",
        )
        .unwrap();
        assert_eq!(c.discord.guild_id, Some(123_456_789_012_345_678));
        assert_eq!(c.discord.question_channels, vec![2, 3]);
        assert_eq!(c.discord.moderator_roles, vec![4]);
        assert_eq!(c.discord.log_channel, Some(5));
        let e = Config::parse("[discord]\nguild_id = \"#general\"\n", "cfg.toml").unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("cfg.toml") && text.contains("\"#general\" is not a Discord id"),
            "{text}"
        );
    }

    #[test]
    fn percentages_for_scores_are_refused_with_a_hint() {
        let e = Config::parse(
            "[matcher]\nanswer_threshold = 70.0\nwide_margin = 2.0\n",
            "cfg.toml",
        )
        .unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("answer_threshold must be within 0.0..=1.0 (got 70)"),
            "{text}"
        );
        assert!(text.contains("write 0.7"), "{text}");
        assert!(text.contains("wide_margin must be within"), "{text}");
        let e = Config::parse("[matcher]\nlow_answer_threshold = 0.9\n", "t").unwrap_err();
        assert!(
            e.to_string()
                .contains("low_answer_threshold (0.9) must not be above"),
            "{e}"
        );
    }

    #[test]
    fn a_missing_file_is_said_once() {
        let e = Config::load(Path::new("/nonexistent/medfaq.toml")).unwrap_err();
        let text = format!("{:#}", anyhow::Error::from(e));
        assert_eq!(text.matches("No such file").count(), 1, "{text}");
    }

    /// The example documents every `[matcher]` key with its default value: uncommented,
    /// its lines parse to exactly the defaults.
    #[test]
    fn the_example_documents_every_matcher_key_with_its_default() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let matcher = &text[text.find("[matcher]").expect("a [matcher] table")..];
        let uncommented: String = matcher
            .lines()
            .map(|l| {
                let setting = l.strip_prefix("# ").filter(|rest| {
                    rest.split_once(" = ").is_some_and(|(key, _)| {
                        key.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    })
                });
                match setting {
                    Some(rest) => rest,
                    None if l.starts_with('#') => "",
                    None => l,
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let c = Config::parse(&uncommented, "example [matcher]").unwrap();
        assert_eq!(c.matcher, MatchOptions::default(), "{uncommented}");
        let keys = serde_json::to_value(MatchOptions::default()).unwrap();
        for key in keys.as_object().unwrap().keys() {
            assert!(
                uncommented.contains(&format!("\n{key} = ")),
                "config.example.toml does not document [matcher] {key}"
            );
        }
    }
}
