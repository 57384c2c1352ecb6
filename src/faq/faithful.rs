//! Faithfulness of answers to their sources: the rules behind `medfaq check --strict`.
//!
//! Pure: it takes entries with the text of their files (for line numbers), the text of
//! every declared source and the [`Rules`] describing those texts, and returns every
//! [`Finding`] with file and line. The rules:
//!
//! 1. every cited section exists in its source's text;
//! 2. every number in an answer (with its unit: `70 mg/kg`, `12 hours`, `41%`) appears,
//!    with that unit, in a cited section of a cited source (or in the source's title);
//! 3. no run of [`COPIED_RUN_WORDS`] or more words is copied from any source: answers
//!    are in the project's own words;
//! 4. an answer that cites two sides of a declared dispute names each side;
//! 5. (warning only) an answer longer than [`RECOMMENDED_ANSWER_CHARS`].

use std::collections::{BTreeMap, HashSet};

use super::model::{Entry, Source};
use super::parse::Problem;
use super::validate::normalize_phrase;

/// Copied runs of this many words or more are reported.
pub const COPIED_RUN_WORDS: usize = 12;

/// The answer length the moderators' guide recommends at most (`faq/README.md`,
/// "Writing a good answer": aim for 300-900 characters).
pub const RECOMMENDED_ANSWER_CHARS: usize = 900;

/// How serious a finding is: errors fail `check --strict`, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One thing the strict check found, at a file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub problem: Problem,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.severity {
            Severity::Error => write!(f, "{}", self.problem),
            Severity::Warning => {
                let p = &self.problem;
                match p.line {
                    Some(line) => write!(f, "{}:{}: warning: {}", p.origin, line, p.message),
                    None => write!(f, "{}: warning: {}", p.origin, p.message),
                }
            }
        }
    }
}

/// What the strict check knows about the source texts (the `faithfulness.toml` file
/// next to them).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    #[serde(default, rename = "source")]
    pub sources: Vec<SourceRules>,
    #[serde(default, rename = "dispute")]
    pub disputes: Vec<Dispute>,
}

/// How to read one source's text.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRules {
    /// The source id of `sources.toml`.
    pub id: String,
    /// The text file, relative to the rules file (default `<id>.txt`).
    pub file: Option<String>,
    /// Phrases an answer uses to name this source, e.g. "back-surgery guide".
    #[serde(default)]
    pub named_as: Vec<String>,
    /// Sections without a heading: section name -> the words their paragraph starts with.
    #[serde(default)]
    pub paragraphs: BTreeMap<String, String>,
}

/// A question on which sources disagree.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dispute {
    /// What they disagree about, in words shown to moderators.
    pub about: String,
    /// The sources that disagree.
    pub sources: Vec<String>,
    /// Entry topics the dispute concerns; empty means every topic.
    #[serde(default)]
    pub topics: Vec<String>,
}

impl Rules {
    /// Parses a rules file; `origin` names it in problems.
    pub fn parse(text: &str, origin: &str) -> Result<Rules, Problem> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            Problem {
                origin: origin.to_string(),
                line,
                message: format!("cannot read the faithfulness rules: {}", e.message()),
            }
        })
    }

    /// The rules of source `id`, if any.
    pub fn source(&self, id: &str) -> Option<&SourceRules> {
        self.sources.iter().find(|s| s.id == id)
    }
}

impl SourceRules {
    /// The text file's name, relative to the rules file.
    pub fn file_name(&self) -> String {
        self.file
            .clone()
            .unwrap_or_else(|| format!("{}.txt", self.id))
    }
}

/// The full text of one declared source.
#[derive(Debug, Clone)]
pub struct SourceText<'a> {
    /// The declaration from `sources.toml` (its title counts as cited text: a year or
    /// volume number in the title may appear in answers).
    pub source: &'a Source,
    /// The document's text.
    pub text: &'a str,
}

/// An entry with the text of its file (for line numbers).
#[derive(Debug, Clone, Copy)]
pub struct EntryFile<'a> {
    pub entry: &'a Entry,
    pub text: &'a str,
}

/// One section of a source text: a heading (or a named paragraph) and the lines under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The heading as written (without `#`, `**` or a trailing `:`), or the paragraph's name.
    pub heading: String,
    /// 1-based first and last line (inclusive).
    pub lines: (usize, usize),
    /// 1-6 for `#`..`######` (a plain heading counts as 6), 7-8 for bold labels, 9 for a
    /// named paragraph: a section runs until the next heading at its level or above.
    level: u8,
}

