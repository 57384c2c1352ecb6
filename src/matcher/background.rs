//! Background knowledge about words the FAQ does not know: how common each one is in
//! general English and in medical text, from a table built into the binary
//! (`background/words.tsv`, made by `background/make.py` from the `wordfreq` English list
//! and MedQuAD; licences in `background/README.md`).
//!
//! The matcher uses it three ways:
//! - [`salience`]: how much an unknown word says about what a message asks. Everyday
//!   words ("brother", "legit", "lol") are nearly neutral; rare or medical words ("zinc",
//!   "toddler", "gallstones") count.
//! - [`is_word`]: a real word is never typo-corrected into a different FAQ word
//!   ("stones" stays "stones").
//! - [`is_topic`]: the near-miss guard's test. A noun that medical text uses at least
//!   about as often as everyday English and that MedQuAD's question foci use ("child",
//!   "heartburn", "gout"; not "brother", "story", "possible", "number"), or a rare noun
//!   ("zinc", "toddler"), names a person, product or condition; when the chosen entry
//!   does not cover it, the message asks about something else. The foci's words are in
//!   `background/questions.tsv` (made by `background/make_questions.py` from MedQuAD).

use std::sync::LazyLock;

use rustc_hash::FxHashMap;

/// The table: `word<TAB>general<TAB>medical<TAB>pos`, Zipf frequencies times ten and
/// `n` (can be a noun), `-` (never a noun) or `?` (part of speech unknown).
const TABLE: &str = include_str!("background/words.tsv");

/// The words of MedQuAD's question foci: `word<TAB>questions` (`make_questions.py`).
const FOCI: &str = include_str!("background/questions.tsv");

/// Zipf frequency (log10 per billion words) given to a word MedQuAD never uses, and to
/// a word the table does not list at all in general English (rarer than Zipf 3.0).
const MEDICAL_UNSEEN: f32 = 2.2;
const GENERAL_UNLISTED: f32 = 2.5;
/// Salience: a logistic over `medical - general + RARITY * (PIVOT - general)`: a word
/// counts when medical text uses it more than everyday English does, or when it is rare
/// in everyday English.
const RARITY: f32 = 1.0;
const PIVOT: f32 = 4.5;
const CENTER: f32 = -0.5;
/// [`is_topic`]: at most this much rarer in medical text than in everyday English ...
const TOPIC_MIN_MEDICAL_LEAD: f32 = -0.25;
/// ... and no more common than this in everyday English ("people", "years" are not) ...
const TOPIC_MAX_GENERAL: f32 = 5.6;
/// ... and either used by MedQuAD's question foci or at most this common in everyday
/// English: "possible", "general", "number" are everyday words medical text uses, not
/// topics.
const TOPIC_RARE_GENERAL: f32 = 4.5;
/// A noun at most this common in everyday English names a topic however rarely medical
/// text uses it ("toddler", "teenagers").
const TOPIC_VERY_RARE: f32 = 4.0;
const STEEPNESS: f32 = 2.0;
/// Salience never drops below this: even filler says a little.
const MIN_SALIENCE: f32 = 0.05;

/// How common a word is (Zipf frequencies; `None` when the table does not list it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frequency {
    /// In general English (wordfreq).
    pub general: f32,
    /// In medical text (MedQuAD); [`MEDICAL_UNSEEN`] when never seen there.
    pub medical: f32,
    /// Whether the word can be a noun (also when its part of speech is unknown).
    pub noun: bool,
}

static WORDS: LazyLock<FxHashMap<&'static str, (u8, u8, bool)>> = LazyLock::new(|| {
    TABLE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| {
            let mut f = l.split('\t');
            let word = f.next()?;
            let general = f.next()?.parse().ok()?;
            let medical = f.next()?.parse().ok()?;
            let noun = f.next()? != "-";
            Some((word, (general, medical, noun)))
        })
        .collect()
});

static FOCUS_WORDS: LazyLock<rustc_hash::FxHashSet<&'static str>> = LazyLock::new(|| {
    FOCI.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.split('\t').next())
        .collect()
});

/// Whether MedQuAD's question foci use `word` (a condition, body part, substance or
/// population medical questions are asked about).
pub fn in_foci(word: &str) -> bool {
    FOCUS_WORDS.contains(word)
}

