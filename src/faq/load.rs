//! Reading a FAQ folder from disk: the thin I/O layer over `parse` and `validate`.
//!
//! [`load`] reads every file, parses each, runs the cross-file checks and returns either
//! a whole [`Faq`] or every problem found, sorted by file and line. Editor leftovers in
//! `entries/` (hidden files, `name~`, `#name#`) are skipped silently; any other file that
//! is not `.md` is a problem, so nothing a moderator writes is ignored without a word.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use super::model::{Disclaimer, Entry, Faq};
use super::parse::{parse_entry_with_lines, parse_sources, parse_synonyms, EntryLines, Problem};
use super::validate::{cross_check, EmbedLimits};

/// Why a folder did not load. A folder with any problem loads nothing.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Every problem found across all files, each with file and line.
    #[error("the FAQ in {dir} has {} problem(s):\n{}", .problems.len(), crate::faq::load::list(.problems))]
    Invalid { dir: String, problems: Vec<Problem> },
}

impl LoadError {
    /// The problems, sorted by file then line.
    pub fn problems(&self) -> &[Problem] {
        match self {
            LoadError::Invalid { problems, .. } => problems,
        }
    }
}

pub(crate) fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Loads and validates the FAQ folder `dir`.
///
/// Problems are reported with the file's path as `dir` joined with its name, e.g.
/// `faq/entries/risks.md:3: ...` for `load(Path::new("faq"))`.
pub fn load(dir: &Path) -> Result<Faq, LoadError> {
    let mut problems = Vec::new();
    let faq = read_folder(dir, &mut problems);
    match faq {
        Some(faq) if problems.is_empty() => Ok(faq),
        _ => {
            problems.sort_by(|a, b| (&a.origin, a.line).cmp(&(&b.origin, b.line)));
            Err(LoadError::Invalid {
                dir: dir.display().to_string(),
                problems,
            })
        }
    }
}

fn problem(
    problems: &mut Vec<Problem>,
    path: &Path,
    line: Option<usize>,
    message: impl Into<String>,
) {
    problems.push(Problem {
        origin: path.display().to_string(),
        line,
        message: message.into(),
    });
}

/// Reads every file of `dir`; `None` when something could not be parsed at all.
fn read_folder(dir: &Path, problems: &mut Vec<Problem>) -> Option<Faq> {
    if !dir.is_dir() {
        let message = if dir.exists() {
            "this is a file, not a FAQ folder"
        } else {
            "the FAQ folder does not exist"
        };
        problem(problems, dir, None, message);
        return None;
    }

    let entries = read_entries(&dir.join("entries"), problems);

    let sources_path = dir.join("sources.toml");
    let sources_origin = sources_path.display().to_string();
    let sources = read_text(&sources_path, "the sources file", problems).and_then(|text| {
        parse_sources(&text, &sources_origin)
            .map_err(|mut ps| problems.append(&mut ps))
            .ok()
    });

    let synonyms_path = dir.join("synonyms.toml");
    let synonyms = read_text(&synonyms_path, "the synonyms file", problems).and_then(|text| {
        parse_synonyms(&text, &synonyms_path.display().to_string())
            .map_err(|mut ps| problems.append(&mut ps))
            .ok()
    });

    let disclaimer = read_disclaimer(&dir.join("disclaimer.md"), problems);

    problems.extend(cross_check(
        &entries,
        sources.as_deref(),
        &sources_origin,
        disclaimer.as_ref().map(Disclaimer::as_str),
    ));

    let mut entries: Vec<Entry> = entries.into_iter().map(|(entry, _)| entry).collect();
    entries.sort_by(|a, b| a.id.cmp(&b.id));
    Some(Faq {
        entries,
        sources: sources?
            .into_iter()
            .map(|s| (s.id.clone(), s))
            .collect::<BTreeMap<_, _>>(),
        synonyms: synonyms?,
        disclaimer: disclaimer?,
    })
}

/// The text of a file; a missing file (named `what` in the problem), an unreadable one or
/// invalid UTF-8 is a problem.
pub fn read_text(path: &Path, what: &str, problems: &mut Vec<Problem>) -> Option<String> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == ErrorKind::NotFound => {
            problem(
                problems,
                path,
                None,
                format!("{what} is missing: the FAQ folder needs this file (see README.md)"),
            );
            return None;
        }
        Err(err) => {
            problem(problems, path, None, format!("cannot be read: {err}"));
            return None;
        }
    };
    match String::from_utf8(bytes) {
        // a byte-order mark or CRLF line ends never reach a reply
        Ok(text) => Some(super::parse::clean_text(&text).into_owned()),
        Err(err) => {
            let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
            let line = 1 + valid.iter().filter(|&&b| b == b'\n').count();
            problem(
                problems,
                path,
                Some(line),
                "this file is not valid UTF-8 text (the first bad character is on this line): \
                 save it with the UTF-8 encoding in your editor",
            );
            None
        }
    }
}

