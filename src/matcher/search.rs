//! Matching one message: analysis (typo correction, synonyms, background weights),
//! candidate generation from the postings, re-scoring of the leaders, the question-like
//! spans of long messages, and the answer / suggest / none decision with its guards.

use std::collections::hash_map::Entry;
use std::ops::Range;

use rustc_hash::FxHashMap;

use super::background;
use super::decision::{self, DecisionTrace, Features};
use super::normalize::{is_stop, sentences, stem, truncate_chars, undouble, words};
use super::{Decision, DecisionMode, Explanation, Field, Index, Match, Outcome, Resolved, Text};

/// A number or quantity the FAQ does not hold ("500mg", "3 weeks") weighs this much of
/// the unknown-word weight: it says how much or how long, rarely what the question is
/// about, so it should not count against every entry like an unknown content word.
const UNKNOWN_NUMBER_WEIGHT: f32 = 0.1;
/// A typo-corrected query word counts this much of an exact one.
const CORRECTED: f32 = 0.8;
/// ... and a loosely corrected one (several typos, trigram fallback) this much.
const LOOSELY_CORRECTED: f32 = 0.6;
/// Candidate preselection estimate: query coverage plus this much of the entry-coverage
/// estimate (the share of an entry's question the matched terms make up).
const PRESELECT_COVERAGE: f32 = 0.6;
const PRESELECT_ENTRY: f32 = 0.3;
/// Score blend (sums to 1): query coverage, whole-question similarity of the terms
/// (strsim, leaders only), surface similarity of all the words ([`surface`]). Tuned on
/// `tests/data/dev.jsonl` (no wrong answers, full abstention) and the MedQuAD noisy
/// queries (top-1 accuracy): coverage says what the message is about, surface sees the
/// small words that carry the question type and letters that survive typos.
/// Similarity 0.125 -> 0.075 (surface 0.5 -> 0.55, with the surface saturation at 0.7):
/// the sorted-terms edit distance favours questions of the message's length, which on
/// long and noisy messages is the wrong prior (rqe_train top-1 0.8907 -> 0.8950, noisy
/// 0.8245 -> 0.8335, right entry first on the member probes unchanged or better).
///
/// [`surface`]: super::surface
const W_COVERAGE: f32 = 0.375;
const W_SIMILARITY: f32 = 0.075;
const W_SURFACE: f32 = 0.55;
/// Long messages: the share of the coverage part given to entry coverage (how much of
/// the entry's question the message holds) grows from 0 at [`LONG_FROM`] query terms to
/// [`LONG_ENTRY_SHARE`] at [`LONG_TO`]. A short message must be explained by the entry
/// (query coverage); a long one holds much that no entry explains (a story, a second
/// question), and the entry whose question it contains whole is the better reading.
/// Measured on `../shared/data/rqe_train/` (long clinical questions, median 11 terms) and
/// the MedQuAD noisy queries (median 4 terms), with the surface saturation in [`surface`].
const LONG_FROM: f32 = 5.0;
const LONG_TO: f32 = 12.0;
const LONG_ENTRY_SHARE: f32 = 0.3;
/// Candidates re-scored after candidate generation.
const TOP_K: usize = 64;
/// Leading candidates whose whole-question similarity is computed.
const SIMILARITY_K: usize = 6;
/// Candidates reported in an [`Outcome`].
const MAX_CANDIDATES: usize = 5;
/// Typo alternatives kept per unknown word.
const MAX_ALTERNATIVES: usize = 3;
/// Messages of at least this many words are also scored on their question-like spans.
const SPAN_MIN_WORDS: usize = 14;
/// Question-like sentences tried as spans (the last ones), each alone and with the
/// sentence before it.
const MAX_QUESTION_SPANS: usize = 2;
/// A long message ranks its candidates on the whole and on its question-like spans: an
/// entry's score is this share of its best span score plus the rest of its whole-message
/// score (an entry a span did not rank gets that span's lowest score). Before, the order
/// came from the whole message alone and a span could only raise its first entry's
/// score. Measured (rank-1 only; halves fixed by a hash of the query): member probes'
/// in-scope right entry first tune 995 -> 1002 of 1,028, held-out 1,354 -> 1,372 of
/// 1,445; rqe_train 0.9053 -> 0.9047 (tune half), 0.8851 -> 0.8814 (check half); the
/// noisy queries are too short to have spans. 0.1 / 0.2 / 0.5: held-out 1,367 / 1,370 /
/// 1,367, rqe tune 0.9041 / 0.9047 / 0.8952; raising only (never lowering) an entry by
/// its span: held-out 1,366.
const SPAN_SHARE: f32 = 0.3;
/// Relatedness: to be answered or suggested, the best entry's questions or keywords must
/// hold a term of the message with at least this salience ("good *night* all" is not).
const ANCHOR_SALIENCE: f32 = 0.3;
/// An uncovered word at least this salient counts as unexplained content.
const SALIENT: f32 = 0.5;
/// Units written after a number: "400 mg" is milligrams, not magnesium.
const UNITS: &[&str] = &[
    "g",
    "gm",
    "gram",
    "grams",
    "iu",
    "mcg",
    "meq",
    "mg",
    "mgs",
    "milligram",
    "milligrams",
    "ml",
    "mmol",
    "ug",
];
/// Words that open a question ("*can* I take ...", "*how* long ...").
const QUESTION_OPENERS: &[&str] = &[
    "any", "anyone", "are", "can", "could", "did", "do", "does", "has", "have", "how", "is",
    "should", "was", "what", "whats", "when", "where", "which", "who", "why", "will", "would",
];

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

