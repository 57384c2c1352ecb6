//! Reading TOML with line numbers: the shared helpers of the FAQ parsers.
//!
//! A [`Doc`] wraps one TOML text (a whole file, or an entry's front matter) together with
//! where it starts in its file, and collects [`Problem`]s worded for moderators. Getters
//! such as [`Doc::string`] check the type of a key and report a problem at the line of
//! that key instead of failing.

use std::ops::Range;

use toml_edit::{ImDocument, Item, TableLike, Value};

use super::parse::{Problem, Problems};

/// One TOML text being checked, and the problems found in it so far.
pub(crate) struct Doc<'a> {
    origin: &'a str,
    /// The TOML text the spans refer to.
    text: &'a str,
    /// Lines of the file before `text` (0 when `text` is the whole file).
    lines_before: usize,
    pub(crate) problems: Problems,
}

impl<'a> Doc<'a> {
    pub(crate) fn new(origin: &'a str, text: &'a str, lines_before: usize) -> Doc<'a> {
        Doc {
            origin,
            text,
            lines_before,
            problems: Vec::new(),
        }
    }

    /// Parses the text; a syntax error is recorded (with its line) and gives `None`.
    pub(crate) fn parse(&mut self, what: &str) -> Option<ImDocument<&'a str>> {
        match ImDocument::parse(self.text) {
            Ok(doc) => Some(doc),
            Err(err) => {
                let line = self.line(err.span());
                let detail = err
                    .message()
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
                    .join("; ");
                let message = match self.curly_quotes_near(line) {
                    Some(at) => format!(
                        "{what} is not valid TOML: line {at} uses curly quotes (“ ” or ‘ ’), \
                         which word processors and phone keyboards put in by themselves; \
                         text must be between straight double quotes \"like this\": retype \
                         them in a plain-text editor (or turn off smart quotes)"
                    ),
                    None => format!(
                        "{what} is not valid TOML ({detail}); check the quotes, commas, \
                         brackets and `=` signs on this line or the one before"
                    ),
                };
                self.error(line, message);
                None
            }
        }
    }

    /// The file line, at `line` or the one before it, whose curly quotes stand where TOML
    /// needs straight ones (a curly quote that opens a value or an array item).
    fn curly_quotes_near(&self, line: Option<usize>) -> Option<usize> {
        let line = line?;
        let first = line.saturating_sub(1).max(self.lines_before + 1);
        (first..=line).find(|&at| {
            let text = self
                .text
                .lines()
                .nth(at - self.lines_before - 1)
                .unwrap_or("");
            let outside: String = outside_straight_quotes(text);
            outside.contains(['“', '”', '„', '‘', '’', '«', '»'])
        })
    }

    /// 1-based line in the file of a byte span of `text`.
    pub(crate) fn line(&self, span: Option<Range<usize>>) -> Option<usize> {
        let start = span?.start.min(self.text.len());
        Some(
            self.lines_before
                + 1
                + self.text.as_bytes()[..start]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count(),
        )
    }

    /// Line of `key` in `table` (where the key is written), if present.
    pub(crate) fn key_line(&self, table: &dyn TableLike, key: &str) -> Option<usize> {
        let (k, item) = table.get_key_value(key)?;
        self.line(k.span()).or_else(|| self.line(item.span()))
    }

    /// Line of a value (e.g. an element of a list).
    pub(crate) fn value_line(&self, value: &Value) -> Option<usize> {
        self.line(value.span())
    }

    pub(crate) fn error(&mut self, line: Option<usize>, message: impl Into<String>) {
        self.problems.push(Problem {
            origin: self.origin.to_string(),
            line,
            message: message.into(),
        });
    }

    /// Reports every key of `table` that is not in `allowed`, suggesting the closest one.
    pub(crate) fn unknown_keys(&mut self, table: &dyn TableLike, allowed: &[&str], place: &str) {
        let unknown: Vec<String> = table
            .iter()
            .map(|(k, _)| k.to_string())
            .filter(|k| !allowed.contains(&k.as_str()))
            .collect();
        for key in unknown {
            let line = self.key_line(table, &key);
            let hint = match closest(&key, allowed.iter().copied()) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("the allowed keys {place} are: {}", allowed.join(", ")),
            };
            self.error(line, format!("unknown key `{key}`; {hint}"));
        }
    }

    /// A text value. Reports a missing (when `required`, at `missing_line`), mistyped or
    /// empty value. Returns the trimmed text and its line.
    pub(crate) fn string(
        &mut self,
        table: &dyn TableLike,
        key: &str,
        required: Option<(Option<usize>, &str)>,
    ) -> Option<(String, Option<usize>)> {
        let Some(item) = table.get(key) else {
            if let Some((missing_line, example)) = required {
                self.error(
                    missing_line,
                    format!("missing `{key}`: add a line like {example}"),
                );
            }
            return None;
        };
        let line = self.key_line(table, key);
        match item.as_str() {
            Some(s) if s.trim().is_empty() => {
                self.error(
                    line,
                    format!("`{key}` is empty: write the text between the quotes"),
                );
                None
            }
            Some(s) => Some((s.trim().to_string(), line)),
            None => {
                self.error(
                    line,
                    format!(
                        "`{key}` must be a text in double quotes, like {key} = \"...\", but here it is {}",
                        kind(item)
                    ),
                );
                None
            }
        }
    }

    /// A list of texts (`key = ["a", "b"]`). Every element must be a non-empty text.
    /// Returns the trimmed texts with their lines; a missing key gives `None` silently.
    pub(crate) fn strings(
        &mut self,
        table: &dyn TableLike,
        key: &str,
    ) -> Option<Vec<(String, Option<usize>)>> {
        let item = table.get(key)?;
        let line = self.key_line(table, key);
        let Some(array) = item.as_array() else {
            self.error(
                line,
                format!(
                    "`{key}` must be a list of texts in double quotes, like {key} = [\"...\", \"...\"], \
                     but here it is {}",
                    kind(item)
                ),
            );
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for (i, value) in array.iter().enumerate() {
            let vline = self.value_line(value).or(line);
            match value.as_str() {
                Some(s) if s.trim().is_empty() => {
                    ok = false;
                    self.error(
                        vline,
                        format!(
                            "item {} of `{key}` is empty: remove it or write the text",
                            i + 1
                        ),
                    );
                }
                Some(s) => out.push((s.trim().to_string(), vline)),
                None => {
                    ok = false;
                    self.error(
                        vline,
                        format!(
                            "item {} of `{key}` must be a text in double quotes, but it is {}",
                            i + 1,
                            value_kind(value)
                        ),
                    );
                }
            }
        }
        ok.then_some(out)
    }
}

