//! Pure parsers for the FAQ files: text in, values or every problem found out.
//!
//! Each parser reads one file and reports all that is wrong with it, each problem with
//! the 1-based line it is on and a message a moderator can act on. Checks that need
//! several files (undeclared sources, duplicate phrasings, ...) live in `validate`.

use std::collections::HashMap;
use std::path::Path;

use toml_edit::TableLike;

use super::model::{Entry, Source, SourceRef, SynonymGroup};
use super::toml_doc::{closest, Doc};

/// One thing wrong in a FAQ file, worded for a moderator.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// File the problem is in (as given to the parser, e.g. `faq/entries/risks.md`).
    pub origin: String,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.origin, line, self.message),
            None => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

/// Every problem found, in file order.
pub type Problems = Vec<Problem>;

/// The keys an entry's front matter may have.
pub const ENTRY_KEYS: &[&str] = &[
    "question",
    "alternates",
    "keywords",
    "topic",
    "sources",
    "id",
];

/// The topics an entry may have (`topic = "..."`).
pub const TOPICS: &[&str] = &[
    "surgery",
    "forms",
    "safety",
    "iv",
    "migraine",
    "chronic-pain",
    "basics",
];

const SOURCE_REF_EXAMPLE: &str = "{ source = \"back-surgery-guide\", section = \"Quick Summary\" }";

/// Whether `id` is a valid entry id: lowercase letters a-z, digits and `-`.
///
/// ```
/// assert!(medfaq::faq::is_valid_id("kidney-problems"));
/// assert!(!medfaq::faq::is_valid_id("Kidney problems"));
/// ```
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Longest entry id, in characters. Ids travel inside Discord button ids (at most 100
/// characters, about 20 of them the bot's own prefix), and people read them in replies.
pub const MAX_ID_CHARS: usize = 64;

/// Text as moderators save it, made uniform before parsing: a byte-order mark at the
/// start (added by some Windows editors) is dropped and Windows line ends (CRLF) become
/// `\n`. Line numbers are unchanged.
///
/// ```
/// assert_eq!(medfaq::faq::clean_text("\u{feff}a\r\nb\r\n"), "a\nb\n");
/// ```
pub fn clean_text(text: &str) -> std::borrow::Cow<'_, str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains('\r') {
        std::borrow::Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Joins hard-wrapped lines of Markdown paragraphs, as Markdown renders them: lines of
/// one paragraph (or one list item) become one line, so Discord, which shows every
/// newline, does not break them mid-sentence. Blank lines, list items, headings,
/// quotes, tables, code blocks and hard breaks (two trailing spaces or `\`) stay.
///
/// ```
/// use medfaq::faq::join_wrapped_lines;
/// assert_eq!(join_wrapped_lines("One long\nsentence.\n\n- a\n  wrapped\n- b"), "One long sentence.\n\n- a wrapped\n- b");
/// ```
pub fn join_wrapped_lines(markdown: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut fence: Option<&str> = None;
    let mut joinable = false;
    for line in markdown.lines() {
        let trimmed = line.trim();
        if let Some(marker) = fence {
            out.push(line.to_string());
            if trimmed.starts_with(marker) {
                fence = None;
            }
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(&trimmed[..3]);
            out.push(line.trim_end().to_string());
            joinable = false;
            continue;
        }
        if trimmed.is_empty() {
            out.push(String::new());
            joinable = false;
            continue;
        }
        let hard_break = line.ends_with("  ") || line.ends_with('\\');
        let block = starts_block(trimmed);
        match out.last_mut() {
            Some(last) if joinable && !block => {
                last.push(' ');
                last.push_str(trimmed.trim_end_matches('\\').trim_end());
            }
            _ => out.push(
                line.trim_end()
                    .trim_end_matches('\\')
                    .trim_end()
                    .to_string(),
            ),
        }
        joinable = !(hard_break
            || trimmed.starts_with('#')
            || trimmed.starts_with('|')
            || is_rule(trimmed));
    }
    out.join("\n")
}

/// Whether a Markdown line starts a block of its own (never joined to the line above).
fn starts_block(line: &str) -> bool {
    let ordered = {
        let digits = line.bytes().take_while(u8::is_ascii_digit).count();
        digits > 0
            && digits <= 9
            && matches!(line.as_bytes().get(digits), Some(b'.' | b')'))
            && matches!(line.as_bytes().get(digits + 1), None | Some(b' '))
    };
    ordered
        || ["- ", "* ", "+ ", "> ", "#", "|"]
            .iter()
            .any(|p| line.starts_with(p))
        || matches!(line, "-" | "*" | "+" | ">")
        || is_rule(line)
}

/// A thematic break: `---`, `***` or `___` (spaces allowed).
fn is_rule(line: &str) -> bool {
    let chars: Vec<char> = line.chars().filter(|c| !c.is_whitespace()).collect();
    chars.len() >= 3 && ['-', '*', '_'].iter().any(|m| chars.iter().all(|c| c == m))
}

/// Where the parts of an entry are in its file, for problems found across files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct EntryLines {
    pub question: Option<usize>,
    /// One per alternate, in order.
    pub alternates: Vec<Option<usize>>,
    /// The `sources` key.
    pub sources: Option<usize>,
    /// The `source = ...` of each citation, in order.
    pub citations: Vec<Option<usize>>,
    /// First line of the answer.
    pub answer: usize,
}

