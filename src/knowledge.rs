//! `Knowledge`: a loaded [`Faq`] with its built [`Index`] and the safety [`Rules`]. It is
//! the unit the bot swaps atomically on reload, and the one call the CLI and the bot make
//! per message.
//!
//! This module composes the parts (dependencies point one way: `faq` knows nothing of
//! `safety`): [`load`] reads the FAQ folder with [`crate::faq::load`] and the safety
//! files (`safety/*.toml` in the same folder) with [`load_safety`], and reports every
//! problem of both at once, with file and line.

use std::path::Path;

use crate::faq::{Faq, LoadError, Problem};
use crate::matcher::{Index, MatchOptions, Outcome};
use crate::reply::Reply;
use crate::safety::{Alert, Rules};

/// The folder of safety files inside a FAQ folder.
pub const SAFETY_DIR: &str = "safety";

/// The optional safety model inside [`SAFETY_DIR`] (delete it to use the rules only).
pub const SAFETY_MODEL: &str = "model.tsv";

/// A FAQ ready to answer.
#[derive(Debug, Clone)]
pub struct Knowledge {
    pub faq: Faq,
    pub index: Index,
    pub safety: Rules,
}

/// Everything known about one asked message.
#[derive(Debug, Clone)]
pub struct Answered {
    pub alert: Option<Alert>,
    pub outcome: Outcome,
    pub reply: Reply,
}

impl Knowledge {
    /// Builds the index for `faq`.
    pub fn new(faq: Faq, safety: Rules, options: MatchOptions) -> Knowledge {
        let index = Index::build(&faq, options);
        Knowledge { faq, index, safety }
    }

    /// Loads `dir` (entries, sources, synonyms, disclaimer and safety files) and builds
    /// its index.
    pub fn load(dir: &Path, options: MatchOptions) -> Result<Knowledge, LoadError> {
        let (faq, safety) = load(dir)?;
        Ok(Knowledge::new(faq, safety, options))
    }

    /// Safety check, match and reply for one message.
    pub fn ask(&self, message: &str) -> Answered {
        let alert = self.safety.check(message);
        let outcome = self.index.search(message);
        let reply = self.reply(&outcome, alert);
        Answered {
            alert,
            outcome,
            reply,
        }
    }

    /// The reply for `outcome`, with the notice of `alert` first when there is one.
    pub fn reply(&self, outcome: &Outcome, alert: Option<Alert>) -> Reply {
        Reply::from_outcome(
            &self.faq,
            outcome,
            alert.map(|a| (a, self.safety.notice(a))),
        )
    }
}

/// Reads and validates the FAQ folder `dir` and its safety files: both, or every problem
/// of either, sorted by file and line (what `medfaq check` prints).
pub fn load(dir: &Path) -> Result<(Faq, Rules), LoadError> {
    let faq = crate::faq::load(dir);
    let safety = if dir.is_dir() {
        load_safety(&dir.join(SAFETY_DIR))
    } else {
        Err(Vec::new()) // the FAQ loader already said the folder is missing
    };
    match (faq, safety) {
        (Ok(faq), Ok(safety)) => Ok((faq, safety)),
        (faq, safety) => {
            let mut problems = match faq {
                Err(e) => e.problems().to_vec(),
                Ok(_) => Vec::new(),
            };
            if let Err(mut p) = safety {
                problems.append(&mut p);
            }
            problems.sort_by(|a, b| (&a.origin, a.line).cmp(&(&b.origin, b.line)));
            Err(LoadError::Invalid {
                dir: dir.display().to_string(),
                problems,
            })
        }
    }
}

/// Reads every `*.toml` of the safety folder `dir` (in name order) as one rule set, and
/// the model `model.tsv` when the folder has one.
pub fn load_safety(dir: &Path) -> Result<Rules, Vec<Problem>> {
    let problem = |message: String| {
        vec![Problem {
            origin: dir.display().to_string(),
            line: None,
            message,
        }]
    };
    let listing = match std::fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(problem(
                "the emergency and crisis rules folder is missing: the bot needs it to add \
                 urgent-help notices (copy `safety/` from the bundled FAQ)"
                    .into(),
            ))
        }
        Err(e) => return Err(problem(format!("cannot be read: {e}"))),
    };
    let mut paths: Vec<_> = listing
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter(|p| {
            !p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(problem(
            "there are no `.toml` files here: the emergency and crisis rules and notices live \
             in this folder"
                .into(),
        ));
    }
    let mut problems = Vec::new();
    let mut files = Vec::new();
    for path in paths {
        if let Some(text) = crate::faq::read_text(&path, "the safety file", &mut problems) {
            files.push((path.display().to_string(), text));
        }
    }
    let model_path = dir.join(SAFETY_MODEL);
    let model = if model_path.is_file() {
        crate::faq::read_text(&model_path, "the safety model", &mut problems).and_then(|text| {
            crate::safety::model::Model::parse(&text, &model_path.display().to_string())
                .map_err(|mut p| problems.append(&mut p))
                .ok()
        })
    } else {
        None
    };
    match Rules::parse_files(&files) {
        Ok(rules) if problems.is_empty() => Ok(rules.with_model(model)),
        Ok(_) => Err(problems),
        Err(mut p) => {
            problems.append(&mut p);
            Err(problems)
        }
    }
}
