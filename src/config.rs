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
    pub guild_id: Option<u64>,
    #[serde(default)]
    pub question_channels: Vec<u64>,
    #[serde(default)]
    pub moderator_roles: Vec<u64>,
    pub log_channel: Option<u64>,
    pub public_by_default: Option<bool>,
    #[serde(default)]
    pub cooldowns: RawCooldowns,
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

/// Why a config did not load.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
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
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
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
            ("suggest_threshold", m.suggest_threshold),
        ] {
            if !(0.0..=1.0).contains(&v) {
                problems.push(format!(
                    "[matcher] {name} must be within 0.0..=1.0 (got {v})"
                ));
            }
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
}
