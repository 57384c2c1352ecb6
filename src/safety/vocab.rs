//! The safety vocabulary: word lists (concepts) and the words of a message they cover,
//! with typo correction against the vocabulary.
//!
//! A message word that is not in any list, not a known English word and at least 5
//! letters long is compared with the list words that start with the same letter: within
//! one edit (two from 8 letters; a swap of two neighbours counts as one) it is read as
//! that word ("siezure" -> "seizure", "breating" -> "breathing"). Known words are never
//! corrected, so "cooking" never becomes "choking".

use std::sync::LazyLock;

use rustc_hash::{FxHashMap, FxHashSet};

use super::table::WordTable;
use super::text::Words;
use crate::matcher::normalize::{is_stop, max_typo_distance};

/// One word of a list entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Term {
    Word(Box<str>),
    /// `breath*`: any word starting with it.
    Prefix(Box<str>),
}

impl Term {
    fn matches(&self, word: &str) -> bool {
        match self {
            Term::Word(w) => &**w == word,
            Term::Prefix(p) => word.starts_with(&**p),
        }
    }
}

/// Frequent English words (5 letters or more) from public health text: a message word in
/// this list is never typo-corrected. Built by `src/safety/known_words.py`.
static KNOWN_WORDS: LazyLock<FxHashSet<&'static str>> =
    LazyLock::new(|| include_str!("known_words.txt").lines().collect());

/// Where a message word's concepts start or end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Hit {
    pub concept: u16,
    pub from: u16,
    pub to: u16,
}

/// The compiled vocabulary.
#[derive(Debug, Clone, Default)]
pub(super) struct Vocab {
    names: Vec<String>,
    /// how often each concept is expected to have a hit: 1 per entry, 50 per entry that
    /// is a stop word ("my", "i"); see [`Vocab::commonness`]
    commonness: Vec<u32>,
    /// whole words -> the concepts they are and the phrases they start
    exact: FxHashMap<Box<str>, u32>,
    /// what `exact` points to (kept apart so the table itself stays small)
    entries: Vec<WordEntry>,
    /// prefix entries keyed by their first 3 bytes
    prefixes: FxHashMap<[u8; 3], Vec<(Box<str>, u16)>>,
    /// correction targets by first byte
    targets: FxHashMap<u8, Targets>,
    never: FxHashSet<Box<str>>,
    /// What the check looks up for each message word, in flat tables built by
    /// [`Vocab::finish`] (the maps above are what they are built from):
    flat: Flat,
}

/// The vocabulary as the check reads it: its whole words in a [`WordTable`] with what
/// each one is, and the prefix entries by their first 3 bytes. The words never
/// typo-corrected (known English words, `never_correct`) are a second table, read only
/// for words outside the vocabulary: kept apart, the table read for every word stays
/// small (a few thousand words) and in the processor's cache.
#[derive(Debug, Clone, Default)]
struct Flat {
    words: WordTable,
    not_corrected: WordTable,
    /// by the number `words` gives
    info: Vec<WordInfo>,
    /// the concepts of table words: `WordInfo::concepts` ranges
    concepts: Vec<u16>,
    /// prefix entries' first 3 bytes -> bucket number
    prefix_keys: WordTable,
    /// bucket `b`'s entries are `prefix_entries[prefix_ends[b]..prefix_ends[b + 1]]`
    prefix_ends: Vec<u32>,
    prefix_entries: Vec<(Box<str>, u16)>,
}

/// What one word of the [`Flat`] table is.
#[derive(Debug, Clone, Copy)]
struct WordInfo {
    /// its [`WordEntry`] in `Vocab::entries`, or `u32::MAX`
    entry: u32,
    /// the concepts it carries: its entry's, then those of the prefix entries it starts
    /// with (`Flat::concepts[from..from + len]`)
    from: u32,
    len: u16,
    /// a prefix entry matches it
    prefixed: bool,
    /// its entry starts phrases
    phrases: bool,
}

impl WordInfo {
    /// In the vocabulary: a whole word of it, or starting with one of its prefixes.
    fn known(&self) -> bool {
        self.entry != u32::MAX || self.prefixed
    }
}

