//! Typo tolerance: maps a word the FAQ does not know to the closest words it does.
//!
//! A symmetric-delete (SymSpell-style) table: every vocabulary word is stored under the
//! hashes of the strings obtained by deleting up to its allowed number of characters; a
//! query word looks up its own deletes, and only those candidates are verified with an
//! optimal-string-alignment (Damerau) distance bounded by the best distance found so
//! far. No lookup scans the whole vocabulary, so the cost does not grow with the FAQ's
//! size.
//!
//! Layout: both tables ([`Fuzzy::lookup`]'s deletes and [`Fuzzy::lookup_loose`]'s
//! character trigrams) are `Postings`: sorted 64-bit keys, each owning a slice of one
//! flat array of word ids (CSR), found through a directory on the keys' top bits. Delete
//! keys are polynomial hashes over the characters, computed from prefix hashes, so a
//! delete variant is hashed in O(1) without building it; trigram keys are the three
//! characters packed exactly (then mixed). A hash collision only adds a candidate, which
//! the distance check then rejects: results never depend on the keys.
//! Query deletes are visited one depth at a time, and the lookup stops after depth 1
//! when a word at distance 1 was found (every such word shares a depth-1 delete).

use super::normalize::max_typo_distance;

/// A close vocabulary word.
#[derive(Debug, Clone, PartialEq)]
pub struct Correction {
    /// Index of the word in the vocabulary given to [`Fuzzy::build`].
    pub word: u32,
    pub distance: usize,
}

/// Word ids grouped by key (CSR): the sorted distinct keys, each owning one slice of
/// `ids`, found through a directory on the keys' top bits (keys are well mixed, so each
/// directory cell holds a handful of keys). Smaller than a hash map of ranges, and as
/// fast: one directory read, then a short search in one or two cache lines.
#[derive(Debug, Clone)]
struct Postings {
    /// Distinct keys, ascending.
    keys: Vec<u64>,
    /// `ids[offsets[i]..offsets[i + 1]]` are the words of `keys[i]`.
    offsets: Vec<u32>,
    /// Word ids, ascending within each key's slice.
    ids: Vec<u32>,
    /// `keys[dir[p]..dir[p + 1]]` are the keys whose top bits (`key >> shift`) are `p`.
    dir: Vec<u32>,
    shift: u32,
}

impl Default for Postings {
    fn default() -> Postings {
        Postings::build(Vec::new())
    }
}

/// Keys per directory cell aimed at.
const KEYS_PER_CELL: usize = 4;

impl Postings {
    /// Groups `(key, word)` pairs (duplicates allowed) by key.
    fn build(mut pairs: Vec<(u64, u32)>) -> Postings {
        pairs.sort_unstable();
        pairs.dedup();
        let mut keys = Vec::new();
        let mut offsets = Vec::new();
        let mut ids = Vec::with_capacity(pairs.len());
        for &(key, word) in &pairs {
            if keys.last() != Some(&key) {
                keys.push(key);
                offsets.push(ids.len() as u32);
            }
            ids.push(word);
        }
        offsets.push(ids.len() as u32);
        let bits = (keys.len() / KEYS_PER_CELL)
            .next_power_of_two()
            .trailing_zeros()
            .min(24);
        let shift = 64 - bits;
        let mut dir = Vec::with_capacity((1 << bits) + 1);
        let mut at = 0;
        for cell in 0..=1u64 << bits {
            while at < keys.len() && cell_of(keys[at], shift) < cell {
                at += 1;
            }
            dir.push(at as u32);
        }
        Postings {
            keys,
            offsets,
            ids,
            dir,
            shift,
        }
    }

    /// The words stored under `key`.
    fn get(&self, key: u64) -> &[u32] {
        let cell = cell_of(key, self.shift) as usize;
        let (lo, hi) = (self.dir[cell] as usize, self.dir[cell + 1] as usize);
        match self.keys[lo..hi].iter().position(|&k| k == key) {
            Some(i) => {
                let i = lo + i;
                &self.ids[self.offsets[i] as usize..self.offsets[i + 1] as usize]
            }
            None => &[],
        }
    }
}

