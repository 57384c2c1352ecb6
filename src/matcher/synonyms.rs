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
    /// Keys are stemmed words joined by [`SEP`]; values: the group and, per word, the
    /// shortest written form among the variants with that key.
    phrases: HashMap<String, (u32, Vec<usize>)>,
    /// Per group: the words of a multi-word canonical as separate terms (empty for
    /// one-word canonicals), so a phrase also matches its words.
    parts: Vec<Vec<String>>,
    /// Term text of each group (canonical's stems joined by a space).
    terms: Vec<String>,
    /// Canonical as the moderator wrote it, for explanations.
    canonicals: Vec<String>,
    /// Every word of every canonical and variant, as written (lowercased).
    surface: Vec<String>,
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
            let canon: Vec<String> = words(&g.canonical).iter().map(|w| stem(w)).collect();
            if canon.is_empty() {
                continue;
            }
            let id = s.terms.len() as u32;
            s.terms.push(canon.join(" "));
            s.canonicals.push(g.canonical.clone());
            for variant in std::iter::once(&g.canonical).chain(&g.variants) {
                let ws = words(variant);
                if ws.is_empty() {
                    continue;
                }
                let key: Vec<String> = ws.iter().map(|w| stem(w)).collect();
                s.surface.extend(ws.iter().cloned());
                let lens: Vec<usize> = ws.iter().map(|w| w.chars().count()).collect();
                s.longest = s.longest.max(key.len());
                let slot = s
                    .phrases
                    .entry(key.join(&SEP.to_string()))
                    .or_insert((id, lens.clone()));
                if slot.0 == id {
                    for (m, l) in slot.1.iter_mut().zip(lens) {
                        *m = (*m).min(l);
                    }
                }
            }
        }
        // words of multi-word canonicals, each through one-word synonyms of other groups
        for (g, term) in s.terms.iter().enumerate() {
            let words: Vec<&str> = term.split(' ').collect();
            let parts = if words.len() < 2 {
                Vec::new()
            } else {
                words
                    .iter()
                    .map(|w| match s.phrases.get(*w) {
                        Some(&(other, _)) if other as usize != g => s.terms[other as usize].clone(),
                        _ => w.to_string(),
                    })
                    .collect()
            };
            s.parts.push(parts);
        }
        s
    }

    /// The separate word terms of a multi-word canonical (empty otherwise).
    pub fn parts(&self, group: u32) -> &[String] {
        &self.parts[group as usize]
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

    /// Every stemmed word of every phrase (canonical or variant), with its group.
    pub fn phrase_words(&self) -> impl Iterator<Item = (u32, &str)> {
        self.phrases
            .iter()
            .flat_map(|(k, &(g, _))| k.split(SEP).map(move |w| (g, w)))
    }

    /// The group a single stemmed word is a phrase of, if any.
    pub fn group_of(&self, stem: &str) -> Option<u32> {
        self.phrases.get(stem).map(|&(g, _)| g)
    }

    /// Every word of the synonym file as written (lowercased), duplicates included.
    pub fn surface_words(&self) -> &[String] {
        &self.surface
    }

    /// Longest-match-first rewrites over `stems` (with the length of each word as
    /// written), left to right, non-overlapping. A word matches a variant word when the
    /// stems agree and the word is not shorter than the variant as written, so
    /// `surgeries` meets `surgery` but `expect` does not meet `expecting`.
    pub fn rewrites(&self, stems: &[&str], lens: &[usize]) -> Vec<Rewrite> {
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
                if let Some((g, min)) = self.phrases.get(key.as_str()) {
                    let long_enough = min.iter().zip(&lens[i..i + len]).all(|(m, l)| l >= m);
                    if long_enough {
                        found = Some((len, *g));
                        break;
                    }
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
        let r = s.rewrites(&stems, &[9; 7]);
        assert_eq!(r.len(), 3);
        assert_eq!((r[0].start, r[0].len), (0, 4));
        assert_eq!(s.term(r[0].group), "chronic low back pain");
        assert_eq!(s.canonical(r[1].group), "spine");
        assert_eq!(s.term(r[1].group), stem("spine"));
        assert_eq!((r[2].start, r[2].len), (5, 2));
        assert_eq!(s.canonical(r[2].group), "postoperative");
        assert_eq!(
            s.parts(r[0].group),
            ["chronic", "low", &stem("spine"), "pain"]
        );
        assert!(s.parts(r[1].group).is_empty());
        let clbp = s.rewrites(&["clbp"], &[4]);
        assert_eq!(s.canonical(clbp[0].group), "chronic low back pain");
    }

    #[test]
    fn phrases_are_stemmed() {
        let s = Synonyms::build(&groups());
        let r = s.rewrites(&["after", &stem("surgeries")], &[5, 9]);
        assert_eq!(r.len(), 1);
        assert!(s.rewrites(&["surgery"], &[7]).is_empty());
    }

    #[test]
    fn shorter_words_do_not_meet_longer_variants() {
        let s = Synonyms::build(&[SynonymGroup {
            canonical: "pregnancy".into(),
            variants: vec!["expecting".into()],
        }]);
        assert_eq!(s.rewrites(&[&stem("expecting")], &[9]).len(), 1);
        assert!(s.rewrites(&[&stem("expect")], &[6]).is_empty());
    }
}