impl Section {
    /// Whether a citation naming `cited` refers to this section: the same words as the
    /// heading, as one of its parts around `:` or `/`, or as the first two or more words
    /// of such a part ("Q7" names "Q7: What is the typical dosage ...?").
    pub fn is_named(&self, cited: &str) -> bool {
        let cited = normalize_phrase(cited);
        if cited.is_empty() {
            return false;
        }
        let heading = normalize_phrase(&self.heading);
        if heading == cited {
            return true;
        }
        let words = cited.split(' ').count();
        let colon_parts = self.heading.split(':');
        let parts = colon_parts.flat_map(|p| std::iter::once(p).chain(p.split('/')));
        parts
            .map(normalize_phrase)
            .any(|part| part == cited || (words >= 2 && part.starts_with(&format!("{cited} "))))
    }
}

/// The sections of a source text: Markdown headings (`#`..`######`), bold labels at the
/// start of a line (`**Q7: ...**`, `**Pros:**`), plain one-line headings standing between
/// blank lines, and the named paragraphs of `paragraphs` (name -> opening words).
pub fn sections(text: &str, paragraphs: &BTreeMap<String, String>) -> Vec<Section> {
    let lines: Vec<&str> = text.lines().collect();
    let mut starts: Vec<(usize, u8, String)> = Vec::new(); // (0-based line, level, heading)
    for (i, line) in lines.iter().enumerate() {
        let blank =
            |j: Option<usize>| j.is_none_or(|j| lines.get(j).is_none_or(|l| l.trim().is_empty()));
        if let Some((level, heading)) = markdown_heading(line) {
            starts.push((i, level, heading));
        } else if let Some((level, heading)) = bold_label(line) {
            starts.push((i, level, heading));
        } else if blank(i.checked_sub(1)) && blank(Some(i + 1)) && is_plain_heading(line) {
            // below Markdown headings, above bold labels
            starts.push((i, 6, line.trim().to_string()));
        } else {
            for (name, opening) in paragraphs {
                let opening = normalize_phrase(opening);
                if !opening.is_empty() && normalize_phrase(line).starts_with(&opening) {
                    starts.push((i, 9, name.clone()));
                }
            }
        }
    }
    starts
        .iter()
        .enumerate()
        .map(|(k, (start, level, heading))| {
            let end = starts[k + 1..]
                .iter()
                .find(|(_, next, _)| next <= level)
                .map_or(lines.len(), |(line, _, _)| *line);
            Section {
                heading: heading.clone(),
                lines: (start + 1, end.max(start + 1)),
                level: *level,
            }
        })
        .collect()
}

fn markdown_heading(line: &str) -> Option<(u8, String)> {
    let hashes = line.chars().take_while(|c| *c == '#').count();
    let rest = &line[hashes..];
    ((1..=6).contains(&hashes) && rest.starts_with(' '))
        .then(|| (hashes as u8, rest.trim().to_string()))
}

/// `**Label:** text` or `**Q7: question?**` at the start of a line (level 7), or after a
/// list marker (level 8).
fn bold_label(line: &str) -> Option<(u8, String)> {
    let trimmed = line.trim_start();
    let (level, rest) = match strip_list_marker(trimmed) {
        Some(rest) => (8, rest),
        None => (7, trimmed),
    };
    let inner = rest.strip_prefix("**")?;
    let label = &inner[..inner.find("**")?];
    let label = label.trim().trim_end_matches(':').trim();
    (!label.is_empty()).then(|| (level, label.to_string()))
}