/// The directory cell of `key`: its top `64 - shift` bits (none when `shift` is 64).
fn cell_of(key: u64, shift: u32) -> u64 {
    key.checked_shr(shift).unwrap_or(0)
}

/// The symmetric-delete table over a fixed vocabulary.
#[derive(Debug, Clone, Default)]
pub struct Fuzzy {
    words: Vec<String>,
    /// Characters of every word, concatenated; word `i` is `chars[starts[i]..starts[i + 1]]`.
    chars: Vec<char>,
    starts: Vec<u32>,
    /// How often each word occurs (ties go to the more frequent word).
    freq: Vec<u32>,
    /// Delete-variant hash -> words having that variant.
    deletes: Postings,
    /// Padded character trigram -> words of [`LOOSE_MIN_LEN`] or more characters having
    /// it: the fallback for words with several typos.
    trigrams: Postings,
}

/// Words shorter than this are never loosely corrected.
pub const LOOSE_MIN_LEN: usize = 6;
/// Candidates verified by the loose lookup at most (those sharing the most trigrams).
const LOOSE_VERIFY: usize = 24;
/// Minimum similarity (1 - OSA distance / longer length) of a loose correction.
const LOOSE_MIN_SIMILARITY: f64 = 0.65;

/// Calls `f` with the key of every trigram of `^word$` (duplicates included): the three
/// characters packed into 63 bits and mixed by a bijection, so distinct trigrams never
/// share a key.
fn for_each_trigram(word: &[char], f: &mut impl FnMut(u64)) {
    let padded = std::iter::once('^')
        .chain(word.iter().copied())
        .chain(std::iter::once('$'));
    let (mut x, mut y) = (0u64, 0u64);
    for (i, c) in padded.enumerate() {
        let z = u64::from(c);
        if i >= 2 {
            f(finish(x << 42 | y << 21 | z, 0));
        }
        (x, y) = (y, z);
    }
}

/// Base of the polynomial delete hash (odd, so powers never vanish).
const BASE: u64 = 0x9e37_79b9_7f4a_7c15;

/// Hashes of a word's delete variants, each in O(1) from prefix hashes: the polynomial
/// hash of `c_0 .. c_{n-1}` is `sum (c_k + 1) * BASE^(n-1-k)` (wrapping), so the hash of
/// the characters left after some deletions is assembled from the kept segments.
struct DeleteHasher {
    /// `prefix[i]`: hash of the first `i` characters.
    prefix: Vec<u64>,
    /// `pow[k] = BASE^k`.
    pow: Vec<u64>,
}

impl DeleteHasher {
    fn new() -> DeleteHasher {
        DeleteHasher {
            prefix: Vec::new(),
            pow: Vec::new(),
        }
    }

    /// Prepares for the deletes of `chars`.
    fn reset(&mut self, chars: &[char]) {
        self.prefix.clear();
        self.prefix.push(0);
        let mut h = 0u64;
        for &c in chars {
            h = h.wrapping_mul(BASE).wrapping_add(u64::from(c) + 1);
            self.prefix.push(h);
        }
        while self.pow.len() <= chars.len() {
            let next = self.pow.last().map_or(1, |p: &u64| p.wrapping_mul(BASE));
            self.pow.push(next);
        }
    }

    fn len(&self) -> usize {
        self.prefix.len() - 1
    }

    /// Hash of characters `a..b`.
    fn segment(&self, a: usize, b: usize) -> u64 {
        self.prefix[b].wrapping_sub(self.prefix[a].wrapping_mul(self.pow[b - a]))
    }

    /// Calls `f` with the key of every string made by deleting exactly `k` characters
    /// (at distinct positions; the same string may come more than once). Nothing when
    /// that would leave no character, as no word is ever cut that short.
    fn for_each(&self, k: usize, f: &mut impl FnMut(u64)) {
        let n = self.len();
        if k > 0 && k >= n {
            return;
        }
        self.visit(0, k, 0, n - k, f);
    }

