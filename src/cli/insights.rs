//! `medfaq insights`: the moderators' report from the insights database, a plain list of
//! questions run through the same grouping (`--questions`), or `--purge`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};

use crate::config::{Config, Defaults};
use crate::insights::report::{self, Report};
use crate::insights::Store;
use crate::knowledge::Knowledge;

/// What `medfaq insights` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct Args {
    pub db: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub faq: PathBuf,
    pub since: String,
    pub json: bool,
    pub html: Option<PathBuf>,
    pub questions: Option<PathBuf>,
    pub purge: bool,
}

/// The database file: `--db`, else the config's `[insights] db`, else the default.
fn db_path(args: &Args) -> anyhow::Result<PathBuf> {
    if let Some(db) = &args.db {
        return Ok(db.clone());
    }
    if let Some(path) = &args.config {
        return Ok(Config::load(path)?.insights.db);
    }
    if Path::new("config.toml").is_file() {
        return Ok(Config::load(Path::new("config.toml"))?.insights.db);
    }
    Ok(PathBuf::from(Defaults::INSIGHTS_DB))
}

/// Questions of a file: one per line; a JSON object line gives its `query` (so a
/// labelled set such as dev.jsonl works as is).
pub fn read_questions(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            if l.starts_with('{') {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(l) {
                    if let Some(q) = v.get("query").and_then(|q| q.as_str()) {
                        return q.to_string();
                    }
                }
            }
            l.to_string()
        })
        .collect()
}

pub fn insights(args: Args) -> anyhow::Result<ExitCode> {
    if args.purge {
        if args.questions.is_some() || args.html.is_some() || args.json {
            bail!("--purge deletes everything and prints no report; use it alone (with --db)");
        }
        let db = db_path(&args)?;
        if !db.is_file() {
            bail!("no insights database at {}: nothing to purge", db.display());
        }
        let mut store = Store::open(&db)?;
        let (events, feedback) = store
            .purge()
            .with_context(|| format!("purging {}", db.display()))?;
        println!(
            "deleted {events} events and {feedback} feedback rows from {}; the file is compacted",
            db.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let options = super::load_config(args.config.as_deref())?
        .map(|(config, _)| config.matcher)
        .unwrap_or_default();
    let knowledge = Knowledge::load(&args.faq, options)
        .with_context(|| format!("loading the FAQ in {}", args.faq.display()))?;
    let report = match &args.questions {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading questions from {}", file.display()))?;
            let questions = read_questions(&text);
            Report::from_questions(
                &knowledge,
                &questions,
                &format!("{} questions from {}", questions.len(), file.display()),
            )
        }
        None => {
            let since =
                report::parse_since(&args.since).map_err(|e| anyhow::anyhow!("--since {e}"))?;
            let db = db_path(&args)?;
            if !db.is_file() {
                bail!(
                    "no insights database at {} (the bot creates it when [insights] enabled = true; pass --db FILE)",
                    db.display()
                );
            }
            let store = Store::open_read(&db)?;
            let now = crate::insights::now();
            let from = now - since;
            Report::from_store(
                &store,
                from,
                now,
                &format!(
                    "last {} (since {} UTC), {}",
                    args.since.trim(),
                    report::date(from.div_euclid(86_400)),
                    db.display()
                ),
                &knowledge,
            )
            .with_context(|| format!("reading {}", db.display()))?
        }
    };
    if let Some(path) = &args.html {
        std::fs::write(path, report.html())
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    let out = if args.json {
        report.json() + "\n"
    } else {
        report.text()
    };
    std::io::stdout().write_all(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
