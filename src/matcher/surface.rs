//! Surface similarity: how alike a message and a question look letter by letter.
//!
//! Each text becomes the set of character trigrams of its words, each word padded with a
//! space on both sides (`"is"` gives `" is"` and `"is "`), stop words included: in
//! template-like questions the small words carry the question type ("how *to* prevent",
//! "*is* X inherited", "*who is at* risk"), and trigrams still agree where a word has a
//! typo or two. Word order does not matter.
//!
//! The similarity is a Tversky index that forgives the question's extra trigrams a little
//! more than the message's: a message that leaves a word out ("what are the ... for
//! diabetic neuropathy") should still find the question that has it. The message's extra
//! trigrams saturate: beyond as many as the question has, more story around the question
//! costs nothing more, so a long message is judged by how much of the question it holds
//! rather than by how long it is (a short question fully present in a story is not beaten
//! by a long one that shares more letters but leaves half of itself unmatched).
//!
//! Speed: the FAQ's trigrams get dense ids in a [`Trigrams`] table when the index is built;
//! a message becomes a bit set over those ids once ([`Probe`]), so comparing it with a
//! question is one bit test per question trigram, exact, with no branch to mispredict.

use std::hash::Hasher;

use rustc_hash::{FxHashMap, FxHashSet, FxHasher};

/// Weight of the message's trigrams the question lacks.
const QUERY_UNMATCHED: f32 = 0.6;
/// Weight of the question's trigrams the message lacks.
const TEXT_UNMATCHED: f32 = 0.4;
/// The message's unmatched trigrams count up to this many times the question's trigrams
/// (saturation for long messages; no effect when the message is about as long as the
/// question). Measured on `../shared/data/rqe_train/` (long clinical questions, top-1
/// 0.838 -> 0.882 alone at 1.0) at no cost on the MedQuAD noisy queries (0.8255 ->
/// 0.8245); 0.7 with the score blend in `search.rs` (surface 0.55, similarity 0.075):
/// rqe 0.8907 -> 0.8950, noisy 0.8245 -> 0.8335.
const QUERY_UNMATCHED_CAP: f32 = 0.7;

/// Calls `f` with a hash of every trigram of every padded word (repeats included).
fn for_each_trigram<S: AsRef<str>>(words: &[S], mut f: impl FnMut(u64)) {
    let mut buf: Vec<char> = Vec::new();
    for w in words {
        buf.clear();
        buf.push(' ');
        buf.extend(w.as_ref().chars());
        buf.push(' ');
        for t in buf.windows(3) {
            let mut h = FxHasher::default();
            for &c in t {
                h.write_u32(c as u32);
            }
            f(h.finish());
        }
    }
}

/// The trigrams of a FAQ's questions and alternates, with dense ids.
#[derive(Debug, Clone, Default)]
pub struct Trigrams {
    ids: FxHashMap<u64, u32>,
}

impl Trigrams {
    /// The sorted, distinct trigram ids of a question's `words`, adding new trigrams.
    pub fn add<S: AsRef<str>>(&mut self, words: &[S]) -> Vec<u32> {
        let mut out = Vec::new();
        for_each_trigram(words, |h| {
            let next = self.ids.len() as u32;
            out.push(*self.ids.entry(h).or_insert(next));
        });
        out.sort_unstable();
        out.dedup();
        out
    }

    /// A message's trigrams, ready to be compared with the questions' id lists.
    pub fn probe<S: AsRef<str>>(&self, words: &[S]) -> Probe {
        self.probe_weighted(words, &[])
    }

    /// [`Trigrams::probe`] where the trigrams of `words[i]` count `weights[i]` (1 when
    /// `weights` is shorter) among the message's trigrams a question lacks: filler
    /// words of a story cost a question less than content words do. A trigram shared by
    /// several words counts its largest weight.
    pub fn probe_weighted<S: AsRef<str>>(&self, words: &[S], weights: &[f32]) -> Probe {
        let mut bits = vec![0u64; self.ids.len().div_ceil(64)];
        let mut hashes: Vec<(u64, f32)> = Vec::new();
        // a word repeated with the same weight adds nothing: hashed once
        let mut seen: FxHashSet<(&str, u32)> = FxHashSet::default();
        for (i, w) in words.iter().enumerate() {
            let weight = weights.get(i).copied().unwrap_or(1.0);
            if !seen.insert((w.as_ref(), weight.to_bits())) {
                continue;
            }
            for_each_trigram(std::slice::from_ref(w), |h| hashes.push((h, weight)));
        }
        // distinct trigrams, each with its largest weight
        hashes.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        hashes.dedup_by_key(|h| h.0);
        for (h, _) in &hashes {
            if let Some(&id) = self.ids.get(h) {
                bits[id as usize / 64] |= 1 << (id % 64);
            }
        }
        Probe {
            bits,
            len: hashes.iter().map(|h| h.1).sum(),
        }
    }
}

