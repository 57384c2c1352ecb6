//! Command line: `medfaq init | ask | match | eval | check | list | serve | bench | insights`.
//!
//! Each command group lives in its own file; this module defines the arguments, finds
//! the config and the FAQ folder the same way for every command, and dispatches. Errors
//! are `anyhow` here and printed once by `main` ([`error_text`]).
//!
//! Which FAQ folder a command uses: `--faq DIR`, else the config's `[faq] dir`, else
//! `./faq`, else an error that names `medfaq init`. The config is `--config FILE`, else
//! `./config.toml` when it exists; every command validates it the same way
//! ([`crate::config::Config::load`]). Every command says on stderr which folder it uses.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::Config;

mod ask;
mod bench;
mod faq_cmds;
mod init;
mod insights;
mod serve;

pub use ask::{default_eval_file, discord_view};
pub use init::{bundled_files, write_bundled};

/// Answers community health questions from a curated FAQ (CLI and Discord bot).
///
/// Start with `medfaq init faq` (writes the bundled FAQ to ./faq), then `medfaq check`
/// and `medfaq ask can i take magnesium after back surgery`.
#[derive(Debug, Parser)]
#[command(name = "medfaq", version, about, long_about)]
pub struct Cli {
    /// Log filter: a level (error, warn, info, debug, trace) or tracing `EnvFilter`
    /// directives such as `info,medfaq=debug`. `RUST_LOG` wins when set.
    #[arg(long, global = true, default_value = "info", value_name = "FILTER")]
    pub log: String,
    /// Log line format on stderr: `text` for people, `json` (one object per line) for log
    /// collectors.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One readable line per event; colours only when stderr is a terminal.
    Text,
    /// One JSON object per event (timestamp, level, target, fields).
    Json,
}

/// Where the FAQ folder and the config come from, shared by the commands that read them.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FaqArgs {
    /// FAQ folder. Default: the config's `[faq] dir`, else `./faq` (create one with
    /// `medfaq init faq`).
    #[arg(long, value_name = "DIR")]
    pub faq: Option<PathBuf>,
    /// Config file (see config.example.toml). Default: `./config.toml` when it exists.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the bundled FAQ (entries, sources, synonyms, safety rules, disclaimer and the
    /// moderators' guide README.md) to a new folder that your server then owns.
    Init {
        /// Folder to create (must not exist yet, or be empty).
        #[arg(default_value = "faq", value_name = "DIR")]
        dir: PathBuf,
    },
    /// Answer one question and print exactly what a member would see in Discord.
    Ask {
        /// The question, in plain words (quotes optional: `medfaq ask can i take mag`).
        #[arg(required = true, num_args = 1.., value_name = "QUESTION")]
        question: Vec<String>,
        /// Also print why: safety rule, words and their stems, synonyms, typo
        /// corrections, scores and thresholds.
        #[arg(long)]
        explain: bool,
        #[command(flatten)]
        source: FaqArgs,
    },
    /// Read one question per line on stdin, print one JSON decision per line.
    Match {
        #[command(flatten)]
        source: FaqArgs,
    },
    /// Score a labelled JSONL set (`query`, `expected`, `emergency`) and print the metrics.
    Eval {
        /// Labelled set (default: ../shared/eval/dev.jsonl, else tests/data/dev.jsonl).
        file: Option<PathBuf>,
        #[command(flatten)]
        source: FaqArgs,
        /// Print every miss with its candidates.
        #[arg(long)]
        verbose: bool,
    },
    /// Validate a FAQ folder; print every problem and exit non-zero if there are any.
    Check {
        #[command(flatten)]
        source: FaqArgs,
        /// Also check every answer against the text of its sources: cited sections exist,
        /// numbers come from them, no long copied passages, disputes give both sides.
        #[arg(long)]
        strict: bool,
        /// Folder with the source texts and faithfulness.toml (default: tests/data/seeds).
        #[arg(long, requires = "strict")]
        texts: Option<PathBuf>,
    },
    /// List the entries of a FAQ folder.
    List {
        #[command(flatten)]
        source: FaqArgs,
        /// One JSON array of {id, question, alternates, keywords, topic, sources}.
        #[arg(long)]
        json: bool,
    },
    /// Run the Discord bot until SIGINT or SIGTERM (token from DISCORD_TOKEN).
    Serve {
        #[command(flatten)]
        source: FaqArgs,
    },
    /// Benchmark the matcher on a large corpus (`--corpus`) or a FAQ folder (`--faq`);
    /// the last line printed is one JSON object.
    #[command(group = clap::ArgGroup::new("input").required(true).args(["corpus", "faq"]))]
    Bench {
        /// Corpus JSONL with `id`, `question`, `answer` (e.g. ../shared/data/medquad.jsonl).
        #[arg(long, value_name = "FILE")]
        corpus: Option<PathBuf>,
        /// Benchmark a FAQ folder (e.g. `faq`) instead of a corpus.
        #[arg(long, value_name = "DIR")]
        faq: Option<PathBuf>,
        /// Queries JSONL: `query`, `expected_ids` (or `expected`, as in dev.jsonl).
        #[arg(long, value_name = "FILE")]
        queries: PathBuf,
        /// Use at most this many queries.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// Also print the N slowest queries and the first N misses.
        #[arg(long, default_value_t = 0, value_name = "N")]
        show: usize,
    },
    /// What members asked and how answers landed: questions per day, 👎 by entry,
    /// unanswered questions grouped (with the line to add to an entry's alternates).
    Insights {
        /// The insights database (default: the config's `[insights] db`).
        #[arg(long)]
        db: Option<PathBuf>,
        /// Config file (for `[insights] db` and `[matcher]`).
        #[arg(long)]
        config: Option<PathBuf>,
        /// FAQ folder used to group questions (default: the bundled `faq/`).
        #[arg(long)]
        faq: Option<PathBuf>,
        /// Period to report: a number and m, h, d or w.
        #[arg(long, default_value = "7d")]
        since: String,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Also write the report as one self-contained HTML page with charts.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// Group a plain list of questions (one per line, or JSONL with `query`)
        /// instead of reading the database: see a server's gaps before going live.
        #[arg(long, value_name = "FILE", conflicts_with = "db")]
        questions: Option<PathBuf>,
        /// Delete everything in the database (all events, votes and text).
        #[arg(long)]
        purge: bool,
    },
}

