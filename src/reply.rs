//! `Reply`: what a member reads. Urgent-help notice, answer or suggestions, sources and
//! the disclaimer, plus the plain-text renderer used by the CLI. The Discord renderer
//! lives in `discord/` and reads the same fields. Pure.
//!
//! A `Reply` can only be built through constructors that take the FAQ's [`Disclaimer`],
//! so no reply can leave without it.

use crate::faq::{Disclaimer, Entry, Faq};
use crate::matcher::{Decision, Outcome};
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

/// Related entries shown under an answer at most.
const MAX_RELATED: usize = 3;

/// What the no-match reply says.
pub const NO_MATCH_TEXT: &str = "I don't have an answer for that in the FAQ. Try rephrasing, \
use `/faq list` to browse the entries, or ask a moderator or your care team.";

impl Citation {
    /// Resolves an entry's citation against the FAQ's sources (the loader guarantees the
    /// source exists; an unknown id still renders, with the id as title).
    pub fn resolve(faq: &Faq, source: &str, section: &str) -> Citation {
        let src = faq.sources.get(source);
        let link = src.and_then(|s| {
            s.doi
                .as_ref()
                .map(|d| {
                    let d = d.trim();
                    if d.starts_with("http") {
                        d.to_string()
                    } else {
                        format!("https://doi.org/{d}")
                    }
                })
                .or_else(|| s.url.clone())
        });
        Citation {
            title: src.map_or_else(|| source.to_string(), |s| s.title.clone()),
            section: section.to_string(),
            link,
        }
    }
}

impl EntryRef {
    fn of(entry: &Entry) -> EntryRef {
        EntryRef {
            id: entry.id.clone(),
            question: entry.question.clone(),
        }
    }
}

impl Reply {
    /// The reply to a matched message.
    pub fn from_outcome(faq: &Faq, outcome: &Outcome, alert: Option<Alert>) -> Reply {
        let entry_at = |i: usize| faq.entries.get(i);
        let body = match &outcome.decision {
            Decision::Answer(m) => match entry_at(m.entry) {
                Some(entry) => {
                    let related = outcome
                        .candidates
                        .iter()
                        .filter(|c| c.entry != m.entry && c.score >= RELATED_MIN_SCORE)
                        .filter_map(|c| entry_at(c.entry))
                        .take(MAX_RELATED)
                        .map(EntryRef::of)
                        .collect();
                    Reply::answer_body(faq, entry, related)
                }
                None => Body::NoMatch,
            },
            Decision::Suggest(ms) => {
                let refs: Vec<EntryRef> = ms
                    .iter()
                    .filter_map(|m| entry_at(m.entry))
                    .map(EntryRef::of)
                    .collect();
                if refs.is_empty() {
                    Body::NoMatch
                } else {
                    Body::Suggestions(refs)
                }
            }
            Decision::None => Body::NoMatch,
        };
        Reply {
            notice: alert.map(|a| (a, faq.safety.notice(a).to_string())),
            body,
            disclaimer: faq.disclaimer.clone(),
        }
    }

    /// The reply showing one entry (used by `/faq show` and suggestion buttons).
    pub fn for_entry(faq: &Faq, entry: &Entry) -> Reply {
        Reply {
            notice: None,
            body: Reply::answer_body(faq, entry, Vec::new()),
            disclaimer: faq.disclaimer.clone(),
        }
    }

    /// Adds (or replaces) the urgent-help notice for `alert`, e.g. to keep the notice of
    /// the message a suggestion button belongs to.
    pub fn with_alert(mut self, faq: &Faq, alert: Option<Alert>) -> Reply {
        if let Some(a) = alert {
            self.notice = Some((a, faq.safety.notice(a).to_string()));
        }
        self
    }

    fn answer_body(faq: &Faq, entry: &Entry, related: Vec<EntryRef>) -> Body {
        Body::Answer {
            id: entry.id.clone(),
            question: entry.question.clone(),
            answer: entry.answer.clone(),
            sources: entry
                .sources
                .iter()
                .map(|s| Citation::resolve(faq, &s.source, &s.section))
                .collect(),
            related,
        }
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

    /// Plain text, as the CLI prints it: notice, body, sources, disclaimer.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        if let Some(n) = self.notice() {
            out.push_str(n);
            out.push_str("\n\n");
        }
        match &self.body {
            Body::Answer {
                id,
                question,
                answer,
                sources,
                related,
            } => {
                out.push_str(&format!("{question}  [{id}]\n\n{answer}\n"));
                if !sources.is_empty() {
                    out.push_str("\nSources:\n");
                    for c in sources {
                        out.push_str(&format!("- {}, \"{}\"", c.title, c.section));
                        if let Some(link) = &c.link {
                            out.push_str(&format!(" <{link}>"));
                        }
                        out.push('\n');
                    }
                }
                if !related.is_empty() {
                    out.push_str("\nRelated:\n");
                    for r in related {
                        out.push_str(&format!("- {} [{}]\n", r.question, r.id));
                    }
                }
            }
            Body::Suggestions(refs) => {
                out.push_str("I'm not sure which FAQ entry you mean. Did you mean:\n");
                for r in refs {
                    out.push_str(&format!("- {} [{}]\n", r.question, r.id));
                }
            }
            Body::NoMatch => {
                out.push_str(NO_MATCH_TEXT);
                out.push('\n');
            }
        }
        out.push_str("\n");
        out.push_str(self.disclaimer());
        out.push('\n');
        out
    }
}

/// Candidates at least this good are listed as related under an answer.
const RELATED_MIN_SCORE: f32 = 0.35;
