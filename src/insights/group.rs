//! Unanswered questions grouped by what they ask, read the way the matcher reads them
//! (its normalization, stemming, typo correction and synonyms, through
//! [`Index::explain_query`](crate::matcher::Index::explain_query)), so "mag for sleep?"
//! and "does magnesium help me sleep" fall together. Pure.

use std::collections::BTreeMap;

use crate::knowledge::Knowledge;

/// Two questions belong together when their weighted term overlap (weighted Jaccard) is
/// at least this.
pub const SIMILAR: f32 = 0.5;

/// Characters of an example shown at most.
pub const EXAMPLE_CHARS: usize = 160;

/// Questions shown per group at most.
pub const EXAMPLES: usize = 3;

/// The entry closest to a group.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Nearest {
    pub id: String,
    /// Best score of any question of the group for this entry.
    pub score: f32,
}

/// Questions that ask the same thing.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Group {
    /// The group's main terms, as the matcher reads them.
    pub label: String,
    pub count: usize,
    /// Up to [`EXAMPLES`] distinct questions, most typical first.
    pub examples: Vec<String>,
    /// The entry most of its questions came closest to, if any came close at all.
    pub nearest: Option<Nearest>,
    /// When the group is close to an entry (a suggestion-level score): the line to add
    /// to that entry's `alternates`.
    pub alternate: Option<String>,
}

/// A question as the matcher reads it: canonical terms with their weights.
struct Read {
    text: String,
    terms: BTreeMap<String, f32>,
    nearest: Option<Nearest>,
}

fn read(knowledge: &Knowledge, text: &str) -> Read {
    let explained = knowledge.index.explain_query(text);
    let mut terms = BTreeMap::new();
    for t in explained.terms {
        let Some(first) = t.terms.first() else {
            continue;
        };
        let key = t.synonym.clone().unwrap_or_else(|| first.clone());
        if key.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let w = terms.entry(key).or_insert(0.0f32);
        *w = w.max(t.weight.max(0.01));
    }
    let outcome = knowledge.index.search(text);
    let nearest = outcome.candidates.first().map(|m| Nearest {
        id: m.id.clone(),
        score: m.score,
    });
    let text = text.trim();
    let text = match text.char_indices().nth(EXAMPLE_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    };
    Read {
        text,
        terms,
        nearest,
    }
}

/// Weighted Jaccard similarity of two term maps.
fn similarity(a: &BTreeMap<String, f32>, b: &BTreeMap<String, f32>) -> f32 {
    let (mut inter, mut union) = (0.0f32, 0.0f32);
    for (k, &wa) in a {
        match b.get(k) {
            Some(&wb) => {
                inter += wa.min(wb);
                union += wa.max(wb);
            }
            None => union += wa,
        }
    }
    for (k, &wb) in b {
        if !a.contains_key(k) {
            union += wb;
        }
    }
    if union == 0.0 {
        0.0
    } else {
        inter / union
    }
}

/// Groups `questions` (biggest group first, then by label). Each question joins the
/// group holding its most similar question when that similarity is at least
/// [`SIMILAR`]; questions with no meaningful term are grouped together under
/// "(no searchable words)".
pub fn group(knowledge: &Knowledge, questions: &[String]) -> Vec<Group> {
    let reads: Vec<Read> = questions
        .iter()
        .filter(|q| !q.trim().is_empty())
        .map(|q| read(knowledge, q))
        .collect();
    // members[g] = indices into `reads`
    let mut members: Vec<Vec<usize>> = Vec::new();
    let mut empty = Vec::new();
    for (i, r) in reads.iter().enumerate() {
        if r.terms.is_empty() {
            empty.push(i);
            continue;
        }
        let best = members
            .iter()
            .enumerate()
            .map(|(g, m)| {
                let s = m
                    .iter()
                    .map(|&j| similarity(&r.terms, &reads[j].terms))
                    .fold(0.0f32, f32::max);
                (g, s)
            })
            .filter(|&(_, s)| s >= SIMILAR)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((g, _)) => members[g].push(i),
            None => members.push(vec![i]),
        }
    }
    let suggest = knowledge.index.options().suggest_threshold;
    let mut groups: Vec<Group> = members
        .iter()
        .map(|m| summarize(&reads, m, suggest))
        .collect();
    if !empty.is_empty() {
        let mut g = summarize(&reads, &empty, suggest);
        g.label = "(no searchable words)".to_string();
        g.alternate = None;
        groups.push(g);
    }
    groups.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    groups
}

