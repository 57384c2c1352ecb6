//! Building an [`Index`] from a [`Faq`]: analysis of every question, alternate, keyword
//! and answer into terms, postings with field strengths, BM25-style weights, the typo
//! table and the trigram table for surface similarity.

use std::collections::HashSet;

use rustc_hash::{FxHashMap, FxHashSet};

use super::fuzzy::Fuzzy;
use super::normalize::{self, is_stop, stem, words};
use super::synonyms::Synonyms;
use super::{is_number, surface, Field, Index, MatchOptions, Posting, Texts, NUMBER_WEIGHT};
use crate::faq::Faq;

/// Field strengths: how much a term found in that field of an entry counts.
const STRENGTH_QUESTION: f32 = 1.0;
const STRENGTH_KEYWORD: f32 = 0.8;
const STRENGTH_ANSWER: f32 = 0.5;
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
            synonym_covered: FxHashSet::default(),
            in_questions: Vec::new(),
            ids: faq.entries.iter().map(|e| e.id.clone()).collect(),
            texts: Texts::default(),
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
        index.in_questions = index
            .postings
            .iter()
            .map(|p| p.iter().any(|p| p.field != Field::Answer))
            .collect();
        // Synonym groups: a group whose phrases name a subject term is about the subject
        // ("too much magnesium" -> hypermagnesemia); the words of a group the questions
        // use are the FAQ's vocabulary. Groups no question uses (the outside topics at the
        // end of `synonyms.toml`: pets, creams, children) are neither.
        let term_of = |w: &str| {
            let t = index
                .synonyms
                .group_of(w)
                .map_or(w, |g| index.synonyms.term(g));
            index.term_ids.get(t).copied()
        };
        let mut subject_groups = Vec::new();
        for (g, w) in index.synonyms.phrase_words() {
            let group_term = index.term_ids.get(index.synonyms.term(g)).copied();
            if let Some(t) = group_term.filter(|&t| index.in_questions[t as usize]) {
                if term_of(w).is_some_and(|s| index.subject[s as usize]) {
                    subject_groups.push(t);
                }
                index.synonym_covered.insert(w.to_string());
            }
        }
        for t in subject_groups {
            index.subject[t as usize] = true;
        }
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
            // (terms, total, sorted terms joined, trigram ids) per question/alternate
            let texts: Vec<(Vec<u32>, f32, String, Vec<u32>)> = texts
                .into_iter()
                .zip(&raw)
                .map(|(terms, raw)| {
                    let total = terms.iter().map(|&t| index.eweight[t as usize]).sum();
                    let mut sorted: Vec<&str> = terms
                        .iter()
                        .map(|&t| index.term_text[t as usize].as_str())
                        .collect();
                    sorted.sort_unstable();
                    let sorted = sorted.join(" ");
                    let grams = index.trigrams.add(&words(raw));
                    (terms, total, sorted, grams)
                })
                .collect();
            let e = index.raw_texts.len();
            for (terms, total, _, _) in &texts {
                for &t in terms {
                    let share = index.eweight[t as usize] / total.max(f32::MIN_POSITIVE);
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