/// Parses one entry file. `origin` names it in problems; the id is the file stem.
///
/// ```
/// let text = "+++\nquestion = \"Is it safe?\"\nsources = [{ source = \"guide\", section = \"Risks\" }]\n+++\nUsually.\n";
/// let entry = medfaq::faq::parse_entry(text, "faq/entries/is-it-safe.md").unwrap();
/// assert_eq!((entry.id.as_str(), entry.answer.as_str()), ("is-it-safe", "Usually."));
/// ```
pub fn parse_entry(text: &str, origin: &str) -> Result<Entry, Problems> {
    parse_entry_with_lines(text, origin).map(|(entry, _)| entry)
}

/// An entry file split at its `+++` lines.
struct Parts<'a> {
    /// Line of the opening `+++` (1-based).
    open: usize,
    /// Line of the closing `+++`.
    close: usize,
    front: &'a str,
    body: &'a str,
}

/// Splits `text` into front matter and body, or says what is wrong with the `+++` lines.
fn split_front_matter(text: &str) -> Result<Parts<'_>, (Option<usize>, String)> {
    let mut open: Option<(usize, usize)> = None; // (line, byte offset after the line)
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let number = i + 1;
        let end = offset + line.len();
        let trimmed = line.trim();
        match open {
            None if trimmed.is_empty() => {}
            None if trimmed == "+++" => open = Some((number, end)),
            None if trimmed == "---" => {
                return Err((
                    Some(number),
                    "this entry starts with `---`, but medfaq entries put their settings \
                     between two `+++` lines (three plus signs), not `---`: change this line \
                     and the `---` line after the settings to `+++`"
                        .to_string(),
                ))
            }
            None => {
                return Err((
                    Some(number),
                    "an entry must start with a line `+++`, then its settings (question, \
                     alternates, sources), then another line `+++`, then the answer"
                        .to_string(),
                ))
            }
            Some((open_line, front_start)) if trimmed == "+++" => {
                return Ok(Parts {
                    open: open_line,
                    close: number,
                    front: &text[front_start..offset],
                    body: &text[end..],
                });
            }
            Some(_) => {}
        }
        offset = end;
    }
    match open {
        None => Err((
            None,
            "the file is empty: an entry needs its settings between two `+++` lines, then the answer"
                .to_string(),
        )),
        Some((line, _)) => {
            let dashes = text
                .lines()
                .enumerate()
                .skip(line)
                .find(|(_, l)| l.trim() == "---")
                .map(|(i, _)| i + 1);
            let hint = match dashes {
                Some(at) => format!(
                    " (line {at} is `---`: the closing line must be `+++` too, three plus signs)"
                ),
                None => String::new(),
            };
            Err((
                Some(line),
                format!(
                    "the settings block opened by `+++` on line {line} is never closed: \
                     add a line with only `+++` after the last setting, before the answer{hint}"
                ),
            ))
        }
    }
}

