//! Checks that need several FAQ files at once: phrasings shared by two entries, cited
//! sources that are not declared, and answers that would not fit a Discord embed. Pure.

use std::collections::HashMap;

use super::model::{Entry, Source};
use super::parse::{EntryLines, Problem, Problems};
use super::toml_doc::closest;

/// Size limits of one Discord embed, in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbedLimits {
    /// Title (the entry's question).
    pub title: usize,
    /// Description (the answer).
    pub description: usize,
    /// Value of one field (the Sources field).
    pub field: usize,
    /// Footer text (the disclaimer).
    pub footer: usize,
    /// Everything in the embed together.
    pub total: usize,
}

impl EmbedLimits {
    /// Discord's limits.
    pub const DISCORD: EmbedLimits = EmbedLimits {
        title: 256,
        description: 4096,
        field: 1024,
        footer: 2048,
        total: 6000,
    };
    /// Name of the field that lists an answer's sources.
    pub const SOURCES_FIELD: &'static str = "Sources";
}

/// One line of an answer's Sources field: `title — section (link)`.
///
/// ```
/// use medfaq::faq::citation_line;
/// assert_eq!(citation_line("Guide", "FAQ", Some("https://x.org")), "Guide — FAQ (https://x.org)");
/// assert_eq!(citation_line("Guide", "FAQ", None), "Guide — FAQ");
/// ```
pub fn citation_line(title: &str, section: &str, link: Option<&str>) -> String {
    match link {
        Some(link) => format!("{title} — {section} ({link})"),
        None => format!("{title} — {section}"),
    }
}

/// A phrasing reduced for comparison: lowercase, apostrophes dropped, other punctuation
/// turned into spaces, runs of spaces collapsed.
///
/// ```
/// use medfaq::faq::normalize_phrase;
/// assert_eq!(normalize_phrase("  Can I take  MAG, after surgery?? "), "can i take mag after surgery");
/// assert_eq!(normalize_phrase("surgeon's OK"), "surgeons ok");
/// ```
pub fn normalize_phrase(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, '\'' | '’' | '‘'))
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    cleaned
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The longest answer the moderators' guide recommends (`faq/README.md`, "Writing a good
/// answer"): the reply also carries the sources and the disclaimer, and a long answer
/// is hard to read in a chat window.
pub const RECOMMENDED_ANSWER_CHARS: usize = 1500;

/// Things a loaded FAQ may hold but should not: answers longer than the guide
/// recommends. They do not stop the bot; `medfaq check` prints them as warnings.
pub fn warnings(faq: &super::Faq) -> Problems {
    faq.entries
        .iter()
        .filter_map(|e| {
            let chars = e.answer.chars().count();
            (chars > RECOMMENDED_ANSWER_CHARS).then(|| Problem {
                origin: e.origin.clone(),
                line: None,
                message: format!(
                    "warning: the answer is {chars} characters long; the moderators' guide \
                     recommends at most {RECOMMENDED_ANSWER_CHARS} (aim for 300-900): members \
                     read it in a chat window, under the sources and the disclaimer"
                ),
            })
        })
        .collect()
}

/// All cross-file problems of successfully parsed entries. `sources` is `None` when
/// `sources.toml` itself had problems (citations are then not checked); `disclaimer` is
/// the disclaimer text when there is one.
pub(crate) fn cross_check(
    entries: &[(Entry, EntryLines)],
    sources: Option<&[Source]>,
    sources_origin: &str,
    disclaimer: Option<&str>,
) -> Problems {
    let mut problems = Vec::new();
    shared_phrasings(entries, &mut problems);
    if let Some(sources) = sources {
        let by_id: HashMap<&str, &Source> = sources.iter().map(|s| (s.id.as_str(), s)).collect();
        for (entry, lines) in entries {
            let declared = undeclared_sources(entry, lines, &by_id, sources_origin, &mut problems);
            if declared {
                embed_fits(entry, lines, &by_id, disclaimer, &mut problems);
            }
        }
    }
    problems
}

