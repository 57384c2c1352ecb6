//! Plain data types of a loaded FAQ.

use std::collections::BTreeMap;

/// A source document the FAQ may answer from (declared once in `sources.toml`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Source {
    /// Stable id, e.g. `back-surgery-guide`.
    pub id: String,
    pub title: String,
    /// Publisher, site or journal, when known.
    pub publisher: Option<String>,
    pub url: Option<String>,
    pub doi: Option<String>,
}

impl Source {
    /// The link shown with a citation: the DOI as a `https://doi.org/` link when the
    /// source has one, else its URL.
    ///
    /// ```
    /// let mut s = medfaq::faq::Source { id: "r".into(), title: "T".into(), publisher: None,
    ///     url: Some("https://example.org".into()), doi: Some("10.1/x".into()) };
    /// assert_eq!(s.link().as_deref(), Some("https://doi.org/10.1/x"));
    /// s.doi = None;
    /// assert_eq!(s.link().as_deref(), Some("https://example.org"));
    /// ```
    pub fn link(&self) -> Option<String> {
        match (&self.doi, &self.url) {
            (Some(doi), _) => Some(format!("https://doi.org/{doi}")),
            (None, Some(url)) => Some(url.clone()),
            (None, None) => None,
        }
    }
}

/// A citation of one section of a [`Source`] by an entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceRef {
    pub source: String,
    pub section: String,
}

/// One FAQ entry.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Entry {
    /// Stable public id (file name without `.md`), e.g. `kidney-problems`.
    pub id: String,
    /// Canonical question.
    pub question: String,
    /// Other ways members ask the same thing.
    pub alternates: Vec<String>,
    /// Extra matching terms that are neither question nor answer.
    pub keywords: Vec<String>,
    /// Topic used by `/faq list [topic]`, e.g. `surgery`, `migraine`.
    pub topic: Option<String>,
    /// Markdown answer body.
    pub answer: String,
    /// Where the answer comes from; never empty in a loaded FAQ.
    pub sources: Vec<SourceRef>,
    /// File the entry came from, for messages.
    pub origin: String,
}

/// A group of words the matcher treats as one: `canonical` plus its `variants`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SynonymGroup {
    pub canonical: String,
    pub variants: Vec<String>,
}

/// The medical disclaimer. It can only be built non-empty, so holding one proves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disclaimer(String);

impl Disclaimer {
    /// Returns `None` when `text` is empty or only whitespace.
    ///
    /// ```
    /// use medfaq::faq::Disclaimer;
    /// assert!(Disclaimer::new("  ").is_none());
    /// assert_eq!(Disclaimer::new(" Not advice. ").unwrap().as_str(), "Not advice.");
    /// ```
    pub fn new(text: &str) -> Option<Disclaimer> {
        let t = text.trim();
        (!t.is_empty()).then(|| Disclaimer(t.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A whole, validated FAQ.
#[derive(Debug, Clone)]
pub struct Faq {
    /// Entries sorted by id.
    pub entries: Vec<Entry>,
    pub sources: BTreeMap<String, Source>,
    pub synonyms: Vec<SynonymGroup>,
    pub disclaimer: Disclaimer,
}

impl Faq {
    /// The entry with this id.
    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.entries
            .binary_search_by(|e| e.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.entries[i])
    }
}
