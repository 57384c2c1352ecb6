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
    /// The reply to a matched message; `notice` is the alert raised and its notice text
    /// (see [`crate::safety::Rules::notice`]).
    pub fn from_outcome(faq: &Faq, outcome: &Outcome, notice: Option<(Alert, &str)>) -> Reply {
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
            notice: notice.map(|(a, text)| (a, text.to_string())),
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

    /// Adds (or replaces) the urgent-help notice, e.g. to keep the notice of the message
    /// a suggestion button belongs to.
    pub fn with_alert(mut self, notice: Option<(Alert, &str)>) -> Reply {
        if let Some((a, text)) = notice {
            self.notice = Some((a, text.to_string()));
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
        out.push('\n');
        out.push_str(self.disclaimer());
        out.push('\n');
        out
    }
}

/// Candidates at least this good are listed as related under an answer.
const RELATED_MIN_SCORE: f32 = 0.35;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::{Explanation, Index, Match, MatchOptions};

    fn faq() -> Faq {
        crate::matcher::tests::faq()
    }

    fn outcome(faq: &Faq, decision: &str) -> Outcome {
        let m = |id: &str, score: f32| Match {
            entry: faq.entries.iter().position(|e| e.id == id).unwrap(),
            id: id.into(),
            score,
            explanation: Explanation::default(),
        };
        let candidates = vec![
            m("glycinate", 0.9),
            m("forms-compared", 0.5),
            m("kidney-problems", 0.1),
        ];
        let decision = match decision {
            "answer" => Decision::Answer(candidates[0].clone()),
            "suggest" => Decision::Suggest(candidates[..2].to_vec()),
            _ => Decision::None,
        };
        Outcome {
            decision,
            candidates,
        }
    }

    #[test]
    fn every_reply_carries_the_disclaimer() {
        let f = faq();
        for d in ["answer", "suggest", "none"] {
            for alert in [None, Some(Alert::Emergency), Some(Alert::Crisis)] {
                let rules = crate::safety::Rules::bundled();
                let r =
                    Reply::from_outcome(&f, &outcome(&f, d), alert.map(|a| (a, rules.notice(a))));
                assert_eq!(r.disclaimer(), "Not medical advice.");
                let text = r.render_text();
                assert!(
                    text.trim_end().ends_with("Not medical advice."),
                    "{d} {alert:?}:\n{text}"
                );
            }
        }
        let r = Reply::for_entry(&f, &f.entries[0]);
        assert!(r.render_text().contains("Not medical advice."));
    }

    #[test]
    fn the_notice_comes_first_whatever_the_body() {
        let f = faq();
        let rules = crate::safety::Rules::bundled();
        let notice = rules.notice(Alert::Emergency);
        for d in ["answer", "suggest", "none"] {
            let r = Reply::from_outcome(&f, &outcome(&f, d), Some((Alert::Emergency, notice)));
            assert_eq!(r.alert(), Some(Alert::Emergency));
            assert!(r.render_text().starts_with(notice), "{d}");
            assert!(
                r.render_text().trim_end().ends_with("Not medical advice."),
                "{d}"
            );
        }
        let crisis = rules.notice(Alert::Crisis);
        let r = Reply::for_entry(&f, &f.entries[0]).with_alert(Some((Alert::Crisis, crisis)));
        assert!(r.render_text().starts_with(crisis));
        assert!(r.render_text().contains("findahelpline.com"));
    }

    #[test]
    fn answers_cite_sources_with_doi_links_and_list_related() {
        let f = faq();
        let r = Reply::from_outcome(&f, &outcome(&f, "answer"), None);
        let Body::Answer {
            id,
            sources,
            related,
            ..
        } = r.body()
        else {
            panic!("expected an answer: {:?}", r.body());
        };
        assert_eq!(id, "glycinate");
        assert_eq!(sources[0].title, "A Guide");
        assert_eq!(sources[0].section, "Summary");
        assert_eq!(
            sources[0].link.as_deref(),
            Some("https://doi.org/10.5812/aapm.112348")
        );
        assert_eq!(
            related.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["forms-compared"]
        );
        let text = r.render_text();
        assert!(
            text.contains("Sources:\n- A Guide, \"Summary\" <https://doi.org/10.5812/aapm.112348>"),
            "{text}"
        );
    }

    #[test]
    fn suggestions_and_no_match_render() {
        let f = faq();
        let s = Reply::from_outcome(&f, &outcome(&f, "suggest"), None).render_text();
        assert!(
            s.contains("Did you mean") && s.contains("[forms-compared]"),
            "{s}"
        );
        let n = Reply::from_outcome(&f, &outcome(&f, "none"), None).render_text();
        assert!(
            n.starts_with("I don't have an answer for that in the FAQ"),
            "{n}"
        );
    }

    #[test]
    fn knowledge_ask_end_to_end_on_a_literal_faq() {
        let k = crate::knowledge::Knowledge::new(
            faq(),
            crate::safety::Rules::bundled(),
            MatchOptions::default(),
        );
        let a = k.ask("I can't breathe after my mag drip");
        assert_eq!(a.alert, Some(Alert::Emergency));
        assert!(a
            .reply
            .render_text()
            .starts_with(k.safety.notice(Alert::Emergency)));
        let _ = Index::build(&k.faq, MatchOptions::default());
    }
}
