//! The serenity/poise adapter: slash commands, message triggers, FAQ reload and
//! cooldowns. The only module that touches serenity.
