//! The question matcher: normalize a message, find candidate entries, score them and
//! decide whether to answer, suggest or stay silent.
//!
//! Pure and synchronous. Build an [`Index`] once per loaded FAQ, then call
//! [`Index::search`] per message: the query is preprocessed once, then candidates scored.
//!
//! Pipeline:
//! 1. [`normalize`]: NFKC, case, Discord markup, punctuation, repeated letters, stop
//!    words, light stemming.
//! 2. typo correction ([`fuzzy`]) of words the FAQ does not know, then the moderators'
//!    [`synonyms`] as phrase rewriting (the same rewriting ran over the entries).
//! 3. candidate generation from an inverted index: each query term's postings add
//!    `weight(term) * strength(term, entry)` where the weight is a BM25-style idf and the
//!    strength depends on the field (question/alternates 1.0, keywords 0.8, answer text
//!    up to 0.5 with BM25 tf saturation). Dividing by the weight of the whole query,
//!    unknown words included, gives the *coverage*: how much of the question the entry
//!    explains.
//! 4. the top candidates (preselected by coverage and an entry-coverage estimate) are
//!    re-scored: coverage, [`surface`] similarity of all the message's words (character
//!    trigrams, small words included, so the question type and misspelled words still
//!    count) to each question/alternate, and for the leaders whole-question similarity
//!    of the terms (strsim). Long messages are judged by how much of a question they
//!    hold: their unmatched trigrams saturate at the question's size, and entry coverage
//!    takes a share of the coverage part that grows with the message's length.
//! 5. [`Decision`]: answer / suggest / none from a calibrated model over the best
//!    candidates' features ([`decision`]), after the near-miss and relatedness guards.
//!
//! The code is split by responsibility: [`build`](self::build) makes an [`Index`] from a
//! FAQ, [`search`](self::search) matches a message and decides, [`explain`](self::explain)
//! says how a message was read and why a candidate scored as it did.

pub mod background;
mod build;
mod candidates;
pub mod decision;
mod explain;
pub mod fuzzy;
pub mod normalize;
mod search;
pub mod surface;
pub mod synonyms;

use rustc_hash::{FxHashMap, FxHashSet};

use fuzzy::Fuzzy;
use synonyms::Synonyms;

pub use explain::{QueryExplanation, QueryTerm};

/// Numbers weigh this much of a word with the same idf.
const NUMBER_WEIGHT: f32 = 0.3;

/// How the matcher decides to answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DecisionMode {
    /// The fitted decision model ([`decision`]): answer at its confidence threshold,
    /// suggest at its relatedness threshold.
    #[default]
    Model,
    /// Hand-set score thresholds: `answer_threshold` with `answer_margin`, or
    /// `low_answer_threshold` with `wide_margin`; suggestions from `suggest_threshold`.
    Thresholds,
}

/// Matcher knobs. `Default` holds the tuned values; config may override them.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MatchOptions {
    /// The fitted model (default) or the hand-set thresholds below.
    pub decision: DecisionMode,
    /// Minimum score of the best entry to answer (`decision = "thresholds"`).
    pub answer_threshold: f32,
    /// Minimum lead of the best entry over the runner-up to answer.
    pub answer_margin: f32,
    /// A lower score also answers when the lead is at least `wide_margin`.
    pub low_answer_threshold: f32,
    /// Lead over the runner-up required at `low_answer_threshold`.
    pub wide_margin: f32,
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
            decision: DecisionMode::Model,
            answer_threshold: 0.6,
            answer_margin: 0.05,
            low_answer_threshold: 0.5,
            wide_margin: 0.1,
            suggest_threshold: 0.45,
            max_suggestions: 3,
            max_query_chars: 4000,
        }
    }
}

/// The field of an entry where a term was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    /// Question or one of the alternates.
    Question,
    Keywords,
    Answer,
}

/// How one query term met one entry.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TermMatch {
    pub term: String,
    /// The term's weight in the query (idf-based; unknown words weigh the most).
    pub weight: f32,
    /// Where the entry has it; `None` when it does not.
    pub field: Option<Field>,
    /// `weight * strength`, the term's part of the coverage numerator.
    pub contribution: f32,
}

/// Why a candidate got its score (terms, synonyms, fuzzy corrections, components).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Explanation {
    /// Share of the query's weight the entry explains (0..1).
    pub coverage: f32,
    /// Share of the entry's best-matching question/alternate the query covers (0..1).
    pub entry_coverage: f32,
    /// strsim similarity of the query to that question/alternate (0..1).
    pub similarity: f32,
    /// Character-trigram similarity of the whole message, small words included, to that
    /// question/alternate (0..1, [`surface`]).
    pub surface: f32,
    /// The question or alternate that matched best.
    pub best_text: String,
    /// Every query term and how it met this entry.
    pub terms: Vec<TermMatch>,
    /// The part of the message that was scored, when not the whole (a question-like
    /// span of a long message).
    pub span: Option<String>,
    /// The salient word of the message this entry does not cover, which kept it from
    /// being answered (the near-miss guard; best candidate only).
    pub blocked_by: Option<String>,
    /// The decision's features, probabilities and what held an answer back (best
    /// candidate only).
    pub decision: Option<decision::DecisionTrace>,
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
// one per message, moved a few times: boxing the answer would cost more than it saves
#[allow(clippy::large_enum_variant)]
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

