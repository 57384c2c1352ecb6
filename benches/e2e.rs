//! End-to-end benchmark (issue 5): the real bot (`medfaq::discord::run`) against the
//! loopback Discord stand-in (`tests/standin`), 1,000 member questions dispatched as
//! MESSAGE_CREATE as fast as the stand-in can send them; latency is measured from the
//! dispatch call to the arrival of the bot's reply (`POST /channels/{id}/messages` that
//! references the question) at the stand-in. Baseline in the same run: `Knowledge::ask`
//! in-process on the same messages, so the figure reads as Discord-path overhead versus
//! core matching. A second, paced phase (send one, wait for its reply, next) shows the
//! latency without queueing.
//!
//! Run: `cargo bench --bench e2e` (env `E2E_N` overrides the 1,000 burst messages,
//! `E2E_PACED` the 200 paced ones). Prints a table, then one JSON line last.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use discord_standin::{payload, StandIn, GUILD_ID};
use medfaq::config::{Config, Cooldowns, Token};
use medfaq::discord::trigger::reads_as_question;
use medfaq::knowledge::Knowledge;
use medfaq::matcher::Decision;
use serde_json::Value;

/// Question channels; messages are spread over them round-robin.
const CHANNELS: [u64; 4] = [
    900_000_000_000_000_001,
    900_000_000_000_000_002,
    900_000_000_000_000_003,
    900_000_000_000_000_004,
];
const WAIT: Duration = Duration::from_secs(120);
const WARMUP: usize = 20;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Dev-set questions with a non-empty `expected` that the bot answers in a question
/// channel without a mention (reads as a question and gets an answer or suggestions, or
/// carries the urgent notice). Returns (usable, rows with `expected` non-empty).
fn questions(knowledge: &Knowledge) -> (Vec<String>, usize) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dev.jsonl");
    let text = std::fs::read_to_string(&path).expect("tests/data/dev.jsonl");
    let mut in_scope = 0;
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let row: Value = serde_json::from_str(line).expect("a JSON row");
        let expected = row["expected"].as_array().map_or(0, Vec::len);
        if expected == 0 {
            continue;
        }
        in_scope += 1;
        let q = row["query"].as_str().expect("query").to_string();
        let a = knowledge.ask(&q);
        let speaks = match &a.outcome.decision {
            Decision::Answer(_) => true,
            Decision::Suggest(s) => !s.is_empty(),
            Decision::None => false,
        };
        if a.alert.is_some() || (reads_as_question(&q) && speaks) {
            out.push(q);
        }
    }
    (out, in_scope)
}

/// The question message id a recorded reply references, if it is a channel reply.
fn reply_target(r: &discord_standin::Recorded) -> Option<String> {
    if !r.is_channel_message() {
        return None;
    }
    let m = r.body.as_ref()?.pointer("/message_reference/message_id")?;
    m.as_str()
        .map(str::to_string)
        .or_else(|| m.as_u64().map(|n| n.to_string()))
}

/// Percentile (nearest rank) of sorted values.
fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(|a, b| a.total_cmp(b));
    v
}

struct Bot {
    standin: StandIn,
    next_user: u64,
}

impl Bot {
    /// Dispatches one question; returns (message id, dispatch time).
    fn say(&mut self, channel: u64, content: &str) -> (String, Instant) {
        let id = self.standin.next_id();
        self.next_user += 1;
        let author = payload::user(self.next_user, &format!("member{}", self.next_user), false);
        let msg = payload::message(id, channel, &author, content, &[]);
        let at = Instant::now();
        self.standin.send_message(msg);
        (id.to_string(), at)
    }

