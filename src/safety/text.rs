//! A message cut into words the way the matcher reads it, with sentence and clause
//! numbers so rules and guards can stay inside one sentence or one clause.
//!
//! Words come from [`crate::matcher::normalize::for_each_word`] (NFKC, lowercase, Discord
//! markup removed, apostrophes joined, stretched letters cut to two). Before that, the
//! text is cut at sentence ends (`.`, `!`, `?`, `;` followed by a space, and line breaks)
//! and at clause breaks (`,`, `:`, brackets, dashes between spaces), so a comma in "no,
//! my chest hurts" ends the negation.

use crate::matcher::normalize::{for_each_word, truncate_chars};

/// Longest message prefix the safety check reads (characters): Discord's longest message.
pub const MAX_CHECK_CHARS: usize = 4000;

/// One word of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word {
    /// Byte range of the word in [`Words::text`].
    pub from: u32,
    pub to: u32,
    pub sentence: u16,
    pub clause: u16,
}

/// The words of one message, stored in one buffer.
#[derive(Debug, Default, Clone)]
pub struct Words {
    text: String,
    pub words: Vec<Word>,
}

impl Words {
    /// The `i`-th word.
    pub fn get(&self, i: usize) -> &str {
        let w = self.words[i];
        &self.text[w.from as usize..w.to as usize]
    }
    pub fn len(&self) -> usize {
        self.words.len()
    }
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
    /// Words `from..to` joined by spaces.
    pub fn span(&self, from: usize, to: usize) -> String {
        (from..to.min(self.len()))
            .map(|i| self.get(i))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Cuts `message` (its first [`MAX_CHECK_CHARS`] characters) into words.
    pub fn of(message: &str) -> Words {
        let mut out = Words::default();
        out.read(message);
        out
    }

    /// [`Words::of`] into this value, reusing its buffers (the check runs on every
    /// message: no allocation once they are large enough).
    pub fn read(&mut self, message: &str) {
        // no more bytes than the limit: no more characters either (no need to count)
        let message = if message.len() <= MAX_CHECK_CHARS {
            message
        } else {
            truncate_chars(message, MAX_CHECK_CHARS)
        };
        self.text.clear();
        self.words.clear();
        self.text.reserve(message.len());
        self.words.reserve(message.len() / 5);
        if plain_ascii(message) {
            self.read_plain(message);
        } else {
            self.read_pieces(message);
        }
    }

    /// The general reading: the message cut into pieces at sentence and clause breaks,
    /// each piece cut into words by [`for_each_word`].
    fn read_pieces(&mut self, message: &str) {
        let out = self;
        let (mut sentence, mut clause) = (0u16, 0u16);
        let mut pending: Option<Break> = None;
        pieces(message, |piece| {
            match piece {
                Piece::Break(b) => pending = Some(Break::merge(pending, b)),
                Piece::Text(t) => {
                    let before = out.words.len();
                    let brk = pending;
                    for_each_word(t, |w| {
                        let from = out.text.len() as u32;
                        out.text.push_str(w);
                        out.words.push(Word {
                            from,
                            to: out.text.len() as u32,
                            sentence,
                            clause,
                        });
                    });
                    if out.words.len() > before {
                        // the break applies to the words of this piece
                        if let Some(b) = brk {
                            if before > 0 {
                                b.count(&mut sentence, &mut clause);
                                for w in &mut out.words[before..] {
                                    w.sentence = sentence;
                                    w.clause = clause;
                                }
                            }
                        }
                        pending = None;
                    }
                }
            }
        });
    }

    /// [`Words::read_pieces`] in one pass over a [`plain_ascii`] message, where
    /// [`for_each_word`] reads each piece byte by byte (ASCII lowercase, apostrophes
    /// joined, letter runs cut to two, every other byte a word break) and no "od'd" is
    /// rewritten: the same words, sentences and clauses (a test compares the two).
    fn read_plain(&mut self, message: &str) {
        let bytes = message.as_bytes();
        let (mut sentence, mut clause) = (0u16, 0u16);
        let mut pending: Option<Break> = None;
        // the current word: where it starts in `text`, its last letter and that letter's run
        let mut start: Option<u32> = None;
        let (mut last, mut run) = (0u8, 0usize);
        for (i, &b) in bytes.iter().enumerate() {
            let c = b.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() {
                if start.is_none() {
                    // a break before the first word does not count
                    if let Some(brk) = pending.take().filter(|_| !self.words.is_empty()) {
                        brk.count(&mut sentence, &mut clause);
                    }
                    start = Some(self.text.len() as u32);
                }
                if c == last {
                    run += 1;
                } else {
                    run = 1;
                    last = c;
                }
                if run <= 2 {
                    self.text.push(char::from(c));
                }
            } else if c != b'\'' {
                (last, run) = (0, 0);
                if let Some(from) = start.take() {
                    self.words.push(Word {
                        from,
                        to: self.text.len() as u32,
                        sentence,
                        clause,
                    });
                }
                // (only these bytes can make a break: most are spaces)
                if matches!(c, b'\n' | b'.' | b'!' | b'?' | b';' | b',' | b':')
                    || matches!(c, b'(' | b')' | b'[' | b']' | b'-')
                {
                    if let Some(k) = break_at(bytes, i) {
                        pending = Some(Break::merge(pending, k));
                    }
                }
            }
        }
        if let Some(from) = start {
            self.words.push(Word {
                from,
                to: self.text.len() as u32,
                sentence,
                clause,
            });
        }
    }
}

/// Whether [`Words::read_plain`] reads `message` as [`Words::read_pieces`] does: ASCII,
/// no Discord markup or link [`for_each_word`] would remove, and no apostrophe after a
/// `d` or a `.` (where [`split_od`] may rewrite "od'd").
fn plain_ascii(message: &str) -> bool {
    // one pass over the bytes (the check runs on every message)
    let b = message.as_bytes();
    let mut prev = 0u8;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'<' | b'`' | 0x80..=0xff => return false,
            b'\'' if matches!(prev, b'd' | b'D' | b'.') => return false,
            b'h' if b[i..].starts_with(b"http") => return false,
            b'w' if b[i..].starts_with(b"www.") => return false,
            _ => {}
        }
        prev = c;
    }
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Break {
    Sentence,
    Clause,
}