/// A word of a message after normalization.
#[derive(Clone)]
struct Word<'a> {
    raw: &'a str,
    stem: String,
    stop: bool,
    /// A unit written after a number ("400 *mg*"): never a synonym, and a number when
    /// the FAQ does not know it.
    unit: bool,
    /// Typo corrections (stems), best first, when the word was unknown.
    alts: Vec<String>,
    /// The written word of the first correction.
    fixed: Option<String>,
    /// `alts[0]` is the word itself (known from answer text only).
    keep: bool,
    /// The alternatives come from the loose (trigram) fallback.
    loose: bool,
}

/// A term produced by analysis.
pub(super) struct Analyzed {
    pub(super) from: String,
    /// Term texts: one, or typo alternatives.
    pub(super) terms: Vec<String>,
    pub(super) synonym: Option<u32>,
    pub(super) corrected: bool,
    /// The first term is the word itself (known, e.g. from answer text), the others are
    /// typo alternatives.
    pub(super) exact_first: bool,
    /// Corrected by the loose fallback.
    pub(super) loose: bool,
    /// Position of its first word in the message.
    pub(super) at: usize,
    /// Background salience ([`background::salience`]) of the word, of the correction, or
    /// of the synonym group's canonical.
    pub(super) salience: f32,
    /// Whether it names a person, product or condition ([`background::is_topic`]).
    pub(super) topic: bool,
    /// A number, a quantity ("400mg") or a unit after a number.
    pub(super) number: bool,
}

/// Decision signals computed alongside the features.
struct Signals {
    substance: f32,
    exact: bool,
    off_subject: bool,
    near_miss: bool,
    span: bool,
    asks: bool,
}

/// A message as the matcher read it.
pub(super) struct Reading {
    /// Normalized words, stop words included.
    pub(super) words: Vec<String>,
    pub(super) analyzed: Vec<Analyzed>,
    /// Sentences as word ranges, with whether each reads as a question.
    pub(super) sentences: Vec<(Range<usize>, bool)>,
    /// Per word: how much its letters count in surface similarity (the salience of
    /// words the FAQ does not know, 1 for the others).
    pub(super) surface_weights: Vec<f32>,
}

/// The best candidates for one part of a message.
struct Ranked {
    query: Vec<Resolved>,
    scored: Vec<Scored>,
    /// Word range scored (the whole message or a span).
    range: Range<usize>,
}

impl Ranked {
    fn top(&self) -> f32 {
        self.scored.first().map_or(f32::MIN, |s| s.score)
    }
}