fn read_disclaimer(path: &Path, problems: &mut Vec<Problem>) -> Option<Disclaimer> {
    let text = read_text(path, "the medical disclaimer", problems)?;
    let Some(disclaimer) = Disclaimer::new(&text) else {
        problem(
            problems,
            path,
            None,
            "the disclaimer is empty: every reply must carry the medical disclaimer, so the bot \
             refuses to run without one; write it in this file",
        );
        return None;
    };
    let chars = disclaimer.as_str().chars().count();
    let limit = EmbedLimits::DISCORD.footer;
    if chars > limit {
        problem(
            problems,
            path,
            None,
            format!("the disclaimer is {chars} characters long; Discord shows at most {limit} under a reply"),
        );
    }
    Some(disclaimer)
}

/// Editor and system leftovers that the watcher may see: skipped without a word. Hidden
/// files (`.name.md.swp`, `.DS_Store`), backups (`name.md~`), Emacs autosaves (`#name.md#`)
/// and the `4913` file Vim creates for a moment to test that the folder is writable.
fn is_ignored(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || (name.len() > 1 && name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
}

/// Parses every `*.md` in `entries/`, reporting other files and duplicate ids.
fn read_entries(entries_dir: &Path, problems: &mut Vec<Problem>) -> Vec<(Entry, EntryLines)> {
    let listing = match fs::read_dir(entries_dir) {
        Ok(listing) => listing,
        Err(err) => {
            let message = if err.kind() == ErrorKind::NotFound {
                "the `entries` folder is missing: put one `<id>.md` file per entry in it"
                    .to_string()
            } else {
                format!("cannot be read: {err}")
            };
            problem(problems, entries_dir, None, message);
            return Vec::new();
        }
    };
    let mut names = Vec::new();
    for dirent in listing {
        match dirent {
            Ok(dirent) => names.push(dirent.file_name()),
            Err(err) => problem(
                problems,
                entries_dir,
                None,
                format!("cannot be read: {err}"),
            ),
        }
    }
    names.sort();

    let mut entries = Vec::new();
    let mut ids: HashMap<String, String> = HashMap::new(); // lowercase id -> file name
    for name in names {
        let path = entries_dir.join(&name);
        let Some(name) = name.to_str() else {
            problem(
                problems,
                &path,
                None,
                "this file name is not valid text: rename it to `<id>.md` using a-z, 0-9 and `-`",
            );
            continue;
        };
        if is_ignored(name) {
            continue;
        }
        if path.is_dir() {
            problem(
                problems,
                &path,
                None,
                "folders inside `entries` are not read: move the entry files directly into `entries`",
            );
            continue;
        }
        let Some(stem) = name.strip_suffix(".md") else {
            problem(
                problems,
                &path,
                None,
                "this is not an entry file: entry files are named `<id>.md`; rename it or move it \
                 out of `entries`",
            );
            continue;
        };
        if let Some(first) = ids.get(&stem.to_lowercase()) {
            problem(
                problems,
                &path,
                None,
                format!(
                    "`{name}` and `{first}` have the same id (ids ignore upper/lower case, and on \
                     Windows and macOS they are the same file): keep only one"
                ),
            );
            continue;
        }
        ids.insert(stem.to_lowercase(), name.to_string());
        let Some(text) = read_text(&path, "the entry", problems) else {
            continue;
        };
        match parse_entry_with_lines(&text, &path.display().to_string()) {
            Ok(parsed) => entries.push(parsed),
            Err(mut ps) => problems.append(&mut ps),
        }
    }
    if ids.is_empty() {
        problem(
            problems,
            entries_dir,
            None,
            "there are no entries: add at least one `<id>.md` file here",
        );
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::is_ignored;

    #[test]
    fn editor_leftovers_are_ignored_and_nothing_else() {
        for name in [
            ".risks.md.swp",
            ".DS_Store",
            "risks.md~",
            "#risks.md#",
            "4913",
        ] {
            assert!(is_ignored(name), "{name}");
        }
        for name in ["risks.md", "risks.txt", "#risks.md", "risks.md.bak", "#"] {
            assert!(!is_ignored(name), "{name}");
        }
    }
}