impl Break {
    /// The break between two words separated by `pending` then `b`: a sentence break
    /// wins.
    fn merge(pending: Option<Break>, b: Break) -> Break {
        match pending {
            Some(Break::Sentence) => Break::Sentence,
            _ => b,
        }
    }

    /// Moves the sentence and clause numbers on past this break.
    fn count(self, sentence: &mut u16, clause: &mut u16) {
        if self == Break::Sentence {
            *sentence = sentence.saturating_add(1);
        }
        *clause = clause.saturating_add(1);
    }
}

enum Piece<'a> {
    Text(&'a str),
    Break(Break),
}

/// Splits `text` at sentence and clause breaks, calling `f` with each piece in order.
/// "od'd" / "od’d" / "OD'ed" are rewritten here (by yielding "overdosed") because the word
/// splitter would join them into "odd".
fn pieces<'a>(text: &'a str, mut f: impl FnMut(Piece<'a>)) {
    let bytes = text.as_bytes();
    let mut start = 0;
    for i in 0..bytes.len() {
        if let Some(k) = break_at(bytes, i) {
            if start < i {
                split_od(&text[start..i], &mut f);
            }
            f(Piece::Break(k));
            start = i + 1;
        }
    }
    if start < text.len() {
        split_od(&text[start..], &mut f);
    }
}

/// The break byte `i` of `bytes` makes, if any.
fn break_at(bytes: &[u8], i: usize) -> Option<Break> {
    let b = bytes[i];
    let next = bytes.get(i + 1).copied();
    let prev = if i > 0 { bytes[i - 1] } else { b' ' };
    let spaced_after = next.is_none_or(|n| n.is_ascii_whitespace());
    match b {
        b'\n' => Some(Break::Sentence),
        b'.' | b'!' | b'?' | b';' if spaced_after || matches!(next, Some(b'.' | b'!' | b'?')) => {
            Some(Break::Sentence)
        }
        b',' | b':' | b'(' | b')' | b'[' | b']' => {
            // keep "1,000" and "10:30" together
            if prev.is_ascii_digit() && next.is_some_and(|n| n.is_ascii_digit()) {
                None
            } else {
                Some(Break::Clause)
            }
        }
        b'-' if prev.is_ascii_whitespace() && spaced_after => Some(Break::Clause),
        _ => None,
    }
}

/// Calls `f` with the text piece `t`, "od'd" / "od’d" / "od'ed" (any case) replaced by
/// "overdosed".
fn split_od<'a>(t: &'a str, f: &mut impl FnMut(Piece<'a>)) {
    let lower_has = |s: &str| {
        s.as_bytes()
            .windows(3)
            .any(|w| w[0].eq_ignore_ascii_case(&b'o') && w[1].eq_ignore_ascii_case(&b'd'))
    };
    if !(t.contains('\'') || t.contains('\u{2019}')) || !lower_has(t) {
        f(Piece::Text(t));
        return;
    }
    let mut rest = t;
    loop {
        match find_od(rest) {
            Some((at, len)) => {
                f(Piece::Text(&rest[..at]));
                f(Piece::Text(" overdosed "));
                rest = &rest[at + len..];
            }
            None => {
                f(Piece::Text(rest));
                break;
            }
        }
    }
}

