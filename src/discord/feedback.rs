//! Insights in Discord: recording questions, the 👍 / 👎 buttons under answers, the
//! asker's "Not what I asked" button that removes an auto-answer, and `/faqmod insights`
//! for moderators.
//!
//! Buttons carry their state in the `custom_id` (`medfaq:fb:<kind>:<event key>:...`,
//! at most 100 characters) and the database, so they keep working after a restart. A
//! vote is stored under a keyed hash of (member, event): one vote per member per answer,
//! a new one replaces it. Nothing here waits for the database: recording only queues.

use std::sync::Arc;

use poise::serenity_prelude as serenity;

use super::render::{self, limits};
use super::{respond, trigger, Bot, Context, Error};
use crate::insights::report::Report;
use crate::insights::{Asked, FeedbackKind, FeedbackRow, Store, Via};
use crate::reply::{Body, Reply};

const PREFIX: &str = "medfaq:fb:";

/// A press on one of the feedback buttons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Press {
    Vote {
        key: String,
        up: bool,
        /// The answered entry, when it fit in the `custom_id`.
        entry: Option<String>,
    },
    /// "Not what I asked": only the member whose hashed id gives `tag` may use it.
    Remove { key: String, tag: String },
}

impl Press {
    pub(crate) fn custom_id(&self) -> String {
        match self {
            Press::Vote { key, up, entry } => {
                let kind = if *up { "u" } else { "d" };
                let with_entry = format!("{PREFIX}{kind}:{key}:{}", entry.as_deref().unwrap_or(""));
                if with_entry.chars().count() <= limits::CUSTOM_ID {
                    with_entry
                } else {
                    format!("{PREFIX}{kind}:{key}:")
                }
            }
            Press::Remove { key, tag } => format!("{PREFIX}x:{key}:{tag}"),
        }
    }

    pub(crate) fn parse(custom_id: &str) -> Option<Press> {
        let rest = custom_id.strip_prefix(PREFIX)?;
        let mut parts = rest.splitn(3, ':');
        let (kind, key, last) = (parts.next()?, parts.next()?, parts.next()?);
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        let key = key.to_string();
        match kind {
            "u" | "d" => Some(Press::Vote {
                key,
                up: kind == "u",
                entry: (!last.is_empty()).then(|| last.to_string()),
            }),
            "x" if !last.is_empty() => Some(Press::Remove {
                key,
                tag: last.to_string(),
            }),
            _ => None,
        }
    }
}

/// Queues a chat message for the record; returns its event key. `mentioned`: the bot was
/// addressed; a message in a question channel that does not read as a question is kept
/// only if it gets an urgent notice.
pub(crate) fn record_chat(
    bot: &Bot,
    msg: &serenity::Message,
    text: &str,
    mentioned: bool,
) -> String {
    let key = crate::insights::new_event_key();
    if !bot.insights.enabled() {
        return key;
    }
    let via = if msg.guild_id.is_none() {
        Via::Dm
    } else if mentioned {
        Via::Mention
    } else {
        Via::Question
    };
    bot.insights.asked(Asked {
        key: key.clone(),
        at: crate::insights::now(),
        guild: msg.guild_id.map(|g| g.get()),
        via,
        text: text.to_string(),
        knowledge: bot.knowledge(),
        only_if_urgent: via == Via::Question && !trigger::reads_as_question(text),
    });
    key
}

/// Queues a slash or message-command question; returns its event key. A command used in
/// a DM counts as a DM.
pub(crate) fn record_command(bot: &Bot, guild: Option<serenity::GuildId>, text: &str) -> String {
    let key = crate::insights::new_event_key();
    if bot.insights.enabled() {
        bot.insights.asked(Asked {
            key: key.clone(),
            at: crate::insights::now(),
            guild: guild.map(|g| g.get()),
            via: if guild.is_some() { Via::Slash } else { Via::Dm },
            text: text.to_string(),
            knowledge: bot.knowledge(),
            only_if_urgent: false,
        });
    }
    key
}

