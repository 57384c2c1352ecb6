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
//!    of the terms (strsim).
//! 5. [`Decision`]: answer / suggest / none from thresholds in [`MatchOptions`].

pub mod fuzzy;
pub mod normalize;
pub mod surface;
pub mod synonyms;

use std::collections::HashSet;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::faq::Faq;
use fuzzy::Fuzzy;
use normalize::{is_stop, stem, truncate_chars, undouble, words};
use synonyms::Synonyms;

/// Matcher knobs. `Default` holds the tuned values; config may override them.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MatchOptions {
    /// Minimum score of the best entry to answer.
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
            answer_threshold: 0.6,
            answer_margin: 0.05,
            low_answer_threshold: 0.5,
            wide_margin: 0.1,
            suggest_threshold: 0.3,
            max_suggestions: 3,
            max_query_chars: 500,
        }
    }
}

/// Field strengths: how much a term found in that field of an entry counts.
const STRENGTH_QUESTION: f32 = 1.0;
const STRENGTH_KEYWORD: f32 = 0.8;
const STRENGTH_ANSWER: f32 = 0.5;
/// A typo-corrected query word counts this much of an exact one.
const CORRECTED: f32 = 0.8;
/// ... and a loosely corrected one (several typos, trigram fallback) this much.
const LOOSELY_CORRECTED: f32 = 0.6;
/// Numbers weigh this much of a word with the same idf.
const NUMBER_WEIGHT: f32 = 0.3;
/// Weight floors (share of the largest idf) for query coverage and entry coverage. Entry
/// coverage is flatter: a common word the query leaves out of a question still matters.
const QUERY_FLOOR: f32 = 0.1;
const ENTRY_FLOOR: f32 = 0.35;
/// Unknown words weigh this many times the rarest known word.
const UNKNOWN_FACTOR: f32 = 1.5;
/// Generic words that say little about which entry is meant ("does X *help* Y", "is it
/// *safe*"): they weigh [`LIGHT_WEIGHT`] of their idf.
const LIGHT_WORDS: &[&str] = &[
    "bad", "best", "better", "cause", "feel", "fine", "give", "go", "good", "happen", "help",
    "keep", "make", "normal", "right", "safe", "start", "take", "try", "use", "work", "worth",
];
const LIGHT_WEIGHT: f32 = 0.3;
/// To answer, the query's known, non-generic words must weigh at least this share of the
/// largest idf: "what causes migraines" is too thin to pick an entry.
const MIN_SUBSTANCE: f32 = 0.25;
/// Terms in at least this share of the entries' questions are the FAQ's subject (e.g.
/// "magnesium"). A message that names none of them must be fully explained by the best
/// entry's questions and keywords to be answered ("is potassium / calcium safe with
/// kidney disease" is about something else).
const SUBJECT_SHARE: f32 = 0.6;
/// BM25 parameters for answer text.
const BM25_K1: f32 = 1.2;
const BM25_B: f32 = 0.75;
/// Candidate preselection estimate: query coverage plus this much of the entry-coverage
/// estimate (the share of an entry's question the matched terms make up).
const PRESELECT_COVERAGE: f32 = 0.6;
const PRESELECT_ENTRY: f32 = 0.3;
/// Score blend (sums to 1): query coverage, whole-question similarity of the terms
/// (strsim, leaders only), surface similarity of all the words ([`surface`]). Tuned on
/// `tests/data/dev.jsonl` (no wrong answers, full abstention) and the MedQuAD noisy
/// queries (top-1 accuracy): coverage says what the message is about, surface sees the
/// small words that carry the question type and letters that survive typos.
const W_COVERAGE: f32 = 0.375;
const W_SIMILARITY: f32 = 0.125;
const W_SURFACE: f32 = 0.5;
/// Candidates re-scored after candidate generation.
const TOP_K: usize = 64;
/// Leading candidates whose whole-question similarity is computed.
const SIMILARITY_K: usize = 6;
/// Candidates reported in an [`Outcome`].
const MAX_CANDIDATES: usize = 5;
/// Typo alternatives kept per unknown word.
const MAX_ALTERNATIVES: usize = 3;

