//! Configuration: raw TOML (`RawConfig`, serde) validated once into [`Config`].
//! Defaults live here, in one place. The Discord token comes only from `DISCORD_TOKEN`.

use crate::matcher::MatchOptions;

/// Validated configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Matcher thresholds (`[matcher]` table).
    pub matcher: MatchOptions,
    // `[discord]`, `[faq]`, cooldowns...: filled in by the discord helper
}
