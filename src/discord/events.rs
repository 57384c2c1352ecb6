//! Chat messages (DMs, mentions, question channels and their threads) and button presses.
//!
//! Each event is handled in its own task, so a panic is contained: it is logged and the
//! member gets a short apology; the bot keeps running.

use std::sync::Arc;
use std::time::Instant;

use poise::serenity_prelude as serenity;

use super::render::{self, ButtonAction};
use super::scope::{self, Scope};
use super::{feedback, respond, trigger, Bot, Error};
use crate::matcher::{Decision, Explanation, Match, Outcome};
use crate::reply::Reply;
use crate::safety::Alert;

/// poise's event hook: everything that is not a slash/context command.
///
/// poise boxes this future for every gateway event, so it is kept small: each branch
/// that awaits Discord runs in its own boxed future (a serenity request future is
/// several KB; inline, every event would pay for copying the largest of them).
pub(crate) async fn on_event(
    fw: poise::FrameworkContext<'_, Arc<Bot>, Error>,
    event: &serenity::FullEvent,
) -> Result<(), Error> {
    let bot = fw.user_data;
    match event {
        serenity::FullEvent::Message { new_message } if from_a_member(bot, new_message) => {
            let ctx = fw.serenity_context.clone();
            Box::pin(on_chat(ctx, bot.clone(), new_message)).await;
        }
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Component(press),
        } => {
            let ctx = fw.serenity_context.clone();
            Box::pin(on_press(ctx, bot.clone(), press.clone())).await;
        }
        serenity::FullEvent::Ready { data_about_bot } => {
            let servers: Vec<String> = data_about_bot
                .guilds
                .iter()
                .map(|g| g.id.to_string())
                .collect();
            tracing::info!(
                id = %data_about_bot.user.id,
                servers = %servers.join(","),
                "connected as {} to {} server(s)",
                data_about_bot.user.tag(),
                servers.len()
            );
        }
        serenity::FullEvent::GuildCreate { guild, .. }
            if !bot.config.discord.serves(guild.id.get()) =>
        {
            tracing::warn!(guild = %guild.id, "in a server not listed in [discord] servers: not answering there");
        }
        serenity::FullEvent::GuildCreate { guild, .. } => {
            tracing::info!(server = %guild.name, id = %guild.id, members = guild.member_count, "in server");
        }
        serenity::FullEvent::Resume { .. } => tracing::info!("gateway session resumed"),
        serenity::FullEvent::ShardStageUpdate { event } => {
            tracing::info!(shard = %event.shard_id, old = ?event.old, new = ?event.new, "shard stage");
        }
        _ => {}
    }
    Ok(())
}

/// A chat message in scope: answered in its own task, so a panic is contained and gets
/// an apology.
async fn on_chat(ctx: serenity::Context, bot: Arc<Bot>, msg: &serenity::Message) {
    let _busy = bot.busy();
    let (channel, id) = (msg.channel_id, msg.id);
    let reference = reply_reference(msg);
    let task = tokio::spawn(on_message(ctx.clone(), bot.clone(), msg.clone()));
    match task.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::error!(channel = %channel, message = %id, error = %e, "answering a message failed");
        }
        Err(e) => {
            tracing::error!(channel = %channel, message = %id, error = %e, "answering a message panicked");
            let apology = respond::message()
                .content(render::APOLOGY)
                .reference_message(reference);
            if let Err(e) = Box::pin(channel.send_message(&ctx.http, apology)).await {
                tracing::warn!(error = %e, "could not send the apology");
            }
        }
    }
}

/// A reply's reference to `msg` that does not fail when the member deleted `msg`
/// meanwhile: the reply (and any urgent notice) is then posted as a plain message.
fn reply_reference(msg: &serenity::Message) -> serenity::MessageReference {
    serenity::MessageReference::from(msg).fail_if_not_exists(false)
}

