//! Surface similarity: how alike a message and a question look letter by letter.
//!
//! Each text becomes the set of character trigrams of its words, each word padded with a
//! space on both sides (`"is"` gives `" is"` and `"is "`), stop words included: in
//! template-like questions the small words carry the question type ("how *to* prevent",
//! "*is* X inherited", "*who is at* risk"), and trigrams still agree where a word has a
//! typo or two. Word order does not matter. Sets are sorted `u32` hashes, so comparing
//! two texts is one merge, with no allocation.
//!
//! The similarity is a Tversky index that forgives the question's extra trigrams a little
//! more than the message's: a message that leaves a word out ("what are the ... for
//! diabetic neuropathy") should still find the question that has it.

use std::hash::Hasher;

use rustc_hash::FxHasher;

/// Weight of the message's trigrams the question lacks.
const QUERY_UNMATCHED: f32 = 0.6;
/// Weight of the question's trigrams the message lacks.
const TEXT_UNMATCHED: f32 = 0.4;

/// The sorted, distinct trigram hashes of `words`.
///
/// ```
/// use medfaq::matcher::surface::{similarity, trigrams};
/// let w = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
/// let q = trigrams(&w("is noonan syndrome inherited"));
/// let typo = trigrams(&w("noonan syndrom iherited is"));
/// let other = trigrams(&w("what are the symptoms of noonan syndrome"));
/// assert!(similarity(&typo, &q) > similarity(&typo, &other));
/// assert_eq!(similarity(&q, &q), 1.0);
/// ```
pub fn trigrams<S: AsRef<str>>(words: &[S]) -> Vec<u32> {
    let mut out = Vec::new();
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
            out.push(h.finish() as u32);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Similarity of a message's trigrams (`query`) to a question's (`text`), both from
/// [`trigrams`]: 0.0 when they share nothing, 1.0 when the sets are equal.
pub fn similarity(query: &[u32], text: &[u32]) -> f32 {
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < query.len() && j < text.len() {
        match query[i].cmp(&text[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    if shared == 0 {
        return 0.0;
    }
    let shared = shared as f32;
    let missing_q = query.len() as f32 - shared;
    let missing_t = text.len() as f32 - shared;
    shared / (shared + QUERY_UNMATCHED * missing_q + TEXT_UNMATCHED * missing_t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Vec<u32> {
        trigrams(&s.split_whitespace().collect::<Vec<_>>())
    }

    #[test]
    fn order_free_and_typo_tolerant() {
        let q = t("how to prevent copd");
        assert_eq!(similarity(&t("copd prevent to how"), &q), 1.0);
        let typo = similarity(&t("how to prevnet copd"), &q);
        let other = similarity(&t("how to prevnet copd"), &t("what is copd"));
        assert!(typo > other, "{typo} vs {other}");
    }

    #[test]
    fn a_dropped_word_costs_less_than_an_extra_one() {
        let full = t("what are the treatments for diabetic neuropathy");
        let short = t("what is are diabetic neuropathy");
        let q = t("what are for the diabetic neuropathy");
        assert!(
            similarity(&q, &full) > similarity(&q, &short),
            "{} vs {}",
            similarity(&q, &full),
            similarity(&q, &short)
        );
    }

    #[test]
    fn empty_and_disjoint() {
        assert_eq!(similarity(&t(""), &t("copd")), 0.0);
        assert_eq!(similarity(&t("copd"), &t("")), 0.0);
        assert_eq!(similarity(&t("abc"), &t("xyz")), 0.0);
    }
}