    /// Deletes `left` more characters at positions `from..`, after a kept prefix
    /// (before `from`) hashing to `h`.
    fn visit(&self, from: usize, left: usize, h: u64, kept: usize, f: &mut impl FnMut(u64)) {
        let n = self.len();
        if left == 0 {
            let full = h
                .wrapping_mul(self.pow[n - from])
                .wrapping_add(self.segment(from, n));
            f(finish(full, kept));
            return;
        }
        for i in from..=n - left {
            let h = h
                .wrapping_mul(self.pow[i - from])
                .wrapping_add(self.segment(from, i));
            self.visit(i + 1, left - 1, h, kept, f);
        }
    }
}

/// Mixes a hash with a string's length into a table key (all bits of the hash reach
/// all bits of the key). For a fixed length it is a bijection, so exact keys stay exact.
fn finish(h: u64, len: usize) -> u64 {
    let mut x = h ^ (len as u64).wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^= x >> 33;
    x
}

/// Optimal string alignment (restricted Damerau-Levenshtein) distance between `a` and
/// `b`, the same as `strsim::osa_distance`, when it is at most `bound`; `None` when it
/// is larger (the rows are abandoned as soon as no later row can come back under).
/// `rows` is scratch space.
fn osa_within(a: &[char], b: &[char], bound: usize, rows: &mut Vec<usize>) -> Option<usize> {
    if a.len().abs_diff(b.len()) > bound {
        return None;
    }
    let w = b.len() + 1;
    rows.clear();
    rows.resize(3 * w, 0);
    for (j, cell) in rows[..w].iter_mut().enumerate() {
        *cell = j;
    }
    // the smallest value of the previous row (row 0: 0)
    let mut prev_min = 0;
    for i in 1..=a.len() {
        let (cur, prev, prev2) = ((i % 3) * w, ((i - 1) % 3) * w, ((i + 1) % 3) * w);
        rows[cur] = i;
        let mut row_min = i;
        let ac = a[i - 1];
        for j in 1..w {
            let bc = b[j - 1];
            let cost = usize::from(ac != bc);
            let mut v = (rows[cur + j - 1] + 1)
                .min(rows[prev + j] + 1)
                .min(rows[prev + j - 1] + cost);
            if i > 1 && j > 1 && ac != bc && ac == b[j - 2] && a[i - 2] == bc {
                v = v.min(rows[prev2 + j - 2] + 1);
            }
            rows[cur + j] = v;
            row_min = row_min.min(v);
        }
        // a row's cells are at least min(this row, previous row + 1)
        if row_min.min(prev_min + 1) > bound {
            return None;
        }
        prev_min = row_min;
    }
    let d = rows[(a.len() % 3) * w + w - 1];
    (d <= bound).then_some(d)
}

impl Fuzzy {
    /// Builds the table over `(word, frequency)` pairs (words unique).
    pub fn build(vocabulary: Vec<(String, u32)>) -> Fuzzy {
        let mut fuzzy = Fuzzy {
            words: Vec::with_capacity(vocabulary.len()),
            chars: Vec::new(),
            starts: Vec::with_capacity(vocabulary.len() + 1),
            freq: Vec::with_capacity(vocabulary.len()),
            ..Fuzzy::default()
        };
        fuzzy.starts.push(0);
        let mut deletes = Vec::new();
        let mut trigrams = Vec::new();
        let mut hasher = DeleteHasher::new();
        for (i, (w, f)) in vocabulary.into_iter().enumerate() {
            let start = fuzzy.chars.len();
            fuzzy.chars.extend(w.chars());
            let chars = &fuzzy.chars[start..];
            let depth = max_typo_distance(chars.len());
            if depth > 0 {
                hasher.reset(chars);
                for k in 0..=depth {
                    hasher.for_each(k, &mut |h| deletes.push((h, i as u32)));
                }
            }
            if chars.len() >= LOOSE_MIN_LEN {
                for_each_trigram(chars, &mut |h| trigrams.push((h, i as u32)));
            }
            fuzzy.starts.push(fuzzy.chars.len() as u32);
            fuzzy.words.push(w);
            fuzzy.freq.push(f);
        }
        fuzzy.deletes = Postings::build(deletes);
        fuzzy.trigrams = Postings::build(trigrams);
        fuzzy
    }

