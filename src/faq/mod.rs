//! The FAQ: entries, their sources, the synonyms file and the disclaimer.
//!
//! Layout of a FAQ folder (documented for moderators in `faq/README.md`):
//!
//! ```text
//! faq/
//!   entries/<id>.md   one entry: a `+++` TOML front matter block, then the Markdown answer
//!   sources.toml      every source document, declared once ([[source]] tables)
//!   synonyms.toml     words and abbreviations the matcher treats as the same
//!   safety/*.toml     emergency / crisis rules and notices (read by `knowledge`, see `safety`)
//!   disclaimer.md     the medical disclaimer every reply carries (must not be empty)
//! ```
//!
//! Parsing is pure (`parse_*` functions take `&str` and an origin name); [`load`] is the
//! thin I/O layer that reads a folder and collects *every* problem across all files.
//! [`faithful`] checks answers against the text of their sources (`medfaq check --strict`).

pub mod faithful;
mod faithful_load;
mod load;
mod model;
mod parse;
mod toml_doc;
mod validate;

pub use faithful_load::{check_faithful, RULES_FILE};
pub use load::{load, read_text, LoadError};
pub use model::{Disclaimer, Entry, Faq, Source, SourceRef, SynonymGroup};
pub use parse::{
    clean_text, is_valid_id, join_wrapped_lines, parse_entry, parse_sources, parse_synonyms,
    Problem, Problems, ENTRY_KEYS, MAX_ID_CHARS, SOURCE_KEYS, TOPICS,
};
pub use validate::{
    citation_line, normalize_phrase, warnings, EmbedLimits, RECOMMENDED_ANSWER_CHARS,
};