impl Looked<'_> {
    /// In the vocabulary ([`Vocab::known`] of `word`, the word looked up).
    fn known(&self, word: &str) -> bool {
        match self {
            Looked::Table(info) => info.known(),
            Looked::Bucket(b) => b.iter().any(|(p, _)| word.starts_with(&**p)),
        }
    }
}

/// What a message word is read as, found with one lookup ([`Vocab::look_up`]).
#[derive(Debug, Clone, Copy)]
enum Looked<'a> {
    /// In the [`Flat`] table.
    Table(&'a WordInfo),
    /// Not in it: the prefix entries with the word's first 3 bytes (to filter).
    Bucket(&'a [(Box<str>, u16)]),
}

/// What a whole word of the vocabulary is: the concepts it is in (a one-word entry), and
/// the phrases it starts, indexed by their second term so a frequent first word ("my",
/// "cant") does not try each of its phrases.
#[derive(Debug, Clone, Default)]
struct WordEntry {
    concepts: Vec<u16>,
    /// phrases whose second term is a whole word, by that word: (the terms after it,
    /// concept)
    phrases: FxHashMap<Box<str>, Vec<(Vec<Term>, u16)>>,
    /// phrases whose second term is a prefix: (the prefix, the terms after it, concept)
    prefixed: Vec<(Box<str>, Vec<Term>, u16)>,
}

/// A word (or a prefix) a typo may be read as.
#[derive(Debug, Clone)]
struct Target {
    word: Box<str>,
    /// place in word order among the targets with the same first letter: of two targets
    /// as close to a typo, the first in word order wins
    rank: u32,
    /// [`letters`] of `word`
    letters: u64,
}

/// The correction targets starting with one letter.
#[derive(Debug, Clone, Default)]
struct Targets {
    /// whole words by length (only lengths below [`OSA_MAX_LEN`]: no longer word is
    /// within a typo of anything), so a word is only compared with the lengths it can reach
    words: Vec<Vec<Target>>,
    prefixes: Vec<Target>,
}

/// The set of bytes of `w`, one bit per byte value modulo 64 (for letters: one per letter).
fn letters(w: &[u8]) -> u64 {
    w.iter().fold(0, |m, &b| m | 1u64 << (b & 63))
}

/// A lower bound of the edit distance between two words with letter sets `a` and `b`:
/// each edit brings in at most one new letter and removes at most one.
fn letter_bound(a: u64, b: u64) -> usize {
    (a & !b).count_ones().max((b & !a).count_ones()) as usize
}

/// A message read against the vocabulary.
#[derive(Debug, Default)]
pub(super) struct Tagged {
    pub words: Words,
    /// Each concept's hits, sorted by (from, to), each once, in the ranges of `range`
    /// (see [`Tagged::of`]; slots between them unused).
    hits: Vec<Hit>,
    /// (word index, the vocabulary word it was read as)
    pub corrections: Vec<(usize, Box<str>)>,
    /// (word index, value) of number words and digits
    pub numbers: Vec<(usize, u32)>,
    /// The concepts with at least one hit, one bit each.
    present: Vec<u64>,
    /// By concept: where its hits are in `hits` (`hits[range[c][0]..range[c][1]]`), for
    /// the concepts of `present` only (the others' entries are left from earlier
    /// messages, never read).
    range: Vec<[u32; 2]>,
    /// The patterns that may match (see `Rules::may_match`), one bit each by pattern id;
    /// set by the caller.
    pub may_match: Vec<u64>,
    /// hits in word order, before grouping (a buffer [`Vocab::tag_into`] reuses)
    unsorted: Vec<Hit>,
}

impl Tagged {
    /// Hits of `concept`, in word order.
    pub fn of(&self, concept: u16) -> &[Hit] {
        if !self.has(concept) {
            return &[];
        }
        let [from, to] = self.range[usize::from(concept)];
        &self.hits[from as usize..to as usize]
    }
    /// Every hit, sorted by (concept, from, to).
    #[cfg(test)]
    pub fn all(&self) -> impl Iterator<Item = Hit> + '_ {
        self.concepts().flat_map(|c| self.of(c).iter().copied())
    }
    /// Whether `concept` has a hit.
    pub fn has(&self, concept: u16) -> bool {
        self.present
            .get(usize::from(concept / 64))
            .is_some_and(|b| b & (1u64 << (concept % 64)) != 0)
    }
    /// The concepts with a hit, each once, in order.
    pub fn concepts(&self) -> impl Iterator<Item = u16> + '_ {
        each_bit(&self.present).map(|c| c as u16)
    }
    /// Whether word `i` is covered by `concept`.
    pub fn covers(&self, concept: u16, i: usize) -> bool {
        self.of(concept)
            .iter()
            .any(|h| (h.from as usize) <= i && i < h.to as usize)
    }
}