/// A question or alternate that reads the same as another entry's.
fn shared_phrasings(entries: &[(Entry, EntryLines)], problems: &mut Problems) {
    // normalized phrasing -> (entry, its text, its line)
    let mut seen: HashMap<String, (&Entry, &str, Option<usize>)> = HashMap::new();
    for (entry, lines) in entries {
        let phrasings = std::iter::once((entry.question.as_str(), lines.question)).chain(
            entry
                .alternates
                .iter()
                .map(String::as_str)
                .zip(lines.alternates.iter().copied()),
        );
        for (text, line) in phrasings {
            let key = normalize_phrase(text);
            if key.is_empty() {
                continue;
            }
            match seen.get(&key) {
                Some((other, other_text, other_line)) if other.id != entry.id => {
                    let at = match other_line {
                        Some(l) => format!("{}:{l}", other.origin),
                        None => other.origin.clone(),
                    };
                    problems.push(Problem {
                        origin: entry.origin.clone(),
                        line,
                        message: format!(
                            "\"{text}\" reads the same as \"{other_text}\" of entry `{}` ({at}): \
                             a way of asking may lead to one entry only; reword or remove one of them",
                            other.id
                        ),
                    });
                }
                Some(_) => {}
                None => {
                    seen.insert(key, (entry, text, line));
                }
            }
        }
    }
}

/// Reports citations of sources not declared in `sources.toml`; true when all are declared.
fn undeclared_sources(
    entry: &Entry,
    lines: &EntryLines,
    by_id: &HashMap<&str, &Source>,
    sources_origin: &str,
    problems: &mut Problems,
) -> bool {
    let mut all = true;
    for (i, cited) in entry.sources.iter().enumerate() {
        if by_id.contains_key(cited.source.as_str()) {
            continue;
        }
        all = false;
        let mut ids: Vec<&str> = by_id.keys().copied().collect();
        ids.sort_unstable();
        let hint = match closest(&cited.source, ids.iter().copied()) {
            Some(best) => format!("did you mean `{best}`?"),
            None if ids.is_empty() => "no sources are declared there yet".to_string(),
            None => format!("the declared sources are: {}", ids.join(", ")),
        };
        problems.push(Problem {
            origin: entry.origin.clone(),
            line: lines.citations.get(i).copied().flatten().or(lines.sources),
            message: format!(
                "source `{}` is not declared in {sources_origin}; {hint}",
                cited.source
            ),
        });
    }
    all
}