/// A candidate being re-scored.
struct Scored {
    entry: u32,
    score: f32,
    coverage: f32,
    entry_coverage: f32,
    similarity: f32,
    surface: f32,
    /// The question/alternate that scored best.
    text: usize,
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

/// One meaningful term of a query, as the matcher read it (for `--explain`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct QueryTerm {
    /// The words of the message it comes from.
    pub from: String,
    /// The term(s) searched: one, or several equally close typo corrections.
    pub terms: Vec<String>,
    /// The synonym group's canonical when a synonym rewrote the words.
    pub synonym: Option<String>,
    /// The typo correction, when the word was unknown and corrected.
    pub corrected: Option<String>,
    /// Whether the FAQ knows the term at all (unknown terms count against every entry).
    pub known: bool,
    pub weight: f32,
}

/// How the matcher read a message (for `--explain`).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct QueryExplanation {
    /// Normalized words, stop words included.
    pub words: Vec<String>,
    /// Meaningful terms after stop words, corrections and synonyms.
    pub terms: Vec<QueryTerm>,
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

/// A question or alternate, indexed for entry coverage and similarity.
#[derive(Debug, Clone)]
struct Text {
    /// Distinct terms.
    terms: Vec<u32>,
    /// Sum of the terms' weights.
    total: f32,
    /// Sorted terms joined by spaces, for strsim.
    sorted: String,
    /// Ids of the character trigrams of all its words ([`surface`]).
    grams: Vec<u32>,
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
    /// Whether a term is one of the FAQ's subject terms (see [`SUBJECT_SHARE`]).
    subject: Vec<bool>,
    ids: Vec<String>,
    /// Per entry: its question and alternates (question first), and their raw text.
    texts: Vec<Vec<Text>>,
    raw_texts: Vec<Vec<String>>,
    /// Lowercased canonical questions, for autocomplete.
    lower_questions: Vec<String>,
}

/// A word of a message after normalization.
struct Word {
    raw: String,
    stem: String,
    stop: bool,
    /// Typo corrections (stems), best first, when the word was unknown.
    alts: Vec<String>,
    /// `alts[0]` is the word itself (known from answer text only).
    keep: bool,
    /// The alternatives come from the loose (trigram) fallback.
    loose: bool,
}

/// A term produced by analysis.
struct Analyzed {
    from: String,
    /// Term texts: one, or typo alternatives.
    terms: Vec<String>,
    synonym: Option<u32>,
    corrected: bool,
    /// The first term is the word itself (known, e.g. from answer text), the others are
    /// typo alternatives.
    exact_first: bool,
    /// Corrected by the loose fallback.
    loose: bool,
}

/// `strsim::normalized_levenshtein`, computed on bytes with a reused row when both texts
/// are ASCII (the same result: a byte is a character there), by strsim otherwise.
fn normalized_levenshtein(a: &str, b: &str, row: &mut Vec<usize>) -> f32 {
    if !(a.is_ascii() && b.is_ascii()) {
        return strsim::normalized_levenshtein(a, b) as f32;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    row.clear();
    row.extend(0..=b.len());
    for (i, &ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(diagonal + 1).min(row[j] + 1);
        }
    }
    (1.0 - row[b.len()] as f64 / a.len().max(b.len()) as f64) as f32
}

fn is_number(term: &str) -> bool {
    term.chars().all(|c| c.is_ascii_digit())
}

