//! Synonym groups from the moderators' `synonyms.toml`, applied as phrase rewriting to
//! the stemmed word sequence of entries and queries alike: every variant (one word or a
//! short phrase) and the canonical itself become one term, named after the canonical.

use std::collections::HashMap;

use super::normalize::{stem, words};
use crate::faq::SynonymGroup;

/// Joins the words of a phrase key (never produced by tokenization).
const SEP: char = '\u{1}';

/// Phrase table: stemmed word sequence -> group.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    /// Keys are stemmed words joined by [`SEP`].
    phrases: HashMap<String, u32>,
    /// Term text of each group (canonical's stems joined by a space).
    terms: Vec<String>,
    /// Canonical as the moderator wrote it, for explanations.
    canonicals: Vec<String>,
    longest: usize,
}

/// One rewrite found in a word sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct Rewrite {
    /// Index of the first word rewritten.
    pub start: usize,
    /// Number of words rewritten.
    pub len: usize,
    pub group: u32,
}

impl Synonyms {
    /// Builds the phrase table. A phrase claimed by two groups keeps the first.
    pub fn build(groups: &[SynonymGroup]) -> Synonyms {
        let mut s = Synonyms::default();
        for g in groups {
            let canon = phrase(&g.canonical);
            if canon.is_empty() {
                continue;
            }
            let id = s.terms.len() as u32;
            s.terms.push(canon.join(" "));
            s.canonicals.push(g.canonical.clone());
            for variant in std::iter::once(&g.canonical).chain(&g.variants) {
                let p = phrase(variant);
                if p.is_empty() {
                    continue;
                }
                s.longest = s.longest.max(p.len());
                s.phrases.entry(p.join(&SEP.to_string())).or_insert(id);
            }
        }
        s
    }

    /// Term text of a group.
    pub fn term(&self, group: u32) -> &str {
        &self.terms[group as usize]
    }

    /// The canonical as written in `synonyms.toml`.
    pub fn canonical(&self, group: u32) -> &str {
        &self.canonicals[group as usize]
    }

    /// Every stemmed word used by some phrase (part of the FAQ vocabulary).
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.phrases.keys().flat_map(|k| k.split(SEP))
    }

    /// Longest-match-first rewrites over `stems`, left to right, non-overlapping.
    pub fn rewrites(&self, stems: &[&str]) -> Vec<Rewrite> {
        let mut out = Vec::new();
        let mut i = 0;
        let mut key = String::new();
        while i < stems.len() {
            let mut found = None;
            for len in (1..=self.longest.min(stems.len() - i)).rev() {
                key.clear();
                for (k, s) in stems[i..i + len].iter().enumerate() {
                    if k > 0 {
                        key.push(SEP);
                    }
                    key.push_str(s);
                }
                if let Some(&g) = self.phrases.get(key.as_str()) {
                    found = Some((len, g));
                    break;
                }
            }
            match found {
                Some((len, group)) => {
                    out.push(Rewrite {
                        start: i,
                        len,
                        group,
                    });
                    i += len;
                }
                None => i += 1,
            }
        }
        out
    }
}

/// A phrase as the matcher sees it: its stemmed words.
fn phrase(text: &str) -> Vec<String> {
    words(text).iter().map(|w| stem(w)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups() -> Vec<SynonymGroup> {
        vec![
            SynonymGroup {
                canonical: "spine".into(),
                variants: vec!["spinal".into(), "back".into()],
            },
            SynonymGroup {
                canonical: "chronic low back pain".into(),
                variants: vec!["clbp".into()],
            },
            SynonymGroup {
                canonical: "postoperative".into(),
                variants: vec!["post-op".into(), "after surgery".into()],
            },
        ]
    }

    #[test]
    fn longest_phrase_wins_and_variants_meet_canonical() {
        let s = Synonyms::build(&groups());
        let stems = ["chronic", "low", "back", "pain", "back", "post", "op"];
        let r = s.rewrites(&stems);
        assert_eq!(r.len(), 3);
        assert_eq!((r[0].start, r[0].len), (0, 4));
        assert_eq!(s.term(r[0].group), "chronic low back pain");
        assert_eq!(s.canonical(r[1].group), "spine");
        assert_eq!(s.term(r[1].group), stem("spine"));
        assert_eq!((r[2].start, r[2].len), (5, 2));
        assert_eq!(s.canonical(r[2].group), "postoperative");
        let clbp = s.rewrites(&["clbp"]);
        assert_eq!(s.canonical(clbp[0].group), "chronic low back pain");
    }

    #[test]
    fn phrases_are_stemmed() {
        let s = Synonyms::build(&groups());
        let r = s.rewrites(&["after", &stem("surgeries")]);
        assert_eq!(r.len(), 1);
        assert!(s.rewrites(&["surgery"]).is_empty());
    }
}
