//! Text normalization shared by entries and queries: Unicode NFKC, case, Discord markup,
//! punctuation, repeated letters, stop words and a light, deterministic stemmer.
//!
//! The same functions run over FAQ text at index time and over members' messages at
//! query time, so whatever they do to a word they do on both sides.

use std::sync::LazyLock;

use regex::Regex;
use unicode_normalization::UnicodeNormalization;

/// Discord markup and other non-words removed before tokenizing: code blocks and spans,
/// user / role / channel mentions, custom emoji, URLs.
static MARKUP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?s)```.*?(```|$)",           // code blocks (an unclosed one runs to the end)
        r"|`[^`]*`",                    // code spans
        r"|<a?:[A-Za-z0-9_~]+:[0-9]+>", // custom emoji <:name:id>, <a:name:id>
        r"|<(@[!&]?|#)[0-9]+>",         // user, role and channel mentions
        r"|<?(https?://|www\.)[^\s>]+>?", // URLs, <url> included
    ))
    .expect("valid markup regex")
});

/// Cuts `text` to at most `max_chars` characters (on a char boundary).
///
/// ```
/// use medfaq::matcher::normalize::truncate_chars;
/// assert_eq!(truncate_chars("héllo", 2), "hé");
/// ```
pub fn truncate_chars(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// The sentences of `text`, each with whether it ends in a question mark. A sentence
/// ends at `?`, `!`, a line break, or a `.` followed by a space or the end (so "2.5" and
/// "i.v" stay whole, but "i.v. mag" is cut after "i.v."). Empty pieces are skipped.
///
/// ```
/// use medfaq::matcher::normalize::sentences;
/// let s = sentences("Long story. Had 2.5 g mag!\nIs it safe?? ok");
/// assert_eq!(s, [("Long story.", false), ("Had 2.5 g mag!", false), ("Is it safe??", true), ("ok", false)]);
/// ```
pub fn sentences(text: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let ends = match b {
            b'?' | b'!' | b'\n' => true,
            b'.' => bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace()),
            _ => false,
        };
        if ends {
            // take the whole run of closing punctuation ("??", "?!", "...")
            let mut end = i + 1;
            while end < bytes.len() && matches!(bytes[end], b'?' | b'!' | b'.') {
                end += 1;
            }
            let piece = text[start..end].trim();
            if !piece.is_empty() {
                out.push((piece, piece.contains('?')));
            }
            start = end;
            i = end;
        } else {
            i += 1;
        }
    }
    let piece = text[start..].trim();
    if !piece.is_empty() {
        out.push((piece, piece.contains('?')));
    }
    out
}

/// Lowercased words of `text` with markup, punctuation and emoji removed, and runs of
/// three or more identical letters cut to two. Apostrophes join (`can't` -> `cant`);
/// every other non-alphanumeric character separates words.
///
/// ```
/// use medfaq::matcher::normalize::words;
/// assert_eq!(words("Soooo <@123> **Mag** & `x` L-threonate?!"), ["soo", "mag", "l", "threonate"]);
/// ```
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_word(text, |w| out.push(w.to_string()));
    out
}

/// Calls `f` with each word [`words`] returns, in order, without allocating a `String`
/// per word (the index build tokenizes every answer of the FAQ).
///
/// ```
/// use medfaq::matcher::normalize::for_each_word;
/// let mut seen = Vec::new();
/// for_each_word("Can't  SLEEEP!", |w| seen.push(w.to_string()));
/// assert_eq!(seen, ["cant", "sleep"]);
/// ```
pub fn for_each_word(text: &str, mut f: impl FnMut(&str)) {
    let text: std::borrow::Cow<str> = if text.is_ascii() {
        text.into()
    } else {
        text.nfkc().collect::<String>().into()
    };
    let has_markup =
        text.contains('<') || text.contains('`') || text.contains("http") || text.contains("www.");
    let text = if has_markup {
        MARKUP.replace_all(&text, " ")
    } else {
        text
    };
    if text.is_ascii() {
        split_ascii_words(&text, &mut f);
    } else {
        split_words(text.chars().flat_map(char::to_lowercase), &mut f);
    }
}

