//! Which chat messages are for the bot, and as what: a direct message, an explicit
//! mention (of the bot user or its managed role; a reply to the bot is not one), a
//! question channel or a thread / forum post under one, or a server the bot does not
//! serve. Thread parents come from serenity's cache, else from one `GET /channels/{id}`
//! per channel, remembered.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use poise::serenity_prelude as serenity;

use super::{trigger, Bot};

/// Thread parents remembered at most (then forgotten all at once, and fetched again).
const MAX_REMEMBERED: usize = 10_000;

/// Scope bookkeeping kept by the bot.
#[derive(Default)]
pub(crate) struct ScopeState {
    /// Channel id -> its parent when it is a thread (`None`: not a thread, or unknown to
    /// Discord), for channels the cache did not know.
    parents: Mutex<HashMap<u64, Option<u64>>>,
    /// Servers not served that were told so (once each).
    told: Mutex<HashSet<u64>>,
}

impl ScopeState {
    /// Whether server `guild` still has to be told it is not served (true once).
    pub(crate) fn first_time_unserved(&self, guild: u64) -> bool {
        self.told
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(guild)
    }
}

/// What a chat message is to the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Not for the bot.
    Ignore,
    /// A direct message to the bot.
    Direct,
    /// In a served server: mentioned explicitly, and/or in a question channel (or a
    /// thread or forum post under one).
    Server { mentioned: bool },
    /// An explicit mention in a server the bot does not serve.
    Unserved { guild: u64 },
}

/// Text says so in a server that is not in `[discord] servers`.
pub(crate) const UNSERVED: &str = "I'm not set up to answer in this server. A server \
admin can ask the bot's operator to add it.";

/// Whether `text` mentions the bot explicitly: its user (`<@id>`, `<@!id>`) or one of its
/// managed roles (`<@&role>`). Discord also lists the author of a replied-to message in
/// `mentions` (reply ping), so that list is not used.
pub(crate) fn mentions_bot(text: &str, me: u64, roles: &[u64]) -> bool {
    trigger::mentions(text, me) || roles.iter().any(|&r| trigger::mentions_role(text, r))
}

/// The bot's managed roles in `guild`, from the cache (GUILD_CREATE).
pub(crate) fn bot_roles(ctx: &serenity::Context, guild: serenity::GuildId, me: u64) -> Vec<u64> {
    ctx.cache
        .guild(guild)
        .map(|g| {
            g.roles
                .values()
                .filter(|r| r.tags.bot_id.is_some_and(|b| b.get() == me))
                .map(|r| r.id.get())
                .collect()
        })
        .unwrap_or_default()
}

/// Decides what `msg` is to the bot (may fetch the channel once to learn a thread's
/// parent).
pub(crate) async fn classify(ctx: &serenity::Context, bot: &Bot, msg: &serenity::Message) -> Scope {
    let Some(me) = bot.bot_id() else {
        return Scope::Ignore;
    };
    if msg.author.bot || msg.webhook_id.is_some() || msg.author.id.get() == me {
        return Scope::Ignore;
    }
    let d = &bot.config.discord;
    let Some(guild) = msg.guild_id else {
        return Scope::Direct;
    };
    let mentioned = mentions_bot(&msg.content, me, &bot_roles(ctx, guild, me));
    if !d.serves(guild.get()) {
        return if mentioned {
            Scope::Unserved { guild: guild.get() }
        } else {
            Scope::Ignore
        };
    }
    if mentioned {
        return Scope::Server { mentioned };
    }
    if d.question_channels.is_empty() {
        return Scope::Ignore;
    }
    let channel = msg.channel_id.get();
    if d.question_channels.contains(&channel) {
        return Scope::Server { mentioned: false };
    }
    match parent_of(ctx, bot, guild, msg.channel_id).await {
        Some(parent) if d.question_channels.contains(&parent) => Scope::Server { mentioned: false },
        _ => Scope::Ignore,
    }
}

/// The parent channel of `channel` when it is a thread (a forum post is a thread of the
/// forum channel): from the cache, else remembered, else fetched once.
async fn parent_of(
    ctx: &serenity::Context,
    bot: &Bot,
    guild: serenity::GuildId,
    channel: serenity::ChannelId,
) -> Option<u64> {
    if let Some(g) = ctx.cache.guild(guild) {
        if let Some(t) = g.threads.iter().find(|t| t.id == channel) {
            return t.parent_id.map(|p| p.get());
        }
        if g.channels.contains_key(&channel) {
            return None;
        }
    }
    let remembered = {
        let parents = bot.scope.parents.lock().unwrap_or_else(|p| p.into_inner());
        parents.get(&channel.get()).copied()
    };
    if let Some(parent) = remembered {
        return parent;
    }
    let parent = match ctx.http.get_channel(channel).await {
        Ok(serenity::Channel::Guild(c)) if is_thread(c.kind) => c.parent_id.map(|p| p.get()),
        Ok(_) => None,
        Err(e) if super::discord_code(&e).is_some() => {
            // Discord answered (e.g. 10003 unknown channel, 50001 no access): remember.
            tracing::debug!(channel = %channel, error = %e, "channel lookup refused");
            None
        }
        Err(e) => {
            // Timeout or network: not remembered, tried again on the next message.
            tracing::warn!(channel = %channel, error = %e, "channel lookup failed");
            return None;
        }
    };
    let mut parents = bot.scope.parents.lock().unwrap_or_else(|p| p.into_inner());
    if parents.len() >= MAX_REMEMBERED {
        parents.clear();
    }
    parents.insert(channel.get(), parent);
    parent
}

fn is_thread(kind: serenity::ChannelType) -> bool {
    matches!(
        kind,
        serenity::ChannelType::PublicThread
            | serenity::ChannelType::PrivateThread
            | serenity::ChannelType::NewsThread
    )
}