/// The frequencies of `word` (lowercase, as [`super::normalize::words`] writes it).
///
/// ```
/// use medfaq::matcher::background::frequency;
/// let brother = frequency("brother").unwrap();
/// assert!(brother.general > brother.medical);
/// assert!(frequency("xqzvw").is_none());
/// ```
pub fn frequency(word: &str) -> Option<Frequency> {
    WORDS.get(word).map(|&(g, m, noun)| Frequency {
        general: f32::from(g) / 10.0,
        medical: if m == 0 {
            MEDICAL_UNSEEN
        } else {
            f32::from(m) / 10.0
        },
        noun,
    })
}

/// What a word the table does not list is taken to be: rare, and possibly a noun.
const UNLISTED: Frequency = Frequency {
    general: GENERAL_UNLISTED,
    medical: MEDICAL_UNSEEN,
    noun: true,
};

/// Whether `word` names a topic of its own, a person, product or condition: a noun
/// (or a word of unknown part of speech), not among the most common words, that either
/// medical text uses about as often as everyday English or more and that MedQuAD's
/// question foci use (or that is rare in everyday English), or that is very rare in
/// everyday English and seen in medical text. One- and two-letter words do not
/// qualify.
///
/// ```
/// use medfaq::matcher::background::is_topic;
/// assert!(is_topic("heartburn") && is_topic("gout") && is_topic("child"));
/// assert!(is_topic("zinc") && is_topic("toddler"));
/// assert!(!is_topic("brother") && !is_topic("receive") && !is_topic("people"));
/// assert!(!is_topic("possible") && !is_topic("number") && !is_topic("general"));
/// ```
pub fn is_topic(word: &str) -> bool {
    if word.len() < 3 {
        return false;
    }
    let listed = frequency(word);
    let f = listed.unwrap_or(UNLISTED);
    if !f.noun || f.general > TOPIC_MAX_GENERAL {
        return false;
    }
    let medical_enough = f.medical - f.general >= TOPIC_MIN_MEDICAL_LEAD
        && (in_foci(word) || f.general <= TOPIC_RARE_GENERAL);
    // very rare in everyday English but seen in medical text (not a typo or slang)
    let rare_noun = listed.is_some() && f.medical > MEDICAL_UNSEEN && f.general <= TOPIC_VERY_RARE;
    medical_enough || rare_noun
}

/// Whether `word` is a real word: common in general English or used in medical text.
pub fn is_word(word: &str) -> bool {
    WORDS.contains_key(word)
}

/// How much `word` says about what a message asks, in `MIN_SALIENCE..=1.0`: near the
/// minimum for everyday words, near 1 for medical or rare ones (and for words the table
/// does not know: rare words and typos).
///
/// ```
/// use medfaq::matcher::background::salience;
/// assert!(salience("legit") < 0.2);
/// assert!(salience("gallstones") > 0.8);
/// assert!(salience("zinc") > salience("brother"));
/// ```
pub fn salience(word: &str) -> f32 {
    // a single letter ("x" in "2 x 400mg", "a", "b") names nothing
    if word.chars().nth(1).is_none() {
        return MIN_SALIENCE;
    }
    let f = frequency(word).unwrap_or(UNLISTED);
    let x = f.medical - f.general + RARITY * (PIVOT - f.general);
    let s = 1.0 / (1.0 + (-STEEPNESS * (x - CENTER)).exp());
    s.max(MIN_SALIENCE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_loads_whole() {
        assert!(WORDS.len() > 20_000, "{} words", WORDS.len());
        for w in ["the", "magnesium", "brother", "gallstones"] {
            assert!(is_word(w), "{w} missing");
        }
    }

    #[test]
    fn filler_weighs_less_than_content() {
        for filler in [
            "brother",
            "nightmare",
            "mate",
            "sorted",
            "legit",
            "lol",
            "mum",
            "weird",
        ] {
            for content in [
                "zinc",
                "toddler",
                "chloride",
                "heartburn",
                "gout",
                "gallstones",
            ] {
                assert!(
                    salience(filler) < salience(content),
                    "{filler} {} vs {content} {}",
                    salience(filler),
                    salience(content)
                );
            }
        }
    }
}
