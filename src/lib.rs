//! medfaq: answers community health questions from a curated, moderator-owned FAQ.
//!
//! Module map (dependencies point one way: `faq -> matcher -> reply -> {discord, cli}`):
//!
//! | module        | owns                                                                  | I/O? |
//! |---------------|-----------------------------------------------------------------------|------|
//! | [`faq`]       | `Entry`, `Source`, `Faq`: parsing files from `&str`, loading a folder | load only |
//! | [`safety`]    | emergency and crisis detection: concept rules and guards from `faq/safety/` | no   |
//! | [`matcher`]   | normalize, synonyms, index, scoring, decision (answer/suggest/none)   | no   |
//! | [`reply`]     | `Reply`: notice + answer + sources + disclaimer, text renderer        | no   |
//! | [`corpus`]    | public Q&A corpora (JSONL `id`/`question`/`answer`) as a `Faq`, for benchmarks | load only |
//! | [`knowledge`] | `Knowledge`: `Faq` + `Index` + safety `Rules`, the unit swapped on reload | load only |
//! | [`eval`]      | scoring a labelled question set: accuracy, wrong answers, abstention, alerts | no   |
//! | [`insights`]  | what members ask and how answers land: SQLite events, votes, reports   | yes  |
//! | [`config`]    | raw TOML -> validated `Config`; the token from the environment         | yes  |
//! | [`discord`]   | serenity/poise adapter: commands, triggers, reload, cooldowns          | yes  |
//! | [`cli`]       | `medfaq ask | match | check | list | eval | serve | bench`             | yes  |
//!
//! The core (`faq` parsing, `safety`, `matcher`, `reply`) is synchronous, does no I/O and
//! knows nothing of Discord, so it is tested with plain literals.

pub mod cli;
pub mod config;
pub mod corpus;
pub mod discord;
pub mod eval;
pub mod faq;
pub mod insights;
pub mod knowledge;
pub mod matcher;
pub mod reply;
pub mod safety;