/// `strsim::normalized_levenshtein`, computed on bytes with a reused row when both texts
/// are ASCII (the same result: a byte is a character there), by strsim otherwise.
pub(super) fn normalized_levenshtein(a: &str, b: &str, row: &mut Vec<usize>) -> f32 {
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

impl Index {
    /// Normalizes, corrects and rewrites a message into terms, sentence by sentence.
    pub(super) fn analyze_query(&self, message: &str) -> Reading {
        let message = truncate_chars(message, self.options.max_query_chars);
        let mut raw_words: Vec<String> = Vec::new();
        let mut sents = Vec::new();
        for (text, asks) in sentences(message) {
            let start = raw_words.len();
            raw_words.extend(words(text));
            if raw_words.len() > start {
                let opens = QUESTION_OPENERS.contains(&raw_words[start].as_str());
                sents.push((start..raw_words.len(), asks || opens));
            }
        }
        // a repeated word is stemmed once: copied from its first occurrence, as yet
        // uncorrected
        let mut ws: Vec<Word> = Vec::with_capacity(raw_words.len());
        let mut first: FxHashMap<&str, usize> = FxHashMap::default();
        for (i, w) in raw_words.iter().enumerate() {
            let word = match first.entry(w.as_str()) {
                Entry::Occupied(at) => ws[*at.get()].clone(),
                Entry::Vacant(slot) => {
                    slot.insert(i);
                    Word {
                        raw: w,
                        stem: stem(w),
                        stop: is_stop(w),
                        unit: false,
                        alts: Vec::new(),
                        fixed: None,
                        keep: false,
                        loose: false,
                    }
                }
            };
            ws.push(word);
        }
        // the first position of each word corrected below: the same word again is read
        // the same way (what follows depends on the word alone), without a second lookup
        let mut seen: FxHashMap<&str, usize> = FxHashMap::default();
        for i in 0..ws.len() {
            // "400 mg": a unit after a number is part of the quantity
            if i > 0 && starts_with_digit(ws[i - 1].raw) && UNITS.contains(&ws[i].raw) {
                ws[i].unit = true;
            }
            let w = &ws[i];
            if w.stop || w.unit || has_digit(w.raw) || self.question_words.contains(&w.stem) {
                continue;
            }
            match seen.entry(raw_words[i].as_str()) {
                Entry::Occupied(first) => {
                    ws[i] = ws[*first.get()].clone();
                    continue;
                }
                Entry::Vacant(slot) => {
                    slot.insert(i);
                }
            }
            let w = &mut ws[i];
            // Known only from answer text (rare words, misspellings there): keep the word
            // and add close question words as alternatives.
            let known = self.known_words.contains(&w.stem);
            if !known {
                // stretched letters: "sooo" was cut to "soo"; try "so"
                let single = stem(&undouble(w.raw));
                if single != w.stem && self.known_words.contains(&single) {
                    w.stem = single;
                    continue;
                }
            }
            let mut fixes = self.fuzzy.lookup(w.raw, MAX_ALTERNATIVES);
            // A real word is what the member meant: it is only ever "corrected" into a
            // form of itself ("recover" -> "recovery"), never into another word.
            let real = background::is_word(w.raw);
            if real {
                let (raw, own) = (w.raw, w.stem.as_str());
                fixes.retain(|c| {
                    let fix = self.fuzzy.word(c.word);
                    fix.starts_with(own) || raw.starts_with(stem(fix).as_str())
                });
                if fixes.is_empty() {
                    continue;
                }
            }
            if fixes.is_empty() && !known && !real {
                fixes.extend(self.fuzzy.lookup_loose(w.raw));
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
                w.fixed.get_or_insert_with(|| word.to_string());
                let s = stem(word);
                if !w.alts.contains(&s) {
                    w.alts.push(s);
                }
            }
        }
        let refs: Vec<&str> = ws
            .iter()
            .map(|w| match w.unit {
                true => "",
                false => w.alts.first().unwrap_or(&w.stem).as_str(),
            })
            .collect();
        let lens: Vec<usize> = ws
            .iter()
            .map(|w| match w.alts.first() {
                Some(a) => a.chars().count(),
                None => w.raw.chars().count(),
            })
            .collect();
        let rewrites = self.synonyms.rewrites(&refs, &lens);
        let group_salience = |g: u32| {
            words(self.synonyms.canonical(g))
                .iter()
                .map(|w| (background::salience(w), background::is_topic(w)))
                .fold((0.0f32, false), |a, b| (a.0.max(b.0), a.1 || b.1))
        };
        let mut surface_weights = vec![1.0f32; ws.len()];
        let mut out = Vec::new();
        let mut r = rewrites.iter().peekable();
        let mut i = 0;
        while i < ws.len() {
            if let Some(rw) = r.next_if(|rw| rw.start == i) {
                let span = &ws[i..i + rw.len];
                let from = span.iter().map(|w| w.raw).collect::<Vec<_>>().join(" ");
                let corrected = span.iter().any(|w| !w.alts.is_empty());
                let (salience, topic) = group_salience(rw.group);
                let term = |t: String| Analyzed {
                    from: from.clone(),
                    terms: vec![t],
                    synonym: Some(rw.group),
                    corrected,
                    exact_first: false,
                    loose: false,
                    at: i,
                    salience,
                    topic,
                    number: false,
                };
                out.push(term(self.synonyms.term(rw.group).to_string()));
                for part in self.synonyms.parts(rw.group) {
                    out.push(term(part.clone()));
                }
                i += rw.len;
                continue;
            }
            let w = &ws[i];
            let at = i;
            i += 1;
            if w.stop {
                continue;
            }
            if w.alts.is_empty() {
                let (salience, topic) = (background::salience(w.raw), background::is_topic(w.raw));
                let known = self.known_words.contains(&w.stem);
                // a number, a quantity or a label with digits the FAQ does not hold ("3",
                // "400mg", "l4", "2nd"): how much, how long or where, not what is asked
                let number = w.unit || starts_with_digit(w.raw) || (!known && has_digit(w.raw));
                if !known {
                    surface_weights[at] = if number {
                        UNKNOWN_NUMBER_WEIGHT
                    } else {
                        salience
                    };
                }
                out.push(Analyzed {
                    from: w.raw.to_string(),
                    terms: vec![w.stem.clone()],
                    synonym: None,
                    corrected: false,
                    exact_first: false,
                    loose: false,
                    at,
                    salience,
                    topic,
                    number,
                });
            } else {
                // each alternative through single-word synonyms
                let mut salience = None;
                let terms = w
                    .alts
                    .iter()
                    .map(
                        |a| match self.synonyms.rewrites(&[a.as_str()], &[usize::MAX]).first() {
                            Some(rw) => {
                                salience.get_or_insert_with(|| group_salience(rw.group));
                                self.synonyms.term(rw.group).to_string()
                            }
                            None => a.clone(),
                        },
                    )
                    .collect();
                let (salience, topic) = salience.unwrap_or_else(|| {
                    let word = w.fixed.as_deref().unwrap_or(w.raw);
                    (background::salience(word), background::is_topic(word))
                });
                out.push(Analyzed {
                    from: w.raw.to_string(),
                    terms,
                    synonym: None,
                    corrected: true,
                    exact_first: w.keep,
                    loose: w.loose,
                    at,
                    salience,
                    topic,
                    number: false,
                });
            }
        }
        Reading {
            words: raw_words,
            analyzed: out,
            sentences: sents,
            surface_weights,
        }
    }

    pub(super) fn resolve<'a>(
        &self,
        analyzed: impl IntoIterator<Item = &'a Analyzed>,
    ) -> Vec<Resolved> {
        let mut out: Vec<Resolved> = Vec::new();
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
            let number = a.number;
            let weight = if alts.is_empty() {
                // unknown: as informative as the word is in the background
                if number {
                    self.unknown_weight * UNKNOWN_NUMBER_WEIGHT
                } else {
                    self.unknown_weight * a.salience
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
                salience: a.salience,
                topic: a.topic,
            });
        }
        out
    }

    /// Matches one message.
    pub fn search(&self, message: &str) -> Outcome {
        let reading = self.analyze_query(message);
        self.search_reading(&reading)
    }

    /// The word ranges worth scoring apart from the whole message: in a long message,
    /// its last question-like sentences, each alone and with the sentence before it.
    fn spans(&self, reading: &Reading) -> Vec<Range<usize>> {
        let mut out: Vec<Range<usize>> = Vec::new();
        if reading.words.len() < SPAN_MIN_WORDS || reading.sentences.len() < 2 {
            return out;
        }
        let asks: Vec<usize> = (0..reading.sentences.len())
            .filter(|&i| reading.sentences[i].1)
            .collect();
        for &i in asks.iter().rev().take(MAX_QUESTION_SPANS) {
            let this = reading.sentences[i].0.clone();
            out.push(this.clone());
            if i > 0 {
                out.push(reading.sentences[i - 1].0.start..this.end);
            }
        }
        out
    }

    /// Matches an analyzed message: the whole and its question-like spans rank the
    /// candidates together ([`SPAN_SHARE`]); a span whose best entry is the blended best
    /// and scores higher decides.
    pub(super) fn search_reading(&self, reading: &Reading) -> Outcome {
        let none = Outcome {
            decision: Decision::None,
            candidates: Vec::new(),
        };
        let whole_query = self.resolve(&reading.analyzed);
        if whole_query.is_empty() || whole_query.iter().all(|q| q.number) || self.ids.is_empty() {
            return none;
        }
        let all = 0..reading.words.len();
        let mut best = Ranked {
            scored: self.rank(&whole_query, &reading.words, &reading.surface_weights),
            query: whole_query.clone(),
            range: all.clone(),
        };
        let mut span_ranks: Vec<Ranked> = Vec::new();
        for range in self.spans(reading) {
            let from = reading.analyzed.partition_point(|a| a.at < range.start);
            let to = reading.analyzed.partition_point(|a| a.at < range.end);
            let query = self.resolve(&reading.analyzed[from..to]);
            if query.is_empty() || query.iter().all(|q| q.number) {
                continue;
            }
            let scored = self.rank(
                &query,
                &reading.words[range.clone()],
                &reading.surface_weights[range.clone()],
            );
            span_ranks.push(Ranked {
                query,
                scored,
                range,
            });
        }
        if !span_ranks.is_empty() {
            blend_spans(&mut best.scored, &span_ranks);
        }
        best.scored.truncate(MAX_CANDIDATES);
        let whole_top = best.scored.first().map(|s| s.entry);
        for mut ranked in span_ranks {
            ranked.scored.truncate(MAX_CANDIDATES);
            // a span that puts the blended choice first and scores it higher is the
            // reading explained and decided on
            let same = ranked.scored.first().map(|s| s.entry) == whole_top;
            if same && ranked.top() > best.top() {
                best = ranked;
            }
        }
        if best.scored.is_empty() {
            return none;
        }
        let span = (best.range != all).then(|| reading.words[best.range.clone()].join(" "));
        let query = &best.query;
        let mut candidates: Vec<Match> = best
            .scored
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
                    terms: self.term_matches(query, c.entry),
                    span: span.clone(),
                    blocked_by: None,
                    decision: None,
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
        // The subject may be named anywhere in the message, also outside a scored span
        // ("I take magnesium ... . Is it ok after my op?").
        let off_subject = self.subject.iter().any(|&s| s)
            && !whole_query
                .iter()
                .any(|q| q.alts.iter().any(|&(t, _)| self.subject[t as usize]))
            && candidates.first().is_some_and(|m| {
                query.iter().zip(&m.explanation.terms).any(|(q, tm)| {
                    !self.is_light(q)
                        && !q.number
                        && !matches!(tm.field, Some(Field::Question | Field::Keywords))
                })
            });
        let related = candidates
            .first()
            .is_some_and(|m| self.anchored(query, &m.explanation.terms));
        let guarded = self.guarded(reading, &best.range);
        let blocked = candidates
            .first()
            .and_then(|m| self.near_miss(&guarded, m.entry as u32));
        let features = self.features(
            query,
            &candidates,
            Signals {
                substance,
                exact,
                off_subject,
                near_miss: blocked.is_some(),
                span: span.is_some(),
                asks: reading.sentences.iter().any(|s| s.1),
            },
        );
        let model = decision::Model::builtin();
        let mut trace = DecisionTrace {
            features,
            confidence: model.confidence.probability(&features),
            relatedness: model.relatedness.probability(&features),
            held_back: None,
        };
        let (decision, held_back) = self.decide(&candidates, &trace, related, blocked.as_deref());
        trace.held_back = held_back;
        if let Some(first) = candidates.first_mut() {
            first.explanation.blocked_by = blocked;
            first.explanation.decision = Some(trace);
        }
        Outcome {
            decision,
            candidates,
        }
    }

    /// What the decision model reads about the best candidate of `candidates` (scored
    /// on `query`).
    fn features(&self, query: &[Resolved], candidates: &[Match], s: Signals) -> Features {
        let Some(first) = candidates.first() else {
            return Features::default();
        };
        let second = candidates.get(1);
        let e = &first.explanation;
        let total: f32 = query
            .iter()
            .map(|q| q.weight)
            .sum::<f32>()
            .max(f32::EPSILON);
        let share = |keep: &dyn Fn(&Resolved, &super::TermMatch) -> bool| {
            query
                .iter()
                .zip(&e.terms)
                .filter(|(q, tm)| keep(q, tm))
                .map(|(q, _)| q.weight)
                .sum::<f32>()
                / total
        };
        let uncovered: Vec<&Resolved> = query
            .iter()
            .zip(&e.terms)
            .filter(|(q, tm)| tm.field.is_none() && !q.number && !self.is_light(q))
            .map(|(q, _)| q)
            .collect();
        Features {
            score: first.score,
            lead: first.score - second.map_or(0.0, |m| m.score),
            ratio: second.map_or(0.0, |m| m.score / first.score.max(f32::EPSILON)),
            coverage: e.coverage,
            coverage_lead: e.coverage - second.map_or(0.0, |m| m.explanation.coverage),
            entry_coverage: e.entry_coverage,
            surface: e.surface,
            similarity: e.similarity,
            question_share: share(&|_, tm| {
                matches!(tm.field, Some(Field::Question | Field::Keywords))
            }),
            answer_share: share(&|_, tm| tm.field == Some(Field::Answer)),
            elsewhere_share: share(&|q, tm| tm.field.is_none() && !q.alts.is_empty()),
            unknown_share: share(&|q, _| q.alts.is_empty() && !q.number),
            uncovered_salient: uncovered.iter().filter(|q| q.salience >= SALIENT).count() as f32,
            uncovered_max: uncovered.iter().map(|q| q.salience).fold(0.0, f32::max),
            near_miss: f32::from(u8::from(s.near_miss)),
            substance: (s.substance / self.substance.max(f32::EPSILON)).min(4.0),
            exact: f32::from(u8::from(s.exact)),
            off_subject: f32::from(u8::from(s.off_subject)),
            span: f32::from(u8::from(s.span)),
            terms: (1.0 + query.len() as f32).ln(),
            corrected_share: share(&|q, _| {
                !q.alts.is_empty() && q.alts.iter().all(|&(_, c)| c < 1.0)
            }),
            asks: f32::from(u8::from(s.asks)),
        }
    }

    /// Whether every alternative of `q` is a light (generic) term.
    fn is_light(&self, q: &Resolved) -> bool {
        !q.alts.is_empty() && q.alts.iter().all(|&(t, _)| self.light[t as usize])
    }

    /// Whether the entry whose term matches are `terms` holds, in its questions or
    /// keywords, a salient, non-generic term of `query`: the message is related to it.
    fn anchored(&self, query: &[Resolved], terms: &[super::TermMatch]) -> bool {
        query.iter().zip(terms).any(|(q, tm)| {
            q.salience >= ANCHOR_SALIENCE
                && !q.number
                && !self.is_light(q)
                && matches!(tm.field, Some(Field::Question | Field::Keywords))
        })
    }

    /// The terms of `scored` (a word range of the message) the near-miss guard reads: in
    /// a long message, only those of its question-like sentences and the sentence before
    /// each (the story around them says who is asking, rarely what), elsewhere all.
    pub(super) fn guarded(&self, reading: &Reading, scored: &Range<usize>) -> Vec<Resolved> {
        let asks: Vec<usize> = (0..reading.sentences.len())
            .filter(|&i| reading.sentences[i].1)
            .collect();
        let whole =
            reading.words.len() < SPAN_MIN_WORDS || reading.sentences.len() < 2 || asks.is_empty();
        let read = |at: usize| {
            scored.contains(&at)
                && (whole
                    || asks.iter().any(|&i| {
                        let from = reading.sentences[i.saturating_sub(1)].0.start;
                        (from..reading.sentences[i].0.end).contains(&at)
                    }))
        };
        self.resolve(reading.analyzed.iter().filter(|a| read(a.at)))
    }

    /// The near-miss guard: the first word of `query` that names a topic of its own
    /// ([`background::is_topic`]), that no question of the FAQ uses (nor a synonym group
    /// they use) and that `entry` does not mention anywhere (question, keywords, answer):
    /// another person, product or condition than the entry is about ("is magnesium
    /// oxide good for *heartburn*").
    fn near_miss(&self, query: &[Resolved], entry: u32) -> Option<String> {
        query
            .iter()
            .find(|q| {
                q.topic
                    && !q.number
                    && !self.is_light(q)
                    && !q.alts.iter().any(|&(t, _)| self.in_questions[t as usize])
                    && !self.synonym_covered.contains(&stem(&q.from))
                    && !q.alts.iter().any(|&(t, _)| {
                        self.postings[t as usize]
                            .binary_search_by_key(&entry, |p| p.entry)
                            .is_ok()
                    })
            })
            .map(|q| q.from.clone())
    }

    /// Candidate generation and re-scoring of `query` (the terms of `words`): every
    /// re-scored candidate, best first.
    fn rank(&self, query: &[Resolved], words: &[String], surface_weights: &[f32]) -> Vec<Scored> {
        let total: f32 = query.iter().map(|q| q.weight).sum();
        // Candidate generation: coverage numerators (and entry-coverage estimates) from
        // the postings, the best TOP_K by this estimate kept ([`Index::preselect`]).
        let estimate =
            |c: f32, sh: f32| PRESELECT_COVERAGE * c / total + PRESELECT_ENTRY * sh.min(1.0);
        let touched = self.preselect(query, TOP_K, estimate);
        if touched.is_empty() {
            return Vec::new();
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
        let probe = self.trigrams.probe_weighted(words, surface_weights);
        let long = ((query.len() as f32 - LONG_FROM) / (LONG_TO - LONG_FROM)).clamp(0.0, 1.0);
        let entry_share = LONG_ENTRY_SHARE * long;
        let mut scored: Vec<Scored> = touched
            .iter()
            .map(|&(e, c)| {
                let coverage = (c / total).min(1.0);
                let mut best = Scored {
                    entry: e,
                    score: f32::MIN,
                    coverage,
                    entry_coverage: 0.0,
                    similarity: 0.0,
                    surface: 0.0,
                    text: 0,
                };
                for (i, text) in self.texts.of(e as usize).enumerate() {
                    let held = cover(&text);
                    best.entry_coverage = best.entry_coverage.max(held);
                    let d = probe.similarity(text.grams);
                    let covered = (1.0 - entry_share) * coverage + entry_share * held;
                    let score = W_COVERAGE * covered + W_SURFACE * d;
                    if score > best.score {
                        (best.score, best.surface, best.text) = (score, d, i);
                    }
                }
                best
            })
            .collect();
        scored.sort_by(by_score);
        // Pass 2: whole-question similarity of the terms (strsim) for the leaders only, on
        // the question/alternate pass 1 chose.
        let mut row = Vec::new();
        for cand in scored.iter_mut().take(SIMILARITY_K) {
            let text = self.texts.sorted(cand.entry as usize, cand.text);
            cand.similarity = normalized_levenshtein(&qstring, text, &mut row);
            cand.score += W_SIMILARITY * cand.similarity;
        }
        scored.sort_by(by_score);
        scored
    }

    /// Answer when the model is confident the best entry is right and nothing holds it
    /// back; suggest the related entries when the message is related; otherwise none.
    /// Returns the decision and, when it is not an answer, why.
    fn decide(
        &self,
        candidates: &[Match],
        trace: &DecisionTrace,
        anchored: bool,
        blocked: Option<&str>,
    ) -> (Decision, Option<String>) {
        let o = &self.options;
        let model = decision::Model::builtin();
        let Some(first) = candidates.first() else {
            return (Decision::None, Some("no candidate".into()));
        };
        if !anchored {
            return (
                Decision::None,
                Some(format!(
                    "unrelated: {} holds no salient word of the message in its questions or keywords",
                    first.id
                )),
            );
        }
        let f = &trace.features;
        let runner_up = candidates.get(1).map_or(0.0, |m| m.score);
        let lead = first.score - runner_up;
        let (confident, related) = match o.decision {
            // the confidence model learned small talk and unrelated messages as wrong
            // answers; relatedness decides whether a message that is not answered gets
            // suggestions
            DecisionMode::Model => (
                trace.confidence >= model.confidence.threshold,
                trace.relatedness >= model.relatedness.threshold,
            ),
            DecisionMode::Thresholds => (
                (first.score >= o.answer_threshold && lead >= o.answer_margin)
                    || (first.score >= o.low_answer_threshold && lead >= o.wide_margin),
                true,
            ),
        };
        let held_back = match (blocked, confident) {
            (Some(word), _) => format!(
                "near miss: \"{word}\" names something {} does not cover",
                first.id
            ),
            _ if f.off_subject > 0.0 => format!(
                "off subject: the message names none of the FAQ's subject terms and {} explains it only through its answer text",
                first.id
            ),
            _ if f.exact == 0.0 && f.substance < 1.0 => {
                "too thin: too few known, specific words to pick an entry".to_string()
            }
            (None, true) => return (Decision::Answer(first.clone()), None),
            (None, false) => match o.decision {
                DecisionMode::Model => format!(
                    "confidence {:.2} below {:.2}",
                    trace.confidence, model.confidence.threshold
                ),
                DecisionMode::Thresholds => format!(
                    "score {:.2} with a lead of {lead:.2} is below the answer thresholds",
                    first.score
                ),
            },
        };
        if !related {
            let why = format!(
                "{held_back}; relatedness {:.2} below {:.2}: no suggestion",
                trace.relatedness, model.relatedness.threshold
            );
            return (Decision::None, Some(why));
        }
        // the model judged the message related: its best entry is offered whatever its
        // score, the others from `suggest_threshold`
        let floor = match o.decision {
            DecisionMode::Model => o.suggest_threshold.min(first.score),
            DecisionMode::Thresholds => o.suggest_threshold,
        };
        let suggestions: Vec<Match> = candidates
            .iter()
            .filter(|m| m.score >= floor)
            .take(o.max_suggestions)
            .cloned()
            .collect();
        if suggestions.is_empty() {
            (Decision::None, Some(held_back))
        } else {
            (Decision::Suggest(suggestions), Some(held_back))
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

/// Best score first, then lower entry.
fn by_score(a: &Scored, b: &Scored) -> std::cmp::Ordering {
    b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry))
}

/// Blends the whole message's candidates `whole` (all it re-scored, best first) with its
/// question-like spans' ([`SPAN_SHARE`]) and re-sorts them.
fn blend_spans(whole: &mut [Scored], spans: &[Ranked]) {
    for cand in whole.iter_mut() {
        let span = spans
            .iter()
            .map(|r| {
                let floor = r.scored.last().map_or(0.0, |s| s.score);
                r.scored
                    .iter()
                    .find(|s| s.entry == cand.entry)
                    .map_or(floor, |s| s.score)
            })
            .fold(f32::MIN, f32::max);
        cand.score = (1.0 - SPAN_SHARE) * cand.score + SPAN_SHARE * span;
    }
    whole.sort_by(by_score);
}

/// Whether a word or term starts with a digit (a number, or a quantity like "400mg").
fn starts_with_digit(w: &str) -> bool {
    w.as_bytes().first().is_some_and(u8::is_ascii_digit)
}

/// Whether a word holds a digit anywhere ("l4", "b12", "x2").
fn has_digit(w: &str) -> bool {
    w.bytes().any(|b| b.is_ascii_digit())
}