fn strip_list_marker(line: &str) -> Option<&str> {
    for marker in ["* ", "- ", "• "] {
        if let Some(rest) = line.strip_prefix(marker) {
            return Some(rest.trim_start());
        }
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    (digits > 0)
        .then(|| line[digits..].strip_prefix(". "))
        .flatten()
        .map(str::trim_start)
}

/// A short line that reads as a title: not a list item, not ending like a sentence.
fn is_plain_heading(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty()
        && strip_list_marker(t).is_none()
        && t.split_whitespace().count() <= 14
        && !t.ends_with(['.', '!', ',', ';', ':'])
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// A number with its unit, as written in an answer or a source.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Quantity {
    value: String,
    unit: Option<&'static str>,
    /// Byte offset in the scanned text.
    at: usize,
    /// As written, for messages (`1 to 2 grams`).
    shown: String,
}

const NUMBER_WORDS: &[(&str, &str)] = &[
    ("one", "1"),
    ("two", "2"),
    ("three", "3"),
    ("four", "4"),
    ("five", "5"),
    ("six", "6"),
    ("seven", "7"),
    ("eight", "8"),
    ("nine", "9"),
    ("ten", "10"),
    ("eleven", "11"),
    ("twelve", "12"),
];

/// The unit a word names, in one spelling.
fn unit(word: &str) -> Option<&'static str> {
    Some(match word.to_lowercase().as_str() {
        "%" | "percent" => "%",
        "mg/kg" => "mg/kg",
        "mg" | "milligram" | "milligrams" => "mg",
        "g" | "gram" | "grams" => "g",
        "mcg" | "µg" | "microgram" | "micrograms" => "mcg",
        "ml" | "millilitre" | "millilitres" | "milliliter" | "milliliters" => "ml",
        "sec" | "second" | "seconds" => "second",
        "min" | "mins" | "minute" | "minutes" => "minute",
        "hr" | "hrs" | "hour" | "hours" => "hour",
        "day" | "days" => "day",
        "week" | "weeks" => "week",
        "month" | "months" => "month",
        "year" | "years" => "year",
        "time" | "times" => "times",
        _ => return None,
    })
}

/// Every number in `text` with the unit that follows it. A range (`30-60 minutes`,
/// `1 to 2 grams`, `between 30 and 60 minutes`) gives each end the unit. Digits glued to
/// letters (`Q7`, `e112348`) are not numbers; number words count only before a unit.
fn quantities(text: &str) -> Vec<Quantity> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let Some((value, after)) = number_at(text, i) else {
            i += text[i..].chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let mut values = vec![(value, i)];
        let mut end = after;
        if let Some((second, second_at, second_end)) = range_end(text, after) {
            values.push((second, second_at));
            end = second_end;
        }
        let (unit, unit_end) = unit_at(text, end);
        let is_word = text[i..].starts_with(|c: char| c.is_alphabetic());
        if !is_word || unit.is_some() {
            let shown_end = unit_end.unwrap_or(end);
            let shown = text[i..shown_end].trim().to_string();
            for (value, at) in values {
                found.push(Quantity {
                    value,
                    unit,
                    at,
                    shown: shown.clone(),
                });
            }
        }
        i = end.max(i + 1);
        while !text.is_char_boundary(i) {
            i += 1;
        }
    }
    found
}

/// A number starting exactly at byte `i` (digits, or a number word), and where it ends.
fn number_at(text: &str, i: usize) -> Option<(String, usize)> {
    let before = text[..i].chars().next_back();
    if before.is_some_and(|c| c.is_alphanumeric() || c == '.' || c == '_') {
        return None;
    }
    let rest = &text[i..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 {
        let mut end = digits;
        let frac = rest[end..]
            .strip_prefix('.')
            .map_or(0, |r| r.bytes().take_while(u8::is_ascii_digit).count());
        if frac > 0 {
            end += 1 + frac;
        }
        // thousands separators: 1,000
        while rest[end..].starts_with(',')
            && rest[end + 1..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count()
                == 3
            && !rest[end + 4..].starts_with(|c: char| c.is_ascii_digit())
        {
            end += 4;
        }
        if rest[end..].starts_with(char::is_alphabetic) && unit_at(text, i + end).0.is_none() {
            // glued to letters (`e112348`, `3rd`): not a quantity
            return None;
        }
        let value = rest[..end].replace(',', "");
        let value = value
            .strip_suffix(".0")
            .map(str::to_string)
            .unwrap_or(value);
        return Some((value, i + end));
    }
    let word: String = rest.chars().take_while(|c| c.is_alphabetic()).collect();
    let lower = word.to_lowercase();
    NUMBER_WORDS
        .iter()
        .find(|(w, _)| *w == lower)
        .map(|(_, v)| (v.to_string(), i + word.len()))
}

/// `-60`, ` to 2`, ` and 60`, ` or 2` after a number: the second number of a range.
fn range_end(text: &str, after: usize) -> Option<(String, usize, usize)> {
    let rest = &text[after..];
    let trimmed = rest.trim_start();
    let mut skip = rest.len() - trimmed.len();
    let joiner = ["-", "–", "—", "to ", "and ", "or "]
        .iter()
        .find(|j| trimmed.starts_with(**j))?;
    skip += joiner.len();
    let rest2 = &text[after + skip..];
    skip += rest2.len() - rest2.trim_start().len();
    let at = after + skip;
    let (value, end) = number_at(text, at)?;
    text[at..]
        .starts_with(|c: char| c.is_ascii_digit())
        .then_some((value, at, end))
}

/// The unit right after byte `end` (spaces allowed before it), and where it ends.
fn unit_at(text: &str, end: usize) -> (Option<&'static str>, Option<usize>) {
    let rest = &text[end..];
    let trimmed = rest.trim_start_matches([' ', '\u{a0}']);
    let start = end + (rest.len() - trimmed.len());
    if trimmed.starts_with('%') {
        return (Some("%"), Some(start + 1));
    }
    let word: String = trimmed
        .chars()
        .take_while(|c| c.is_alphabetic() || *c == '/' || *c == 'µ')
        .collect();
    let word = word.trim_end_matches('/');
    match unit(word) {
        Some(u) => (Some(u), Some(start + word.len())),
        None => (None, None),
    }
}

/// The words of `text` (lowercase letters and digits; apostrophes dropped), each with its
/// byte offset.
fn words(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            if current.is_empty() {
                start = i;
            }
            current.extend(c.to_lowercase());
        } else if matches!(c, '\'' | '’' | '‘') && !current.is_empty() {
            // "body's" reads as "bodys" in answer and source alike
        } else if !current.is_empty() {
            out.push((std::mem::take(&mut current), start));
        }
    }
    if !current.is_empty() {
        out.push((current, start));
    }
    out
}

