//! `/faq ask | show | list | reload` and the "Find FAQ answer" message command, their
//! registration, and the error handler that answers failures with an apology.

use std::sync::Arc;

use poise::serenity_prelude as serenity;

use super::render::{self, limits, Button, ButtonAction};
use super::{is_moderator, respond, Bot, Context, Error};
use crate::reply::Reply;

/// Every command the bot registers.
pub(crate) fn all() -> Vec<poise::Command<Arc<Bot>, Error>> {
    vec![faq(), find_faq_answer()]
}

/// Registers the commands in the configured guild, or globally. A failure is logged; the
/// bot keeps running (message triggers still work).
pub(crate) async fn register(
    ctx: &serenity::Context,
    framework: &poise::Framework<Arc<Bot>, Error>,
    bot: &Bot,
) {
    let commands = &framework.options().commands;
    let result = match bot.config.discord.guild_id {
        Some(guild) => {
            poise::builtins::register_in_guild(ctx, commands, serenity::GuildId::new(guild)).await
        }
        None => poise::builtins::register_globally(ctx, commands).await,
    };
    match result {
        Ok(()) => tracing::info!(guild = ?bot.config.discord.guild_id, "commands registered"),
        Err(e) => tracing::error!(error = %e, "command registration failed"),
    }
}

/// Answers from the community FAQ.
#[poise::command(
    slash_command,
    subcommands("ask", "show", "list", "reload", "super::feedback::insights"),
    subcommand_required
)]
async fn faq(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Whether `/faq` replies are ephemeral.
fn ephemeral(ctx: &Context<'_>) -> bool {
    !ctx.data().config.discord.public_by_default
}

/// The reply as embed plus buttons: suggestion buttons, and "Post in channel" when the
/// reply is ephemeral.
fn reply_message(
    reply: &Reply,
    ephemeral: bool,
    feedback: Option<serenity::CreateActionRow>,
) -> poise::CreateReply {
    let embed = render::reply_embed(reply);
    let mut buttons: Vec<Button> = render::suggestion_buttons(reply);
    let mut out = respond::reply()
        .embed(respond::embed(&embed))
        .ephemeral(ephemeral);
    let mut rows = respond::rows(&buttons, serenity::ButtonStyle::Secondary);
    rows.extend(feedback);
    if ephemeral {
        if let Some(share) = render::share_button(reply) {
            buttons = vec![share];
            rows.extend(respond::rows(&buttons, serenity::ButtonStyle::Primary));
        }
    }
    if !rows.is_empty() {
        out = out.components(rows);
    }
    out
}

/// Ask the FAQ a question in your own words.
#[poise::command(slash_command)]
async fn ask(
    ctx: Context<'_>,
    #[description = "Your question, in your own words"]
    #[max_length = 500]
    question: String,
) -> Result<(), Error> {
    let _busy = ctx.data().busy();
    let answered = ctx.data().knowledge.load().ask(&question);
    tracing::info!(decision = ?decision_name(&answered.outcome.decision), alert = ?answered.alert, "/faq ask");
    let event = super::feedback::record_command(ctx.data(), ctx.guild_id(), &question); // insights hook
    let row = super::feedback::buttons(ctx.data(), &event, &answered.reply, None);
    ctx.send(reply_message(&answered.reply, ephemeral(&ctx), row))
        .await?;
    Ok(())
}

fn decision_name(d: &crate::matcher::Decision) -> &'static str {
    match d {
        crate::matcher::Decision::Answer(_) => "answer",
        crate::matcher::Decision::Suggest(_) => "suggest",
        crate::matcher::Decision::None => "none",
    }
}

