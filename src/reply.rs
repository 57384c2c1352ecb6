//! `Reply`: what a member reads. Urgent-help notice, answer or suggestions, sources and
//! the disclaimer, plus the plain-text renderer used by the CLI. The Discord renderer
//! lives in `discord/` and reads the same fields. Pure.
//!
//! A `Reply` can only be built through constructors that take the FAQ's [`Disclaimer`],
//! so no reply can leave without it.

use crate::faq::{Disclaimer, Entry, Faq};
use crate::matcher::Outcome;
use crate::safety::Alert;

/// A resolved citation, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Citation {
    pub title: String,
    pub section: String,
    /// DOI link or URL, when the source has one.
    pub link: Option<String>,
}

/// An entry named in a reply (suggestions, related entries).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EntryRef {
    pub id: String,
    pub question: String,
}

/// The main part of a reply.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Body {
    Answer {
        id: String,
        question: String,
        answer: String,
        sources: Vec<Citation>,
        related: Vec<EntryRef>,
    },
    Suggestions(Vec<EntryRef>),
    NoMatch,
}

/// A complete reply. Fields are read-only outside this module.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    notice: Option<(Alert, String)>,
    body: Body,
    disclaimer: Disclaimer,
}

impl Reply {
    /// The reply to a matched message.
    pub fn from_outcome(faq: &Faq, outcome: &Outcome, alert: Option<Alert>) -> Reply {
        let _ = (faq, outcome, alert);
        todo!("matcher helper")
    }

    /// The reply showing one entry (used by `/faq show` and suggestion buttons).
    pub fn for_entry(faq: &Faq, entry: &Entry) -> Reply {
        let _ = (faq, entry);
        todo!("matcher helper")
    }

    pub fn notice(&self) -> Option<&str> {
        self.notice.as_ref().map(|(_, n)| n.as_str())
    }
    pub fn alert(&self) -> Option<Alert> {
        self.notice.as_ref().map(|(a, _)| *a)
    }
    pub fn body(&self) -> &Body {
        &self.body
    }
    pub fn disclaimer(&self) -> &str {
        self.disclaimer.as_str()
    }

    /// Plain text, as the CLI prints it.
    pub fn render_text(&self) -> String {
        todo!("matcher helper")
    }
}