/// A button press: handled in its own task; a failure or panic gets an apology.
async fn on_press(ctx: serenity::Context, bot: Arc<Bot>, press: serenity::ComponentInteraction) {
    let _busy = bot.busy();
    let task = tokio::spawn(on_button(ctx.clone(), bot.clone(), press.clone()));
    let failed = match task.await {
        Ok(Ok(())) => false,
        Ok(Err(e)) if super::error_code(e.as_ref()) == Some(super::UNKNOWN_INTERACTION) => {
            // Too late for any answer: an apology would fail the same way.
            tracing::warn!(custom_id = %press.data.custom_id, error = %e, "button press expired before it was answered");
            false
        }
        Ok(Err(e)) => {
            tracing::error!(custom_id = %press.data.custom_id, error = %e, "button failed");
            true
        }
        Err(e) => {
            tracing::error!(custom_id = %press.data.custom_id, error = %e, "button panicked");
            true
        }
    };
    if failed {
        let apology = respond::followup().content(render::APOLOGY).ephemeral(true);
        if press.create_followup(&ctx.http, apology).await.is_err() {
            let response = serenity::CreateInteractionResponse::Message(
                respond::interaction_message()
                    .content(render::APOLOGY)
                    .ephemeral(true),
            );
            let _ = press.create_response(&ctx.http, response).await;
        }
    }
}

/// Whether a message may be for the bot at all (from a member, not a bot or a webhook);
/// [`scope::classify`] decides the rest in the message's own task.
fn from_a_member(bot: &Bot, msg: &serenity::Message) -> bool {
    !msg.author.bot && msg.webhook_id.is_none() && bot.bot_id().is_some()
}

async fn on_message(
    ctx: serenity::Context,
    bot: Arc<Bot>,
    msg: serenity::Message,
) -> Result<(), Error> {
    let me = bot.bot_id().unwrap_or(0);
    let (user, channel, now) = (msg.author.id.get(), msg.channel_id.get(), Instant::now());
    let (text, mentioned, direct) = match scope::classify(&ctx, &bot, &msg).await {
        Scope::Ignore => return Ok(()),
        Scope::Unserved { guild } => {
            if bot.scope.first_time_unserved(guild) {
                tracing::info!(guild, "told a server it is not served");
                let note = respond::message()
                    .content(scope::UNSERVED)
                    .reference_message(reply_reference(&msg));
                msg.channel_id.send_message(&ctx.http, note).await?;
            }
            return Ok(());
        }
        // The text of a DM is never logged nor posted anywhere but the DM itself.
        Scope::Direct => (trigger::strip_mention(&msg.content, me), true, true),
        Scope::Server { mentioned } => {
            let roles = msg
                .guild_id
                .map(|g| scope::bot_roles(&ctx, g, me))
                .unwrap_or_default();
            let text = trigger::strip_mentions(&msg.content, me, &roles);
            (text, mentioned, false)
        }
    };
    let event = feedback::record_chat(&bot, &msg, &text, mentioned); // insights hook
    let planned = if direct {
        bot.plan_dm(&text)
    } else {
        bot.plan_chat(&text, mentioned, user, channel, now)
    };
    let Some(reply) = planned else {
        return Ok(());
    };
    let embed = render::reply_embed(&reply);
    let buttons = render::suggestion_buttons(&reply);
    let mut out = respond::message()
        .embed(respond::embed(&embed))
        .reference_message(reply_reference(&msg));
    let mut rows = respond::rows(&buttons, serenity::ButtonStyle::Secondary);
    rows.extend(feedback::buttons(&bot, &event, &reply, Some(user))); // insights hook
    if !rows.is_empty() {
        out = out.components(rows);
    }
    // Waits for a slot only to send: the reply is already decided (and its cooldowns
    // taken), so a queue of replies costs no matching twice.
    let sent = {
        let priority = match reply.alert() {
            Some(_) => super::sendq::Priority::Urgent,
            None => super::sendq::Priority::Normal,
        };
        let _slot = bot.sends.acquire(channel, priority).await;
        msg.channel_id.send_message(&ctx.http, out).await
    };
    if let Err(e) = sent {
        // Not retried: Discord may have posted it anyway, and a duplicate is worse. The
        // cooldown is released so the member's next message is answered.
        bot.unplan_chat(user, channel, &reply, now);
        return Err(e.into());
    }
    tracing::info!(channel = %msg.channel_id, message = %msg.id, dm = msg.guild_id.is_none(), alert = ?reply.alert(), "answered a chat message");
    Ok(())
}

