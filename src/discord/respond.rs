//! The only place outgoing Discord builders are created. Every message, interaction
//! response and follow-up starts from one of these functions, which set allowed mentions
//! to none, so echoed text can never ping @everyone, roles or users.

use poise::serenity_prelude as serenity;
use serenity::{
    ButtonStyle, Colour, CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed,
    CreateEmbedFooter, CreateInteractionResponseFollowup, CreateInteractionResponseMessage,
    CreateMessage,
};

use super::render::{Button, EmbedText};

/// Allowed mentions with nothing allowed: no @everyone/@here, roles, users, or ping of
/// the replied-to author.
pub fn no_mentions() -> CreateAllowedMentions {
    CreateAllowedMentions::new().replied_user(false)
}

/// A channel message.
pub fn message() -> CreateMessage {
    CreateMessage::new().allowed_mentions(no_mentions())
}

/// An interaction response message.
pub fn interaction_message() -> CreateInteractionResponseMessage {
    CreateInteractionResponseMessage::new().allowed_mentions(no_mentions())
}

/// An interaction follow-up.
pub fn followup() -> CreateInteractionResponseFollowup {
    CreateInteractionResponseFollowup::new().allowed_mentions(no_mentions())
}

/// An edit of an interaction's original (e.g. deferred) response.
pub fn edit_response() -> serenity::EditInteractionResponse {
    serenity::EditInteractionResponse::new().allowed_mentions(no_mentions())
}

/// A poise command reply.
pub fn reply() -> poise::CreateReply {
    poise::CreateReply::default().allowed_mentions(no_mentions())
}

const URGENT: Colour = Colour::new(0xC62828);
const NORMAL: Colour = Colour::new(0x2E6BD1);

/// The serenity embed for embed text.
pub fn embed(text: &EmbedText) -> CreateEmbed {
    let mut e = CreateEmbed::new()
        .description(text.description.clone())
        .colour(if text.urgent { URGENT } else { NORMAL });
    if let Some(title) = &text.title {
        e = e.title(title.clone());
    }
    for (name, value) in &text.fields {
        e = e.field(name.clone(), value.clone(), false);
    }
    if let Some(footer) = &text.footer {
        e = e.footer(CreateEmbedFooter::new(footer.clone()));
    }
    e
}

/// Buttons in rows of five.
pub fn rows(buttons: &[Button], style: ButtonStyle) -> Vec<CreateActionRow> {
    buttons
        .chunks(super::render::limits::BUTTONS_PER_ROW)
        .map(|chunk| {
            CreateActionRow::Buttons(
                chunk
                    .iter()
                    .map(|b| {
                        CreateButton::new(b.custom_id.clone())
                            .label(b.label.clone())
                            .style(style)
                    })
                    .collect(),
            )
        })
        .collect()
}