/// [`split_words`] for ASCII text, byte by byte: what it does to ASCII characters (which
/// lowercase to one ASCII character each). A word already as it should be (lowercase, no
/// apostrophe, no letter run cut) is passed as a slice of `text`; only the others are
/// copied.
fn split_ascii_words(text: &str, f: &mut impl FnMut(&str)) {
    // the word, when it differs from its span of `text`
    let mut copy = String::new();
    let mut copied = false;
    // where the current word starts in `text`
    let mut start: Option<usize> = None;
    // the previous letter of the current run (0: none; never alphanumeric)
    let mut last = 0u8;
    let mut run = 0usize;
    for (i, &b) in text.as_bytes().iter().enumerate() {
        let c = b.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            let from = *start.get_or_insert(i);
            if c == last {
                run += 1;
            } else {
                run = 1;
                last = c;
            }
            let keep = run <= 2;
            if !copied && (c != b || !keep) {
                copied = true;
                copy.clear();
                copy.push_str(&text[from..i]);
            }
            if copied && keep {
                copy.push(char::from(c));
            }
        } else if c == b'\'' {
            // joins: can't -> cant
            if let (Some(from), false) = (start, copied) {
                copied = true;
                copy.clear();
                copy.push_str(&text[from..i]);
            }
        } else {
            last = 0;
            run = 0;
            if let Some(from) = start.take() {
                f(if copied { &copy } else { &text[from..i] });
                copied = false;
            }
        }
    }
    if let Some(from) = start {
        f(if copied { &copy } else { &text[from..] });
    }
}

/// The word splitting of [`words`] over lowercased characters.
fn split_words(chars: impl Iterator<Item = char>, f: &mut impl FnMut(&str)) {
    let mut word = String::new();
    let mut last: Option<char> = None;
    let mut run = 0usize;
    for c in chars {
        if c.is_alphanumeric() {
            if Some(c) == last {
                run += 1;
            } else {
                run = 1;
                last = Some(c);
            }
            if run <= 2 {
                word.push(c);
            }
        } else if c == '\'' || c == '\u{2019}' {
            // joins: can't -> cant
        } else {
            last = None;
            run = 0;
            if !word.is_empty() {
                f(&word);
                word.clear();
            }
        }
    }
    if !word.is_empty() {
        f(&word);
    }
}

/// Words that carry no topic: function words, question words, chat filler.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "actually",
    "after",
    "again",
    "all",
    "allowed",
    "also",
    "am",
    "an",
    "and",
    "any",
    "anybody",
    "anyone",
    "are",
    "as",
    "at",
    "be",
    "been",
    "before",
    "being",
    "but",
    "by",
    "can",
    "cant",
    "could",
    "couldnt",
    "did",
    "didnt",
    "do",
    "does",
    "doesnt",
    "doing",
    "dont",
    "during",
    "each",
    "else",
    "even",
    "ever",
    "for",
    "from",
    "get",
    "gets",
    "getting",
    "got",
    "guys",
    "had",
    "has",
    "have",
    "having",
    "he",
    "hello",
    "her",
    "here",
    "hey",
    "hi",
    "him",
    "his",
    "i",
    "id",
    "if",
    "im",
    "in",
    "into",
    "is",
    "isnt",
    "it",
    "its",
    "ive",
    "just",
    "know",
    "let",
    "lets",
    "like",
    "me",
    "might",
    "mine",
    "more",
    "most",
    "much",
    "my",
    "myself",
    "need",
    "no",
    "not",
    "now",
    "of",
    "off",
    "ok",
    "okay",
    "on",
    "one",
    "or",
    "other",
    "our",
    "out",
    "own",
    "please",
    "pls",
    "plz",
    "really",
    "should",
    "shouldnt",
    "so",
    "some",
    "someone",
    "still",
    "such",
    "tell",
    "than",
    "thank",
    "thanks",
    "that",
    "thats",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "thing",
    "things",
    "this",
    "those",
    "thx",
    "to",
    "too",
    "u",
    "up",
    "us",
    "very",
    "want",
    "was",
    "wasnt",
    "way",
    "we",
    "were",
    "what",
    "whats",
    "where",
    "which",
    "while",
    "whom",
    "will",
    "with",
    "without",
    "wonder",
    "wondering",
    "would",
    "wouldnt",
    "ya",
    "yes",
    "yet",
    "you",
    "your",
    "youre",
    "yours",
];

static STOP_SET: LazyLock<rustc_hash::FxHashSet<&'static str>> =
    LazyLock::new(|| STOP_WORDS.iter().copied().collect());

/// Whether `word` (as produced by [`words`]) is a stop word.
pub fn is_stop(word: &str) -> bool {
    word.len() <= 10 && STOP_SET.contains(word)
}