/// The reply showing entry `id`, keeping the urgent notice of the original reply.
fn entry_reply(bot: &Bot, id: &str, alert: Option<Alert>) -> Option<Reply> {
    let k = bot.knowledge.load();
    let position = k.faq.entries.iter().position(|e| e.id == id)?;
    let entry = &k.faq.entries[position];
    Some(match alert {
        None => Reply::for_entry(&k.faq, entry),
        Some(alert) => {
            let m = Match {
                entry: position,
                id: entry.id.clone(),
                score: 1.0,
                explanation: Explanation::default(),
            };
            let outcome = Outcome {
                decision: Decision::Answer(m.clone()),
                candidates: vec![m],
            };
            k.reply(&outcome, Some(alert))
        }
    })
}

const GONE: &str = "That entry is no longer in the FAQ. Try `/faq list`.";

/// Answer to a button the bot does not know (any more).
pub(crate) const UNKNOWN_BUTTON: &str =
    "This button no longer works. Try `/faq ask` or `/faq list`.";

async fn on_button(
    ctx: serenity::Context,
    bot: Arc<Bot>,
    press: serenity::ComponentInteraction,
) -> Result<(), Error> {
    if press
        .guild_id
        .is_some_and(|g| !bot.config.discord.serves(g.get()))
    {
        let note = respond::interaction_message()
            .content(scope::UNSERVED)
            .ephemeral(true);
        let response = serenity::CreateInteractionResponse::Message(note);
        press.create_response(&ctx.http, response).await?;
        return Ok(());
    }
    if let Some(action) = feedback::Press::parse(&press.data.custom_id) {
        return feedback::on_press(&ctx, &bot, &press, action).await; // insights hook
    }
    let Some(action) = ButtonAction::parse(&press.data.custom_id) else {
        // E.g. a button of an older version of the bot: say so rather than let Discord
        // show "This interaction failed".
        tracing::info!(custom_id = %press.data.custom_id, "unknown button");
        let note = respond::interaction_message()
            .content(UNKNOWN_BUTTON)
            .ephemeral(true);
        let response = serenity::CreateInteractionResponse::Message(note);
        press.create_response(&ctx.http, response).await?;
        return Ok(());
    };
    let response = match action {
        ButtonAction::Show { id } => match entry_reply(&bot, &id, None) {
            Some(reply) => {
                let embed = render::reply_embed(&reply);
                let mut m = respond::interaction_message()
                    .embed(respond::embed(&embed))
                    .ephemeral(true);
                if let Some(share) = render::share_button(&reply) {
                    m = m.components(respond::rows(&[share], serenity::ButtonStyle::Primary));
                }
                serenity::CreateInteractionResponse::Message(m)
            }
            None => serenity::CreateInteractionResponse::Message(
                respond::interaction_message().content(GONE).ephemeral(true),
            ),
        },
        ButtonAction::Share { id, alert } => match entry_reply(&bot, &id, alert) {
            Some(reply) => {
                let embed = render::reply_embed(&reply);
                tracing::info!(entry = %id, user = %press.user.id, "answer posted in channel");
                serenity::CreateInteractionResponse::Message(
                    respond::interaction_message().embed(respond::embed(&embed)),
                )
            }
            None => serenity::CreateInteractionResponse::Message(
                respond::interaction_message().content(GONE).ephemeral(true),
            ),
        },
        ButtonAction::List { page, topic } => {
            let (embed, rows) = super::commands::list_page(&bot, topic.as_deref(), page);
            serenity::CreateInteractionResponse::UpdateMessage(
                respond::interaction_message().embed(embed).components(rows),
            )
        }
    };
    press.create_response(&ctx.http, response).await?;
    Ok(())
}