pub(crate) fn parse_entry_with_lines(
    text: &str,
    origin: &str,
) -> Result<(Entry, EntryLines), Problems> {
    let cleaned = clean_text(text);
    let text: &str = &cleaned;
    let mut problems = Vec::new();
    let file_name = Path::new(origin)
        .file_name()
        .map_or_else(|| origin.to_string(), |n| n.to_string_lossy().into_owned());
    let id = Path::new(origin)
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    if !is_valid_id(&id) {
        problems.push(Problem {
            origin: origin.to_string(),
            line: None,
            message: format!(
                "the file name `{file_name}` is not a valid entry id: use only lowercase \
                 letters a-z, digits and `-`, like `kidney-problems.md`"
            ),
        });
    } else if id.chars().count() > MAX_ID_CHARS {
        problems.push(Problem {
            origin: origin.to_string(),
            line: None,
            message: format!(
                "the file name makes an id of {} characters; ids are at most {MAX_ID_CHARS} \
                 (they travel inside Discord buttons and people read them): rename the file \
                 to something shorter, like `kidney-problems.md`",
                id.chars().count()
            ),
        });
    }
    let parts = match split_front_matter(text) {
        Ok(parts) => parts,
        Err((line, message)) => {
            problems.push(Problem {
                origin: origin.to_string(),
                line,
                message,
            });
            return Err(problems);
        }
    };

    let mut doc = Doc::new(origin, parts.front, parts.open);
    let answer = join_wrapped_lines(parts.body.trim());
    let answer_line = parts.close
        + 1
        + parts
            .body
            .lines()
            .take_while(|l| l.trim().is_empty())
            .count();
    let mut lines = EntryLines {
        answer: answer_line,
        ..EntryLines::default()
    };
    if answer.is_empty() {
        doc.error(
            Some(parts.close),
            "there is no answer: write it below this closing `+++` line",
        );
    }
    let Some(parsed) = doc.parse("the settings block between the `+++` lines") else {
        problems.append(&mut doc.problems);
        return Err(problems);
    };
    let table = parsed.as_table();
    let opened = Some(parts.open);

    if table.contains_key("answer") {
        let line = doc.key_line(table, "answer");
        doc.error(
            line,
            "`answer` is not a setting: write the answer as plain text below the closing `+++`",
        );
    }
    let mut allowed = ENTRY_KEYS.to_vec();
    allowed.push("answer"); // reported above with its own message
    doc.unknown_keys(table, &allowed, "in an entry");

    let question = doc.string(
        table,
        "question",
        Some((opened, "question = \"Can I take magnesium after surgery?\"")),
    );
    let alternates = doc.strings(table, "alternates").unwrap_or_default();
    let keywords = doc.strings(table, "keywords").unwrap_or_default();
    let topic = doc.string(table, "topic", None);
    if let Some((topic, line)) = &topic {
        if !TOPICS.contains(&topic.as_str()) {
            let hint = match closest(topic, TOPICS.iter().copied()) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("the topics are: {}", TOPICS.join(", ")),
            };
            doc.error(*line, format!("unknown topic `{topic}`; {hint}"));
        }
    }
    if let Some((given, line)) = doc.string(table, "id", None) {
        if given != id {
            doc.error(
                line,
                format!(
                    "`id` is \"{given}\" but the file is named `{file_name}`: the id is always \
                     the file name without `.md`; remove this line or make them the same"
                ),
            );
        }
    }

    lines.sources = doc.key_line(table, "sources");
    let mut sources = Vec::new();
    match doc.tables(
        table,
        "sources",
        &format!("sources = [ {SOURCE_REF_EXAMPLE} ]"),
    ) {
        None if !table.contains_key("sources") => doc.error(
            opened,
            format!(
                "missing `sources`: every entry must say which source sections its answer \
                 comes from, like sources = [ {SOURCE_REF_EXAMPLE} ]"
            ),
        ),
        None => {}
        Some(list) if list.is_empty() => doc.error(
            lines.sources,
            "`sources` is empty: cite at least one source section",
        ),
        Some(list) => {
            for (citation, line) in list {
                if let Some((source, section)) = source_ref(&mut doc, citation, line) {
                    sources.push(SourceRef { source, section });
                    lines
                        .citations
                        .push(doc.key_line(citation, "source").or(line));
                }
            }
        }
    }

    problems.append(&mut doc.problems);
    match question {
        Some((question, line)) if problems.is_empty() => {
            lines.question = line;
            lines.alternates = alternates.iter().map(|(_, l)| *l).collect();
            let entry = Entry {
                id,
                question,
                alternates: alternates.into_iter().map(|(s, _)| s).collect(),
                keywords: keywords.into_iter().map(|(s, _)| s).collect(),
                topic: topic.map(|(t, _)| t),
                answer,
                sources,
                origin: origin.to_string(),
            };
            Ok((entry, lines))
        }
        _ => Err(problems),
    }
}