/// A message's distinct trigrams as a bit set over a [`Trigrams`] table's ids (trigrams
/// no question has still count in its size).
#[derive(Debug, Clone)]
pub struct Probe {
    bits: Vec<u64>,
    /// Weighted count of the message's distinct trigrams.
    len: f32,
}

impl Probe {
    /// Similarity of the message to a question with these trigram ids (from
    /// [`Trigrams::add`] on the same table): 0.0 when they share nothing, 1.0 when the
    /// sets are equal.
    ///
    /// ```
    /// use medfaq::matcher::surface::Trigrams;
    /// let w = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
    /// let mut table = Trigrams::default();
    /// let inherited = table.add(&w("is noonan syndrome inherited"));
    /// let symptoms = table.add(&w("what are the symptoms of noonan syndrome"));
    /// let typo = table.probe(&w("noonan syndrom iherited is"));
    /// assert!(typo.similarity(&inherited) > typo.similarity(&symptoms));
    /// assert_eq!(table.probe(&w("is noonan syndrome inherited")).similarity(&inherited), 1.0);
    /// ```
    pub fn similarity(&self, text: &[u32]) -> f32 {
        let mut shared = 0u64;
        for &id in text {
            // ids come from the same table, so they index `bits`
            shared += self
                .bits
                .get(id as usize / 64)
                .map_or(0, |b| (b >> (id % 64)) & 1);
        }
        if shared == 0 {
            return 0.0;
        }
        let shared = shared as f32;
        // shared trigrams count fully: they are letters the question has too
        let missing_q = (self.len - shared)
            .max(0.0)
            .min(QUERY_UNMATCHED_CAP * text.len() as f32);
        let missing_t = text.len() as f32 - shared;
        shared / (shared + QUERY_UNMATCHED * missing_q + TEXT_UNMATCHED * missing_t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<&str> {
        s.split_whitespace().collect()
    }

    #[test]
    fn order_free_and_typo_tolerant() {
        let mut t = Trigrams::default();
        let prevent = t.add(&w("how to prevent copd"));
        let what = t.add(&w("what is copd"));
        assert_eq!(t.probe(&w("copd prevent to how")).similarity(&prevent), 1.0);
        let typo = t.probe(&w("how to prevnet copd"));
        assert!(typo.similarity(&prevent) > typo.similarity(&what));
    }

    #[test]
    fn a_dropped_word_costs_less_than_an_extra_one() {
        let mut t = Trigrams::default();
        let full = t.add(&w("what are the treatments for diabetic neuropathy"));
        let short = t.add(&w("what is are diabetic neuropathy"));
        let q = t.probe(&w("what are for the diabetic neuropathy"));
        let (f, s) = (q.similarity(&full), q.similarity(&short));
        assert!(f > s, "{f} vs {s}");
    }

    #[test]
    fn unknown_trigrams_count_against_the_message() {
        let mut t = Trigrams::default();
        let copd = t.add(&w("copd"));
        let plain = t.probe(&w("copd")).similarity(&copd);
        let noisy = t.probe(&w("copd xyzzy")).similarity(&copd);
        assert_eq!(plain, 1.0);
        assert!(noisy < plain && noisy > 0.0, "{noisy}");
    }

    #[test]
    fn a_long_message_is_judged_by_how_much_of_the_question_it_holds() {
        let mut t = Trigrams::default();
        let short = t.add(&w("why is she fatigued"));
        let long = t.add(&w(
            "what would cause an elevated free thyroxine with normal tsh",
        ));
        let story = t.probe(&w(
            "why is she fatigued this is a follow up visit blood count abnormal \
             thyroxine ordered today since tsh was elevated she smokes and is trying to cut back",
        ));
        let (s, l) = (story.similarity(&short), story.similarity(&long));
        assert!(
            s > l,
            "short question held whole {s} vs long one half held {l}"
        );
        // saturation: a longer story around the same question costs nothing more
        let longer = t.probe(&w(
            "why is she fatigued this is a follow up visit blood count abnormal \
             thyroxine ordered today since tsh was elevated she smokes and is trying to cut back \
             her mother and sister came along and asked about the weather and the parking",
        ));
        assert_eq!(longer.similarity(&short), s);
    }

    #[test]
    fn empty_and_disjoint() {
        let mut t = Trigrams::default();
        let copd = t.add(&w("copd"));
        let empty = t.add(&w(""));
        assert_eq!(t.probe(&w("")).similarity(&copd), 0.0);
        assert_eq!(t.probe(&w("copd")).similarity(&empty), 0.0);
        assert_eq!(t.probe(&w("xyz")).similarity(&copd), 0.0);
    }
}