impl<'a> Doc<'a> {
    /// A list of tables under `key`: either `[[key]]` blocks or an inline list
    /// `key = [ { ... }, { ... } ]`. Each table comes with the line where it starts.
    /// A missing key gives `None` silently; a wrong shape is reported.
    pub(crate) fn tables<'t>(
        &mut self,
        parent: &'t dyn TableLike,
        key: &str,
        example: &str,
    ) -> Option<Vec<(&'t dyn TableLike, Option<usize>)>> {
        let item = parent.get(key)?;
        let line = self.key_line(parent, key);
        if let Some(blocks) = item.as_array_of_tables() {
            return Some(
                blocks
                    .iter()
                    .map(|t| (t as &dyn TableLike, self.line(t.span()).or(line)))
                    .collect(),
            );
        }
        let Some(array) = item.as_array() else {
            self.error(
                line,
                format!(
                    "`{key}` must be a list like {example}, but here it is {}",
                    kind(item)
                ),
            );
            return None;
        };
        let mut out = Vec::new();
        for (i, value) in array.iter().enumerate() {
            match value.as_inline_table() {
                Some(t) => out.push((t as &dyn TableLike, self.value_line(value).or(line))),
                None => {
                    let vline = self.value_line(value).or(line);
                    self.error(
                        vline,
                        format!(
                            "item {} of `{key}` must be written like {example}, but it is {}",
                            i + 1,
                            value_kind(value)
                        ),
                    );
                }
            }
        }
        Some(out)
    }
}

/// The closest of `candidates` to `word`, when it is close enough to be a likely typo.
/// The parts of one TOML line outside straight-quoted strings (a curly quote inside
/// `"what’s"` is fine, and is not reported).
fn outside_straight_quotes(line: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in line.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' => break,
            None => out.push(c),
        }
    }
    out
}

pub(crate) fn closest<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let word = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            let candidate = c.to_lowercase();
            // A cut-short key ("canon" for "canonical") counts as close.
            let prefix = word.chars().count() >= 3 && candidate.starts_with(&word);
            let distance = strsim::damerau_levenshtein(&word, &candidate);
            (if prefix { distance.min(1) } else { distance }, c)
        })
        .filter(|&(d, c)| d <= (c.chars().count() / 3).max(2))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// What a value is, in plain words ("a whole number", "a list", ...).
pub(crate) fn kind(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Value(v) => value_kind(v),
        Item::Table(_) => "a table (a `[...]` section)",
        Item::ArrayOfTables(_) => "a list of tables (`[[...]]` sections)",
    }
}

pub(crate) fn value_kind(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a text",
        Value::Integer(_) => "a whole number",
        Value::Float(_) => "a decimal number",
        Value::Boolean(_) => "true/false",
        Value::Datetime(_) => "a date",
        Value::Array(_) => "a list",
        Value::InlineTable(_) => "a table ({ ... })",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_suggests_typos_only() {
        let keys = ["question", "alternates", "sources"];
        assert_eq!(closest("qestion", keys), Some("question"));
        assert_eq!(closest("alternatives", keys), Some("alternates"));
        assert_eq!(closest("Source", keys), Some("sources"));
        assert_eq!(closest("tags", keys), None);
    }

    #[test]
    fn lines_count_from_the_start_of_the_file() {
        let text = "a = 1\n\nb = 2\n";
        let mut doc = Doc::new("f.toml", text, 3);
        let parsed = doc.parse("the file").unwrap();
        assert_eq!(doc.key_line(parsed.as_table(), "a"), Some(4));
        assert_eq!(doc.key_line(parsed.as_table(), "b"), Some(6));
    }

    #[test]
    fn syntax_errors_have_a_line() {
        let mut doc = Doc::new("f.toml", "a = 1\nb = \"open\n", 0);
        assert!(doc.parse("the file").is_none());
        assert_eq!(doc.problems.len(), 1);
        assert_eq!(doc.problems[0].line, Some(2), "{:?}", doc.problems);
    }
}