/// The positions of the bits set in `bits`, in order.
fn each_bit(bits: &[u64]) -> impl Iterator<Item = usize> + '_ {
    bits.iter().enumerate().flat_map(|(w, &b)| {
        let mut b = b;
        std::iter::from_fn(move || {
            (b != 0).then(|| {
                let i = b.trailing_zeros() as usize;
                b &= b - 1;
                w * 64 + i
            })
        })
    })
}

impl Vocab {
    pub fn add_concept(&mut self, name: &str) -> u16 {
        self.names.push(name.to_string());
        self.commonness.push(0);
        (self.names.len() - 1) as u16
    }

    /// Number of concepts (ids are `0..concept_count()`).
    pub fn concept_count(&self) -> usize {
        self.names.len()
    }

    /// How often `concept` can be expected in a message, roughly (a count of its entries,
    /// stop words counted 50 times): which part of a pattern is the rarest.
    pub fn commonness(&self, concept: u16) -> u32 {
        self.commonness[usize::from(concept)]
    }

    #[cfg(test)]
    pub fn name(&self, id: u16) -> &str {
        &self.names[id as usize]
    }

    pub fn add_entry(&mut self, concept: u16, terms: Vec<Term>) {
        let mut terms = terms;
        self.commonness[usize::from(concept)] += match &terms[..] {
            [Term::Word(w)] if is_stop(w) => 50,
            _ => 1,
        };
        if terms.len() == 1 {
            match terms.pop().expect("one term") {
                Term::Word(w) => {
                    let ids = &mut self.entry_mut(w).concepts;
                    if !ids.contains(&concept) {
                        ids.push(concept);
                    }
                }
                Term::Prefix(p) => {
                    let key = key3(&p);
                    self.prefixes.entry(key).or_default().push((p, concept));
                }
            }
        } else {
            let Term::Word(first) = terms.remove(0) else {
                unreachable!("the parser refuses a phrase starting with a prefix")
            };
            let entry = self.entry_mut(first);
            match terms.remove(0) {
                Term::Word(second) => entry
                    .phrases
                    .entry(second)
                    .or_default()
                    .push((terms, concept)),
                Term::Prefix(second) => entry.prefixed.push((second, terms, concept)),
            }
        }
    }

    fn entry_mut(&mut self, word: Box<str>) -> &mut WordEntry {
        let next = self.entries.len() as u32;
        let i = *self.exact.entry(word).or_insert(next);
        if i == next {
            self.entries.push(WordEntry::default());
        }
        &mut self.entries[i as usize]
    }

    pub fn never_correct(&mut self, words: Vec<String>) {
        self.never
            .extend(words.into_iter().map(String::into_boxed_str));
    }

    /// Builds the correction targets (after every entry is added).
    pub fn finish(&mut self) {
        let mut targets: FxHashMap<u8, Vec<(Box<str>, bool)>> = FxHashMap::default();
        let user_word =
            |w: &str| !w.is_empty() && w.is_ascii() && !w.bytes().any(|b| b.is_ascii_digit());
        for w in self.exact.keys() {
            // literal words of patterns (`=name` concepts) are vocabulary too
            if w.len() >= 5 && user_word(w) {
                targets
                    .entry(w.as_bytes()[0])
                    .or_default()
                    .push((w.clone(), false));
            }
        }
        for list in self.prefixes.values() {
            for (p, _) in list {
                if p.len() >= 5 && user_word(p) {
                    targets
                        .entry(p.as_bytes()[0])
                        .or_default()
                        .push((p.clone(), true));
                }
            }
        }
        self.targets = targets
            .into_iter()
            .map(|(first, mut v)| {
                v.sort();
                v.dedup();
                let mut t = Targets {
                    words: vec![Vec::new(); OSA_MAX_LEN],
                    prefixes: Vec::new(),
                };
                for (rank, (word, prefix)) in v.into_iter().enumerate() {
                    let (len, target) = (
                        word.len(),
                        Target {
                            letters: letters(word.as_bytes()),
                            rank: rank as u32,
                            word,
                        },
                    );
                    if prefix {
                        t.prefixes.push(target);
                    } else if len < OSA_MAX_LEN {
                        t.words[len].push(target);
                    }
                }
                (first, t)
            })
            .collect();
        self.flat = self.build_flat();
    }