/// One posting: a term occurs in an entry.
#[derive(Debug, Clone, Copy)]
struct Posting {
    entry: u32,
    /// Field strength in 0..=1.
    strength: f32,
    field: Field,
    /// For question terms: the term's share of the entry coverage of the shortest
    /// question/alternate holding it (a cheap entry-coverage estimate for preselection).
    share: f32,
}

/// A question or alternate, indexed for entry coverage and similarity (a view into
/// [`Texts`]).
#[derive(Debug, Clone, Copy)]
struct Text<'a> {
    /// Distinct terms.
    terms: &'a [u32],
    /// Sum of the terms' weights.
    total: f32,
    /// Ids of the character trigrams of all its words ([`surface`]).
    grams: &'a [u32],
}

/// Every entry's question and alternates (question first), stored flat so that
/// re-scoring a candidate reads one run of memory: per entry, each text as a header
/// (`total` as bits, number of terms, number of trigrams), its terms, its trigram ids.
/// At 16k entries the re-scored candidates are spread over megabytes, and the nested
/// vectors this replaces cost three dependent cache misses per candidate.
#[derive(Debug, Clone, Default)]
struct Texts {
    /// Entry `e`'s texts are `pool[at[e]..at[e + 1]]`.
    at: Vec<u32>,
    pool: Vec<u32>,
    /// Entry `e`'s `i`-th text's sorted terms joined by spaces (for strsim) is
    /// `sorted[first[e] + i]`.
    first: Vec<u32>,
    sorted: Vec<String>,
}

impl Texts {
    /// Appends the next entry's texts: `(terms, total, sorted terms joined, trigram ids)`.
    fn push(&mut self, texts: impl IntoIterator<Item = (Vec<u32>, f32, String, Vec<u32>)>) {
        if self.at.is_empty() {
            self.at.push(0);
        }
        self.first.push(self.sorted.len() as u32);
        for (terms, total, sorted, grams) in texts {
            self.pool
                .extend([total.to_bits(), terms.len() as u32, grams.len() as u32]);
            self.pool.extend_from_slice(&terms);
            self.pool.extend_from_slice(&grams);
            self.sorted.push(sorted);
        }
        self.at.push(self.pool.len() as u32);
    }

    /// Entry `e`'s question and alternates, question first.
    fn of(&self, e: usize) -> impl Iterator<Item = Text<'_>> {
        let mut rest = &self.pool[self.at[e] as usize..self.at[e + 1] as usize];
        std::iter::from_fn(move || {
            let (&[total, terms, grams], tail) = rest.split_first_chunk::<3>()?;
            let (terms, tail) = tail.split_at(terms as usize);
            let (grams, tail) = tail.split_at(grams as usize);
            rest = tail;
            Some(Text {
                terms,
                total: f32::from_bits(total),
                grams,
            })
        })
    }

    /// Entry `e`'s `i`-th text's sorted terms joined by spaces.
    fn sorted(&self, e: usize, i: usize) -> &str {
        &self.sorted[self.first[e] as usize + i]
    }
}

/// A query term resolved against the index.
#[derive(Debug, Clone)]
struct Resolved {
    /// Term ids with their confidence (1.0, or less for typo corrections).
    alts: Vec<(u32, f32)>,
    weight: f32,
    number: bool,
    /// The message words it comes from.
    from: String,
    /// Background salience of its words ([`background::salience`]).
    salience: f32,
    /// Whether it names a person, product or condition ([`background::is_topic`]).
    topic: bool,
}

/// The searchable form of a FAQ.
#[derive(Debug, Clone)]
pub struct Index {
    options: MatchOptions,
    synonyms: Synonyms,
    fuzzy: Fuzzy,
    /// Trigram ids of the questions and alternates, for surface similarity.
    trigrams: surface::Trigrams,
    /// Every stemmed word the FAQ uses (entries and synonyms).
    known_words: FxHashSet<String>,
    /// Stems of the words of questions, alternates, keywords and synonyms.
    question_words: FxHashSet<String>,
    term_ids: FxHashMap<String, u32>,
    term_text: Vec<String>,
    weight: Vec<f32>,
    /// Term weights for entry coverage.
    eweight: Vec<f32>,
    postings: Vec<Vec<Posting>>,
    /// Weight of a word the FAQ does not know.
    unknown_weight: f32,
    /// Whether a term is generic (light word or number).
    light: Vec<bool>,
    /// Minimum weight of known, non-generic query terms to answer.
    substance: f32,
    /// Whether a term occurs in some entry's questions, alternates or keywords.
    in_questions: Vec<bool>,
    /// Whether a term is one of the FAQ's subject terms (see [`SUBJECT_SHARE`]), or a
    /// synonym group one of whose phrases names one ("low mag" for hypomagnesemia).
    subject: Vec<bool>,
    /// Stems the synonym file uses in the phrases of a group the FAQ's questions use
    /// ("toilet" in "cant go to the toilet"): FAQ vocabulary, never a near-miss word.
    synonym_covered: FxHashSet<String>,
    ids: Vec<String>,
    /// Per entry: its question and alternates (question first), and their raw text.
    texts: Texts,
    raw_texts: Vec<Vec<String>>,
    /// Lowercased canonical questions, for autocomplete.
    lower_questions: Vec<String>,
}

impl Index {
    /// The options this index decides with.
    pub fn options(&self) -> &MatchOptions {
        &self.options
    }
}

fn is_number(term: &str) -> bool {
    term.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
pub(crate) mod tests;