/// The feedback row under an answer: 👍, 👎, and "Not what I asked" when `asker` may
/// remove the reply (chat auto-answers). `None` for other replies or with insights off.
pub(crate) fn buttons(
    bot: &Bot,
    key: &str,
    reply: &Reply,
    asker: Option<u64>,
) -> Option<serenity::CreateActionRow> {
    let Body::Answer { id, .. } = reply.body() else {
        return None;
    };
    if !bot.insights.enabled() {
        return None;
    }
    let vote = |up| Press::Vote {
        key: key.to_string(),
        up,
        entry: Some(id.clone()),
    };
    let mut row = vec![
        serenity::CreateButton::new(vote(true).custom_id())
            .emoji('👍')
            .style(serenity::ButtonStyle::Secondary),
        serenity::CreateButton::new(vote(false).custom_id())
            .emoji('👎')
            .style(serenity::ButtonStyle::Secondary),
    ];
    if let Some(asker) = asker {
        let remove = Press::Remove {
            key: key.to_string(),
            tag: bot.insights.asker_tag(asker, key),
        };
        row.push(
            serenity::CreateButton::new(remove.custom_id())
                .label("Not what I asked")
                .style(serenity::ButtonStyle::Secondary),
        );
    }
    Some(serenity::CreateActionRow::Buttons(row))
}

/// Handles a feedback button: records the vote or removes the reply, and answers the
/// member privately.
pub(crate) async fn on_press(
    ctx: &serenity::Context,
    bot: &Bot,
    press: &serenity::ComponentInteraction,
    action: Press,
) -> Result<(), Error> {
    let member = press.user.id.get();
    let private = |text: &str| {
        serenity::CreateInteractionResponse::Message(
            respond::interaction_message().content(text).ephemeral(true),
        )
    };
    let response = match action {
        Press::Vote { key, up, entry } => {
            bot.insights.feedback(FeedbackRow {
                voter: bot.insights.voter(member, &key, "vote"),
                event_key: key,
                entry,
                kind: if up {
                    FeedbackKind::Up
                } else {
                    FeedbackKind::Down
                },
                at: crate::insights::now(),
            });
            private(if up {
                "Thanks, glad it helped. (Pressing 👎 instead changes your vote.)"
            } else {
                "Thanks for telling us: the moderators will see that this answer missed. (Pressing 👍 instead changes your vote.)"
            })
        }
        Press::Remove { key, tag } => {
            if bot.insights.asker_tag(member, &key) != tag {
                private("Only the member who asked can remove this answer.")
            } else {
                press
                    .channel_id
                    .delete_message(&ctx.http, press.message.id)
                    .await?;
                bot.insights.feedback(FeedbackRow {
                    voter: bot.insights.voter(member, &key, "removed"),
                    event_key: key,
                    entry: None,
                    kind: FeedbackKind::Removed,
                    at: crate::insights::now(),
                });
                tracing::info!(message = %press.message.id, "answer removed by the asker");
                private("Removed. Sorry it wasn't what you asked; the moderators will see it.")
            }
        }
    };
    press.create_response(&ctx.http, response).await?;
    Ok(())
}

/// Unanswered groups and 👎 entries shown by `/faqmod insights` at most.
const SHOWN: usize = 5;