/// One `{ source = "...", section = "..." }` of an entry.
fn source_ref(
    doc: &mut Doc<'_>,
    citation: &dyn TableLike,
    line: Option<usize>,
) -> Option<(String, String)> {
    doc.unknown_keys(citation, &["source", "section"], "in a source citation");
    let source = doc.string(
        citation,
        "source",
        Some((line, "source = \"back-surgery-guide\"")),
    );
    let section = doc.string(
        citation,
        "section",
        Some((line, "section = \"Quick Summary\"")),
    );
    Some((source?.0, section?.0))
}

/// The keys of a `[[source]]` block in `sources.toml`.
pub const SOURCE_KEYS: &[&str] = &["id", "title", "publisher", "url", "doi"];

/// Parses `sources.toml`: `[[source]]` blocks with `id`, `title` and optionally
/// `publisher`, `url`, `doi`. Source ids must be unique.
pub fn parse_sources(text: &str, origin: &str) -> Result<Vec<Source>, Problems> {
    let cleaned = clean_text(text);
    let text: &str = &cleaned;
    let mut doc = Doc::new(origin, text, 0);
    let Some(parsed) = doc.parse("this file") else {
        return Err(doc.problems);
    };
    let table = parsed.as_table();
    doc.unknown_keys(table, &["source"], "at the top level of sources.toml");
    let example = "[[source]] blocks, each with id = \"...\" and title = \"...\"";
    let blocks = doc.tables(table, "source", example);
    if !table.contains_key("source") {
        doc.error(
            None,
            format!("no sources are declared: add {example} (see README.md)"),
        );
    }
    let mut sources = Vec::new();
    let mut seen: HashMap<String, Option<usize>> = HashMap::new();
    for (block, line) in blocks.unwrap_or_default() {
        doc.unknown_keys(block, SOURCE_KEYS, "in a [[source]] block");
        let id = doc.string(block, "id", Some((line, "id = \"back-surgery-guide\"")));
        let title = doc.string(
            block,
            "title",
            Some((line, "title = \"The document's title\"")),
        );
        let publisher = doc.string(block, "publisher", None);
        let url = doc.string(block, "url", None);
        if let Some((url, l)) = &url {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                doc.error(
                    *l,
                    format!("`url` \"{url}\" must start with https:// or http://"),
                );
            }
        }
        let doi = doc.string(block, "doi", None);
        if let Some((doi, l)) = &doi {
            if !doi.starts_with("10.") {
                doc.error(
                    *l,
                    format!("`doi` \"{doi}\" must be the DOI itself, which starts with `10.` (like 10.5812/aapm.112348), not a link"),
                );
            }
        }
        let (Some((id, id_line)), Some((title, _))) = (id, title) else {
            continue;
        };
        if let Some(first) = seen.get(&id) {
            let first = first.map_or_else(String::new, |l| format!(" (first on line {l})"));
            doc.error(
                id_line,
                format!("source id `{id}` is declared twice{first}: declare each source once"),
            );
            continue;
        }
        seen.insert(id.clone(), id_line);
        sources.push(Source {
            id,
            title,
            publisher: publisher.map(|(s, _)| s),
            url: url.map(|(s, _)| s),
            doi: doi.map(|(s, _)| s),
        });
    }
    if doc.problems.is_empty() {
        Ok(sources)
    } else {
        Err(doc.problems)
    }
}