/// Light suffix stripping: plurals, `-ing`, `-ed`, `-ly`, `-ation`, `-ion`, `-ive`, a
/// final `-e`. Deterministic and applied identically to entries and queries; it only
/// needs to bring variants together, not to produce real words.
///
/// ```
/// use medfaq::matcher::normalize::stem;
/// assert_eq!(stem("cramping"), stem("cramps"));
/// assert_eq!(stem("relaxation"), stem("relaxing"));
/// assert_eq!(stem("taking"), stem("take"));
/// assert_eq!(stem("therapies"), stem("therapy"));
/// ```
pub fn stem(word: &str) -> String {
    if !word.is_ascii() || word.len() <= 3 || word.bytes().any(|b| b.is_ascii_digit()) {
        return word.to_string();
    }
    let mut w = word.to_string();
    let strip = |w: &mut String, suffix: &str, min_left: usize| -> bool {
        if w.len() >= suffix.len() + min_left && w.ends_with(suffix) {
            w.truncate(w.len() - suffix.len());
            true
        } else {
            false
        }
    };
    // plurals
    if w.ends_with("ies") && w.len() > 4 {
        w.truncate(w.len() - 3);
        w.push('y');
    } else if w.ends_with("sses") {
        w.truncate(w.len() - 2);
    } else if w.ends_with('s')
        && !w.ends_with("ss")
        && !w.ends_with("us")
        && !w.ends_with("is")
        && w.len() > 3
    {
        w.pop();
    }
    // derivational / inflectional suffixes, one of them
    let stripped = strip(&mut w, "ations", 3)
        || strip(&mut w, "ation", 3)
        || (w.ends_with("tion") || w.ends_with("sion")) && strip(&mut w, "ion", 4)
        || strip(&mut w, "ive", 4)
        || strip(&mut w, "ingly", 3)
        || strip(&mut w, "ing", 3)
        || strip(&mut w, "edly", 3)
        || (!w.ends_with("eed") && strip(&mut w, "ed", 3))
        || strip(&mut w, "ly", 4);
    if stripped {
        // undouble a final consonant: spasmming -> spasm, stopping -> stop
        let b = w.as_bytes();
        let n = b.len();
        if n >= 3 && b[n - 1] == b[n - 2] && !matches!(b[n - 1], b'l' | b's' | b'z' | b'e') {
            w.pop();
        }
    }
    if w.ends_with('y') && w.len() > 3 {
        // therapy / therapi(es) already meet at "therapy"; keep y
    }
    if w.ends_with('e') && w.len() > 3 && !w.ends_with("ee") {
        w.pop();
    }
    w
}

/// Collapses every doubled letter to one (`stoo` -> `sto`); used to try a word whose
/// letters were stretched (`soooo` is cut to `soo` by [`words`]).
pub fn undouble(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut last = None;
    for c in word.chars() {
        if Some(c) != last {
            out.push(c);
        }
        last = Some(c);
    }
    out
}

/// Largest edit distance at which a word of `len` characters is corrected.
pub fn max_typo_distance(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=7 => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_sorted_and_unique() {
        let mut sorted = STOP_WORDS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, STOP_WORDS);
    }

    #[test]
    fn strips_discord_markup() {
        let w = words(
            "<@123456> <@!42> <@&99> <#7> hey <:mag:1234> <a:spin:55> see https://x.org/a?b=c and `code` ```rust\nfn x``` ||spoiler|| **bold** __u__ ~~s~~",
        );
        assert_eq!(w, ["hey", "see", "and", "spoiler", "bold", "u", "s"]);
    }

    #[test]
    fn nfkc_case_and_repeats() {
        assert_eq!(words("ＭＡＧＮＥＳＩＵＭ"), ["magnesium"]);
        assert_eq!(words("sooooo goood"), ["soo", "good"]);
        assert_eq!(words("can't   won’t"), ["cant", "wont"]);
        assert_eq!(words("❤️ 🙂"), Vec::<String>::new());
        assert_eq!(undouble("soo"), "so");
    }

    proptest::proptest! {
        #[test]
        fn ascii_fast_path_splits_like_the_char_path(text in "[ -~]{0,40}|[aAbB1' .-]{0,40}") {
            let (mut fast, mut slow) = (Vec::new(), Vec::new());
            split_ascii_words(&text, &mut |w: &str| fast.push(w.to_string()));
            split_words(
                text.chars().flat_map(char::to_lowercase),
                &mut |w: &str| slow.push(w.to_string()),
            );
            proptest::prop_assert_eq!(fast, slow);
        }
    }

    #[test]
    fn truncation_is_on_char_boundaries() {
        assert_eq!(truncate_chars("ééé", 10), "ééé");
        assert_eq!(truncate_chars("ééé", 1), "é");
        assert_eq!(truncate_chars("", 0), "");
    }

    #[test]
    fn stems_bring_variants_together() {
        for (a, b) in [
            ("spasms", "spasm"),
            ("spasming", "spasm"),
            ("absorbed", "absorb"),
            ("quickly", "quick"),
            ("cognition", "cognitive"),
            ("prevention", "preventive"),
            ("causes", "cause"),
            ("surgeries", "surgery"),
            ("infusions", "infusion"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} vs {b}");
        }
        assert_eq!(stem("mg"), "mg");
        assert_eq!(stem("70mg"), "70mg");
        assert_eq!(stem("analysis"), "analysis");
        assert_eq!(stem("need"), "need");
    }

    #[test]
    fn typo_distance_scales_with_length() {
        assert_eq!(max_typo_distance(4), 0);
        assert_eq!(max_typo_distance(5), 1);
        assert_eq!(max_typo_distance(7), 1);
        assert_eq!(max_typo_distance(8), 2);
        assert_eq!(max_typo_distance(9), 2);
    }
}