/// The answer of an entry file: its text after the closing `+++` line, and the byte
/// offset where it starts.
fn answer_of(file: &str) -> (usize, &str) {
    let mut fences = 0;
    let mut offset = 0;
    for line in file.split_inclusive('\n') {
        offset += line.len();
        if line.trim_end() == "+++" {
            fences += 1;
            if fences == 2 {
                return (offset, &file[offset..]);
            }
        }
    }
    (file.len(), "")
}

/// The 1-based line of the citation of `section` in an entry file's header.
fn citation_line_of(file: &str, source: &str, section: &str) -> Option<usize> {
    let quoted_section = format!("\"{section}\"");
    let quoted_source = format!("\"{source}\"");
    let lines: Vec<&str> = file.lines().collect();
    lines
        .iter()
        .position(|l| l.contains(&quoted_section) && l.contains(&quoted_source))
        .or_else(|| lines.iter().position(|l| l.contains(&quoted_section)))
        .map(|i| i + 1)
}

/// Checks every entry against the source texts. Sources without a text are skipped
/// (the caller reports them); the result is sorted by file and line.
pub fn check(entries: &[EntryFile<'_>], texts: &[SourceText<'_>], rules: &Rules) -> Vec<Finding> {
    let books: Vec<Book<'_>> = texts.iter().map(|t| Book::new(t, rules)).collect();
    let mut findings = Vec::new();
    for file in entries {
        check_entry(file, &books, rules, &mut findings);
    }
    findings.sort_by(|a, b| {
        (&a.problem.origin, a.problem.line, a.severity).cmp(&(
            &b.problem.origin,
            b.problem.line,
            b.severity,
        ))
    });
    findings
}

/// A source text, cut into sections, with its word runs indexed.
struct Book<'a> {
    source: &'a Source,
    text: &'a str,
    sections: Vec<Section>,
    /// Byte offset where each line starts.
    line_starts: Vec<usize>,
    /// Every run of [`COPIED_RUN_WORDS`] words, joined by spaces.
    runs: HashSet<String>,
}

impl<'a> Book<'a> {
    fn new(t: &SourceText<'a>, rules: &Rules) -> Book<'a> {
        let empty = BTreeMap::new();
        let paragraphs = rules.source(&t.source.id).map_or(&empty, |r| &r.paragraphs);
        let words: Vec<String> = words(t.text).into_iter().map(|(w, _)| w).collect();
        let runs = words
            .windows(COPIED_RUN_WORDS)
            .map(|w| w.join(" "))
            .collect();
        let mut line_starts = vec![0];
        line_starts.extend(t.text.match_indices('\n').map(|(i, _)| i + 1));
        Book {
            source: t.source,
            text: t.text,
            sections: sections(t.text, paragraphs),
            line_starts,
            runs,
        }
    }

    /// The text of lines `first..=last` (1-based).
    fn lines_text(&self, (first, last): (usize, usize)) -> &'a str {
        let start = self.line_starts[first - 1];
        let end = self
            .line_starts
            .get(last)
            .copied()
            .unwrap_or(self.text.len());
        &self.text[start..end]
    }
}