    /// The [`Flat`] tables, from the maps (after every entry is added).
    fn build_flat(&self) -> Flat {
        let mut flat = Flat::default();
        let mut keys: Vec<[u8; 3]> = self.prefixes.keys().copied().collect();
        keys.sort_unstable();
        flat.prefix_ends.push(0);
        for k in &keys {
            flat.prefix_entries.extend(self.prefixes[k].iter().cloned());
            flat.prefix_ends.push(flat.prefix_entries.len() as u32);
        }
        flat.prefix_keys = WordTable::build(keys.iter().map(|k| &k[..]));
        let mut words: Vec<&str> = self
            .exact
            .keys()
            .map(|w| &**w)
            .filter(|w| !w.is_empty())
            .collect();
        words.sort_unstable();
        words.dedup();
        for w in &words {
            let from = flat.concepts.len() as u32;
            let entry = self.exact.get(*w).copied();
            let e = entry.map(|i| &self.entries[i as usize]);
            if let Some(e) = e {
                flat.concepts.extend(&e.concepts);
            }
            let before = flat.concepts.len();
            flat.concepts.extend(self.prefix_concepts(w));
            flat.info.push(WordInfo {
                entry: entry.unwrap_or(u32::MAX),
                from,
                len: (flat.concepts.len() - from as usize) as u16,
                prefixed: flat.concepts.len() > before,
                phrases: e.is_some_and(|e| !e.phrases.is_empty() || !e.prefixed.is_empty()),
            });
        }
        flat.words = WordTable::build(words.iter().map(|w| w.as_bytes()));
        let mut fixed: Vec<&str> = KNOWN_WORDS
            .iter()
            .copied()
            .chain(self.never.iter().map(|w| &**w))
            .filter(|w| !w.is_empty())
            .collect();
        fixed.sort_unstable();
        fixed.dedup();
        flat.not_corrected = WordTable::build(fixed.iter().map(|w| w.as_bytes()));
        flat
    }