/// Checks that the entry's reply fits one Discord embed: question as title, answer as
/// description, a Sources field with one [`citation_line`] per citation, the disclaimer
/// as footer.
fn embed_fits(
    entry: &Entry,
    lines: &EntryLines,
    by_id: &HashMap<&str, &Source>,
    disclaimer: Option<&str>,
    problems: &mut Problems,
) {
    let limits = EmbedLimits::DISCORD;
    let field = entry
        .sources
        .iter()
        .map(|c| {
            let source = by_id[c.source.as_str()];
            citation_line(&source.title, &c.section, source.link().as_deref())
        })
        .collect::<Vec<_>>()
        .join("\n");
    let title = entry.question.chars().count();
    let description = entry.answer.chars().count();
    let field = field.chars().count();
    let footer = disclaimer.map_or(0, |d| d.chars().count());
    let total = title + description + EmbedLimits::SOURCES_FIELD.len() + field + footer;
    let mut report = |line: Option<usize>, message: String| {
        problems.push(Problem {
            origin: entry.origin.clone(),
            line,
            message,
        })
    };
    if title > limits.title {
        report(
            lines.question,
            format!(
                "the question is {title} characters long; Discord shows at most {} as a title: \
                 shorten it by {}",
                limits.title,
                title - limits.title
            ),
        );
    }
    if description > limits.description {
        report(
            Some(lines.answer),
            format!(
                "the answer is {description} characters long; a Discord reply holds at most {}: \
                 shorten it by {}",
                limits.description,
                description - limits.description
            ),
        );
    }
    if field > limits.field {
        report(
            lines.sources,
            format!(
                "the sources would take {field} characters in Discord (one line per citation: \
                 title — section (link)); at most {} fit: cite fewer or shorter sections",
                limits.field
            ),
        );
    }
    if total > limits.total {
        report(
            Some(lines.answer),
            format!(
                "question, answer, sources and disclaimer together would be {total} characters; \
                 one Discord reply holds at most {}: shorten the answer by {}",
                limits.total,
                total - limits.total
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faq::model::SourceRef;

    fn entry(id: &str, question: &str, alternates: &[&str], cites: &[&str]) -> (Entry, EntryLines) {
        let entry = Entry {
            id: id.into(),
            question: question.into(),
            alternates: alternates.iter().map(|s| s.to_string()).collect(),
            keywords: vec![],
            topic: None,
            answer: "An answer.".into(),
            sources: cites
                .iter()
                .map(|s| SourceRef {
                    source: s.to_string(),
                    section: "Intro".into(),
                })
                .collect(),
            origin: format!("entries/{id}.md"),
        };
        let lines = EntryLines {
            question: Some(2),
            alternates: (0..alternates.len()).map(|i| Some(4 + i)).collect(),
            sources: Some(10),
            citations: (0..cites.len()).map(|i| Some(11 + i)).collect(),
            answer: 20,
        };
        (entry, lines)
    }

    fn source(id: &str, title: &str) -> Source {
        Source {
            id: id.into(),
            title: title.into(),
            publisher: None,
            url: None,
            doi: None,
        }
    }

    fn shown(problems: &[Problem]) -> Vec<String> {
        problems.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn shared_phrasings_are_reported_on_the_later_entry() {
        let entries = [
            entry("a", "Is it safe?", &["can I take it"], &["s"]),
            entry("b", "Can I take it??", &["other", "is  IT safe"], &["s"]),
        ];
        let p = shown(&cross_check(
            &entries,
            Some(&[source("s", "S")]),
            "sources.toml",
            None,
        ));
        assert_eq!(
            p,
            [
                "entries/b.md:2: \"Can I take it??\" reads the same as \"can I take it\" of entry `a` (entries/a.md:4): a way of asking may lead to one entry only; reword or remove one of them",
                "entries/b.md:5: \"is  IT safe\" reads the same as \"Is it safe?\" of entry `a` (entries/a.md:2): a way of asking may lead to one entry only; reword or remove one of them",
            ]
        );
    }

    #[test]
    fn repeats_within_one_entry_are_fine() {
        let entries = [entry("a", "Is it safe?", &["is it safe"], &["s"])];
        assert!(cross_check(&entries, Some(&[source("s", "S")]), "sources.toml", None).is_empty());
    }

    #[test]
    fn undeclared_sources_suggest_the_closest() {
        let entries = [entry(
            "a",
            "Q?",
            &[],
            &["guide", "back-surgery-guid", "zzz"],
        )];
        let sources = [source("guide", "G"), source("back-surgery-guide", "B")];
        let p = shown(&cross_check(
            &entries,
            Some(&sources),
            "faq/sources.toml",
            None,
        ));
        assert_eq!(
            p,
            [
                "entries/a.md:12: source `back-surgery-guid` is not declared in faq/sources.toml; did you mean `back-surgery-guide`?",
                "entries/a.md:13: source `zzz` is not declared in faq/sources.toml; the declared sources are: back-surgery-guide, guide",
            ]
        );
        // Without a readable sources.toml, citations are not checked.
        assert!(cross_check(&entries, None, "sources.toml", None).is_empty());
    }

    #[test]
    fn embed_limits() {
        let mut long = entry("a", &"q".repeat(257), &[], &["s"]);
        long.0.answer = "a".repeat(4097);
        long.0.sources = (0..45)
            .map(|i| SourceRef {
                source: "s".into(),
                section: format!("Section {i}"),
            })
            .collect();
        long.1.citations = vec![Some(11); 45];
        let sources = [source("s", "A source title")];
        let p = shown(&cross_check(
            &[long.clone()],
            Some(&sources),
            "sources.toml",
            Some("Not advice."),
        ));
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(
            p[0].starts_with("entries/a.md:2: the question is 257 characters"),
            "{p:?}"
        );
        assert!(
            p[1].starts_with("entries/a.md:20: the answer is 4097 characters"),
            "{p:?}"
        );
        assert!(
            p[2].starts_with("entries/a.md:10: the sources would take"),
            "{p:?}"
        );

        // Each part fits, but not all of them together with a long disclaimer.
        long.0.question = "Q?".into();
        long.0.answer = "a".repeat(4000);
        long.0.sources.truncate(1);
        let disclaimer = "d".repeat(2000);
        let p = shown(&cross_check(
            &[long.clone()],
            Some(&sources),
            "sources.toml",
            Some(&disclaimer),
        ));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].starts_with("entries/a.md:20: question, answer, sources and disclaimer together would be 6035 characters"), "{p:?}");
        assert!(
            cross_check(&[long], Some(&sources), "sources.toml", Some("Not advice.")).is_empty()
        );
    }
}
