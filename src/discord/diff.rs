//! What changed between two loaded FAQs, for reload reports. Pure.

use crate::faq::Faq;

/// Entry ids added, removed and edited, plus whether the shared files changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaqDiff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub edited: Vec<String>,
    /// Names of shared files whose content changed (`sources.toml`, `synonyms.toml`,
    /// `disclaimer.md`).
    pub other: Vec<&'static str>,
}

impl FaqDiff {
    /// Compares `old` with `new` (entries are sorted by id in both).
    pub fn between(old: &Faq, new: &Faq) -> FaqDiff {
        let mut diff = FaqDiff::default();
        let (mut i, mut j) = (0, 0);
        let (a, b) = (&old.entries, &new.entries);
        while i < a.len() || j < b.len() {
            match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) if x.id == y.id => {
                    if x != y {
                        diff.edited.push(x.id.clone());
                    }
                    i += 1;
                    j += 1;
                }
                (Some(x), Some(y)) if x.id < y.id => {
                    diff.removed.push(x.id.clone());
                    i += 1;
                }
                (Some(_), Some(y)) => {
                    diff.added.push(y.id.clone());
                    j += 1;
                }
                (Some(x), None) => {
                    diff.removed.push(x.id.clone());
                    i += 1;
                }
                (None, Some(y)) => {
                    diff.added.push(y.id.clone());
                    j += 1;
                }
                (None, None) => break,
            }
        }
        if old.sources != new.sources {
            diff.other.push("sources.toml");
        }
        if old.synonyms != new.synonyms {
            diff.other.push("synonyms.toml");
        }
        if old.disclaimer != new.disclaimer {
            diff.other.push("disclaimer.md");
        }
        diff
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.edited.is_empty()
            && self.other.is_empty()
    }

    /// A short report for moderators.
    ///
    /// ```
    /// use medfaq::discord::diff::FaqDiff;
    /// let d = FaqDiff { added: vec!["a".into()], edited: vec!["b".into(), "c".into()], ..Default::default() };
    /// assert_eq!(d.report(12), "FAQ reloaded: 12 entries.\nAdded (1): `a`\nEdited (2): `b`, `c`");
    /// ```
    pub fn report(&self, entries: usize) -> String {
        let mut out = format!("FAQ reloaded: {entries} entries.");
        if self.is_empty() {
            out.push_str("\nNo changes.");
        }
        for (label, ids) in [
            ("Added", &self.added),
            ("Removed", &self.removed),
            ("Edited", &self.edited),
        ] {
            if !ids.is_empty() {
                let list: Vec<String> = ids.iter().map(|id| format!("`{id}`")).collect();
                out.push_str(&format!("\n{label} ({}): {}", ids.len(), list.join(", ")));
            }
        }
        if !self.other.is_empty() {
            out.push_str(&format!("\nAlso changed: {}", self.other.join(", ")));
        }
        out
    }
}