    /// `word` looked up in the [`Flat`] tables: one lookup for a word of the table.
    #[inline]
    fn look_up(&self, word: &str) -> Looked<'_> {
        let f = &self.flat;
        match f.words.get(word.as_bytes()) {
            Some(i) => Looked::Table(&f.info[i as usize]),
            None if word.len() >= 3 => {
                Looked::Bucket(f.prefix_keys.get(&word.as_bytes()[..3]).map_or(&[], |b| {
                    let b = b as usize;
                    &f.prefix_entries[f.prefix_ends[b] as usize..f.prefix_ends[b + 1] as usize]
                }))
            }
            None => Looked::Bucket(&[]),
        }
    }

    /// The [`WordEntry`] of a word looked up, if it has one with phrases.
    fn phrase_entry(&self, looked: Looked<'_>) -> Option<&WordEntry> {
        match looked {
            Looked::Table(info) if info.phrases => Some(&self.entries[info.entry as usize]),
            _ => None,
        }
    }

    /// Calls `f` with the concept of each entry covering `form` (looked up as `looked`):
    /// its whole-word entry's, then the prefix entries it starts with.
    #[inline]
    fn each_concept(&self, form: &str, looked: Looked<'_>, mut f: impl FnMut(u16)) {
        match looked {
            Looked::Table(info) => {
                let from = info.from as usize;
                self.flat.concepts[from..from + usize::from(info.len)]
                    .iter()
                    .for_each(|&c| f(c));
            }
            Looked::Bucket(b) => b
                .iter()
                .filter(|(p, _)| form.starts_with(&**p))
                .for_each(|&(_, c)| f(c)),
        }
    }

    fn known(&self, word: &str) -> bool {
        self.look_up(word).known(word)
    }

    fn prefix_concepts<'a>(&'a self, word: &'a str) -> impl Iterator<Item = u16> + 'a {
        self.prefix_bucket(word)
            .iter()
            .filter(move |(p, _)| word.starts_with(&**p))
            .map(|(_, c)| *c)
    }

    /// The vocabulary word `word` is a typo of, if any.
    #[cfg(test)]
    fn correct(&self, word: &str) -> Option<&str> {
        self.may_correct(word).then(|| self.closest(word)).flatten()
    }

    /// Whether `word` may be read as a typo of a vocabulary word (checked before
    /// [`Vocab::closest`], the costly part): 5 letters or more, no digit, not a stop word
    /// nor a word never corrected.
    fn may_correct(&self, word: &str) -> bool {
        word.len() >= 5
            && word.is_ascii()
            && !word.bytes().any(|b| b.is_ascii_digit())
            && !is_stop(word)
            && self.flat.not_corrected.get(word.as_bytes()).is_none()
    }

    /// The vocabulary word closest to `word` within a typo ([`max_typo_distance`]), the
    /// first in word order among equals, if any (for a word [`Vocab::may_correct`] allows).
    fn closest(&self, word: &str) -> Option<&str> {
        let n = word.len();
        let max = max_typo_distance(n);
        let bytes = word.as_bytes();
        // Speed, same result: only whole words of a length within reach are compared, and
        // a target whose letters alone put it further than allowed is skipped without
        // computing the distance.
        // the letters of each start of the word (distances are only computed below 48)
        let mut starts = [0u64; OSA_MAX_LEN];
        for k in 1..OSA_MAX_LEN.min(n + 1) {
            starts[k] = starts[k - 1] | letters(&bytes[k - 1..k]);
        }
        let targets = self.targets.get(&bytes[0])?;
        // the closest target, the first in word order among equals: (distance, rank)
        let mut best: Option<(usize, u32, &str)> = None;
        for t in &targets.prefixes {
            // compare the start of the word with the prefix, give or take a letter,
            // within one edit
            let tb = t.word.as_bytes();
            let m = tb.len();
            let d = [m.saturating_sub(1), m, m + 1]
                .into_iter()
                .filter(|&k| k >= 4 && k <= n)
                .filter(|&k| k < OSA_MAX_LEN && letter_bound(starts[k], t.letters) <= 1)
                .map(|k| osa_within(&bytes[..k], tb, 1))
                .min()
                .unwrap_or(usize::MAX);
            if d <= 1 && best.is_none_or(|(bd, br, _)| (d, t.rank) < (bd, br)) {
                best = Some((d, t.rank, &t.word));
            }
        }
        if n < OSA_MAX_LEN {
            let lengths = n.saturating_sub(max)..=(n + max).min(OSA_MAX_LEN - 1);
            for t in targets.words[lengths].iter().flatten() {
                if letter_bound(starts[n], t.letters) > max {
                    continue;
                }
                let d = osa_within(bytes, t.word.as_bytes(), max);
                if d <= max && best.is_none_or(|(bd, br, _)| (d, t.rank) < (bd, br)) {
                    best = Some((d, t.rank, &t.word));
                }
            }
        }
        best.map(|(_, _, t)| t)
    }

    /// Reads `message`: its words and the concepts they carry.
    #[cfg(test)]
    pub fn tag(&self, message: &str) -> Tagged {
        let mut t = Tagged::default();
        self.tag_into(message, &mut t);
        t
    }

    /// The prefix entries whose first 3 bytes `word` starts with (to filter with
    /// `starts_with`; see [`Vocab::prefix_concepts`]).
    fn prefix_bucket(&self, word: &str) -> &[(Box<str>, u16)] {
        if word.len() >= 3 {
            self.prefixes.get(&key3(word)).map_or(&[], Vec::as_slice)
        } else {
            &[]
        }
    }

    /// [`Vocab::tag`] into `t`, reusing its buffers (the check runs on every message).
    pub fn tag_into(&self, message: &str, t: &mut Tagged) {
        t.words.read(message);
        let Tagged {
            words,
            hits,
            corrections,
            numbers,
            present,
            range,
            may_match: _,
            unsorted,
        } = t;
        corrections.clear();
        numbers.clear();
        let n = words.len();
        // the form each word is read as (a correction, or itself) and what it is (looked
        // up once)
        let mut forms: Vec<(&str, Looked)> = Vec::with_capacity(n);
        // what each word that may be a typo was read as, so a word repeated is compared
        // with the vocabulary once
        let mut seen: FxHashMap<&str, Option<&str>> = FxHashMap::default();
        for i in 0..n {
            let w = words.get(i);
            let looked = self.look_up(w);
            let read = if looked.known(w) {
                None
            } else {
                // "throat's" is written "throats": read it as "throat" when that is known
                let singular = w
                    .strip_suffix('s')
                    .filter(|s| s.len() >= 3 && self.known(s));
                singular.or_else(|| {
                    if self.may_correct(w) {
                        *seen.entry(w).or_insert_with(|| self.closest(w))
                    } else {
                        None
                    }
                })
            };
            match read {
                Some(c) => {
                    corrections.push((i, c.into()));
                    forms.push((c, self.look_up(c)));
                }
                None => forms.push((w, looked)),
            }
        }
        let mut raw = std::mem::take(unsorted);
        raw.clear();
        for (i, &(form, looked)) in forms.iter().enumerate() {
            let at = i as u16;
            let hit = |c: u16| Hit {
                concept: c,
                from: at,
                to: at + 1,
            };
            self.each_concept(form, looked, |c| raw.push(hit(c)));
            if let Some(e) = self.phrase_entry(looked).filter(|_| i + 1 < n) {
                // a corrected word also matches as written ("everyones" is read as
                // "everyone" but still completes "after everyones asleep")
                let (second, second_written) = (forms[i + 1].0, words.get(i + 1));
                let mut phrase = |rest: &[Term], c: u16| {
                    let end = i + 2 + rest.len();
                    if end <= n
                        && rest.iter().enumerate().all(|(k, term)| {
                            term.matches(forms[i + 2 + k].0) || term.matches(words.get(i + 2 + k))
                        })
                    {
                        raw.push(Hit {
                            concept: c,
                            from: at,
                            to: end as u16,
                        });
                    }
                };
                let written = (second_written != second).then_some(second_written);
                for w in std::iter::once(second).chain(written) {
                    for (rest, c) in e.phrases.get(w).into_iter().flatten() {
                        phrase(rest, *c);
                    }
                }
                for (p, rest, c) in &e.prefixed {
                    if second.starts_with(&**p) || second_written.starts_with(&**p) {
                        phrase(rest, *c);
                    }
                }
            }
            if let Some(v) = number_value(form) {
                numbers.push((i, v));
            }
        }
        group_hits(&raw, self.names.len(), present, range, hits);
        *unsorted = raw;
    }
}