/// Log targets held at DEBUG or below whatever the filter asks: at TRACE they dump raw
/// WebSocket frames, and the gateway's IDENTIFY and RESUME frames carry the bot token.
pub const TOKEN_SAFE_CAPS: &[&str] = &["tungstenite=debug", "tokio_tungstenite=debug"];

/// Libraries whose INFO lines say nothing an operator needs; held at WARN when the
/// filter is a bare level (`info`, the default). Directives that name them win.
pub const QUIET_AT_INFO: &[&str] = &[
    "serenity=warn",
    "poise=warn",
    "tracing=warn",
    "h2=warn",
    "hyper=warn",
    "reqwest=warn",
    "rustls=warn",
    "notify=warn",
];

/// The log filter for `spec` (tracing `EnvFilter` syntax, e.g. `info,medfaq=debug`), with
/// [`TOKEN_SAFE_CAPS`] applied last so they win even over `trace` or `tungstenite=trace`.
/// A bare level also holds the [`QUIET_AT_INFO`] libraries at WARN unless it is `debug`
/// or `trace`.
pub fn log_filter(spec: &str) -> tracing_subscriber::EnvFilter {
    let mut filter = tracing_subscriber::EnvFilter::try_new(spec)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let bare = spec.trim().to_ascii_lowercase();
    if matches!(bare.as_str(), "info" | "warn" | "error" | "") {
        // stricter than the caps (which would raise these targets to DEBUG)
        for quiet in QUIET_AT_INFO
            .iter()
            .chain(&["tungstenite=warn", "tokio_tungstenite=warn"])
        {
            filter = filter.add_directive(quiet.parse().expect("valid directive"));
        }
        return filter;
    }
    for cap in TOKEN_SAFE_CAPS {
        filter = filter.add_directive(cap.parse().expect("valid directive"));
    }
    filter
}

/// A writer for log lines that never fails and never blocks the program: when stderr is
/// closed (`medfaq serve 2>&1 | head -2`) or broken, lines are dropped silently.
#[derive(Clone, Copy, Debug, Default)]
pub struct StderrLines;

impl Write for StderrLines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = std::io::stderr().write_all(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let _ = std::io::stderr().flush();
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for StderrLines {
    type Writer = StderrLines;
    fn make_writer(&'a self) -> StderrLines {
        StderrLines
    }
}

/// Installs the tracing subscriber (only the binary calls this).
pub fn init_tracing(cli: &Cli) {
    let spec = std::env::var("RUST_LOG")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| cli.log.clone());
    let filter = log_filter(&spec);
    // tracing-subscriber `eprintln!`s its own write errors, which panics on a closed
    // stderr: the writer never fails, and internal errors are off.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(StderrLines)
        .log_internal_errors(false);
    let _ = match cli.log_format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
    };
}

/// Prints a line on stderr, or nothing when stderr is closed (never panics).
pub fn note(line: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// An error and its causes as one text, each cause said once: a cause whose words the
/// message already holds is left out (e.g. an I/O error repeated by its context).
pub fn error_text(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let said = cause.to_string();
        if said.is_empty() || text.contains(&said) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&said);
    }
    text
}