fn summarize(reads: &[Read], members: &[usize], suggest: f32) -> Group {
    // Label: the terms most of the group shares, weighted.
    let mut weight: BTreeMap<&str, f32> = BTreeMap::new();
    for &i in members {
        for (t, w) in &reads[i].terms {
            *weight.entry(t.as_str()).or_insert(0.0) += w;
        }
    }
    let mut terms: Vec<(&str, f32)> = weight.into_iter().collect();
    terms.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let label = terms
        .iter()
        .take(3)
        .map(|(t, _)| *t)
        .collect::<Vec<_>>()
        .join(" + ");
    // Examples: distinct texts, the ones sharing most with the rest first.
    let typical = |i: usize| -> f32 {
        members
            .iter()
            .filter(|&&j| j != i)
            .map(|&j| similarity(&reads[i].terms, &reads[j].terms))
            .sum()
    };
    let mut order: Vec<usize> = members.to_vec();
    order.sort_by(|&a, &b| typical(b).total_cmp(&typical(a)).then(a.cmp(&b)));
    let mut examples: Vec<String> = Vec::new();
    for i in order {
        let t = &reads[i].text;
        if !examples.iter().any(|e| e.eq_ignore_ascii_case(t)) {
            examples.push(t.clone());
        }
        if examples.len() == EXAMPLES {
            break;
        }
    }
    // Nearest entry: the one most questions came closest to; its best score.
    let mut votes: BTreeMap<&str, (usize, f32)> = BTreeMap::new();
    for &i in members {
        if let Some(n) = &reads[i].nearest {
            let v = votes.entry(n.id.as_str()).or_insert((0, 0.0));
            v.0 += 1;
            v.1 = v.1.max(n.score);
        }
    }
    let nearest = votes
        .into_iter()
        .max_by(|a, b| {
            (a.1 .0, a.1 .1)
                .partial_cmp(&(b.1 .0, b.1 .1))
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .map(|(id, (_, score))| Nearest {
            id: id.to_string(),
            score,
        });
    let alternate = nearest
        .as_ref()
        .filter(|n| n.score >= suggest)
        .and_then(|_| examples.first())
        .map(|q| format!("  {},", toml_string(q)));
    Group {
        label,
        count: members.len(),
        examples,
        nearest,
        alternate,
    }
}

/// `s` as a TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn knowledge() -> Knowledge {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("faq");
        Knowledge::load(&dir, Default::default()).expect("bundled faq")
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn same_question_in_other_words_falls_together() {
        let k = knowledge();
        let groups = group(
            &k,
            &strings(&[
                "mag for sleep?",
                "how do i renew my parking permit",
                "does magnesium help me sleep",
                "where can I renew a parking permit",
            ]),
        );
        assert_eq!(groups.len(), 2, "{groups:#?}");
        for g in &groups {
            assert_eq!(g.count, 2, "{groups:#?}");
        }
        let sleep = groups
            .iter()
            .find(|g| g.examples.iter().any(|e| e.contains("mag for sleep")))
            .unwrap();
        assert!(
            sleep
                .examples
                .iter()
                .any(|e| e.contains("magnesium help me sleep")),
            "{sleep:#?}"
        );
    }

    #[test]
    fn alternate_lines_are_toml() {
        assert_eq!(toml_string(r#"say "hi" \ ok"#), r#""say \"hi\" \\ ok""#);
    }
}
