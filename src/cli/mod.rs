//! Command line: `medfaq ask | match | eval | check | list | serve | bench | insights`.
//!
//! Each command group lives in its own file; this module only defines the arguments
//! and dispatches. Errors are `anyhow` here and printed with `{:#}` by `main`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod ask;
mod bench;
mod faq_cmds;
mod insights;
mod serve;

pub use ask::default_eval_file;

/// Answers community health questions from a curated FAQ (CLI and Discord bot).
#[derive(Debug, Parser)]
#[command(name = "medfaq", version, about)]
pub struct Cli {
    /// Log filter (tracing `EnvFilter` syntax); `RUST_LOG` wins when set.
    #[arg(long, global = true, default_value = "warn")]
    pub log: String,
    #[command(subcommand)]
    pub command: Command,
}

/// The bundled FAQ folder: `faq/` next to `Cargo.toml`, or in the current directory.
pub fn default_faq_dir() -> PathBuf {
    let here = PathBuf::from("faq");
    if here.is_dir() {
        return here;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("faq")
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Answer one question as a member would read it.
    Ask {
        /// The question, in plain words.
        question: String,
        /// Also print why: terms, synonyms, fuzzy corrections, scores and thresholds.
        #[arg(long)]
        explain: bool,
        /// FAQ folder (default: the bundled `faq/`).
        #[arg(long)]
        faq: Option<PathBuf>,
        /// Config file whose `[matcher]` thresholds to use.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Read one question per line on stdin, print one JSON decision per line.
    Match {
        #[arg(long)]
        faq: Option<PathBuf>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Score a labelled JSONL set (`query`, `expected`, `emergency`) and print the metrics.
    Eval {
        /// Labelled set (default: ../shared/eval/dev.jsonl, else tests/data/dev.jsonl).
        file: Option<PathBuf>,
        #[arg(long)]
        faq: Option<PathBuf>,
        #[arg(long)]
        config: Option<PathBuf>,
        /// Print every miss.
        #[arg(long)]
        verbose: bool,
    },
    /// Validate a FAQ folder; print every problem and exit non-zero if there are any.
    Check {
        #[arg(long)]
        faq: Option<PathBuf>,
    },
    /// List the entries of a FAQ folder.
    List {
        #[arg(long)]
        faq: Option<PathBuf>,
        /// One JSON array of {id, question, alternates, sources}.
        #[arg(long)]
        json: bool,
    },
    /// Run the Discord bot (token from DISCORD_TOKEN).
    Serve {
        /// Config file (see config.example.toml).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Benchmark the matcher on a large corpus; last line is one JSON object.
    Bench {
        /// Corpus JSONL: id, question, answer.
        #[arg(long, required_unless_present = "faq", conflicts_with = "faq")]
        corpus: Option<PathBuf>,
        /// Benchmark a FAQ folder (e.g. the bundled `faq/`) instead of a corpus.
        #[arg(long)]
        faq: Option<PathBuf>,
        /// Queries JSONL: query, expected_ids (or `expected`, as in dev.jsonl).
        #[arg(long)]
        queries: PathBuf,
        /// Use at most this many queries.
        #[arg(long)]
        limit: Option<usize>,
        /// Also print the N slowest queries and the first N misses.
        #[arg(long, default_value_t = 0)]
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

/// The log filter for `spec` (tracing `EnvFilter` syntax, e.g. `info,medfaq=debug`), with
/// [`TOKEN_SAFE_CAPS`] applied last so they win even over `trace` or `tungstenite=trace`.
pub fn log_filter(spec: &str) -> tracing_subscriber::EnvFilter {
    let mut filter = tracing_subscriber::EnvFilter::try_new(spec)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    for cap in TOKEN_SAFE_CAPS {
        filter = filter.add_directive(cap.parse().expect("valid directive"));
    }
    filter
}

/// Installs the tracing subscriber (only the binary calls this).
pub fn init_tracing(cli: &Cli) {
    let spec = std::env::var("RUST_LOG")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| cli.log.clone());
    let filter = log_filter(&spec);
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let faq_or_default = |faq: Option<PathBuf>| faq.unwrap_or_else(default_faq_dir);
    match cli.command {
        Command::Ask {
            question,
            explain,
            faq,
            config,
        } => ask::ask(&question, explain, &faq_or_default(faq), config.as_deref()),
        Command::Match { faq, config } => ask::match_lines(&faq_or_default(faq), config.as_deref()),
        Command::Eval {
            file,
            faq,
            config,
            verbose,
        } => ask::eval(
            file.as_deref(),
            &faq_or_default(faq),
            config.as_deref(),
            verbose,
        ),
        Command::Check { faq } => faq_cmds::check(&faq_or_default(faq)),
        Command::List { faq, json } => faq_cmds::list(&faq_or_default(faq), json),
        Command::Serve { config } => serve::serve(config.as_deref()),
        Command::Bench {
            corpus,
            faq,
            queries,
            limit,
            show,
        } => match (corpus, faq) {
            (Some(corpus), _) => bench::bench(&corpus, &queries, limit, show),
            (None, faq) => bench::bench_faq(&faq_or_default(faq), &queries, limit, show),
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
        } => insights::insights(insights::Args {
            db,
            config,
            faq: faq_or_default(faq),
            since,
            json,
            html,
            questions,
            purge,
        }),
    }
}
