//! `/faq ask | show | list` and the "Find FAQ answer" message command, the registration
//! of every command (with the stale set of the other scope removed), the servers check,
//! and the error handler that answers failures with an apology.
//!
//! Every command says where it may be used (`contexts`) and how the app must be installed
//! (`integration_types`: added to a server only, so it never acts where it was not
//! invited). `/faq` also works in a DM with the bot.

use std::sync::Arc;

use poise::serenity_prelude as serenity;

use super::render::{self, limits, Button, ButtonAction};
use super::{respond, Bot, Context, Error};
use crate::reply::Reply;

/// Every command the bot registers.
pub(crate) fn all() -> Vec<poise::Command<Arc<Bot>, Error>> {
    vec![faq(), find_faq_answer(), super::moderator::faqmod()]
}

/// Registers the commands in the configured guild, or globally, after removing the set
/// registered in the other scope by an earlier configuration (a guild set left behind
/// would show every command twice there; a global set would offer them in every
/// server). A failure is logged; the bot keeps running (message triggers still work).
pub(crate) async fn register(
    ctx: &serenity::Context,
    framework: &poise::Framework<Arc<Bot>, Error>,
    bot: &Bot,
) {
    let commands = poise::builtins::create_application_commands(&framework.options().commands);
    let d = &bot.config.discord;
    // The stale set first: registering is the last call of the setup, so the bot answers
    // from the moment its commands are in place.
    let stale: Vec<Option<u64>> = match d.guild_id {
        Some(_) => vec![None],
        None => d.servers.iter().map(|&g| Some(g)).collect(),
    };
    for scope in stale {
        if let Err(e) = remove_stale(ctx, scope).await {
            tracing::warn!(guild = ?scope, error = %e, "could not remove stale commands");
        }
    }
    let result = match d.guild_id {
        Some(guild) => serenity::GuildId::new(guild)
            .set_commands(ctx, commands)
            .await
            .map(drop),
        None => serenity::Command::set_global_commands(ctx, commands)
            .await
            .map(drop),
    };
    match result {
        Ok(()) => tracing::info!(guild = ?d.guild_id, "commands registered"),
        Err(e) => tracing::error!(error = %e, "command registration failed"),
    }
}

/// Removes the commands registered globally (`None`) or in a guild, if any.
async fn remove_stale(ctx: &serenity::Context, guild: Option<u64>) -> Result<(), serenity::Error> {
    let existing = match guild {
        Some(g) => {
            ctx.http
                .get_guild_commands(serenity::GuildId::new(g))
                .await?
        }
        None => ctx.http.get_global_commands().await?,
    };
    if existing.is_empty() {
        return Ok(());
    }
    match guild {
        Some(g) => {
            serenity::GuildId::new(g).set_commands(ctx, vec![]).await?;
        }
        None => {
            serenity::Command::set_global_commands(ctx, vec![]).await?;
        }
    }
    tracing::info!(guild = ?guild, removed = existing.len(), "removed stale commands");
    Ok(())
}

/// poise's `command_check`: commands run only in a served server (or a DM).
pub(crate) async fn served(ctx: Context<'_>) -> Result<bool, Error> {
    Ok(ctx
        .guild_id()
        .is_none_or(|g| ctx.data().config.discord.serves(g.get())))
}

/// Answers from the community FAQ.
#[poise::command(
    slash_command,
    subcommands("ask", "show", "list"),
    subcommand_required,
    install_context = "Guild",
    interaction_context = "Guild|BotDm"
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
    let topic = topic.map(str::to_string);
    let prev = ButtonAction::List {
        page: page.saturating_sub(1),
        topic: topic.clone(),
    };
    let next = ButtonAction::List {
        page: (page + 1).min(pages.len() - 1),
        topic,
    };
    // No page buttons for a topic too long for a custom id (never cut: the page would
    // show another topic).
    if let (true, Some(prev_id), Some(next_id)) =
        (pages.len() > 1, prev.custom_id(), next.custom_id())
    {
        rows.push(serenity::CreateActionRow::Buttons(vec![
            serenity::CreateButton::new(prev_id)
                .label("◀ Previous")
                .style(serenity::ButtonStyle::Secondary)
                .disabled(page == 0),
            serenity::CreateButton::new(next_id)
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

/// Answer the question in a message from the FAQ.
#[poise::command(
    context_menu_command = "Find FAQ answer",
    install_context = "Guild",
    interaction_context = "Guild"
)]
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
            apologize(ctx, super::error_code(error.as_ref())).await;
        }
        poise::FrameworkError::CommandPanic { payload, ctx, .. } => {
            tracing::error!(command = %ctx.command().qualified_name, panic = ?payload, "command panicked");
            apologize(ctx, None).await;
        }
        poise::FrameworkError::CommandCheckFailed { ctx, .. } => {
            // The only check: the server is not served.
            tracing::info!(guild = ?ctx.guild_id(), command = %ctx.command().qualified_name, "command in a server not served");
            let note = respond::reply()
                .content(super::scope::UNSERVED)
                .ephemeral(true);
            if let Err(e) = ctx.send(note).await {
                tracing::warn!(error = %e, "could not answer a command from a server not served");
            }
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

/// Tells the member something went wrong, by the one route that can still work: none
/// after 10062 (the interaction expired: every answer would fail the same way), a
/// follow-up once the interaction was answered (or Discord says it was: 40060), else
/// the initial response.
async fn apologize(ctx: Context<'_>, code: Option<isize>) {
    if code == Some(super::UNKNOWN_INTERACTION) {
        tracing::warn!(command = %ctx.command().qualified_name, "interaction expired before it was answered; no apology possible");
        return;
    }
    let sent = match ctx {
        poise::Context::Application(app)
            if code == Some(super::ALREADY_ACKNOWLEDGED)
                || app
                    .has_sent_initial_response
                    .load(std::sync::atomic::Ordering::SeqCst) =>
        {
            let apology = respond::followup().content(render::APOLOGY).ephemeral(true);
            app.interaction
                .create_followup(&app.serenity_context().http, apology)
                .await
                .map(drop)
        }
        _ => ctx
            .send(respond::reply().content(render::APOLOGY).ephemeral(true))
            .await
            .map(drop),
    };
    if let Err(e) = sent {
        tracing::warn!(error = %e, "could not send the apology");
    }
}
