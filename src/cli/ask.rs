//! `medfaq ask`, `medfaq match` and `medfaq eval`.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use crate::knowledge::Knowledge;
use crate::matcher::{Decision, MatchOptions};
use crate::safety::Alert;

fn knowledge(faq: &Path, options: MatchOptions) -> anyhow::Result<Knowledge> {
    Ok(Knowledge::load(faq, options)?)
}

pub fn ask(
    question: &str,
    explain: bool,
    faq: &Path,
    options: MatchOptions,
) -> anyhow::Result<ExitCode> {
    let k = knowledge(faq, options)?;
    let answered = k.ask(question);
    let mut out = discord_view(&answered.reply);
    if explain {
        out.push_str(&explanation(&k, question, &answered));
    }
    print_out(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// Salience below which `--explain` calls a word filler.
const FILLER: f32 = 0.4;

/// Writes `text` to stdout; a closed stdout (`| head -1`) ends the output quietly.
fn print_out(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// The reply as a member sees it in Discord: the embed the bot sends (title, text with
/// the urgent-help notice on top, Sources and Related fields, the disclaimer as footer)
/// and its buttons. The same renderer as the bot's, so wording and limits are the same.
pub fn discord_view(reply: &crate::reply::Reply) -> String {
    use crate::discord::render::{reply_embed, share_button, suggestion_buttons};
    use std::fmt::Write as _;
    let embed = reply_embed(reply);
    let mut s = String::new();
    if let Some(title) = &embed.title {
        let _ = writeln!(s, "{title}\n");
    }
    if !embed.description.is_empty() {
        let _ = writeln!(s, "{}\n", embed.description);
    }
    for (name, value) in &embed.fields {
        let _ = writeln!(s, "{name}:\n{value}\n");
    }
    if let Some(footer) = &embed.footer {
        let _ = writeln!(s, "{footer}");
    }
    let buttons: Vec<String> = suggestion_buttons(reply)
        .into_iter()
        .chain(share_button(reply))
        .map(|b| format!("[{}]", b.label))
        .collect();
    if !buttons.is_empty() {
        let _ = writeln!(s, "\n{}", buttons.join(" "));
    }
    s
}

fn explanation(k: &Knowledge, question: &str, answered: &crate::knowledge::Answered) -> String {
    use std::fmt::Write as _;
    let q = k.index.explain_query(question);
    let o = k.index.options();
    let mut s = String::from("\n--- explain ---\n");
    let _ = writeln!(s, "words: {}", q.words.join(" "));
    s.push_str(&safety_explanation(&k.safety.assess(question)));
    if !q.questions.is_empty() {
        let _ = writeln!(
            s,
            "question-like sentences: \"{}\"",
            q.questions.join("\" | \"")
        );
    }
    let _ = writeln!(
        s,
        "terms (salience: how much a word says, from background frequencies):"
    );
    for t in &q.terms {
        let mut line = format!(
            "  {:<28} weight {:>5.2}  {} {:.2}",
            t.terms.join(" | "),
            t.weight,
            if t.salience < FILLER {
                "filler "
            } else {
                "content"
            },
            t.salience
        );
        if t.from != t.terms.join(" | ") {
            let _ = write!(line, "  from \"{}\"", t.from);
        }
        if let Some(c) = &t.synonym {
            let _ = write!(line, "  synonym of \"{c}\"");
        }
        if t.corrected.is_some() {
            line.push_str("  (typo corrected)");
        }
        if !t.known {
            line.push_str("  (not in the FAQ: counts against every entry by its weight)");
        }
        let _ = writeln!(s, "{line}");
    }
    let model = crate::matcher::decision::Model::builtin();
    let _ = writeln!(
        s,
        "decision model: answer at confidence >= {:.2}; suggest at relatedness >= {:.2} (entries scoring >= {:.2}, at most {})",
        model.confidence.threshold,
        model.relatedness.threshold,
        o.suggest_threshold,
        o.max_suggestions
    );
    let _ = writeln!(s, "decision: {}", decision_name(&answered.outcome.decision));
    if let Some(first) = answered.outcome.candidates.first() {
        if let Some(span) = &first.explanation.span {
            let _ = writeln!(
                s,
                "scored span: \"{span}\" (scored higher than the whole message)"
            );
        }
        if let Some(word) = &first.explanation.blocked_by {
            let _ = writeln!(
                s,
                "blocked: \"{word}\" is salient and {} does not cover it (near miss: suggest at most)",
                first.id
            );
        }
        if let Some(t) = &first.explanation.decision {
            s.push_str(&decision_explanation(t, model));
        }
    }
    let _ = writeln!(s, "candidates:");
    for m in &answered.outcome.candidates {
        let e = &m.explanation;
        let _ = writeln!(
            s,
            "  {:.3} {:<26} coverage {:.2}  surface {:.2}  similarity {:.2}  entry coverage {:.2}  best \"{}\"",
            m.score, m.id, e.coverage, e.surface, e.similarity, e.entry_coverage, e.best_text
        );
        for t in &e.terms {
            let field = t
                .field
                .map_or("-".to_string(), |f| format!("{f:?}").to_lowercase());
            let _ = writeln!(
                s,
                "        {:<24} {:<9} {:.2}/{:.2}",
                t.term, field, t.contribution, t.weight
            );
        }
    }
    s
}

/// The decision part of `ask --explain`: confidence and relatedness with the features
/// that moved them most, and what held an answer back.
fn decision_explanation(
    t: &crate::matcher::decision::DecisionTrace,
    model: &crate::matcher::decision::Model,
) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for (name, p, m) in [
        ("confidence", t.confidence, &model.confidence),
        ("relatedness", t.relatedness, &model.relatedness),
    ] {
        let parts: Vec<String> = m
            .contributions(&t.features)
            .iter()
            .take(6)
            .map(|(n, c)| format!("{n} {c:+.2}"))
            .collect();
        let _ = writeln!(
            s,
            "{name} {p:.2} (threshold {:.2}; log-odds bias {:+.2}, {})",
            m.threshold,
            m.bias,
            parts.join(", ")
        );
    }
    let values: Vec<String> = crate::matcher::decision::NAMES
        .iter()
        .zip(t.features.values())
        .map(|(n, v)| format!("{n} {v:.2}"))
        .collect();
    let _ = writeln!(s, "features: {}", values.join(", "));
    if let Some(why) = &t.held_back {
        let _ = writeln!(s, "held back: {why}");
    }
    s
}

/// The safety part of `ask --explain`: the alert and its category, every rule that
/// matched (pattern, `file:line`, the words that fired it) and any guard that kept one
/// quiet, and the typo corrections made.
fn safety_explanation(a: &crate::safety::Assessment) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "safety: {}",
        match (&a.alert, &a.category) {
            (Some(alert), Some(c)) => format!("{} ({c})", alert.as_str()),
            (Some(alert), None) => alert.as_str().to_string(),
            _ => "no alert".to_string(),
        }
    );
    for (typed, read) in &a.corrections {
        let _ = writeln!(s, "  read \"{typed}\" as \"{read}\" (typo)");
    }
    if let Some(m) = &a.model {
        let _ = writeln!(
            s,
            "  model ({}): emergency {:.3} (threshold {:.2}), crisis {:.3} (threshold {:.2}){}{}",
            m.origin,
            m.probability[0],
            m.threshold[0],
            m.probability[1],
            m.threshold[1],
            match m.veto {
                Some(v) => format!(", veto below {v:.3}"),
                None => String::new(),
            },
            match m.alert {
                Some(alert) => format!(" -> {}", alert.as_str()),
                None => String::new(),
            }
        );
        let top: Vec<String> = m
            .features
            .iter()
            .map(|(f, z)| format!("{f:?} {z:+.2}"))
            .collect();
        let _ = writeln!(s, "    strongest features: {}", top.join(", "));
        let fired = a.findings.iter().any(|f| f.suppressed.is_none());
        if a.vetoed {
            let _ = writeln!(
                s,
                "  vetoed: a rule fired, but both model probabilities are below the veto level, \
                 so no notice (moderators: `veto = false` under [model] in faq/safety turns \
                 this off)"
            );
        } else if fired && m.vetoes {
            let _ = writeln!(
                s,
                "  not vetoed: both model probabilities are below the veto level, but the veto \
                 is off (it acts only with [model] veto = true)"
            );
        }
    }
    for f in &a.findings {
        let strong = if f.strong { ", strong" } else { "" };
        match &f.suppressed {
            None => {
                let _ = writeln!(
                    s,
                    "  fired: {} / {} rule \"{}\" ({}{strong}) on \"{}\"",
                    f.alert.as_str(),
                    f.category,
                    f.pattern,
                    f.origin,
                    f.words
                );
            }
            Some(g) => {
                let _ = writeln!(
                    s,
                    "  kept quiet: {} / {} rule \"{}\" ({}) on \"{}\", by guard \"{}\" ({}) on \"{}\"",
                    f.alert.as_str(),
                    f.category,
                    f.pattern,
                    f.origin,
                    f.words,
                    g.guard,
                    g.origin,
                    g.words
                );
            }
        }
    }
    s
}

