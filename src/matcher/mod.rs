//! The question matcher: normalize a message, find candidate entries, score them and
//! decide whether to answer, suggest or stay silent.
//!
//! Pure and synchronous. Build an [`Index`] once per loaded FAQ, then call
//! [`Index::search`] per message: the query is preprocessed once, then candidates scored.

use crate::faq::Faq;

/// Matcher knobs. `Default` holds the tuned values; config may override them.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MatchOptions {
    /// Minimum score of the best entry to answer.
    pub answer_threshold: f32,
    /// Minimum lead of the best entry over the runner-up to answer.
    pub answer_margin: f32,
    /// Minimum score for an entry to be suggested.
    pub suggest_threshold: f32,
    /// Suggestions offered at most.
    pub max_suggestions: usize,
    /// Messages are cut to this many characters before matching.
    pub max_query_chars: usize,
}

impl Default for MatchOptions {
    fn default() -> Self {
        MatchOptions {
            answer_threshold: 0.5,
            answer_margin: 0.1,
            suggest_threshold: 0.3,
            max_suggestions: 3,
            max_query_chars: 500,
        }
    }
}

/// Why a candidate got its score (terms, synonyms, fuzzy corrections, components).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Explanation {
    // filled in by the matcher helper
}

/// One scored entry.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Match {
    /// Position of the entry in `Faq::entries`.
    pub entry: usize,
    pub id: String,
    /// Score in 0.0..=1.0.
    pub score: f32,
    pub explanation: Explanation,
}

/// What to do with a message.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Decision {
    /// Clearly this entry.
    Answer(Match),
    /// Related but not certain: "did you mean" (at most `max_suggestions`).
    Suggest(Vec<Match>),
    /// Nothing relevant.
    None,
}

/// The result of matching one message.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Outcome {
    pub decision: Decision,
    /// Best candidates first, at most 5.
    pub candidates: Vec<Match>,
}

/// The searchable form of a FAQ.
#[derive(Debug, Clone)]
pub struct Index {
    // filled in by the matcher helper
}

impl Index {
    /// Builds the index for `faq`.
    pub fn build(faq: &Faq, options: MatchOptions) -> Index {
        let _ = (faq, options);
        todo!("matcher helper")
    }

    /// Matches one message.
    pub fn search(&self, message: &str) -> Outcome {
        let _ = message;
        todo!("matcher helper")
    }

    /// Entry positions for autocomplete of `partial` (exact and prefix hits on id or
    /// question first, then fuzzy), at most `limit`.
    pub fn complete(&self, partial: &str, limit: usize) -> Vec<usize> {
        let _ = (partial, limit);
        todo!("matcher helper")
    }
}