/// The `/faqmod insights` text: the top unanswered groups and 👎 entries of the last 7
/// days, member text escaped.
pub(crate) fn summary(report: &Report) -> String {
    use std::fmt::Write as _;
    let t = &report.totals;
    let mut out = format!(
        "**Insights, last 7 days**: {} questions: {} answered, {} suggested, {} unanswered; {} urgent notices.\n",
        t.questions,
        t.answer,
        t.suggest,
        t.none,
        t.emergency + t.crisis
    );
    if let Some(s) = &report.recording {
        if s.dropped > 0 || s.degraded {
            let _ = writeln!(
                out,
                "⚠ {} records dropped{}.",
                s.dropped,
                if s.degraded {
                    "; the database is unavailable now"
                } else {
                    ""
                }
            );
        }
    }
    out.push_str("\n**Unanswered, grouped**\n");
    if report.unanswered.is_empty() {
        let _ = writeln!(
            out,
            "None with stored text ({} unanswered without text; `keep_text` may be off).",
            report.unanswered_without_text
        );
    }
    for g in report.unanswered.iter().take(SHOWN) {
        let example = g.examples.first().map(String::as_str).unwrap_or("");
        let near = g
            .nearest
            .as_ref()
            .map(|n| format!(" (nearest `{}`)", n.id))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "• {}× {}{near}: “{}”",
            g.count,
            render::escape_markdown(&g.label),
            render::escape_markdown(&render::truncate(example, 150))
        );
    }
    out.push_str("\n**Most 👎**\n");
    let downs: Vec<_> = report
        .entries
        .iter()
        .filter(|e| e.down + e.removed > 0)
        .take(SHOWN)
        .collect();
    if downs.is_empty() {
        out.push_str("None.\n");
    }
    for e in downs {
        let _ = writeln!(
            out,
            "• `{}`: 👎 {}, removed by the asker {}, 👍 {}",
            e.entry, e.down, e.removed, e.up
        );
    }
    out.push_str("\nFull report: `medfaq insights --html report.html` on the bot's machine.");
    out
}

/// What members asked that the FAQ could not answer, and the answers they disliked
/// (moderators only).
#[poise::command(slash_command)]
pub(crate) async fn insights(ctx: Context<'_>) -> Result<(), Error> {
    let _busy = ctx.data().busy();
    let allowed = match &ctx {
        poise::Context::Application(app) => app.interaction.member.as_deref().is_some_and(|m| {
            super::is_moderator(
                m.permissions,
                &m.roles,
                &ctx.data().config.discord.moderator_roles,
            )
        }),
        poise::Context::Prefix(_) => false,
    };
    if !allowed {
        ctx.send(
            respond::reply()
                .content("Only moderators (Manage Server, or a moderator role) can see insights.")
                .ephemeral(true),
        )
        .await?;
        return Ok(());
    }
    ctx.defer_ephemeral().await?;
    let bot: Arc<Bot> = ctx.data().clone();
    let text = tokio::task::spawn_blocking(move || {
        if !bot.insights.enabled() {
            return "Insights are off (`[insights] enabled = false`).".to_string();
        }
        let now = crate::insights::now();
        let knowledge = bot.knowledge();
        let report = Store::open_read(bot.insights.db()).and_then(|store| {
            Report::from_store(&store, now - 7 * 86_400, now, "last 7 days", &knowledge).map_err(
                |source| crate::insights::StoreError::Sqlite {
                    path: bot.insights.db().display().to_string(),
                    source,
                },
            )
        });
        match report {
            Ok(mut report) => {
                report.recording = Some(bot.insights.stats());
                summary(&report)
            }
            Err(e) => {
                tracing::warn!(error = %e, "/faq insights: cannot read the database");
                format!(
                    "The insights database can't be read right now; answering is not affected. ({} records dropped so far.)",
                    bot.insights.stats().dropped
                )
            }
        }
    })
    .await?;
    for part in render::split_message(&text, limits::MESSAGE) {
        ctx.send(respond::reply().content(part).ephemeral(true))
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_ids_round_trip_and_fit() {
        for p in [
            Press::Vote {
                key: "abc123".into(),
                up: true,
                entry: Some("after-back-surgery".into()),
            },
            Press::Vote {
                key: "abc123".into(),
                up: false,
                entry: None,
            },
            Press::Remove {
                key: "abc123".into(),
                tag: "0123456789abcdef".into(),
            },
        ] {
            let id = p.custom_id();
            assert!(id.len() <= limits::CUSTOM_ID, "{id}");
            assert_eq!(Press::parse(&id), Some(p));
        }
        let long = Press::Vote {
            key: "k".into(),
            up: true,
            entry: Some("x".repeat(200)),
        };
        assert_eq!(long.custom_id(), "medfaq:fb:u:k:");
        assert_eq!(Press::parse("medfaq:fb:x:k:"), None);
        assert_eq!(Press::parse("medfaq:show:x"), None);
        assert_eq!(Press::parse("medfaq:fb:u:bad key:x"), None);
    }
}