fn decision_name(d: &Decision) -> &'static str {
    match d {
        Decision::Answer(_) => "answer",
        Decision::Suggest(_) => "suggest",
        Decision::None => "none",
    }
}

/// One `medfaq match` line.
#[derive(serde::Serialize)]
struct MatchLine<'a> {
    query: &'a str,
    decision: &'static str,
    id: Option<&'a str>,
    score: f32,
    candidates: Vec<Candidate<'a>>,
    emergency: bool,
    /// `"emergency"`, `"crisis"` or null: which notice the reply carries.
    alert: Option<Alert>,
    /// The safety rule category that raised it.
    category: Option<String>,
    /// The matcher's decision features and probabilities (for refitting the decision
    /// model: `src/matcher/decision/fit.py`).
    #[serde(skip_serializing_if = "Option::is_none")]
    decision_trace: Option<&'a crate::matcher::decision::DecisionTrace>,
}

#[derive(serde::Serialize)]
struct Candidate<'a> {
    id: &'a str,
    score: f32,
}

fn round(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}

pub fn match_lines(faq: &Path, options: MatchOptions) -> anyhow::Result<ExitCode> {
    let k = knowledge(faq, options)?;
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in stdin.lock().lines() {
        let line = line.context("reading stdin")?;
        let a = k.ask(&line);
        let decision = &a.outcome.decision;
        let (id, score) = match decision {
            Decision::Answer(m) => (Some(m.id.as_str()), m.score),
            _ => (None, a.outcome.candidates.first().map_or(0.0, |m| m.score)),
        };
        let row = MatchLine {
            query: &line,
            decision: decision_name(decision),
            id,
            score: round(score),
            candidates: a
                .outcome
                .candidates
                .iter()
                .take(5)
                .map(|m| Candidate {
                    id: &m.id,
                    score: round(m.score),
                })
                .collect(),
            emergency: a.alert.is_some(),
            alert: a.alert,
            category: a.alert.and_then(|_| k.safety.assess(&line).category),
            decision_trace: a
                .outcome
                .candidates
                .first()
                .and_then(|m| m.explanation.decision.as_ref()),
        };
        serde_json::to_writer(&mut out, &row)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The labelled set used when none is given: `../shared/eval/dev.jsonl` when present,
/// else the copy in `tests/data/`.
pub fn default_eval_file() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/eval/dev.jsonl");
    if shared.is_file() {
        shared
    } else {
        root.join("tests/data/dev.jsonl")
    }
}

pub fn eval(
    file: Option<&Path>,
    faq: &Path,
    options: MatchOptions,
    verbose: bool,
) -> anyhow::Result<ExitCode> {
    let k = knowledge(faq, options)?;
    let path = file.map_or_else(default_eval_file, Path::to_path_buf);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let rows =
        crate::eval::parse_jsonl(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let (metrics, misses) = crate::eval::evaluate(&k, &rows);
    if verbose {
        for m in &misses {
            let cands: Vec<String> = m
                .candidates
                .iter()
                .map(|(id, s)| format!("{id} {s:.3}"))
                .collect();
            let category = m
                .category
                .as_ref()
                .map_or(String::new(), |c| format!(" [{c}]"));
            println!(
                "MISS{category} {:?}\n     expected {:?} emergency {}; got {} alerted {}; candidates {}",
                m.query,
                m.expected,
                m.emergency,
                m.decision,
                m.alerted,
                cands.join(", ")
            );
        }
    }
    println!("{} ({} rows)", path.display(), rows.len());
    print!("{}", metrics.render());
    print!("{}", metrics.render_safety());
    let below = metrics.below_floors();
    if below.is_empty() {
        println!("all floors met");
    } else {
        for b in &below {
            println!("below floor: {b}");
        }
    }
    if metrics.emergency_rows + metrics.crisis_rows > 0 {
        let below = metrics.below_safety_floors();
        if below.is_empty() {
            println!(
                "safety floors met (emergency and crisis recall >= 0.97, false alarms <= 0.02)"
            );
        }
        for b in &below {
            println!("below safety floor: {b}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
