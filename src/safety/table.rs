//! A read-only map from words to numbers, laid out flat for the safety check's one
//! lookup per message word: open addressing with linear probing over one byte per slot
//! (7 bits of the word's hash, 0 for an empty slot), so a word not in the table (most
//! message words) is ruled out by reading those bytes alone (one cache line, a small
//! array), and 16-byte slots holding the word's first 8 bytes and its length, so a word
//! of up to 8 bytes is found by reading one slot, with no pointer to follow; longer
//! words compare the rest of their bytes in one shared buffer.
//!
//! Built once when the rules are loaded ([`WordTable::build`]); a word maps to the
//! number it was given, in `0..len`.

/// A word's first 8 bytes, zero-padded, as one number.
#[inline]
fn head(word: &[u8]) -> u64 {
    match word.first_chunk::<8>() {
        Some(b) => u64::from_le_bytes(*b),
        // byte by byte: a copy of a variable length is a call to `memcpy` (perf: 1 in
        // 5 of the instructions of a lookup)
        None => word.iter().rev().fold(0, |h, &b| h << 8 | u64::from(b)),
    }
}

/// FxHash-style mixing of the word, 8 bytes at a time, and its length.
fn hash(word: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = (word.len() as u64).wrapping_mul(K);
    for chunk in word.chunks(8) {
        h = (h.rotate_left(5) ^ head(chunk)).wrapping_mul(K);
    }
    // the high bits are the best mixed
    h ^ (h >> 29)
}

/// The byte [`WordTable::tags`] holds for a word of hash `h`: its top 7 bits, never 0.
fn tag(h: u64) -> u8 {
    (h >> 57) as u8 | 0x80
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Slot {
    head: u64,
    /// Length of the word; 0: an empty slot.
    len: u32,
    value: u32,
}

/// See the module doc.
#[derive(Debug, Clone, Default)]
pub(super) struct WordTable {
    /// By slot: 0 when empty, else [`tag`] of the word's hash.
    tags: Vec<u8>,
    slots: Vec<Slot>,
    /// By value: where the bytes after the first 8 of a longer word start in `tails`.
    tail_at: Vec<u32>,
    tails: Vec<u8>,
}

impl WordTable {
    /// A table of `words` (distinct, not empty), word `i` mapping to `i`.
    pub fn build<'a>(words: impl IntoIterator<Item = &'a [u8]>) -> WordTable {
        let words: Vec<&[u8]> = words.into_iter().collect();
        // at most half full: short probe runs
        let capacity = (words.len() * 2).next_power_of_two().max(8);
        let mut t = WordTable {
            tags: vec![0; capacity],
            slots: vec![Slot::default(); capacity],
            tail_at: Vec::with_capacity(words.len()),
            tails: Vec::new(),
        };
        let mask = capacity - 1;
        for (value, w) in words.iter().enumerate() {
            assert!(!w.is_empty(), "the table holds no empty word");
            t.tail_at.push(t.tails.len() as u32);
            t.tails.extend_from_slice(w.get(8..).unwrap_or(&[]));
            debug_assert!(t.get(w).is_none(), "a word given twice");
            let h = hash(w);
            let mut i = h as usize & mask;
            while t.tags[i] != 0 {
                i = (i + 1) & mask;
            }
            t.tags[i] = tag(h);
            t.slots[i] = Slot {
                head: head(w),
                len: w.len() as u32,
                value: value as u32,
            };
        }
        t
    }

    /// The number `word` maps to, if it is in the table.
    #[inline]
    pub fn get(&self, word: &[u8]) -> Option<u32> {
        if self.slots.is_empty() || word.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let hashed = hash(word);
        let (want, h, len) = (tag(hashed), head(word), word.len() as u32);
        let mut i = hashed as usize & mask;
        loop {
            match self.tags[i] {
                0 => return None,
                t if t == want => {
                    let s = self.slots[i];
                    if s.len == len
                        && s.head == h
                        && (len <= 8 || *self.tail(s.value, len) == word[8..])
                    {
                        return Some(s.value);
                    }
                }
                _ => {}
            }
            i = (i + 1) & mask;
        }
    }

    /// The bytes after the first 8 of the word `value` (of `len` bytes).
    fn tail(&self, value: u32, len: u32) -> &[u8] {
        let at = self.tail_at[value as usize] as usize;
        &self.tails[at..at + len as usize - 8]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn a_head_is_the_first_8_bytes_zero_padded() {
        for w in [
            "",
            "a",
            "my",
            "breathe",
            "breathin",
            "breathing",
            "unresponsive",
        ] {
            let mut b = [0u8; 8];
            let n = w.len().min(8);
            b[..n].copy_from_slice(&w.as_bytes()[..n]);
            assert_eq!(head(w.as_bytes()), u64::from_le_bytes(b), "{w}");
        }
    }

    #[test]
    fn finds_every_word_and_nothing_else() {
        let words = [
            "i",
            "my",
            "breathe",
            "breathin",
            "breathing",
            "breathings",
            "unresponsive",
            "anaphylactic",
            "anaphylaxis",
        ];
        let t = WordTable::build(words.map(str::as_bytes));
        for (i, w) in words.iter().enumerate() {
            assert_eq!(t.get(w.as_bytes()), Some(i as u32), "{w}");
        }
        for w in [
            "",
            "a",
            "m",
            "breath",
            "breathingz",
            "unresponsivE",
            "anaphylacti",
        ] {
            assert_eq!(t.get(w.as_bytes()), None, "{w:?}");
        }
        assert_eq!(WordTable::default().get(b"x"), None);
    }

    proptest::proptest! {
        /// The table answers as a hash map of the same words does, for words in it and
        /// for near misses (shared first 8 bytes, other lengths).
        #[test]
        fn answers_as_a_hash_map(
            words in proptest::collection::hash_set("[a-e]{1,12}", 0..300),
            probes in proptest::collection::vec("[a-e]{0,13}", 0..300),
        ) {
            let words: Vec<String> = words.into_iter().collect();
            let map: HashMap<&str, u32> =
                words.iter().enumerate().map(|(i, w)| (w.as_str(), i as u32)).collect();
            let t = WordTable::build(words.iter().map(String::as_bytes));
            for w in words.iter().chain(&probes) {
                proptest::prop_assert_eq!(t.get(w.as_bytes()), map.get(w.as_str()).copied(), "{}", w);
            }
        }
    }
}