impl Index {
    /// Builds the index for `faq`.
    pub fn build(faq: &Faq, options: MatchOptions) -> Index {
        let mut index = Index {
            options,
            synonyms: Synonyms::build(&faq.synonyms),
            fuzzy: Fuzzy::default(),
            trigrams: surface::Trigrams::default(),
            known_words: FxHashSet::default(),
            question_words: FxHashSet::default(),
            term_ids: FxHashMap::default(),
            term_text: Vec::new(),
            weight: Vec::new(),
            eweight: Vec::new(),
            postings: Vec::new(),
            unknown_weight: 0.0,
            light: Vec::new(),
            substance: 0.0,
            subject: Vec::new(),
            ids: faq.entries.iter().map(|e| e.id.clone()).collect(),
            texts: Vec::with_capacity(faq.entries.len()),
            raw_texts: Vec::with_capacity(faq.entries.len()),
            lower_questions: faq
                .entries
                .iter()
                .map(|e| e.question.to_lowercase())
                .collect(),
        };
        let syn_words: Vec<String> = index.synonyms.words().map(str::to_string).collect();
        index.known_words.extend(syn_words.iter().cloned());
        // Correction vocabulary: words of questions, alternates, keywords and synonyms, as
        // written (a typo is closer to the written word than to its stem).
        let mut correctable: FxHashMap<String, u32> = FxHashMap::default();
        for w in index.synonyms.surface_words() {
            if !is_number(w) {
                *correctable.entry(w.clone()).or_default() += 1;
            }
        }

        let mut entry_texts: Vec<Vec<Vec<u32>>> = Vec::with_capacity(faq.entries.len());
        let mut answer_lens = Vec::with_capacity(faq.entries.len());
        // per entry: term -> (field, strength for question/keywords or tf for answer)
        let mut per_entry: FxHashMap<u32, (Field, f32)> = FxHashMap::default();
        let mut items: Vec<Vec<(u32, Field, f32)>> = Vec::with_capacity(faq.entries.len());
        let mut memo = WordMemo::new(&index.synonyms);
        for entry in &faq.entries {
            per_entry.clear();
            let mut texts = Vec::new();
            for text in std::iter::once(&entry.question).chain(&entry.alternates) {
                let mut ids = index.analyze_for_index(text, Some(&mut correctable), &mut memo);
                ids.sort_unstable();
                ids.dedup();
                for &t in &ids {
                    per_entry.insert(t, (Field::Question, STRENGTH_QUESTION));
                }
                texts.push(ids);
            }
            for kw in &entry.keywords {
                for id in index.analyze_for_index(kw, Some(&mut correctable), &mut memo) {
                    per_entry
                        .entry(id)
                        .or_insert((Field::Keywords, STRENGTH_KEYWORD));
                }
            }
            let answer = index.analyze_for_index(&entry.answer, None, &mut memo);
            answer_lens.push(answer.len() as f32);
            for id in answer {
                let slot = per_entry.entry(id).or_insert((Field::Answer, 0.0));
                if slot.0 == Field::Answer {
                    slot.1 += 1.0;
                }
            }
            items.push(per_entry.iter().map(|(&t, &(f, v))| (t, f, v)).collect());
            entry_texts.push(texts);
        }

        // Postings and BM25-style weights.
        let n = faq.entries.len() as f32;
        let avg_len = if answer_lens.is_empty() {
            1.0
        } else {
            (answer_lens.iter().sum::<f32>() / n).max(1.0)
        };
        index.postings = vec![Vec::new(); index.term_text.len()];
        for (e, items) in items.iter().enumerate() {
            for &(t, field, v) in items {
                let strength = match field {
                    Field::Answer => {
                        let norm = 1.0 - BM25_B + BM25_B * answer_lens[e] / avg_len;
                        STRENGTH_ANSWER * v * (BM25_K1 + 1.0)
                            / (v + BM25_K1 * norm)
                            / (BM25_K1 + 1.0)
                    }
                    _ => v,
                };
                index.postings[t as usize].push(Posting {
                    entry: e as u32,
                    strength,
                    field,
                    share: 0.0,
                });
            }
        }
        let idf = |df: f32| (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
        let max_idf = idf(0.0);
        index.unknown_weight = max_idf * UNKNOWN_FACTOR;
        index.substance = max_idf * MIN_SUBSTANCE;
        let light: HashSet<String> = LIGHT_WORDS.iter().map(|w| stem(w)).collect();
        for p in index.postings.iter_mut() {
            p.sort_unstable_by_key(|p| p.entry);
        }
        let weights = |floor: f32| -> Vec<f32> {
            index
                .postings
                .iter()
                .zip(&index.term_text)
                .map(|(p, text)| {
                    let w = idf(p.len() as f32).max(floor * max_idf);
                    if is_number(text) {
                        w * NUMBER_WEIGHT
                    } else if light.contains(text) {
                        w * LIGHT_WEIGHT
                    } else {
                        w
                    }
                })
                .collect()
        };
        let (weight, eweight) = (weights(QUERY_FLOOR), weights(ENTRY_FLOOR));
        index.weight = weight;
        index.eweight = eweight;
        index.subject = index
            .postings
            .iter()
            .map(|p| {
                let in_questions = p.iter().filter(|p| p.field == Field::Question).count();
                faq.entries.len() >= 5 && in_questions as f32 >= SUBJECT_SHARE * n
            })
            .collect();
        index.light = index
            .term_text
            .iter()
            .map(|t| light.contains(t) || is_number(t))
            .collect();

        // Question/alternate texts for re-scoring.
        for (entry, texts) in faq.entries.iter().zip(entry_texts) {
            let raw: Vec<String> = std::iter::once(&entry.question)
                .chain(&entry.alternates)
                .cloned()
                .collect();
            let texts: Vec<Text> = texts
                .into_iter()
                .zip(&raw)
                .map(|(terms, raw)| {
                    let total = terms.iter().map(|&t| index.eweight[t as usize]).sum();
                    let mut sorted: Vec<&str> = terms
                        .iter()
                        .map(|&t| index.term_text[t as usize].as_str())
                        .collect();
                    sorted.sort_unstable();
                    Text {
                        terms,
                        total,
                        sorted: sorted.join(" "),
                        grams: index.trigrams.add(&words(raw)),
                    }
                })
                .collect();
            for text in &texts {
                for &t in &text.terms {
                    let share = index.eweight[t as usize] / text.total.max(f32::MIN_POSITIVE);
                    let e = index.texts.len();
                    let ps = &mut index.postings[t as usize];
                    let at = ps.partition_point(|p| (p.entry as usize) < e);
                    if let Some(p) = ps.get_mut(at).filter(|p| p.entry as usize == e) {
                        p.share = p.share.max(share);
                    }
                }
            }
            index.texts.push(texts);
            index.raw_texts.push(raw);
        }
        index.question_words = correctable.keys().map(|w| stem(w)).collect();
        index.fuzzy = Fuzzy::build(correctable.into_iter().collect());
        index
    }

    /// The options this index decides with.
    pub fn options(&self) -> &MatchOptions {
        &self.options
    }

    fn intern(&mut self, term: &str) -> u32 {
        if let Some(&id) = self.term_ids.get(term) {
            return id;
        }
        let id = self.term_text.len() as u32;
        self.term_ids.insert(term.to_string(), id);
        self.term_text.push(term.to_string());
        id
    }

    /// Terms of FAQ text (no typo correction). Records every word as known, and the
    /// meaningful ones in `correctable` when given. `memo` carries what earlier texts
    /// taught about each word (stem, stop word, term id) through one build.
    fn analyze_for_index(
        &mut self,
        text: &str,
        mut correctable: Option<&mut FxHashMap<String, u32>>,
        memo: &mut WordMemo,
    ) -> Vec<u32> {
        let mut slots = std::mem::take(&mut memo.text);
        slots.clear();
        let known = &mut self.known_words;
        normalize::for_each_word(text, |w| {
            let slot = memo.slot(w, known);
            if let Some(c) = correctable.as_deref_mut() {
                if !memo.words[slot].number {
                    match c.get_mut(w) {
                        Some(n) => *n += 1,
                        None => {
                            c.insert(w.to_string(), 1);
                        }
                    }
                }
            }
            slots.push(slot);
        });
        let rewrites = if memo.synonyms {
            let refs: Vec<&str> = slots.iter().map(|&s| memo.words[s].stem.as_str()).collect();
            let lens: Vec<usize> = slots.iter().map(|&s| memo.words[s].chars).collect();
            self.synonyms.rewrites(&refs, &lens)
        } else {
            Vec::new()
        };
        let mut out = Vec::with_capacity(slots.len());
        let mut r = rewrites.iter().peekable();
        let mut i = 0;
        while i < slots.len() {
            if let Some(rw) = r.next_if(|rw| rw.start == i) {
                let group = rw.group;
                let term: String = self.synonyms.term(group).into();
                out.push(self.intern(&term));
                for k in 0..self.synonyms.parts(group).len() {
                    let part = self.synonyms.parts(group)[k].clone();
                    out.push(self.intern(&part));
                }
                i += rw.len;
            } else {
                let word = &mut memo.words[slots[i]];
                if !word.stop {
                    let id = match word.term {
                        Some(id) => id,
                        None => *word.term.insert(self.intern(&word.stem)),
                    };
                    out.push(id);
                }
                i += 1;
            }
        }
        memo.text = slots;
        out
    }

    /// Normalizes, corrects and rewrites a message into terms.
    fn analyze_query(&self, message: &str) -> (Vec<String>, Vec<Analyzed>) {
        let message = truncate_chars(message, self.options.max_query_chars);
        let raw_words = words(message);
        let mut ws: Vec<Word> = raw_words
            .iter()
            .map(|w| Word {
                raw: w.clone(),
                stem: stem(w),
                stop: is_stop(w),
                alts: Vec::new(),
                keep: false,
                loose: false,
            })
            .collect();
        for w in ws.iter_mut() {
            if w.stop || is_number(&w.stem) || self.question_words.contains(&w.stem) {
                continue;
            }
            // Known only from answer text (rare words, misspellings there): keep the word
            // and add close question words as alternatives.
            let known = self.known_words.contains(&w.stem);
            if !known {
                // stretched letters: "sooo" was cut to "soo"; try "so"
                let single = stem(&undouble(&w.raw));
                if single != w.stem && self.known_words.contains(&single) {
                    w.stem = single;
                    continue;
                }
            }
            let mut fixes = self.fuzzy.lookup(&w.raw, MAX_ALTERNATIVES);
            if fixes.is_empty() && !known {
                fixes.extend(self.fuzzy.lookup_loose(&w.raw));
                w.loose = !fixes.is_empty();
            }
            if known && !fixes.is_empty() {
                w.keep = true;
                w.alts.push(w.stem.clone());
            }
            if !known
                && fixes
                    .first()
                    .is_some_and(|c| is_stop(self.fuzzy.word(c.word)))
            {
                // "whcih" -> "which": a function word after all
                w.stop = true;
                continue;
            }
            for c in &fixes {
                let word = self.fuzzy.word(c.word);
                if is_stop(word) {
                    continue;
                }
                let s = stem(word);
                if !w.alts.contains(&s) {
                    w.alts.push(s);
                }
            }
        }
        let refs: Vec<&str> = ws
            .iter()
            .map(|w| w.alts.first().unwrap_or(&w.stem).as_str())
            .collect();
        let lens: Vec<usize> = ws
            .iter()
            .map(|w| match w.alts.first() {
                Some(a) => a.chars().count(),
                None => w.raw.chars().count(),
            })
            .collect();
        let rewrites = self.synonyms.rewrites(&refs, &lens);
        let mut out = Vec::new();
        let mut r = rewrites.iter().peekable();
        let mut i = 0;
        while i < ws.len() {
            if let Some(rw) = r.next_if(|rw| rw.start == i) {
                let span = &ws[i..i + rw.len];
                let from = span
                    .iter()
                    .map(|w| w.raw.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                let corrected = span.iter().any(|w| !w.alts.is_empty());
                out.push(Analyzed {
                    from: from.clone(),
                    terms: vec![self.synonyms.term(rw.group).to_string()],
                    synonym: Some(rw.group),
                    corrected,
                    exact_first: false,
                    loose: false,
                });
                for part in self.synonyms.parts(rw.group) {
                    out.push(Analyzed {
                        from: from.clone(),
                        terms: vec![part.clone()],
                        synonym: Some(rw.group),
                        corrected,
                        exact_first: false,
                        loose: false,
                    });
                }
                i += rw.len;
                continue;
            }
            let w = &ws[i];
            i += 1;
            if w.stop {
                continue;
            }
            if w.alts.is_empty() {
                out.push(Analyzed {
                    from: w.raw.clone(),
                    terms: vec![w.stem.clone()],
                    synonym: None,
                    corrected: false,
                    exact_first: false,
                    loose: false,
                });
            } else {
                // each alternative through single-word synonyms
                let terms = w
                    .alts
                    .iter()
                    .map(
                        |a| match self.synonyms.rewrites(&[a.as_str()], &[usize::MAX]).first() {
                            Some(rw) => self.synonyms.term(rw.group).to_string(),
                            None => a.clone(),
                        },
                    )
                    .collect();
                out.push(Analyzed {
                    from: w.raw.clone(),
                    terms,
                    synonym: None,
                    corrected: true,
                    exact_first: w.keep,
                    loose: w.loose,
                });
            }
        }
        (raw_words, out)
    }

    fn resolve(&self, analyzed: &[Analyzed]) -> Vec<Resolved> {
        let mut out: Vec<Resolved> = Vec::with_capacity(analyzed.len());
        for a in analyzed {
            let conf = |i: usize| {
                if a.loose {
                    LOOSELY_CORRECTED
                } else if a.corrected && !(i == 0 && a.exact_first) {
                    CORRECTED
                } else {
                    1.0
                }
            };
            let mut alts: Vec<(u32, f32)> = a
                .terms
                .iter()
                .enumerate()
                .filter_map(|(i, t)| self.term_ids.get(t).map(|&id| (id, conf(i))))
                .collect();
            alts.dedup_by_key(|a| a.0);
            let number = a.terms.iter().all(|t| is_number(t));
            let weight = if alts.is_empty() {
                if number {
                    self.unknown_weight * NUMBER_WEIGHT
                } else {
                    self.unknown_weight
                }
            } else {
                alts.iter()
                    .map(|&(t, _)| self.weight[t as usize])
                    .fold(0.0, f32::max)
            };
            // the same term twice counts once
            if out
                .iter()
                .any(|r| r.alts == alts && (!alts.is_empty() || r.from == a.from))
            {
                continue;
            }
            out.push(Resolved {
                alts,
                weight,
                number,
                from: a.from.clone(),
            });
        }
        out
    }

    /// How the matcher reads `message`: words, terms, synonyms, corrections, weights.
    pub fn explain_query(&self, message: &str) -> QueryExplanation {
        let (words, analyzed) = self.analyze_query(message);
        let terms = analyzed
            .iter()
            .map(|a| {
                let r = &self.resolve(std::slice::from_ref(a))[0];
                QueryTerm {
                    from: a.from.clone(),
                    terms: a.terms.clone(),
                    synonym: a.synonym.map(|g| self.synonyms.canonical(g).to_string()),
                    corrected: a.corrected.then(|| a.terms.join(" | ")),
                    known: !r.alts.is_empty(),
                    weight: r.weight,
                }
            })
            .collect();
        QueryExplanation { words, terms }
    }

    /// Matches one message.
    pub fn search(&self, message: &str) -> Outcome {
        let (raw_words, analyzed) = self.analyze_query(message);
        let query = self.resolve(&analyzed);
        let none = Outcome {
            decision: Decision::None,
            candidates: Vec::new(),
        };
        if query.is_empty() || query.iter().all(|q| q.number) || self.ids.is_empty() {
            return none;
        }
        let total: f32 = query.iter().map(|q| q.weight).sum();

        // Candidate generation: coverage numerators (and entry-coverage estimates) from
        // the postings; one scratch array per query, nothing allocated per candidate.
        let mut acc = vec![(0.0f32, 0.0f32); self.ids.len()];
        let mut touched: Vec<u32> = Vec::new();
        let multi = query.iter().any(|q| q.alts.len() > 1);
        let mut best = vec![(0.0f32, 0.0f32); if multi { self.ids.len() } else { 0 }];
        let mut term_touched: Vec<u32> = Vec::new();
        for q in &query {
            if q.alts.len() == 1 {
                let (t, conf) = q.alts[0];
                for p in &self.postings[t as usize] {
                    let slot = &mut acc[p.entry as usize];
                    if slot.0 == 0.0 {
                        touched.push(p.entry);
                    }
                    slot.0 += q.weight * p.strength * conf;
                    slot.1 += p.share * conf;
                }
            } else {
                for &(t, conf) in &q.alts {
                    for p in &self.postings[t as usize] {
                        let slot = &mut best[p.entry as usize];
                        if slot.0 == 0.0 {
                            term_touched.push(p.entry);
                        }
                        let c = q.weight * p.strength * conf;
                        if c > slot.0 {
                            *slot = (c, p.share * conf);
                        }
                    }
                }
                for e in term_touched.drain(..) {
                    let slot = &mut acc[e as usize];
                    if slot.0 == 0.0 {
                        touched.push(e);
                    }
                    let b = std::mem::take(&mut best[e as usize]);
                    slot.0 += b.0;
                    slot.1 += b.1;
                }
            }
        }
        if touched.is_empty() {
            return none;
        }
        let estimate = |e: u32| {
            let (c, sh) = acc[e as usize];
            PRESELECT_COVERAGE * c / total + PRESELECT_ENTRY * sh.min(1.0)
        };
        let by_estimate = |a: &u32, b: &u32| estimate(*b).total_cmp(&estimate(*a)).then(a.cmp(b));
        if touched.len() > TOP_K {
            touched.select_nth_unstable_by(TOP_K - 1, by_estimate);
            touched.truncate(TOP_K);
        }

        // Re-scoring: entry coverage and whole-question similarity.
        let mut qids: Vec<u32> = query
            .iter()
            .flat_map(|q| q.alts.iter().map(|a| a.0))
            .collect();
        qids.sort_unstable();
        let mut qsorted: Vec<&str> = qids
            .iter()
            .map(|&t| self.term_text[t as usize].as_str())
            .collect();
        qsorted.sort_unstable();
        let qstring = qsorted.join(" ");
        // Pass 1: query coverage, entry coverage and surface similarity (all cheap) for
        // every preselected entry.
        // the query's terms as a bit set: one bit test per question term
        let mut qbits = vec![0u64; self.term_text.len().div_ceil(64)];
        for &t in &qids {
            qbits[t as usize / 64] |= 1 << (t % 64);
        }
        let cover = |text: &Text| {
            if text.total <= 0.0 {
                return 0.0;
            }
            let covered: f32 = text
                .terms
                .iter()
                .filter(|&&t| qbits[t as usize / 64] & (1 << (t % 64)) != 0)
                .map(|&t| self.eweight[t as usize])
                .sum();
            covered / text.total
        };
        let probe = self.trigrams.probe(&raw_words);
        let mut scored: Vec<Scored> = touched
            .iter()
            .map(|&e| {
                let coverage = (acc[e as usize].0 / total).min(1.0);
                let mut best = Scored {
                    entry: e,
                    score: f32::MIN,
                    coverage,
                    entry_coverage: 0.0,
                    similarity: 0.0,
                    surface: 0.0,
                    text: 0,
                };
                for (i, text) in self.texts[e as usize].iter().enumerate() {
                    best.entry_coverage = best.entry_coverage.max(cover(text));
                    let d = probe.similarity(&text.grams);
                    let score = W_COVERAGE * coverage + W_SURFACE * d;
                    if score > best.score {
                        (best.score, best.surface, best.text) = (score, d, i);
                    }
                }
                best
            })
            .collect();
        let order =
            |a: &Scored, b: &Scored| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry));
        scored.sort_by(order);
        // Pass 2: whole-question similarity of the terms (strsim) for the leaders only, on
        // the question/alternate pass 1 chose.
        let mut row = Vec::new();
        for cand in scored.iter_mut().take(SIMILARITY_K) {
            let text = &self.texts[cand.entry as usize][cand.text];
            cand.similarity = normalized_levenshtein(&qstring, &text.sorted, &mut row);
            cand.score += W_SIMILARITY * cand.similarity;
        }
        scored.sort_by(order);
        scored.truncate(MAX_CANDIDATES);

        let candidates: Vec<Match> = scored
            .iter()
            .map(|c| Match {
                entry: c.entry as usize,
                id: self.ids[c.entry as usize].clone(),
                score: c.score,
                explanation: Explanation {
                    coverage: c.coverage,
                    entry_coverage: c.entry_coverage,
                    similarity: c.similarity,
                    surface: c.surface,
                    best_text: self.raw_texts[c.entry as usize][c.text].clone(),
                    terms: self.term_matches(&query, c.entry),
                },
            })
            .collect();
        let substance: f32 = query
            .iter()
            .filter(|q| !q.alts.is_empty() && q.alts.iter().all(|&(t, _)| !self.light[t as usize]))
            .map(|q| q.weight)
            .sum();
        // A query that is exactly one of the questions (stop words aside) is never thin.
        let exact = candidates.first().is_some_and(|m| {
            m.explanation.coverage >= 0.99 && m.explanation.entry_coverage >= 0.99
        });
        // A message that names none of the FAQ's subject terms is answered only when the
        // best entry's questions or keywords hold every one of its substantive terms:
        // "is calcium safe with kidney disease" is not about this FAQ's kidney entry.
        let off_subject = self.subject.iter().any(|&s| s)
            && !query
                .iter()
                .any(|q| q.alts.iter().any(|&(t, _)| self.subject[t as usize]))
            && candidates.first().is_some_and(|m| {
                query.iter().zip(&m.explanation.terms).any(|(q, tm)| {
                    let light =
                        !q.alts.is_empty() && q.alts.iter().all(|&(t, _)| self.light[t as usize]);
                    !light
                        && !q.number
                        && !matches!(tm.field, Some(Field::Question | Field::Keywords))
                })
            });
        let decision = self.decide(
            &candidates,
            !off_subject && (exact || substance >= self.substance),
        );
        Outcome {
            decision,
            candidates,
        }
    }