/// Groups the hits of `raw` by concept into `out`: concept `c`'s hits, sorted by (from,
/// to) and each once, are `out[range[c][0]..range[c][1]]`, for the concepts set in
/// `present` (the others' ranges are stale). `raw` is in word order (`from` never
/// decreases): a stable counting sort over the concepts present keeps that order within
/// a concept, and only the hits of one word (one concept's several phrases or entries)
/// are left to order by `to` and to drop when repeated, as each is placed. Slots of
/// dropped repeats stay unused in `out`.
fn group_hits(
    raw: &[Hit],
    concepts: usize,
    present: &mut Vec<u64>,
    range: &mut Vec<[u32; 2]>,
    out: &mut Vec<Hit>,
) {
    debug_assert!(raw.windows(2).all(|w| w[0].from <= w[1].from));
    present.clear();
    present.resize(concepts.div_ceil(64), 0);
    if range.len() < concepts {
        range.resize(concepts, [0, 0]);
    }
    // count each concept's hits (in `range[c][1]`, reset on the concept's first hit)
    for h in raw {
        let (c, bit) = (usize::from(h.concept), 1u64 << (h.concept % 64));
        let word = &mut present[c / 64];
        if *word & bit == 0 {
            *word |= bit;
            range[c][1] = 0;
        }
        range[c][1] += 1;
    }
    // each concept's place, in concept order: `range[c] = [start, end so far]`
    let mut at = 0u32;
    for c in each_bit(present) {
        let count = range[c][1];
        range[c] = [at, at];
        at += count;
    }
    out.clear();
    out.resize(
        raw.len(),
        Hit {
            concept: 0,
            from: 0,
            to: 0,
        },
    );
    for h in raw {
        let r = &mut range[usize::from(h.concept)];
        let (start, end) = (r[0] as usize, r[1] as usize);
        // after the hits of the same word reaching further
        let mut i = end;
        while i > start && out[i - 1].from == h.from && out[i - 1].to > h.to {
            i -= 1;
        }
        if i > start && out[i - 1] == *h {
            continue; // a repeat
        }
        if i < end {
            out.copy_within(i..end, i + 1);
        }
        out[i] = *h;
        r[1] += 1;
    }
}

