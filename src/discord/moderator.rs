//! `/faqmod reload`: the moderators' command, a top-level command of its own so Discord
//! can hide it from members: registered with `default_member_permissions` Manage Server
//! and usable only in servers. Server admins may open it to a moderator role under
//! Server Settings -> Integrations; the bot still checks the member itself on every use
//! ([`is_moderator`]: Manage Server, Administrator, or a `moderator_roles` role).

use super::render::{self, limits};
use super::{is_moderator, respond, Context, Error};

/// Moderator tools for the FAQ.
#[poise::command(
    slash_command,
    subcommands("reload", "super::feedback::insights"),
    subcommand_required,
    default_member_permissions = "MANAGE_GUILD",
    install_context = "Guild",
    interaction_context = "Guild"
)]
pub(crate) async fn faqmod(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Reload the FAQ files and report what changed (moderators only).
#[poise::command(slash_command)]
async fn reload(ctx: Context<'_>) -> Result<(), Error> {
    let _busy = ctx.data().busy();
    let poise::Context::Application(app) = ctx else {
        return Ok(());
    };
    let allowed = app.interaction.member.as_deref().is_some_and(|m| {
        is_moderator(
            m.permissions,
            &m.roles,
            &ctx.data().config.discord.moderator_roles,
        )
    });
    if !allowed {
        tracing::info!(user = %ctx.author().id, "/faqmod reload refused: not a moderator");
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
    // The report replaces the deferred "thinking…" message; a long one continues in
    // follow-ups.
    let http = &ctx.serenity_context().http;
    let mut parts = render::split_message(&report, limits::MESSAGE).into_iter();
    let first = parts.next().unwrap_or_default();
    app.interaction
        .edit_response(http, respond::edit_response().content(first))
        .await?;
    for part in parts {
        app.interaction
            .create_followup(http, respond::followup().content(part).ephemeral(true))
            .await?;
    }
    let who = render::escape_markdown(&ctx.author().name);
    ctx.data()
        .post_log(http, &format!("(/faqmod reload by {who}) {report}"))
        .await;
    Ok(())
}
