//! Typo tolerance: maps a word the FAQ does not know to the closest words it does.
//!
//! A symmetric-delete (SymSpell-style) table: every vocabulary word is stored under the
//! hashes of the strings obtained by deleting up to its allowed number of characters; a
//! query word looks up its own deletes, and only those candidates are verified with
//! `strsim::osa_distance` (Damerau, optimal string alignment). No lookup scans the whole
//! vocabulary, so the cost does not grow with the FAQ's size.

use std::hash::{Hash, Hasher};

use super::normalize::max_typo_distance;

/// A close vocabulary word.
#[derive(Debug, Clone, PartialEq)]
pub struct Correction {
    /// Index of the word in the vocabulary given to [`Fuzzy::build`].
    pub word: u32,
    pub distance: usize,
}

/// The symmetric-delete table over a fixed vocabulary.
#[derive(Debug, Clone, Default)]
pub struct Fuzzy {
    words: Vec<String>,
    /// How often each word occurs (ties go to the more frequent word).
    freq: Vec<u32>,
    /// (hash of a delete variant, word) sorted by hash.
    deletes: Vec<(u64, u32)>,
    /// (hash of a padded character trigram, word) sorted by hash, for words of
    /// [`LOOSE_MIN_LEN`] or more characters: the fallback for words with several typos.
    trigrams: Vec<(u64, u32)>,
}

/// Words shorter than this are never loosely corrected.
pub const LOOSE_MIN_LEN: usize = 6;
/// Candidates verified by the loose lookup at most (those sharing the most trigrams).
const LOOSE_VERIFY: usize = 24;
/// Minimum similarity (1 - OSA distance / longer length) of a loose correction.
const LOOSE_MIN_SIMILARITY: f64 = 0.65;

/// Calls `f` with the hash of every trigram of `^word$`.
fn for_each_trigram(word: &str, f: &mut impl FnMut(u64)) {
    let chars: Vec<char> = std::iter::once('^')
        .chain(word.chars())
        .chain(std::iter::once('$'))
        .collect();
    for w in chars.windows(3) {
        f(hash_chars(w));
    }
}

fn hash_chars(chars: &[char]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    chars.hash(&mut h);
    h.finish()
}

/// Calls `f` with the hash of every string made by deleting at most `depth` characters
/// from `chars` (duplicates possible).
fn for_each_delete(chars: &mut Vec<char>, depth: usize, from: usize, f: &mut impl FnMut(u64)) {
    f(hash_chars(chars));
    if depth == 0 || chars.len() <= 1 {
        return;
    }
    for i in from..chars.len() {
        let c = chars.remove(i);
        for_each_delete(chars, depth - 1, i, f);
        chars.insert(i, c);
    }
}

impl Fuzzy {
    /// Builds the table over `(word, frequency)` pairs (words unique).
    pub fn build(vocabulary: Vec<(String, u32)>) -> Fuzzy {
        let mut words = Vec::with_capacity(vocabulary.len());
        let mut freq = Vec::with_capacity(vocabulary.len());
        let mut deletes = Vec::new();
        let mut buf = Vec::new();
        for (i, (w, f)) in vocabulary.into_iter().enumerate() {
            buf.clear();
            buf.extend(w.chars());
            let depth = max_typo_distance(buf.len());
            if depth > 0 {
                for_each_delete(&mut buf, depth, 0, &mut |h| deletes.push((h, i as u32)));
            }
            words.push(w);
            freq.push(f);
        }
        deletes.sort_unstable();
        deletes.dedup();
        let mut trigrams = Vec::new();
        for (i, w) in words.iter().enumerate() {
            if w.chars().count() >= LOOSE_MIN_LEN {
                for_each_trigram(w, &mut |h| trigrams.push((h, i as u32)));
            }
        }
        trigrams.sort_unstable();
        trigrams.dedup();
        Fuzzy {
            words,
            freq,
            deletes,
            trigrams,
        }
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

    /// The closest vocabulary words to `query` within the distance allowed for both
    /// words' lengths: all at the smallest distance found, most frequent first, at most
    /// `limit`. Empty when none is close enough (or the word is too short to correct).
    pub fn lookup(&self, query: &str, limit: usize) -> Vec<Correction> {
        let mut chars: Vec<char> = query.chars().collect();
        let qlen = chars.len();
        let depth = max_typo_distance(qlen);
        if depth == 0 || self.words.is_empty() {
            return Vec::new();
        }
        let mut seen: Vec<u32> = Vec::new();
        let mut best: Vec<Correction> = Vec::new();
        let mut best_d = usize::MAX;
        for_each_delete(&mut chars, depth, 0, &mut |h| {
            let start = self.deletes.partition_point(|&(k, _)| k < h);
            for &(k, w) in &self.deletes[start..] {
                if k != h {
                    break;
                }
                if seen.contains(&w) {
                    continue;
                }
                seen.push(w);
                let word = &self.words[w as usize];
                let wlen = word.chars().count();
                let allowed = max_typo_distance(qlen.min(wlen));
                if allowed == 0 || wlen.abs_diff(qlen) > allowed {
                    continue;
                }
                let d = strsim::osa_distance(query, word);
                if d == 0 || d > allowed || d > best_d {
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
        });
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
    /// character trigrams with `query`, verified by normalized OSA (Damerau) similarity; the best one, if similar enough. Only trigram postings are visited.
    pub fn lookup_loose(&self, query: &str) -> Option<Correction> {
        let qlen = query.chars().count();
        if qlen < LOOSE_MIN_LEN {
            return None;
        }
        // every (word) hit of every trigram, then counted by sorting: no quadratic scans
        let mut hits: Vec<u32> = Vec::new();
        let mut grams = 0usize;
        for_each_trigram(query, &mut |h| {
            grams += 1;
            let start = self.trigrams.partition_point(|&(k, _)| k < h);
            hits.extend(
                self.trigrams[start..]
                    .iter()
                    .take_while(|&&(k, _)| k == h)
                    .map(|&(_, w)| w),
            );
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
        let mut best: Option<(f64, u32)> = None;
        for &(w, _) in &counts {
            let word = &self.words[w as usize];
            let wlen = word.chars().count();
            if wlen.abs_diff(qlen) > 3 {
                continue;
            }
            let sim = 1.0 - strsim::osa_distance(query, word) as f64 / qlen.max(wlen) as f64;
            if sim >= LOOSE_MIN_SIMILARITY && best.is_none_or(|b| sim > b.0) {
                best = Some((sim, w));
            }
        }
        best.map(|(sim, w)| Correction {
            word: w,
            distance: ((1.0 - sim) * qlen.max(self.words[w as usize].chars().count()) as f64)
                .round() as usize,
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