    /// Sends `content` and waits for its reply; returns the latency in ms.
    async fn ask_paced(&mut self, channel: u64, content: &str) -> f64 {
        let mark = self.standin.mark();
        let (id, sent) = self.say(channel, content);
        let rec = self
            .standin
            .wait_for_request_since(
                mark,
                move |r| reply_target(r).as_deref() == Some(id.as_str()),
                WAIT,
            )
            .await
            .unwrap_or_else(|e| panic!("no reply to {content:?}: {e}"));
        rec.at.saturating_duration_since(sent).as_secs_f64() * 1e3
    }
}

async fn run() {
    let n = env_usize("E2E_N", 1000);
    let n_paced = env_usize("E2E_PACED", 200);
    let faq_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("faq");

    let mut config = Config::default();
    let knowledge = Knowledge::load(&faq_dir, config.matcher.clone()).expect("bundled faq/");
    let (pool, in_scope) = questions(&knowledge);
    assert!(!pool.is_empty(), "no usable dev questions");
    let messages: Vec<&str> = (0..n).map(|i| pool[i % pool.len()].as_str()).collect();

    // Baseline: the core call the bot makes per message, in-process, same messages.
    for q in &pool {
        std::hint::black_box(knowledge.ask(q));
    }
    let ask_us = sorted(
        messages
            .iter()
            .map(|q| {
                let t = Instant::now();
                std::hint::black_box(knowledge.ask(q));
                t.elapsed().as_secs_f64() * 1e6
            })
            .collect(),
    );

    // The stand-in and the real bot: every question channel answered, no cooldowns.
    let standin = StandIn::start().await;
    config.discord.api_base = Some(standin.base_url());
    config.discord.guild_id = Some(GUILD_ID);
    config.discord.question_channels = CHANNELS.to_vec();
    config.discord.cooldowns = Cooldowns {
        per_user: Duration::ZERO,
        per_channel: Duration::ZERO,
        same_entry: Duration::ZERO,
    };
    config.faq.dir = faq_dir.clone();
    config.faq.watch = false;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let bot_task = tokio::spawn(medfaq::discord::run(
        config,
        Token::new("bench-token"),
        async move {
            let _ = rx.await;
        },
    ));
    standin
        .wait_ready(WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    standin
        .wait_for_request(|r| r.method == "PUT" && r.path.ends_with("/commands"), WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut bot = Bot {
        standin,
        next_user: 600_000_000_000_000_000,
    };

    // Warm-up (not counted): the HTTP connection, caches.
    for (i, q) in pool.iter().cycle().take(WARMUP).enumerate() {
        bot.ask_paced(CHANNELS[i % CHANNELS.len()], q).await;
    }

    // Burst: every MESSAGE_CREATE dispatched back to back.
    let mark = bot.standin.mark();
    let start = Instant::now();
    let mut sent: HashMap<String, Instant> = HashMap::with_capacity(n);
    for (i, q) in messages.iter().enumerate() {
        let (id, at) = bot.say(CHANNELS[i % CHANNELS.len()], q);
        sent.insert(id, at);
    }
    let dispatch_ms = start.elapsed().as_secs_f64() * 1e3;
    // Scans only calls not seen before: the check runs under the stand-in's lock.
    let (mut scanned, mut seen) = (mark, 0);
    let waited = bot
        .standin
        .wait_until(WAIT, "every burst question answered", |reqs, _| {
            for r in &reqs[scanned.min(reqs.len())..] {
                if reply_target(r).is_some_and(|id| sent.contains_key(&id)) {
                    seen += 1;
                }
            }
            scanned = reqs.len();
            (seen >= n).then_some(())
        })
        .await;
    let wall_ms = start.elapsed().as_secs_f64() * 1e3;
    if let Err(e) = &waited {
        eprintln!("burst incomplete: {}", e.0.lines().next().unwrap_or(""));
    }
    let mut replies: HashMap<String, Instant> = HashMap::new();
    let mut extra = 0;
    for r in bot.standin.recorded().iter().skip(mark) {
        if let Some(id) = reply_target(r).filter(|id| sent.contains_key(id)) {
            if replies.insert(id, r.at).is_some() {
                extra += 1;
            }
        }
    }
    let answered = replies.len();
    let burst_ms = sorted(
        replies
            .iter()
            .map(|(id, at)| at.saturating_duration_since(sent[id]).as_secs_f64() * 1e3)
            .collect(),
    );

    // Paced: one question at a time, no queue.
    let mut paced = Vec::with_capacity(n_paced);
    for (i, q) in messages.iter().cycle().take(n_paced).enumerate() {
        paced.push(bot.ask_paced(CHANNELS[i % CHANNELS.len()], q).await);
    }
    let paced_ms = sorted(paced);

    let _ = tx.send(());
    let stopped = tokio::time::timeout(WAIT, bot_task).await;
    let clean = matches!(stopped, Ok(Ok(Ok(()))));

    // Report.
    let (b50, b99, bmax) = (
        pct(&burst_ms, 50.0),
        pct(&burst_ms, 99.0),
        burst_ms.last().copied().unwrap_or(f64::NAN),
    );
    let (p50, p99, pmax) = (
        pct(&paced_ms, 50.0),
        pct(&paced_ms, 99.0),
        paced_ms.last().copied().unwrap_or(f64::NAN),
    );
    let (a50, a99) = (pct(&ask_us, 50.0), pct(&ask_us, 99.0));
    let target_met = answered == n && b99 < 20.0;
    println!(
        "medfaq end-to-end through the Discord stand-in ({} cores)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "questions: {} distinct dev-set rows ({} of {} in-scope rows answer without a mention), cycled; {} channels, cooldowns 0, {} warm-up not counted",
        pool.len(),
        pool.len(),
        in_scope,
        CHANNELS.len(),
        WARMUP
    );
    println!();
    println!("| figure | burst ({n} back to back) | paced ({n_paced}, one at a time) | Knowledge::ask in-process |");
    println!("| --- | ---: | ---: | ---: |");
    println!("| sent | {n} | {} | {n} |", paced_ms.len());
    println!("| answered | {answered} | {} | - |", paced_ms.len());
    println!("| p50 | {b50:.2} ms | {p50:.2} ms | {a50:.1} us |");
    println!("| p99 | {b99:.2} ms | {p99:.2} ms | {a99:.1} us |");
    println!(
        "| max | {bmax:.2} ms | {pmax:.2} ms | {:.1} us |",
        ask_us.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "| p50 vs ask p50 | {:.0}x | {:.0}x | 1x |",
        b50 * 1e3 / a50,
        p50 * 1e3 / a50
    );
    println!();
    println!(
        "burst: dispatch of {n} events took {dispatch_ms:.1} ms, last reply after {wall_ms:.1} ms ({:.0} answers/s); duplicate replies {extra}; clean shutdown {clean}",
        answered as f64 / (wall_ms / 1e3)
    );
    println!(
        "target (issue 5): {n} answered and burst p99 < 20 ms: {}",
        if target_met { "met" } else { "NOT met" }
    );
    let json = serde_json::json!({
        "sent": n,
        "answered": answered,
        "p50_ms": round(b50, 3),
        "p99_ms": round(b99, 3),
        "max_ms": round(bmax, 3),
        "wall_ms": round(wall_ms, 1),
        "dispatch_ms": round(dispatch_ms, 1),
        "paced_n": paced_ms.len(),
        "paced_p50_ms": round(p50, 3),
        "paced_p99_ms": round(p99, 3),
        "paced_max_ms": round(pmax, 3),
        "ask_p50_us": round(a50, 2),
        "ask_p99_us": round(a99, 2),
        "p50_vs_ask_p50": round(b50 * 1e3 / a50, 1),
        "paced_p50_vs_ask_p50": round(p50 * 1e3 / a50, 1),
        "target_p99_under_20ms_met": target_met,
        "clean_shutdown": clean,
    });
    println!("{json}");
    if answered != n {
        std::process::exit(1);
    }
}

fn round(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(run());
}