async fn complete_entry(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let choices = {
        let k = ctx.data().knowledge.load();
        k.index
            .complete(partial, limits::CHOICES)
            .into_iter()
            .filter_map(|i| k.faq.entries.get(i))
            .take(limits::CHOICES)
            .map(|e| {
                serenity::AutocompleteChoice::new(
                    render::truncate(&e.question, limits::CHOICE_NAME),
                    e.id.clone(),
                )
            })
            .collect()
    };
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Show one FAQ entry.
#[poise::command(slash_command)]
async fn show(
    ctx: Context<'_>,
    #[description = "Start typing to search the FAQ"]
    #[autocomplete = "complete_entry"]
    entry: String,
) -> Result<(), Error> {
    let _busy = ctx.data().busy();
    let reply = {
        let k = ctx.data().knowledge.load();
        match k.faq.entry(entry.trim()) {
            Some(e) => Reply::for_entry(&k.faq, e),
            // Free text instead of a picked entry: treat it as a question.
            None => k.ask(&entry).reply,
        }
    };
    ctx.send(reply_message(&reply, ephemeral(&ctx), None))
        .await?;
    Ok(())
}

/// One page of `/faq list [topic]`: the embed and its buttons.
pub(crate) fn list_page(
    bot: &Bot,
    topic: Option<&str>,
    page: usize,
) -> (serenity::CreateEmbed, Vec<serenity::CreateActionRow>) {
    let (entries, topics) = {
        let k = bot.knowledge.load();
        let entries: Vec<(String, String)> = k
            .faq
            .entries
            .iter()
            .filter(|e| {
                topic.is_none_or(|t| {
                    e.topic
                        .as_deref()
                        .is_some_and(|et| et.eq_ignore_ascii_case(t))
                })
            })
            .map(|e| (e.id.clone(), e.question.clone()))
            .collect();
        let mut topics: Vec<String> = k
            .faq
            .entries
            .iter()
            .filter_map(|e| e.topic.clone())
            .collect();
        topics.sort();
        topics.dedup();
        (entries, topics)
    };
    let pages = render::list_pages(&entries, 15);
    let page = page.min(pages.len() - 1);
    let title = match topic {
        // Member text: escaped, and cut so a long topic can't break the title limit.
        Some(t) => format!(
            "FAQ entries: {}",
            render::escape_markdown(&render::truncate(t, 100))
        ),
        None => "FAQ entries".to_string(),
    };
    let description = if entries.is_empty() {
        format!(
            "No entries for that topic. Topics: {}",
            topics
                .iter()
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        pages[page].clone()
    };
    let text = render::EmbedText {
        title: Some(title),
        description: render::truncate(&description, limits::EMBED_DESCRIPTION),
        fields: vec![],
        footer: Some(format!(
            "Page {}/{} · {} entries · /faq show <id> to read one",
            page + 1,
            pages.len(),
            entries.len()
        )),
        urgent: false,
    };
    let mut rows = Vec::new();
    if pages.len() > 1 {
        let topic = topic.map(str::to_string);
        let prev = ButtonAction::List {
            page: page.saturating_sub(1),
            topic: topic.clone(),
        };
        let next = ButtonAction::List {
            page: (page + 1).min(pages.len() - 1),
            topic,
        };
        rows.push(serenity::CreateActionRow::Buttons(vec![
            serenity::CreateButton::new(prev.custom_id())
                .label("◀ Previous")
                .style(serenity::ButtonStyle::Secondary)
                .disabled(page == 0),
            serenity::CreateButton::new(next.custom_id())
                .label("Next ▶")
                .style(serenity::ButtonStyle::Secondary)
                .disabled(page + 1 >= pages.len()),
        ]));
    }
    (respond::embed(&text), rows)
}

/// List the FAQ entries, optionally of one topic.
#[poise::command(slash_command)]
async fn list(
    ctx: Context<'_>,
    #[description = "Only this topic (e.g. surgery, migraine)"] topic: Option<String>,
) -> Result<(), Error> {
    let _busy = ctx.data().busy();
    let (embed, rows) = list_page(ctx.data(), topic.as_deref().map(str::trim), 0);
    let mut reply = respond::reply().embed(embed).ephemeral(ephemeral(&ctx));
    if !rows.is_empty() {
        reply = reply.components(rows);
    }
    ctx.send(reply).await?;
    Ok(())
}

/// Reload the FAQ files (moderators only).
#[poise::command(slash_command)]
async fn reload(ctx: Context<'_>) -> Result<(), Error> {
    let _busy = ctx.data().busy();
    let allowed = match &ctx {
        poise::Context::Application(app) => app.interaction.member.as_deref().is_some_and(|m| {
            is_moderator(
                m.permissions,
                &m.roles,
                &ctx.data().config.discord.moderator_roles,
            )
        }),
        poise::Context::Prefix(_) => false,
    };
    if !allowed {
        tracing::info!(user = %ctx.author().id, "/faq reload refused: not a moderator");
        ctx.send(
            respond::reply()
                .content("Only moderators (Manage Server, or a moderator role) can reload the FAQ.")
                .ephemeral(true),
        )
        .await?;
        return Ok(());
    }
    ctx.defer_ephemeral().await?;
    let outcome = ctx.data().reload().await;
    let report = outcome.report();
    for part in render::split_message(&report, limits::MESSAGE) {
        ctx.send(respond::reply().content(part).ephemeral(true))
            .await?;
    }
    let who = render::escape_markdown(&ctx.author().name);
    ctx.data()
        .post_log(
            &ctx.serenity_context().http,
            &format!("(/faq reload by {who}) {report}"),
        )
        .await;
    Ok(())
}

/// Answer the question in a message from the FAQ.
#[poise::command(context_menu_command = "Find FAQ answer")]
async fn find_faq_answer(ctx: Context<'_>, message: serenity::Message) -> Result<(), Error> {
    let _busy = ctx.data().busy();
    let answered = ctx.data().knowledge.load().ask(&message.content);
    let event = super::feedback::record_command(ctx.data(), ctx.guild_id(), &message.content); // insights hook
    let row = super::feedback::buttons(ctx.data(), &event, &answered.reply, None);
    ctx.send(reply_message(&answered.reply, ephemeral(&ctx), row))
        .await?;
    Ok(())
}

/// Logs every framework error; a failed or panicked command is answered with an apology.
pub(crate) async fn on_error(err: poise::FrameworkError<'_, Arc<Bot>, Error>) {
    match err {
        poise::FrameworkError::Command { error, ctx, .. } => {
            tracing::error!(command = %ctx.command().qualified_name, error = %error, "command failed");
            apologize(ctx).await;
        }
        poise::FrameworkError::CommandPanic { payload, ctx, .. } => {
            tracing::error!(command = %ctx.command().qualified_name, panic = ?payload, "command panicked");
            apologize(ctx).await;
        }
        poise::FrameworkError::EventHandler { error, event, .. } => {
            tracing::error!(event = event.snake_case_name(), error = %error, "event handler failed");
        }
        poise::FrameworkError::Setup { error, .. } => {
            tracing::error!(error = %error, "setup failed");
        }
        other => {
            if let Err(e) = poise::builtins::on_error(other).await {
                tracing::warn!(error = %e, "error handler failed");
            }
        }
    }
}

async fn apologize(ctx: Context<'_>) {
    let sent = ctx
        .send(respond::reply().content(render::APOLOGY).ephemeral(true))
        .await;
    if let Err(e) = sent {
        tracing::warn!(error = %e, "could not send the apology");
    }
}