/// Where the FAQ folder a command uses came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaqOrigin {
    /// `--faq DIR`.
    Flag,
    /// `[faq] dir` of this config file.
    Config(PathBuf),
    /// `./faq` in the current folder.
    CurrentFolder,
}

impl std::fmt::Display for FaqOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FaqOrigin::Flag => f.write_str("from --faq"),
            FaqOrigin::Config(path) => write!(f, "[faq] dir of {}", path.display()),
            FaqOrigin::CurrentFolder => f.write_str("./faq in the current folder"),
        }
    }
}

/// The config a command uses: `--config FILE` (which must exist), else `./config.toml`
/// when present, validated once by [`Config::load`]; `None` when there is neither.
pub fn load_config(flag: Option<&Path>) -> anyhow::Result<Option<(Config, PathBuf)>> {
    let path = match flag {
        Some(path) => path.to_path_buf(),
        None if Path::new("config.toml").is_file() => PathBuf::from("config.toml"),
        None => return Ok(None),
    };
    let config = Config::load(&path)?;
    Ok(Some((config, path)))
}

/// The FAQ folder: `--faq`, else the config's `[faq] dir` (default `faq` beside the config
/// file), else `./faq`, else an error naming `medfaq init`.
pub fn resolve_faq(
    flag: Option<&Path>,
    config: Option<&(Config, PathBuf)>,
) -> anyhow::Result<(PathBuf, FaqOrigin)> {
    if let Some(dir) = flag {
        return Ok((dir.to_path_buf(), FaqOrigin::Flag));
    }
    if let Some((config, path)) = config {
        return Ok((config.faq.dir.clone(), FaqOrigin::Config(path.clone())));
    }
    let here = PathBuf::from("faq");
    if here.is_dir() {
        return Ok((here, FaqOrigin::CurrentFolder));
    }
    anyhow::bail!(
        "no FAQ folder: there is no `faq` folder here, and neither --faq DIR nor a config's \
         [faq] dir names one. Run `medfaq init faq` to write the bundled FAQ into ./faq, or \
         pass --faq DIR"
    )
}

/// Config and FAQ folder for one command, saying on stderr which folder it uses (as a
/// log line for `serve`, so `--log-format json` stays JSON).
fn setup(args: &FaqArgs, logged: bool) -> anyhow::Result<(Config, PathBuf)> {
    let loaded = load_config(args.config.as_deref())?;
    let (dir, origin) = resolve_faq(args.faq.as_deref(), loaded.as_ref())?;
    if logged {
        tracing::info!("FAQ folder: {} ({origin})", dir.display());
    } else {
        note(format_args!("FAQ folder: {} ({origin})", dir.display()));
    }
    let mut config = loaded.map(|(c, _)| c).unwrap_or_default();
    config.faq.dir = dir.clone();
    Ok((config, dir))
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Init { dir } => init::init(&dir),
        Command::Ask {
            question,
            explain,
            source,
        } => {
            let (config, dir) = setup(&source, false)?;
            ask::ask(&question.join(" "), explain, &dir, config.matcher)
        }
        Command::Match { source } => {
            let (config, dir) = setup(&source, false)?;
            ask::match_lines(&dir, config.matcher)
        }
        Command::Eval {
            file,
            source,
            verbose,
        } => {
            let (config, dir) = setup(&source, false)?;
            ask::eval(file.as_deref(), &dir, config.matcher, verbose)
        }
        Command::Check {
            source,
            strict,
            texts,
        } => {
            let (_, dir) = setup(&source, false)?;
            let texts = strict.then(|| texts.unwrap_or_else(faq_cmds::default_texts_dir));
            faq_cmds::check(&dir, texts.as_deref())
        }
        Command::List { source, json } => {
            let (_, dir) = setup(&source, false)?;
            faq_cmds::list(&dir, json)
        }
        Command::Serve { source } => {
            let (config, _) = setup(&source, true)?;
            serve::serve(config)
        }
        Command::Bench {
            corpus,
            faq,
            queries,
            limit,
            show,
        } => match (corpus, faq) {
            (Some(corpus), _) => bench::bench(&corpus, &queries, limit, show),
            (None, faq) => {
                let source = FaqArgs { faq, config: None };
                let (_, dir) = setup(&source, false)?;
                bench::bench_faq(&dir, &queries, limit, show)
            }
        },
        Command::Insights {
            db,
            config,
            faq,
            since,
            json,
            html,
            questions,
            purge,
        } => {
            let source = FaqArgs {
                faq,
                config: config.clone(),
            };
            let (_, dir) = setup(&source, false)?;
            insights::insights(insights::Args {
                db,
                config,
                faq: dir,
                since,
                json,
                html,
                questions,
                purge,
            })
        }
    }
}