/// Parses `synonyms.toml`: `[[group]]` blocks with `canonical` and `variants`. A term
/// (compared ignoring case and extra spaces) may belong to one group only. An empty file
/// is valid and has no groups.
pub fn parse_synonyms(text: &str, origin: &str) -> Result<Vec<SynonymGroup>, Problems> {
    let cleaned = clean_text(text);
    let text: &str = &cleaned;
    let mut doc = Doc::new(origin, text, 0);
    let Some(parsed) = doc.parse("this file") else {
        return Err(doc.problems);
    };
    let table = parsed.as_table();
    doc.unknown_keys(table, &["group"], "at the top level of synonyms.toml");
    let blocks = doc.tables(
        table,
        "group",
        "[[group]] blocks, each with canonical = \"...\" and variants = [\"...\"]",
    );
    let mut groups = Vec::new();
    // term -> (group number, canonical, line)
    let mut seen: HashMap<String, (usize, String, Option<usize>)> = HashMap::new();
    for (number, (block, line)) in blocks.unwrap_or_default().into_iter().enumerate() {
        doc.unknown_keys(block, &["canonical", "variants"], "in a [[group]] block");
        let canonical = doc.string(
            block,
            "canonical",
            Some((line, "canonical = \"magnesium\"")),
        );
        let variants = doc.strings(block, "variants");
        if !block.contains_key("variants") {
            doc.error(
                line,
                "missing `variants`: add a line like variants = [\"mag\", \"mg\"]",
            );
        } else if variants.as_ref().is_some_and(Vec::is_empty) {
            let l = doc.key_line(block, "variants");
            doc.error(
                l,
                "`variants` is empty: list at least one other way of writing the word",
            );
        }
        let (Some(canonical), Some(variants)) = (canonical, variants) else {
            continue;
        };
        for (term, term_line) in std::iter::once(&canonical).chain(&variants) {
            let key = term
                .to_lowercase()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            match seen.get(&key) {
                Some((other, other_canonical, other_line)) if *other != number => {
                    let at = other_line.map_or_else(String::new, |l| format!(" on line {l}"));
                    doc.error(
                        *term_line,
                        format!(
                            "\"{term}\" is already in the group of \"{other_canonical}\"{at}: \
                             a word may belong to one group only"
                        ),
                    );
                }
                Some(_) => {}
                None => {
                    seen.insert(key, (number, canonical.0.clone(), *term_line));
                }
            }
        }
        groups.push(SynonymGroup {
            canonical: canonical.0,
            variants: variants.into_iter().map(|(v, _)| v).collect(),
        });
    }
    if doc.problems.is_empty() {
        Ok(groups)
    } else {
        Err(doc.problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "faq/entries/magnesium-after-surgery.md";

    const GOOD: &str = r#"+++
question = "Can I take magnesium after back surgery?"
alternates = [
  "is magnesium ok after spine surgery",
  "mag supplements after my fusion?",
]
keywords = ["post-op"]
topic = "surgery"
sources = [
  { source = "back-surgery-guide", section = "Quick Summary" },
  { source = "back-surgery-guide", section = "The Essential First Step" },
]
+++

Only with your surgeon's approval.
"#;

    /// The problems of an entry as `line: message` strings.
    fn problems(text: &str) -> Vec<String> {
        match parse_entry(text, ORIGIN) {
            Ok(e) => panic!("expected problems, parsed {e:?}"),
            Err(ps) => ps
                .iter()
                .map(|p| format!("{}: {}", p.line.map_or(0, |l| l), p.message))
                .collect(),
        }
    }

    fn has(problems: &[String], line: usize, needle: &str) -> bool {
        problems
            .iter()
            .any(|p| p.starts_with(&format!("{line}: ")) && p.contains(needle))
    }

    #[test]
    fn good_entry_parses_with_lines() {
        let (entry, lines) = parse_entry_with_lines(GOOD, ORIGIN).unwrap();
        assert_eq!(entry.id, "magnesium-after-surgery");
        assert_eq!(entry.question, "Can I take magnesium after back surgery?");
        assert_eq!(entry.alternates.len(), 2);
        assert_eq!(entry.keywords, ["post-op"]);
        assert_eq!(entry.topic.as_deref(), Some("surgery"));
        assert_eq!(entry.answer, "Only with your surgeon's approval.");
        assert_eq!(entry.sources[1].section, "The Essential First Step");
        assert_eq!(entry.origin, ORIGIN);
        assert_eq!(
            lines,
            EntryLines {
                question: Some(2),
                alternates: vec![Some(4), Some(5)],
                sources: Some(9),
                citations: vec![Some(10), Some(11)],
                answer: 15,
            }
        );
    }

    #[test]
    fn crlf_bom_and_table_blocks_are_accepted() {
        let text = "\u{feff}+++\r\nquestion = \"Q?\"\r\n[[sources]]\r\nsource = \"s\"\r\nsection = \"A\"\r\n+++\r\nAnswer.\r\n";
        let entry = parse_entry(text, "x/q.md").unwrap();
        assert_eq!(
            entry.sources,
            [SourceRef {
                source: "s".into(),
                section: "A".into()
            }]
        );
        assert_eq!(entry.answer, "Answer.");
    }

    #[test]
    fn missing_front_matter() {
        let p = problems("Just an answer.\n");
        assert!(has(&p, 1, "must start with a line `+++`"), "{p:?}");
        let p = problems("");
        assert!(p[0].contains("the file is empty"), "{p:?}");
    }

    #[test]
    fn unclosed_front_matter() {
        let p = problems("\n+++\nquestion = \"Q\"\nAnswer\n");
        assert!(has(&p, 2, "never closed"), "{p:?}");
    }

    #[test]
    fn toml_syntax_error_points_at_its_line() {
        let text = GOOD.replace("keywords = [\"post-op\"]", "keywords = [\"post-op\"");
        let p = problems(&text);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("not valid TOML"), "{p:?}");
        assert!(p[0].starts_with("7: ") || p[0].starts_with("8: "), "{p:?}");
    }

    #[test]
    fn misspelt_and_unknown_keys() {
        let text = GOOD
            .replace("question =", "qestion =")
            .replace("keywords =", "tags =");
        let p = problems(&text);
        assert!(
            has(&p, 2, "unknown key `qestion`; did you mean `question`?"),
            "{p:?}"
        );
        assert!(has(&p, 7, "unknown key `tags`; the allowed keys"), "{p:?}");
        assert!(has(&p, 1, "missing `question`"), "{p:?}");
    }

    #[test]
    fn answer_as_a_key_gets_its_own_message() {
        let text = GOOD.replace("topic = \"surgery\"", "answer = \"Yes\"");
        let p = problems(&text);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(has(&p, 8, "`answer` is not a setting"), "{p:?}");
    }

    #[test]
    fn wrong_types() {
        let text = GOOD
            .replace(
                "question = \"Can I take magnesium after back surgery?\"",
                "question = 42",
            )
            .replace("keywords = [\"post-op\"]", "keywords = \"post-op\"")
            .replace("\"mag supplements after my fusion?\"", "7");
        let p = problems(&text);
        assert!(
            has(&p, 2, "`question` must be a text in double quotes"),
            "{p:?}"
        );
        assert!(has(&p, 2, "a whole number"), "{p:?}");
        assert!(has(&p, 5, "item 2 of `alternates` must be a text"), "{p:?}");
        assert!(has(&p, 7, "`keywords` must be a list of texts"), "{p:?}");
    }

    #[test]
    fn empty_texts() {
        let text = GOOD
            .replace("Can I take magnesium after back surgery?", " ")
            .replace("\"mag supplements after my fusion?\"", "\"\"")
            .replace("section = \"Quick Summary\"", "section = \"\"");
        let p = problems(&text);
        assert!(has(&p, 2, "`question` is empty"), "{p:?}");
        assert!(has(&p, 5, "item 2 of `alternates` is empty"), "{p:?}");
        assert!(has(&p, 10, "`section` is empty"), "{p:?}");
    }

    #[test]
    fn missing_answer() {
        let text = GOOD.replace("Only with your surgeon's approval.", "  ");
        let p = problems(&text);
        assert_eq!(
            p,
            ["13: there is no answer: write it below this closing `+++` line"]
        );
    }

    #[test]
    fn missing_or_empty_sources() {
        let start = GOOD.find("sources = [").unwrap();
        let end = GOOD.find("]\n+++").unwrap() + 2;
        let without = format!("{}{}", &GOOD[..start], &GOOD[end..]);
        let p = problems(&without);
        assert!(has(&p, 1, "missing `sources`"), "{p:?}");
        let empty = format!("{}sources = []\n{}", &GOOD[..start], &GOOD[end..]);
        let p = problems(&empty);
        assert!(has(&p, 9, "`sources` is empty"), "{p:?}");
    }

    #[test]
    fn citations_need_source_and_section() {
        let text = GOOD
            .replace(
                "{ source = \"back-surgery-guide\", section = \"Quick Summary\" }",
                "{ section = \"Quick Summary\" }",
            )
            .replace(
                "{ source = \"back-surgery-guide\", section = \"The Essential First Step\" }",
                "{ source = \"back-surgery-guide\", sectoin = \"The Essential First Step\" }",
            );
        let p = problems(&text);
        assert!(has(&p, 10, "missing `source`"), "{p:?}");
        assert!(
            has(&p, 11, "unknown key `sectoin`; did you mean `section`?"),
            "{p:?}"
        );
        assert!(has(&p, 11, "missing `section`"), "{p:?}");
        let p = problems(&GOOD.replace(
            "{ source = \"back-surgery-guide\", section = \"Quick Summary\" }",
            "\"back-surgery-guide\"",
        ));
        assert!(
            has(&p, 10, "item 1 of `sources` must be written like"),
            "{p:?}"
        );
    }

    #[test]
    fn id_must_match_file_name_and_be_valid() {
        let text = GOOD.replace("topic = \"surgery\"", "id = \"magnesium\"");
        let p = problems(&text);
        assert!(
            has(
                &p,
                8,
                "`id` is \"magnesium\" but the file is named `magnesium-after-surgery.md`"
            ),
            "{p:?}"
        );
        let ok = GOOD.replace("topic = \"surgery\"", "id = \"magnesium-after-surgery\"");
        assert!(parse_entry(&ok, ORIGIN).is_ok());
        let err = parse_entry(GOOD, "faq/entries/Magnesium Surgery.md").unwrap_err();
        assert_eq!(err.len(), 1);
        assert!(
            err[0]
                .message
                .contains("`Magnesium Surgery.md` is not a valid entry id"),
            "{err:?}"
        );
    }

    #[test]
    fn unknown_topic_is_suggested() {
        let p = problems(&GOOD.replace("\"surgery\"", "\"surgry\""));
        assert!(
            has(&p, 8, "unknown topic `surgry`; did you mean `surgery`?"),
            "{p:?}"
        );
    }

    #[test]
    fn all_problems_are_collected() {
        let text = GOOD
            .replace("question =", "qestion =")
            .replace("\"surgery\"", "3")
            .replace("Only with your surgeon's approval.", "");
        assert_eq!(problems(&text).len(), 4, "{:?}", problems(&text));
    }

    const SOURCES: &str = r#"# Sources
[[source]]
id = "back-surgery-guide"
title = "Can I Take Magnesium After Back Surgery?"
publisher = "Consumer health article"

[[source]]
id = "chronic-pain-review"
title = "Utilization of magnesium for the treatment of chronic pain"
doi = "10.5812/aapm.112348"
url = "https://example.org/review"
"#;

    fn source_problems(text: &str) -> Vec<String> {
        parse_sources(text, "sources.toml")
            .unwrap_err()
            .iter()
            .map(|p| format!("{}: {}", p.line.map_or(0, |l| l), p.message))
            .collect()
    }

    #[test]
    fn sources_parse() {
        let sources = parse_sources(SOURCES, "sources.toml").unwrap();
        assert_eq!(sources.len(), 2);
        assert_eq!(
            sources[0].publisher.as_deref(),
            Some("Consumer health article")
        );
        assert_eq!(sources[1].doi.as_deref(), Some("10.5812/aapm.112348"));
        assert_eq!(
            sources[1].url.as_deref(),
            Some("https://example.org/review")
        );
    }

    #[test]
    fn source_problems_have_lines() {
        let text = SOURCES
            .replace(
                "id = \"chronic-pain-review\"",
                "id = \"back-surgery-guide\"",
            )
            .replace("publisher =", "publsher =")
            .replace("doi = \"10.", "doi = \"https://doi.org/10.");
        let p = source_problems(&text);
        assert!(
            has(&p, 5, "unknown key `publsher`; did you mean `publisher`?"),
            "{p:?}"
        );
        assert!(
            has(
                &p,
                8,
                "source id `back-surgery-guide` is declared twice (first on line 3)"
            ),
            "{p:?}"
        );
        assert!(has(&p, 10, "`doi`"), "{p:?}");
        let p = source_problems("[[source]]\nid = \"x\"\n");
        assert!(has(&p, 1, "missing `title`"), "{p:?}");
        let p = source_problems("# nothing yet\n");
        assert!(p[0].contains("no sources are declared"), "{p:?}");
    }

    #[test]
    fn synonyms_parse_and_terms_belong_to_one_group() {
        let text = "[[group]]\ncanonical = \"magnesium\"\nvariants = [\"mag\", \"mg\"]\n\n[[group]]\ncanonical = \"milligram\"\nvariants = [\n  \"milligrams\",\n  \"MG\",\n]\n";
        let err = parse_synonyms(text, "synonyms.toml").unwrap_err();
        assert_eq!(err.len(), 1, "{err:?}");
        assert_eq!(err[0].line, Some(9));
        assert!(
            err[0]
                .message
                .contains("\"MG\" is already in the group of \"magnesium\" on line 3"),
            "{err:?}"
        );
        let ok = text.replace("\"MG\",", "");
        let groups = parse_synonyms(&ok, "synonyms.toml").unwrap();
        assert_eq!(
            groups[1],
            SynonymGroup {
                canonical: "milligram".into(),
                variants: vec!["milligrams".into()]
            }
        );
        assert_eq!(parse_synonyms("", "synonyms.toml").unwrap(), []);
    }

    #[test]
    fn synonym_group_problems() {
        let err =
            parse_synonyms("[[group]]\ncanon = \"x\"\nvariants = []\n", "s.toml").unwrap_err();
        let p: Vec<_> = err
            .iter()
            .map(|p| format!("{}: {}", p.line.unwrap(), p.message))
            .collect();
        assert!(
            has(&p, 2, "unknown key `canon`; did you mean `canonical`?"),
            "{p:?}"
        );
        assert!(has(&p, 1, "missing `canonical`"), "{p:?}");
        assert!(has(&p, 3, "`variants` is empty"), "{p:?}");
    }

    #[test]
    fn crlf_never_reaches_an_answer() {
        let text = GOOD.replace('\n', "\r\n").replace(
            "Only with your surgeon's approval.",
            "First paragraph.\r\n\r\nSecond paragraph.",
        );
        let entry = parse_entry(&text, ORIGIN).unwrap();
        assert_eq!(entry.answer, "First paragraph.\n\nSecond paragraph.");
        assert!(!entry.question.contains('\r'));
    }

    #[test]
    fn hard_wrapped_paragraphs_read_as_markdown_renders_them() {
        let text = GOOD.replace(
            "Only with your surgeon's approval.",
            "Only with your surgeon's\napproval, and\n  only after the first weeks.\n\nThe guide lists:\n- rest and\n  water\n- walks\n1. first\n2) second\nline two of it\n\n```\ncode\nkept\n```\n# Heading\nText after  \nthe break\n> quote\n> more\n\n---\nend",
        );
        let entry = parse_entry(&text, ORIGIN).unwrap();
        assert_eq!(
            entry.answer,
            "Only with your surgeon's approval, and only after the first weeks.\n\n\
             The guide lists:\n- rest and water\n- walks\n1. first\n2) second line two of it\n\n\
             ```\ncode\nkept\n```\n# Heading\nText after\nthe break\n> quote\n> more\n\n---\nend"
        );
    }

    #[test]
    fn dashes_instead_of_plus_signs_are_explained() {
        let p = problems(&GOOD.replace("+++", "---"));
        assert!(has(&p, 1, "not `---`: change this line"), "{p:?}");
        let closed_with_dashes = GOOD
            .replacen("+++", "@@@", 2)
            .replacen("@@@", "+++", 1)
            .replace("@@@", "---");
        let p = problems(&closed_with_dashes);
        assert!(
            has(
                &p,
                1,
                "line 13 is `---`: the closing line must be `+++` too"
            ),
            "{p:?}"
        );
    }

    #[test]
    fn curly_quotes_are_explained_in_plain_words() {
        let p = problems(&GOOD.replace(
            "question = \"Can I take magnesium after back surgery?\"",
            "question = “Can I take magnesium after back surgery?”",
        ));
        assert!(has(&p, 2, "line 2 uses curly quotes"), "{p:?}");
        let p = problems(&GOOD.replace(
            "\"mag supplements after my fusion?\",",
            "‘mag supplements after my fusion?’,",
        ));
        assert!(has(&p, 5, "curly quotes"), "{p:?}");
        // inside straight quotes a curly apostrophe is just text
        let ok = GOOD.replace("is magnesium ok", "what’s magnesium ok");
        assert!(parse_entry(&ok, ORIGIN).is_ok());
        // other syntax errors keep the general message
        let p = problems(&GOOD.replace("topic = \"surgery\"", "topic = surgery"));
        assert!(has(&p, 8, "is not valid TOML"), "{p:?}");
        assert!(!p.iter().any(|m| m.contains("curly")), "{p:?}");
    }

    #[test]
    fn ids_are_at_most_64_characters() {
        let long = format!("faq/entries/{}.md", "a".repeat(MAX_ID_CHARS + 1));
        let err = parse_entry(GOOD, &long).unwrap_err();
        assert!(
            err.iter().any(|p| p
                .message
                .contains("an id of 65 characters; ids are at most 64")),
            "{err:?}"
        );
        let fits = format!("faq/entries/{}.md", "a".repeat(MAX_ID_CHARS));
        assert!(parse_entry(GOOD, &fits).is_ok());
    }
}