fn key3(w: &str) -> [u8; 3] {
    let b = w.as_bytes();
    [b[0], b[1], b[2]]
}

/// The value of a count written in digits or words ("15", "fifteen", "dozen").
fn number_value(w: &str) -> Option<u32> {
    if w.bytes().all(|b| b.is_ascii_digit()) {
        return if w.len() <= 9 {
            w.parse().ok()
        } else {
            Some(u32::MAX)
        };
    }
    Some(match w {
        "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" | "dozen" => 12,
        "thirteen" => 13,
        "fourteen" => 14,
        "fifteen" => 15,
        "sixteen" => 16,
        "seventeen" => 17,
        "eighteen" => 18,
        "nineteen" => 19,
        "twenty" => 20,
        "thirty" => 30,
        "forty" => 40,
        "fifty" => 50,
        "sixty" => 60,
        "seventy" => 70,
        "eighty" => 80,
        "ninety" => 90,
        "hundred" | "hundreds" => 100,
        "dozens" => 24,
        _ => return None,
    })
}

/// Words this long or longer are never within a typo of anything ([`osa_within`]).
const OSA_MAX_LEN: usize = 48;

/// Optimal string alignment distance between `a` and `b`, or `max + 1` once it is
/// certain to exceed `max`. Byte-wise (the words are ASCII), rows on the stack.
fn osa_within(a: &[u8], b: &[u8], max: usize) -> usize {
    const N: usize = OSA_MAX_LEN;
    if a.len() >= N || b.len() >= N {
        return max + 1;
    }
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    let (n, m) = (a.len(), b.len());
    // three rows, rotated rather than copied (each row is written in full, 0..=m,
    // before it is read)
    let mut rows = [[0usize; N]; 3];
    let [r0, r1, r2] = &mut rows;
    let (mut prev2, mut prev, mut cur) = (r0, r1, r2);
    for (j, p) in prev.iter_mut().enumerate().take(m + 1) {
        *p = j;
    }
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return max + 1;
        }
        (prev2, prev, cur) = (prev, cur, prev2);
    }
    prev[m]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osa_counts_a_swap_as_one_edit() {
        assert_eq!(osa_within(b"siezure", b"seizure", 2), 1);
        assert_eq!(osa_within(b"overdoes", b"overdose", 2), 1);
        assert_eq!(osa_within(b"suicidle", b"suicidal", 2), 2);
        assert_eq!(osa_within(b"breating", b"breathing", 2), 1);
        assert_eq!(osa_within(b"abcdef", b"uvwxyz", 2), 3);
    }

    fn vocab() -> Vocab {
        let mut v = Vocab::default();
        let c = v.add_concept("SEIZURE");
        v.add_entry(c, vec![Term::Word("seizure".into())]);
        let b = v.add_concept("BREATHE");
        v.add_entry(b, vec![Term::Prefix("breath".into())]);
        let k = v.add_concept("CHOKE");
        v.add_entry(k, vec![Term::Word("choking".into())]);
        let p = v.add_concept("PASS_OUT");
        v.add_entry(p, vec![Term::Word("pass".into()), Term::Word("out".into())]);
        v.finish();
        v
    }

    #[test]
    fn typos_are_read_as_vocabulary_words_and_known_words_are_not() {
        let v = vocab();
        assert_eq!(v.correct("siezure"), Some("seizure"));
        assert_eq!(v.correct("breating"), Some("breath"));
        assert_eq!(v.correct("cooking"), None, "a known word");
        assert_eq!(v.correct("choking"), None, "not needed: exact");
        assert_eq!(v.correct("seiz"), None, "too short");
        assert_eq!(v.correct("teizure"), None, "first letter differs");
        // a long word is compared with a prefix within one edit only
        assert_eq!(v.correct("brouhaha"), None);
    }

    /// `raw` grouped by [`group_hits`] into a [`Tagged`] reused from earlier calls (its
    /// stale ranges must not show), checked against a plain sort: every concept's
    /// [`Tagged::of`] and [`Tagged::concepts`] as filters of the sorted hits give them.
    fn check_grouping(t: &mut Tagged, raw: &[Hit], concepts: usize) -> Result<(), String> {
        group_hits(raw, concepts, &mut t.present, &mut t.range, &mut t.hits);
        let mut want = raw.to_vec();
        want.sort();
        want.dedup();
        if t.all().collect::<Vec<_>>() != want {
            return Err(format!(
                "hits {:?} != {want:?}",
                t.all().collect::<Vec<_>>()
            ));
        }
        let mut present: Vec<u16> = want.iter().map(|h| h.concept).collect();
        present.dedup();
        if t.concepts().collect::<Vec<_>>() != present {
            return Err("concepts() differs".into());
        }
        for c in 0..concepts as u16 {
            let of: Vec<Hit> = want.iter().copied().filter(|h| h.concept == c).collect();
            if t.of(c) != of || t.has(c) == of.is_empty() {
                return Err(format!("of({c}) = {:?}, not {of:?}", t.of(c)));
            }
        }
        Ok(())
    }

    #[test]
    fn hits_are_grouped_sorted_and_unique() {
        // hits as tag_into makes them: word order, several per word, repeats
        let mut raw = Vec::new();
        let mut x = 7u32;
        for from in 0..300u16 {
            for _ in 0..(from % 4) {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345) >> 1;
                let (concept, to) = ((x % 13) as u16, from + 1 + (x / 13 % 3) as u16);
                raw.push(Hit { concept, from, to });
            }
        }
        let mut t = Tagged::default();
        for (raw, concepts) in [
            (&raw[..], 13),
            (&raw[..40], 200),
            (&[][..], 13),
            (&raw[..], 13),
        ] {
            check_grouping(&mut t, raw, concepts).unwrap();
        }
        assert!(raw.len() > 400, "{} hits", raw.len());
    }

    proptest::proptest! {
        /// Grouping gives the hits sorted and unique, as a plain sort and dedup of the
        /// hits does, with each concept's range, for messages read one after another.
        #[test]
        fn grouped_hits_equal_a_plain_sort(
            messages in proptest::collection::vec(
                proptest::collection::vec(
                    proptest::collection::vec((0u16..700, 0u16..4), 0..5),
                    0..120,
                ),
                1..4,
            ),
        ) {
            let mut t = Tagged::default();
            for words in &messages {
                // hits in word order as tag_into makes them (several per word, phrases
                // reaching up to 3 words further, repeats)
                let raw: Vec<Hit> = words
                    .iter()
                    .enumerate()
                    .flat_map(|(from, hs)| {
                        hs.iter().map(move |&(concept, len)| Hit {
                            concept,
                            from: from as u16,
                            to: from as u16 + 1 + len,
                        })
                    })
                    .collect();
                let checked = check_grouping(&mut t, &raw, 700);
                proptest::prop_assert!(checked.is_ok(), "{:?}", checked);
            }
        }
    }

    #[test]
    fn tags_words_prefixes_phrases_and_numbers() {
        let v = vocab();
        let t = v.tag("about to pass out, cant breathhe, took 15 pills, a siezure");
        let names: Vec<(&str, u16, u16)> =
            t.all().map(|h| (v.name(h.concept), h.from, h.to)).collect();
        assert!(names.contains(&("PASS_OUT", 2, 4)), "{names:?}");
        assert!(names.contains(&("BREATHE", 5, 6)), "{names:?}");
        assert!(names.contains(&("SEIZURE", 10, 11)), "{names:?}");
        assert_eq!(t.numbers, [(7, 15)]);
        assert_eq!(t.corrections.len(), 1);
    }
}