    fn term_matches(&self, query: &[Resolved], entry: u32) -> Vec<TermMatch> {
        query
            .iter()
            .map(|q| {
                let mut best: Option<(f32, Field, u32)> = None;
                for &(t, conf) in &q.alts {
                    let ps = &self.postings[t as usize];
                    if let Ok(i) = ps.binary_search_by_key(&entry, |p| p.entry) {
                        let s = ps[i].strength * conf;
                        if best.is_none_or(|b| s > b.0) {
                            best = Some((s, ps[i].field, t));
                        }
                    }
                }
                let term = match (best, q.alts.first()) {
                    (Some((_, _, t)), _) | (None, Some(&(t, _))) => {
                        self.term_text[t as usize].clone()
                    }
                    (None, None) => "(unknown)".to_string(),
                };
                TermMatch {
                    term,
                    weight: q.weight,
                    field: best.map(|b| b.1),
                    contribution: best.map_or(0.0, |b| b.0 * q.weight),
                }
            })
            .collect()
    }

    fn decide(&self, candidates: &[Match], substantial: bool) -> Decision {
        let o = &self.options;
        let Some(first) = candidates.first() else {
            return Decision::None;
        };
        let runner_up = candidates.get(1).map_or(0.0, |m| m.score);
        let lead = first.score - runner_up;
        let clear = (first.score >= o.answer_threshold && lead >= o.answer_margin)
            || (first.score >= o.low_answer_threshold && lead >= o.wide_margin);
        if substantial && clear {
            return Decision::Answer(first.clone());
        }
        let suggestions: Vec<Match> = candidates
            .iter()
            .filter(|m| m.score >= o.suggest_threshold)
            .take(o.max_suggestions)
            .cloned()
            .collect();
        if suggestions.is_empty() {
            Decision::None
        } else {
            Decision::Suggest(suggestions)
        }
    }

