//! Matching one message: analysis (typo correction, synonyms), candidate generation from
//! the postings, re-scoring of the leaders, and the answer / suggest / none decision.

use super::normalize::{is_stop, stem, truncate_chars, undouble, words};
use super::{
    is_number, Decision, Explanation, Field, Index, Match, Outcome, Resolved, Text, NUMBER_WEIGHT,
};

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
    /// Normalizes, corrects and rewrites a message into terms.
    pub(super) fn analyze_query(&self, message: &str) -> (Vec<String>, Vec<Analyzed>) {
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

    pub(super) fn resolve(&self, analyzed: &[Analyzed]) -> Vec<Resolved> {
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