/// Byte offset and length of the first whole-word "od'd", "od’d", "od'ed" in `s`.
fn find_od(s: &str) -> Option<(usize, usize)> {
    let lower = s.to_ascii_lowercase();
    for pat in ["od'd", "od\u{2019}d", "od'ed", "od\u{2019}ed", "o.d.'d"] {
        let mut from = 0;
        while let Some(rel) = lower[from..].find(pat) {
            let at = from + rel;
            let end = at + pat.len();
            let before_ok = at == 0 || !lower.as_bytes()[at - 1].is_ascii_alphanumeric();
            let after_ok = end >= lower.len() || !lower.as_bytes()[end].is_ascii_alphanumeric();
            if before_ok && after_ok {
                return Some((at, pat.len()));
            }
            from = end;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(m: &str) -> Vec<(String, u16, u16)> {
        let w = Words::of(m);
        (0..w.len())
            .map(|i| (w.get(i).to_string(), w.words[i].sentence, w.words[i].clause))
            .collect()
    }

    #[test]
    fn sentences_and_clauses() {
        let s = shape("No, my chest HURTS. Help!! it's 10:30, 1,000 mg");
        let got: Vec<(&str, u16, u16)> = s.iter().map(|(w, a, b)| (w.as_str(), *a, *b)).collect();
        assert_eq!(
            got,
            [
                ("no", 0, 0),
                ("my", 0, 1),
                ("chest", 0, 1),
                ("hurts", 0, 1),
                ("help", 1, 2),
                ("its", 2, 3),
                ("10", 2, 3),
                ("30", 2, 3),
                ("1", 2, 4),
                ("00", 2, 4),
                ("mg", 2, 4),
            ]
        );
    }

    #[test]
    fn od_with_an_apostrophe_is_an_overdose_and_odd_stays_odd() {
        let w = Words::of("i think he OD'd on his meds, i feel odd");
        let words: Vec<&str> = (0..w.len()).map(|i| w.get(i)).collect();
        assert_eq!(
            words,
            [
                "i",
                "think",
                "he",
                "overdosed",
                "on",
                "his",
                "meds",
                "i",
                "feel",
                "odd"
            ]
        );
        assert_eq!(Words::of("od’ed").get(0), "overdosed");
    }

    #[test]
    fn urls_keep_their_dots() {
        let w = Words::of("see www.example.org/a.b for more");
        assert_eq!(w.words.iter().map(|x| x.sentence).max(), Some(0));
    }

    type Shape = Vec<(String, u16, u16)>;

    /// The words of `m` read in one pass, and read piece by piece.
    fn read_both(m: &str) -> (Shape, Shape) {
        let shape = |w: &Words| -> Shape {
            (0..w.len())
                .map(|i| (w.get(i).to_string(), w.words[i].sentence, w.words[i].clause))
                .collect()
        };
        let (mut plain, mut general) = (Words::default(), Words::default());
        plain.read_plain(m);
        general.read_pieces(m);
        (shape(&plain), shape(&general))
    }

    #[test]
    fn the_one_pass_reading_is_only_taken_where_it_reads_the_same() {
        assert!(plain_ascii(
            "My CHEST hurts, can't breathe!!\n10:30 - help (now)"
        ));
        for m in [
            "<@12> help",
            "see `x`",
            "http x",
            "www.x",
            "he od'd",
            "o.d.'d",
            "café",
        ] {
            assert!(!plain_ascii(m), "{m}");
        }
        let m = "No, my chest HURTS. Help!! it's 10:30, 1,000 mg; sooo - badly (really)\n\nok";
        let (a, b) = read_both(m);
        assert_eq!(a, b);
    }

    proptest::proptest! {
        /// [`plain_ascii`] in one pass says what its definition says.
        #[test]
        fn plain_ascii_is_its_definition(m in "([a-eDhtpw.<`'’é ]|http|www\\.|d'|\\.'){0,30}") {
            let b = m.as_bytes();
            let want = m.is_ascii()
                && !b.iter().any(|&c| c == b'<' || c == b'`')
                && !m.contains("http")
                && !m.contains("www.")
                && !b
                    .windows(2)
                    .any(|w| w[1] == b'\'' && matches!(w[0], b'd' | b'D' | b'.'));
            proptest::prop_assert_eq!(plain_ascii(&m), want, "{:?}", m);
        }

        #[test]
        fn one_pass_reading_equals_the_piece_by_piece_reading(
            m in "([a-cA-C0-9' .,!?;:()\\[\\]\n\t-]|aaa|AAa| - |\\.\\.\\.| ,){0,40}"
        ) {
            proptest::prop_assume!(plain_ascii(&m));
            let (a, b) = read_both(&m);
            proptest::prop_assert_eq!(a, b);
        }
    }

    #[test]
    fn long_messages_are_cut() {
        let m = "word ".repeat(2000);
        assert_eq!(Words::of(&m).len(), MAX_CHECK_CHARS / 5);
    }
}