fn check_entry(file: &EntryFile<'_>, books: &[Book<'_>], rules: &Rules, out: &mut Vec<Finding>) {
    let entry = file.entry;
    let (answer_at, answer) = answer_of(file.text);
    let line_in_answer = |offset: usize| line_of(file.text, answer_at + offset);
    let answer_line = line_in_answer(answer.len() - answer.trim_start().len());
    let mut report = |severity: Severity, line: Option<usize>, message: String| {
        out.push(Finding {
            severity,
            problem: Problem {
                origin: entry.origin.clone(),
                line,
                message,
            },
        })
    };

    // 1. cited sections exist; gather the cited text
    let mut cited_text: Vec<&str> = Vec::new();
    let mut cited_names: Vec<String> = Vec::new();
    for cite in &entry.sources {
        let Some(book) = books.iter().find(|b| b.source.id == cite.source) else {
            continue;
        };
        cited_text.push(&book.source.title);
        cited_text.extend(book.source.publisher.as_deref());
        cited_names.push(format!("{} \"{}\"", cite.source, cite.section));
        let matching: Vec<&Section> = book
            .sections
            .iter()
            .filter(|s| s.is_named(&cite.section))
            .collect();
        if matching.is_empty() {
            // a heading's short name: "Q7" for "Q7: What is the typical dosage ...?"
            let headings: Vec<&str> = book
                .sections
                .iter()
                .filter_map(|s| s.heading.split(':').next())
                .map(str::trim)
                .collect();
            let hint = super::toml_doc::closest(&cite.section, headings.iter().copied())
                .map(|h| format!(" (did you mean \"{h}\"?)"))
                .unwrap_or_default();
            report(
                Severity::Error,
                citation_line_of(file.text, &cite.source, &cite.section),
                format!(
                    "the section \"{}\" does not exist in {}{hint}: cite a heading of that \
                     document, or a paragraph named in the faithfulness rules",
                    cite.section, cite.source
                ),
            );
        }
        for s in matching {
            cited_text.push(book.lines_text(s.lines));
        }
    }

    // 2. numbers come from a cited section
    let available: Vec<Quantity> = cited_text.iter().flat_map(|t| quantities(t)).collect();
    for q in quantities(answer) {
        let present = available
            .iter()
            .any(|a| a.value == q.value && (q.unit.is_none() || a.unit == q.unit));
        if !present {
            let what = match q.unit {
                Some(unit) => format!("{} with the unit {unit}", q.value),
                None => q.value.clone(),
            };
            report(
                Severity::Error,
                Some(line_in_answer(q.at)),
                format!(
                    "the answer says \"{}\", but {what} is not in any cited section ({}): use \
                     the source's exact figure, or cite the section that gives it",
                    q.shown,
                    if cited_names.is_empty() {
                        "no cited source has a text to check".to_string()
                    } else {
                        cited_names.join(", ")
                    }
                ),
            );
        }
    }

    // 3. no long copied runs, from any source
    let answer_words = words(answer);
    let mut k = 0;
    while k + COPIED_RUN_WORDS <= answer_words.len() {
        let window = |k: usize| {
            answer_words[k..k + COPIED_RUN_WORDS]
                .iter()
                .map(|(w, _)| w.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let Some(book) = books.iter().find(|b| b.runs.contains(&window(k))) else {
            k += 1;
            continue;
        };
        let mut end = k + COPIED_RUN_WORDS;
        while end < answer_words.len() && book.runs.contains(&window(end + 1 - COPIED_RUN_WORDS)) {
            end += 1;
        }
        let at = answer_words[k].1;
        let copied = &answer[at..word_end(answer, answer_words[end - 1].1)];
        let copied = copied.split_whitespace().collect::<Vec<_>>().join(" ");
        report(
            Severity::Error,
            Some(line_in_answer(at)),
            format!(
                "{} words in a row are copied from {}: \"{}\"; say it in your own words \
                 (numbers and short quoted phrases may stay)",
                end - k,
                book.source.id,
                shorten(&copied, 160)
            ),
        );
        k = end;
    }

    // 4. disputed questions name each side
    let answer_norm = normalize_phrase(answer);
    for dispute in &rules.disputes {
        let topic_matches = dispute.topics.is_empty()
            || entry
                .topic
                .as_ref()
                .is_some_and(|t| dispute.topics.contains(t));
        let cited: Vec<&String> = dispute
            .sources
            .iter()
            .filter(|s| entry.sources.iter().any(|c| &c.source == *s))
            .collect();
        if !topic_matches || cited.len() < 2 {
            continue;
        }
        for side in cited {
            let names = rules.source(side).map_or(&[][..], |r| &r.named_as[..]);
            let named = names
                .iter()
                .any(|n| answer_norm.contains(&normalize_phrase(n)));
            if !named {
                let example = names
                    .first()
                    .map(|n| format!(", e.g. \"{n}\""))
                    .unwrap_or_default();
                report(
                    Severity::Error,
                    Some(answer_line),
                    format!(
                        "the sources disagree on {}, and this answer cites {side} without \
                         naming it: say which view is whose{example}",
                        dispute.about
                    ),
                );
            }
        }
    }

    // 5. length
    let chars = answer.trim().chars().count();
    if chars > RECOMMENDED_ANSWER_CHARS {
        report(
            Severity::Warning,
            Some(answer_line),
            format!(
                "the answer is {chars} characters; the moderators' guide recommends at most \
                 {RECOMMENDED_ANSWER_CHARS} so the reply stays readable in Discord"
            ),
        );
    }
}

/// The end of the word starting at byte `start`.
fn word_end(text: &str, start: usize) -> usize {
    text[start..]
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || matches!(c, '\'' | '’' | '‘')))
        .map_or(text.len(), |(i, _)| start + i)
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<(String, Option<&'static str>)> {
        quantities(text)
            .into_iter()
            .map(|q| (q.value, q.unit))
            .collect()
    }

    fn v(value: &str, unit: Option<&'static str>) -> (String, Option<&'static str>) {
        (value.to_string(), unit)
    }

    #[test]
    fn quantities_keep_their_units() {
        assert_eq!(
            values("5 days of 70 mg/kg; 41% in 15 minutes; over 600 reactions"),
            vec![
                v("5", Some("day")),
                v("70", Some("mg/kg")),
                v("41", Some("%")),
                v("15", Some("minute")),
                v("600", None),
            ]
        );
    }

    #[test]
    fn ranges_give_both_ends_the_unit() {
        assert_eq!(
            values("1 to 2 grams, 30-60 minutes, between 30 and 60 minutes"),
            vec![
                v("1", Some("g")),
                v("2", Some("g")),
                v("30", Some("minute")),
                v("60", Some("minute")),
                v("30", Some("minute")),
                v("60", Some("minute")),
            ]
        );
    }

    #[test]
    fn labels_and_identifiers_are_not_numbers() {
        assert_eq!(values("Q7, e112348, NMDA, one of the forms"), vec![]);
        assert_eq!(values("five days"), vec![v("5", Some("day"))]);
        assert_eq!(
            values("2021;11(1)"),
            vec![v("2021", None), v("11", None), v("1", None)]
        );
    }

    #[test]
    fn sections_from_headings_labels_and_named_paragraphs() {
        let text = "Intro line one.\n\nQuick Summary\n\nIt may help.\n\n## Why IV Matters\nText 5 g.\n**Q7: What dose?**\nA: 1 to 2 grams.\n**Q8: More?**\nA: no.\n";
        let mut named = BTreeMap::new();
        named.insert("Introduction".to_string(), "Intro line".to_string());
        let s = sections(text, &named);
        let shown: Vec<(&str, (usize, usize))> =
            s.iter().map(|s| (s.heading.as_str(), s.lines)).collect();
        assert_eq!(
            shown,
            vec![
                ("Introduction", (1, 2)),
                ("Quick Summary", (3, 6)),
                ("Why IV Matters", (7, 12)),
                ("Q7: What dose?", (9, 10)),
                ("Q8: More?", (11, 12)),
            ]
        );
        assert!(s[3].is_named("Q7"));
        assert!(!s[3].is_named("Q"));
        assert!(s[2].is_named("why iv matters"));
    }

    #[test]
    fn section_names_match_parts_and_leading_words() {
        let s = Section {
            heading: "Product/Service Explanation: Hydration and Wellness Clinics Offering IV"
                .into(),
            lines: (1, 1),
            level: 2,
        };
        assert!(s.is_named("Product/Service Explanation"));
        assert!(s.is_named("Hydration and Wellness Clinics"));
        assert!(s.is_named("Product"));
        assert!(!s.is_named("Wellness Clinics"));
        assert!(!s.is_named("Hydration"));
    }
}
