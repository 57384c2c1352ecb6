//! Explanations: how the matcher read a message (terms, synonyms, corrections, weights)
//! and how each query term met a candidate entry.

use super::{Field, Index, Resolved, TermMatch};

/// One meaningful term of a query, as the matcher read it (for `--explain`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct QueryTerm {
    /// The words of the message it comes from.
    pub from: String,
    /// The term(s) searched: one, or several equally close typo corrections.
    pub terms: Vec<String>,
    /// The synonym group's canonical when a synonym rewrote the words.
    pub synonym: Option<String>,
    /// The typo correction, when the word was unknown and corrected.
    pub corrected: Option<String>,
    /// Whether the FAQ knows the term at all (unknown terms count against every entry).
    pub known: bool,
    /// Its weight in the query: the idf of a known term; for an unknown one, the
    /// unknown-word weight times its salience.
    pub weight: f32,
    /// How much the word says about what is asked, from background frequencies
    /// ([`super::background::salience`]): near 0 for everyday filler, near 1 for content.
    pub salience: f32,
}

/// How the matcher read a message (for `--explain`).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct QueryExplanation {
    /// Normalized words, stop words included.
    pub words: Vec<String>,
    /// Meaningful terms after stop words, corrections and synonyms.
    pub terms: Vec<QueryTerm>,
    /// The message's sentences (as normalized words) that read as questions.
    pub questions: Vec<String>,
}

impl Index {
    /// How the matcher reads `message`: words, terms, synonyms, corrections, weights.
    pub fn explain_query(&self, message: &str) -> QueryExplanation {
        let reading = self.analyze_query(message);
        let terms = reading
            .analyzed
            .iter()
            .map(|a| {
                let r = &self.resolve(std::slice::from_ref(a))[0];
                QueryTerm {
                    from: a.from.clone(),
                    terms: a.terms.clone(),
                    synonym: a.synonym.map(|g| self.synonyms.canonical(g).to_string()),
                    corrected: a.corrected.then(|| a.terms.join(" | ")),
                    known: !r.alts.is_empty(),
                    weight: r.weight,
                    salience: a.salience,
                }
            })
            .collect();
        let questions = reading
            .sentences
            .iter()
            .filter(|s| s.1)
            .map(|s| reading.words[s.0.clone()].join(" "))
            .collect();
        QueryExplanation {
            words: reading.words,
            terms,
            questions,
        }
    }

    pub(super) fn term_matches(&self, query: &[Resolved], entry: u32) -> Vec<TermMatch> {
        query
            .iter()
            .map(|q| {
                let mut best: Option<(f32, Field, u32)> = None;
                for &(t, conf) in &q.alts {
                    let ps = &self.postings[t as usize];
                    if let Ok(i) = ps.binary_search_by_key(&entry, |p| p.entry) {
                        let s = ps[i].strength * conf;
                        if best.is_none_or(|b| s > b.0) {
                            best = Some((s, ps[i].field, t));
                        }
                    }
                }
                let term = match (best, q.alts.first()) {
                    (Some((_, _, t)), _) | (None, Some(&(t, _))) => {
                        self.term_text[t as usize].clone()
                    }
                    (None, None) => "(unknown)".to_string(),
                };
                TermMatch {
                    term,
                    weight: q.weight,
                    field: best.map(|b| b.1),
                    contribution: best.map_or(0.0, |b| b.0 * q.weight),
                }
            })
            .collect()
    }
}