    /// Number of words in the vocabulary.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether the vocabulary is empty.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The vocabulary word with this index.
    pub fn word(&self, i: u32) -> &str {
        &self.words[i as usize]
    }

    /// The characters of vocabulary word `i`.
    fn chars_of(&self, i: u32) -> &[char] {
        &self.chars[self.starts[i as usize] as usize..self.starts[i as usize + 1] as usize]
    }

    /// The closest vocabulary words to `query` within the distance allowed for both
    /// words' lengths: all at the smallest distance found, most frequent first, at most
    /// `limit`. Empty when none is close enough (or the word is too short to correct).
    pub fn lookup(&self, query: &str, limit: usize) -> Vec<Correction> {
        let query: Vec<char> = query.chars().collect();
        let qlen = query.len();
        let depth = max_typo_distance(qlen);
        if depth == 0 || self.words.is_empty() {
            return Vec::new();
        }
        let mut hasher = DeleteHasher::new();
        hasher.reset(&query);
        let mut rows = Vec::new();
        // candidates of this depth, and those verified at smaller depths (both sorted)
        let mut candidates: Vec<u32> = Vec::new();
        let mut seen: Vec<u32> = Vec::new();
        let mut best: Vec<Correction> = Vec::new();
        let mut best_d = usize::MAX;
        for k in 0..=depth {
            candidates.clear();
            hasher.for_each(k, &mut |h| {
                candidates.extend_from_slice(self.deletes.get(h));
            });
            candidates.sort_unstable();
            candidates.dedup();
            for &w in &candidates {
                if seen.binary_search(&w).is_ok() {
                    continue;
                }
                let word = self.chars_of(w);
                let allowed = max_typo_distance(qlen.min(word.len()));
                if allowed == 0 {
                    continue;
                }
                let Some(d) = osa_within(&query, word, allowed.min(best_d), &mut rows) else {
                    continue;
                };
                if d == 0 {
                    continue;
                }
                if d < best_d {
                    best_d = d;
                    best.clear();
                }
                best.push(Correction {
                    word: w,
                    distance: d,
                });
            }
            // Every word at distance <= k shares a delete of depth <= k with the query
            // (a substitution or transposition costs one delete on each side, an
            // insertion one on one side): none closer than `best_d` is left to find.
            if best_d <= k {
                break;
            }
            seen.extend_from_slice(&candidates);
            seen.sort_unstable();
            seen.dedup();
        }
        best.sort_by(|a, b| {
            self.freq[b.word as usize]
                .cmp(&self.freq[a.word as usize])
                .then_with(|| self.words[a.word as usize].cmp(&self.words[b.word as usize]))
        });
        best.truncate(limit);
        best
    }
}