    /// Entry positions for autocomplete of `partial` (exact and prefix hits on id or
    /// question first, then fuzzy), at most `limit`.
    pub fn complete(&self, partial: &str, limit: usize) -> Vec<usize> {
        let p = partial.trim().to_lowercase();
        let mut out: Vec<usize> = Vec::new();
        if p.is_empty() {
            return (0..self.ids.len()).take(limit).collect();
        }
        let question = |e: usize| self.lower_questions[e].as_str();
        let tiers: [&dyn Fn(usize) -> bool; 4] = [
            &|e| self.ids[e] == p,
            &|e| self.ids[e].starts_with(&p),
            &|e| question(e).starts_with(&p),
            &|e| self.ids[e].contains(&p) || question(e).contains(&p),
        ];
        for tier in tiers {
            for e in 0..self.ids.len() {
                if out.len() >= limit {
                    return out;
                }
                if !out.contains(&e) && tier(e) {
                    out.push(e);
                }
            }
        }
        for m in self.search(partial).candidates {
            if out.len() >= limit {
                break;
            }
            if !out.contains(&m.entry) {
                out.push(m.entry);
            }
        }
        out
    }
}

/// What the index build learned about a written word, so that each distinct word is
/// stemmed, checked and interned once however often the FAQ uses it.
struct MemoWord {
    stem: String,
    /// Characters of the word as written.
    chars: usize,
    stop: bool,
    number: bool,
    /// Term id of the stem, once interned.
    term: Option<u32>,
}

/// Per-build memo of [`Index::analyze_for_index`] (dropped with the build).
struct WordMemo {
    /// Slots of words of at most [`WordMemo::INLINE`] bytes, keyed by their bytes and
    /// length packed in place: no pointer to follow, no string to compare.
    short: FxHashMap<[u64; 2], usize>,
    /// Slots of longer words.
    long: FxHashMap<Box<str>, usize>,
    words: Vec<MemoWord>,
    /// Whether there are synonym phrases to rewrite.
    synonyms: bool,
    /// Scratch: the slots of the text being analysed.
    text: Vec<usize>,
}

impl WordMemo {
    fn new(synonyms: &Synonyms) -> WordMemo {
        WordMemo {
            short: FxHashMap::default(),
            long: FxHashMap::default(),
            words: Vec::new(),
            synonyms: synonyms.words().next().is_some(),
            text: Vec::new(),
        }
    }

    const INLINE: usize = 15;

    /// `w`'s bytes, zero-padded, and its length in the last byte (exact: two words have
    /// the same key only if they are equal).
    fn inline_key(w: &str) -> Option<[u64; 2]> {
        if w.len() > Self::INLINE {
            return None;
        }
        let mut bytes = [0u8; 16];
        bytes[..w.len()].copy_from_slice(w.as_bytes());
        bytes[15] = w.len() as u8;
        let (lo, hi) = bytes.split_at(8);
        Some([
            u64::from_le_bytes(lo.try_into().expect("8 bytes")),
            u64::from_le_bytes(hi.try_into().expect("8 bytes")),
        ])
    }

    /// The slot of written word `w`, made on first sight (its stem joins `known`).
    fn slot(&mut self, w: &str, known: &mut FxHashSet<String>) -> usize {
        let key = Self::inline_key(w);
        let found = match key {
            Some(k) => self.short.get(&k),
            None => self.long.get(w),
        };
        if let Some(&slot) = found {
            return slot;
        }
        let stem = stem(w);
        if !known.contains(stem.as_str()) {
            known.insert(stem.clone());
        }
        let slot = self.words.len();
        self.words.push(MemoWord {
            number: is_number(&stem),
            stop: is_stop(w),
            chars: w.chars().count(),
            stem,
            term: None,
        });
        match key {
            Some(k) => self.short.insert(k, slot),
            None => self.long.insert(w.into(), slot),
        };
        slot
    }
}

#[cfg(test)]
pub(crate) mod tests;