impl Fuzzy {
    /// The fallback for words too far for [`Fuzzy::lookup`]: vocabulary words sharing
    /// character trigrams with `query`, verified by normalized OSA (Damerau) similarity;
    /// the best one, if similar enough. Only trigram postings are visited.
    pub fn lookup_loose(&self, query: &str) -> Option<Correction> {
        let query: Vec<char> = query.chars().collect();
        let qlen = query.len();
        if qlen < LOOSE_MIN_LEN {
            return None;
        }
        // every (word) hit of every trigram, then counted by sorting: no quadratic scans
        let mut hits: Vec<u32> = Vec::new();
        let mut grams = 0usize;
        for_each_trigram(&query, &mut |h| {
            grams += 1;
            hits.extend_from_slice(self.trigrams.get(h));
        });
        hits.sort_unstable();
        let mut counts: Vec<(u32, u16)> = Vec::new();
        for w in hits {
            match counts.last_mut() {
                Some(c) if c.0 == w => c.1 += 1,
                _ => counts.push((w, 1)),
            }
        }
        let need = (grams / 3).max(2) as u16;
        counts.retain(|c| c.1 >= need);
        // verify only the words sharing the most trigrams
        counts.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        counts.truncate(LOOSE_VERIFY);
        let mut rows = Vec::new();
        let mut best: Option<(f64, u32)> = None;
        for &(w, _) in &counts {
            let word = self.chars_of(w);
            let wlen = word.len();
            if wlen.abs_diff(qlen) > 3 {
                continue;
            }
            let d = osa_within(&query, word, usize::MAX, &mut rows).unwrap_or(usize::MAX);
            let sim = 1.0 - d as f64 / qlen.max(wlen) as f64;
            if sim >= LOOSE_MIN_SIMILARITY && best.is_none_or(|b| sim > b.0) {
                best = Some((sim, w));
            }
        }
        best.map(|(sim, w)| Correction {
            word: w,
            distance: ((1.0 - sim) * qlen.max(self.chars_of(w).len()) as f64).round() as usize,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fuzzy() -> Fuzzy {
        Fuzzy::build(
            [
                "magnesium",
                "kidney",
                "migraine",
                "surgery",
                "hair",
                "dose",
                "fusion",
                "pain",
            ]
            .iter()
            .map(|w| (w.to_string(), 1))
            .collect(),
        )
    }

    fn fix(f: &Fuzzy, q: &str) -> Vec<String> {
        f.lookup(q, 3)
            .iter()
            .map(|c| f.word(c.word).to_string())
            .collect()
    }

    #[test]
    fn corrects_within_scaled_distance() {
        let f = fuzzy();
        assert_eq!(fix(&f, "magnseium"), ["magnesium"]); // transposition
        assert_eq!(fix(&f, "magnesum"), ["magnesium"]); // deletion
        assert_eq!(fix(&f, "magnseuim"), ["magnesium"]); // two edits, long word
        assert_eq!(fix(&f, "kidny"), ["kidney"]);
        assert_eq!(fix(&f, "migrane"), ["migraine"]);
        assert_eq!(fix(&f, "surgury"), ["surgery"]);
    }

    #[test]
    fn does_not_overcorrect() {
        let f = fuzzy();
        assert!(fix(&f, "zinc").is_empty());
        assert!(fix(&f, "kidnxyz").is_empty()); // too far for 7 letters
        assert_eq!(fix(&f, "fusoin"), ["fusion"]);
        assert!(fix(&f, "pin").is_empty()); // short words are never corrected
        assert!(fix(&f, "hain").is_empty());
        assert!(fix(&f, "magnesium").is_empty()); // exact words need no correction
        assert!(fix(&f, "").is_empty());
    }

    #[test]
    fn loose_lookup_catches_several_typos() {
        let f = Fuzzy::build(
            ["treatments", "symptoms", "magnesium", "hypotension"]
                .iter()
                .map(|w| (w.to_string(), 1))
                .collect(),
        );
        let got = |q: &str| f.lookup_loose(q).map(|c| f.word(c.word).to_string());
        assert_eq!(got("treatmejts").as_deref(), Some("treatments"));
        assert_eq!(got("sympttms").as_deref(), Some("symptoms"));
        assert_eq!(got("nature"), None); // too short to correct loosely
        assert_eq!(got("potassium"), None);
        assert_eq!(got("tylenol"), None);
        assert_eq!(got("sym"), None);
    }

    #[test]
    fn ties_prefer_frequent_words() {
        let f = Fuzzy::build(vec![("doses".into(), 1), ("hoses".into(), 5)]);
        assert_eq!(fix(&f, "xoses"), ["hoses", "doses"]);
    }
}

/// The new lookup against brute-force definitions over a whole vocabulary, so the
/// tables can be reorganized without the results drifting.
#[cfg(test)]
mod reference {
    use proptest::prelude::*;

    use super::*;

    /// What [`Fuzzy::lookup`] returns, by scanning every word with `strsim`.
    fn lookup_reference(vocab: &[(String, u32)], query: &str, limit: usize) -> Vec<Correction> {
        let qlen = query.chars().count();
        if max_typo_distance(qlen) == 0 {
            return Vec::new();
        }
        let mut best: Vec<Correction> = Vec::new();
        for (i, (w, _)) in vocab.iter().enumerate() {
            let allowed = max_typo_distance(qlen.min(w.chars().count()));
            let d = strsim::osa_distance(query, w);
            if allowed == 0 || d == 0 || d > allowed {
                continue;
            }
            if best.first().is_some_and(|b| d < b.distance) {
                best.clear();
            }
            if best.first().is_none_or(|b| d == b.distance) {
                best.push(Correction {
                    word: i as u32,
                    distance: d,
                });
            }
        }
        best.sort_by(|a, b| {
            let (wa, wb) = (&vocab[a.word as usize], &vocab[b.word as usize]);
            wb.1.cmp(&wa.1).then_with(|| wa.0.cmp(&wb.0))
        });
        best.truncate(limit);
        best
    }

    /// The trigrams of `^word$`, duplicates included.
    fn trigrams(word: &str) -> Vec<[char; 3]> {
        let padded: Vec<char> = format!("^{word}$").chars().collect();
        padded.windows(3).map(|w| [w[0], w[1], w[2]]).collect()
    }

    /// What [`Fuzzy::lookup_loose`] returns, by counting every word's shared trigrams.
    fn loose_reference(vocab: &[(String, u32)], query: &str) -> Option<Correction> {
        let qlen = query.chars().count();
        if qlen < LOOSE_MIN_LEN {
            return None;
        }
        let grams = trigrams(query);
        let need = (grams.len() / 3).max(2);
        let mut counts: Vec<(usize, u32)> = Vec::new();
        for (i, (w, _)) in vocab.iter().enumerate() {
            if w.chars().count() < LOOSE_MIN_LEN {
                continue;
            }
            let own = trigrams(w);
            let shared = grams.iter().filter(|g| own.contains(g)).count();
            if shared >= need {
                counts.push((shared, i as u32));
            }
        }
        counts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        counts.truncate(LOOSE_VERIFY);
        let mut best: Option<(f64, u32, usize)> = None;
        for &(_, w) in &counts {
            let word = &vocab[w as usize].0;
            let wlen = word.chars().count();
            if wlen.abs_diff(qlen) > 3 {
                continue;
            }
            let longer = qlen.max(wlen);
            let sim = 1.0 - strsim::osa_distance(query, word) as f64 / longer as f64;
            if sim >= LOOSE_MIN_SIMILARITY && best.is_none_or(|b| sim > b.0) {
                best = Some((sim, w, longer));
            }
        }
        best.map(|(sim, w, longer)| Correction {
            word: w,
            distance: ((1.0 - sim) * longer as f64).round() as usize,
        })
    }

    fn check(vocab: &[(String, u32)], fuzzy: &Fuzzy, query: &str) {
        for limit in [1, 3, usize::MAX] {
            assert_eq!(
                fuzzy.lookup(query, limit),
                lookup_reference(vocab, query, limit),
                "lookup({query:?}, {limit})"
            );
        }
        assert_eq!(
            fuzzy.lookup_loose(query),
            loose_reference(vocab, query),
            "lookup_loose({query:?})"
        );
    }

    /// Medical and chat words, some close to each other.
    const WORDS: &str = "\
        magnesium magnesia manganese kidney kidneys migraine migraines surgery surgeon \
        surgeons hair dose doses dosage fusion infusion infusions pain painful spine \
        spinal spasm spasms cramp cramps cramping sleep sleeping anxiety anxious \
        constipation diarrhea diarrhoea laxative laxatives citrate glycinate threonate \
        oxide chloride sulfate sulphate supplement supplements tablet tablets capsule \
        capsules pregnancy pregnant breastfeeding medication medications medicine \
        antibiotic antibiotics interaction interactions absorption absorb absorbed \
        deficiency deficient symptoms symptom treatment treatments therapy therapies \
        hypertension hypotension pressure heart rhythm palpitations muscle muscles \
        weakness fatigue tired tiredness headache headaches nausea vomiting stomach bowel \
        intravenous injection injections topical lotion spray flakes epsom bath baths \
        salts daily nightly morning evening children child elderly older adults cognition \
        cognitive memory dementia depression mood stress asthma diabetes insulin glucose \
        osteoporosis bones calcium potassium zinc vitamin vitamins iron renal failure \
        disease dialysis operation postoperative recovery recover healing heal which \
        should doctor doctors pharmacist naïve café größe";

    /// Typos of `word`: every deletion, transposition, and some substitutions and
    /// insertions, then the same again on a few of those (two edits).
    fn typos(word: &str) -> Vec<String> {
        let one = |w: &str| -> Vec<String> {
            let c: Vec<char> = w.chars().collect();
            let mut out = Vec::new();
            for i in 0..c.len() {
                let mut d = c.clone();
                d.remove(i);
                out.push(d.iter().collect());
                if i + 1 < c.len() {
                    let mut t = c.clone();
                    t.swap(i, i + 1);
                    out.push(t.iter().collect());
                }
                for x in ['a', 'e', 's', 'é'] {
                    let mut s = c.clone();
                    s[i] = x;
                    out.push(s.iter().collect());
                    let mut n = c.clone();
                    n.insert(i, x);
                    out.push(n.iter().collect());
                }
            }
            out
        };
        let first = one(word);
        let mut all: Vec<String> = first.iter().step_by(7).flat_map(|w| one(w)).collect();
        all.extend(first);
        all.push(word.to_string());
        all.sort();
        all.dedup();
        all
    }

    #[test]
    fn lookups_match_brute_force_on_typos_of_medical_words() {
        let vocab: Vec<(String, u32)> = WORDS
            .split_whitespace()
            .enumerate()
            .map(|(i, w)| (w.to_string(), (i % 4) as u32 + 1))
            .collect();
        let fuzzy = Fuzzy::build(vocab.clone());
        let mut checked = 0;
        for w in WORDS.split_whitespace().step_by(3) {
            for q in typos(w) {
                check(&vocab, &fuzzy, &q);
                checked += 1;
            }
        }
        for q in [
            "",
            "a",
            "zinc",
            "xyzzyx",
            "magnesiummagnesium",
            "café",
            "cafe",
        ] {
            check(&vocab, &fuzzy, q);
        }
        assert!(checked > 10_000, "{checked} queries");
    }

    /// Random strings from a small alphabet: many ties, many shared deletes.
    fn word(max: usize) -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![Just('a'), Just('b'), Just('c'), Just('d'), Just('é')],
            0..max,
        )
        .prop_map(|c| c.into_iter().collect())
    }

    proptest! {
        #[test]
        fn lookups_match_brute_force_on_random_vocabularies(
            words in proptest::collection::vec((word(12), 1u32..4), 1..60),
            queries in proptest::collection::vec(word(13), 1..20),
        ) {
            let mut vocab: Vec<(String, u32)> = Vec::new();
            for (w, f) in words {
                if !vocab.iter().any(|(v, _)| *v == w) {
                    vocab.push((w, f));
                }
            }
            let fuzzy = Fuzzy::build(vocab.clone());
            for q in &queries {
                check(&vocab, &fuzzy, q);
            }
            // and typos of the vocabulary itself
            for (w, _) in vocab.iter().take(5) {
                for q in typos(w).iter().step_by(5) {
                    check(&vocab, &fuzzy, q);
                }
            }
        }

        #[test]
        fn bounded_osa_agrees_with_strsim(a in word(14), b in word(14), bound in 0usize..6) {
            let (ac, bc): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
            let d = strsim::osa_distance(&a, &b);
            let mut rows = Vec::new();
            prop_assert_eq!(osa_within(&ac, &bc, bound, &mut rows), (d <= bound).then_some(d));
            prop_assert_eq!(osa_within(&ac, &bc, usize::MAX, &mut rows), Some(d));
        }
    }
}
