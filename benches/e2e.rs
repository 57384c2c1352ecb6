//! End-to-end benchmark (issue 5): the real bot (`medfaq::discord::run`) against the
//! loopback Discord stand-in (`tests/standin`). Member questions are dispatched as
//! MESSAGE_CREATE; latency is from the dispatch call to the arrival of the bot's reply
//! (`POST /channels/{id}/messages` referencing the question) at the stand-in.
//!
//! Phases, each run against two targets on fresh stand-ins in the same process:
//! - `echo`, the transport floor: a plain serenity client (same HTTP settings, same
//!   bound on sends in flight) that answers every message with a one-word reply, without
//!   poise, matching or rendering;
//! - `medfaq`, the real bot (cooldowns 0, four question channels).
//!
//! 1. burst: every question dispatched back to back, as fast as the stand-in can send;
//! 2. paced: one question at a time (send, wait for the reply, next): no queue;
//! 3. fixed rates stepped up (sent on a 1 ms timer), until p99 reaches 20 ms: the highest
//!    sustained rate that keeps p99 under 20 ms.
//!
//! Every phase also reports the process CPU time per message (getrusage; the bot, the
//! stand-in and this driver share the process), which a loaded machine does not inflate
//! the way it inflates wall time. In-process baseline: `Knowledge::ask` on the same
//! messages.
//!
//! Run: `cargo bench --bench e2e`. Env: `E2E_N` (burst size, 1000), `E2E_PACED` (200),
//! `E2E_RATES` (messages/s, comma separated), `E2E_STEP_MS` (length of a rate step,
//! 1000), `E2E_STANDIN_NAGLE=1` (stand-in without TCP_NODELAY, to reproduce the ~40 ms
//! delayed-ACK stall), `E2E_MARKS=1` (phase start/end times on stderr, for cutting a
//! profile). Prints a table, then one JSON line last.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use discord_standin::{payload, Options, StandIn, GUILD_ID};
use medfaq::config::{Config, Cooldowns, Token};
use medfaq::discord::trigger::reads_as_question;
use medfaq::discord::MAX_SENDS_IN_FLIGHT;
use medfaq::knowledge::Knowledge;
use medfaq::matcher::Decision;
use serde_json::{json, Value};
use serenity::all as sy;

/// Question channels; messages are spread over them round-robin.
const CHANNELS: [u64; 4] = [
    900_000_000_000_000_001,
    900_000_000_000_000_002,
    900_000_000_000_000_003,
    900_000_000_000_000_004,
];
const WAIT: Duration = Duration::from_secs(120);
const WARMUP: usize = 20;
/// The target's latency bound.
const TARGET_MS: f64 = 20.0;
const DEFAULT_RATES: &str = "250,500,1000,2000,3000,4000,5000,6000,8000";

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

/// CPU time (user + system) of this whole process so far, in ms.
fn process_cpu_ms() -> f64 {
    // SAFETY: getrusage fills the zeroed struct it is given; no other memory is touched.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
    ms(u.ru_utime) + ms(u.ru_stime)
}

/// With `E2E_MARKS=1`, prints `mark <what> <CLOCK_MONOTONIC seconds>` to stderr, so a
/// `perf record -k CLOCK_MONOTONIC` profile can be cut to one phase.
fn mark(what: &str) {
    if std::env::var("E2E_MARKS").is_ok_and(|v| v == "1") {
        // SAFETY: clock_gettime writes only the zeroed struct it is given.
        let mut t: libc::timespec = unsafe { std::mem::zeroed() };
        unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut t) };
        eprintln!("mark {what} {}.{:09}", t.tv_sec, t.tv_nsec);
    }
}

/// One phase's figures.
struct Phase {
    name: String,
    sent: usize,
    answered: usize,
    duplicates: usize,
    /// Latencies in ms, sorted.
    latency: Vec<f64>,
    /// From the first dispatch to the last reply (or the timeout).
    wall_ms: f64,
    /// Time taken to dispatch every message.
    dispatch_ms: f64,
    /// Process CPU time over the phase.
    cpu_ms: f64,
}

impl Phase {
    fn p(&self, q: f64) -> f64 {
        pct(&self.latency, q)
    }
    fn max(&self) -> f64 {
        self.latency.last().copied().unwrap_or(f64::NAN)
    }
    fn complete(&self) -> bool {
        self.answered == self.sent
    }
    fn within_target(&self) -> bool {
        self.complete() && self.p(99.0) < TARGET_MS
    }
    fn answers_per_s(&self) -> f64 {
        self.answered as f64 / (self.wall_ms / 1e3)
    }
    fn cpu_us_per_msg(&self) -> f64 {
        self.cpu_ms * 1e3 / self.sent.max(1) as f64
    }
    fn json(&self) -> Value {
        json!({
            "phase": self.name,
            "sent": self.sent,
            "answered": self.answered,
            "duplicates": self.duplicates,
            "p50_ms": round(self.p(50.0), 3),
            "p99_ms": round(self.p(99.0), 3),
            "max_ms": round(self.max(), 3),
            "wall_ms": round(self.wall_ms, 1),
            "dispatch_ms": round(self.dispatch_ms, 1),
            "answers_per_s": round(self.answers_per_s(), 0),
            "cpu_us_per_msg": round(self.cpu_us_per_msg(), 1),
        })
    }
}

/// Sends questions to one target through its stand-in and times the replies.
struct Driver {
    target: &'static str,
    standin: StandIn,
    next_user: u64,
    sent_total: usize,
}

impl Driver {
    fn new(target: &'static str, standin: StandIn) -> Driver {
        Driver {
            target,
            standin,
            next_user: 600_000_000_000_000_000,
            sent_total: 0,
        }
    }

    /// Dispatches one question from a fresh member; returns (message id, dispatch time).
    fn say(&mut self, content: &str) -> (String, Instant) {
        let channel = CHANNELS[self.sent_total % CHANNELS.len()];
        self.sent_total += 1;
        let id = self.standin.next_id();
        self.next_user += 1;
        let author = payload::user(self.next_user, &format!("member{}", self.next_user), false);
        let msg = payload::message(id, channel, &author, content, &[]);
        let at = Instant::now();
        self.standin.send_message(msg);
        (id.to_string(), at)
    }

    /// One question at a time: send, wait for its reply, next.
    async fn paced(&mut self, name: &str, messages: &[&str], n: usize) -> Phase {
        mark(&format!("{}-{name}-start", self.target));
        let cpu = process_cpu_ms();
        let start = Instant::now();
        let mut latency = Vec::with_capacity(n);
        for q in messages.iter().cycle().take(n) {
            let mark = self.standin.mark();
            let (id, sent) = self.say(q);
            let rec = self
                .standin
                .wait_for_request_since(
                    mark,
                    move |r| reply_target(r).as_deref() == Some(id.as_str()),
                    WAIT,
                )
                .await
                .unwrap_or_else(|e| panic!("no reply to {q:?}: {e}"));
            latency.push(rec.at.saturating_duration_since(sent).as_secs_f64() * 1e3);
        }
        let wall_ms = start.elapsed().as_secs_f64() * 1e3;
        mark(&format!("{}-{name}-end", self.target));
        Phase {
            name: name.to_string(),
            sent: n,
            answered: latency.len(),
            duplicates: 0,
            latency: sorted(latency),
            dispatch_ms: f64::NAN,
            wall_ms,
            cpu_ms: process_cpu_ms() - cpu,
        }
    }

    /// Sends `messages` back to back (`rate` None) or at `rate` per second, then waits
    /// until every one is answered (or [`WAIT`] passes).
    async fn stream(&mut self, name: &str, messages: &[&str], rate: Option<f64>) -> Phase {
        let n = messages.len();
        let mark_at = self.standin.mark();
        mark(&format!("{}-{name}-start", self.target));
        let cpu = process_cpu_ms();
        let start = Instant::now();
        let mut sent: HashMap<String, Instant> = HashMap::with_capacity(n);
        for (i, q) in messages.iter().enumerate() {
            if let Some(rate) = rate {
                let due = start + Duration::from_secs_f64(i as f64 / rate);
                if Instant::now() < due {
                    tokio::time::sleep_until(due.into()).await;
                }
            }
            let (id, at) = self.say(q);
            sent.insert(id, at);
        }
        let dispatch_ms = start.elapsed().as_secs_f64() * 1e3;
        // Polls every millisecond, scanning only calls not seen before: latency comes
        // from each call's arrival time, so polling costs no accuracy, and the driver
        // does not wake on every REST call the way `wait_until` would.
        let deadline = Instant::now() + WAIT;
        let (mut scanned, mut last) = (mark_at, start);
        let mut replies: HashMap<String, Instant> = HashMap::with_capacity(n);
        let mut duplicates = 0;
        loop {
            self.standin.with_recorded(|reqs| {
                for r in &reqs[scanned.min(reqs.len())..] {
                    if let Some(id) = reply_target(r).filter(|id| sent.contains_key(id)) {
                        last = last.max(r.at);
                        if replies.insert(id, r.at).is_some() {
                            duplicates += 1;
                        }
                    }
                }
                scanned = reqs.len();
            });
            if replies.len() >= n || Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let cpu_ms = process_cpu_ms() - cpu;
        mark(&format!("{}-{name}-end", self.target));
        // To the last reply's arrival (or the timeout), not to when the poll saw it.
        let wall_ms = if replies.len() >= n {
            last.saturating_duration_since(start).as_secs_f64() * 1e3
        } else {
            eprintln!(
                "{name}: incomplete: {} of {n} answered after {WAIT:?}",
                replies.len()
            );
            start.elapsed().as_secs_f64() * 1e3
        };
        let latency = replies
            .iter()
            .map(|(id, at)| at.saturating_duration_since(sent[id]).as_secs_f64() * 1e3)
            .collect();
        Phase {
            name: name.to_string(),
            sent: n,
            answered: replies.len(),
            duplicates,
            latency: sorted(latency),
            wall_ms,
            dispatch_ms,
            cpu_ms,
        }
    }
}

/// Every phase against one target.
struct Run {
    target: &'static str,
    phases: Vec<Phase>,
    /// Highest stepped rate with every message answered and p99 under the target.
    best_rate: Option<f64>,
    clean_shutdown: bool,
}

struct Plan<'a> {
    messages: &'a [&'a str],
    n_paced: usize,
    rates: Vec<f64>,
    step: Duration,
}

async fn run_phases(driver: &mut Driver, plan: &Plan<'_>) -> (Vec<Phase>, Option<f64>) {
    // Warm-up (not counted): HTTP connections, caches.
    driver.paced("warm-up", plan.messages, WARMUP).await;
    let mut phases = vec![
        driver.stream("burst", plan.messages, None).await,
        driver.paced("paced", plan.messages, plan.n_paced).await,
    ];
    let mut best = None;
    for &rate in &plan.rates {
        let n = ((rate * plan.step.as_secs_f64()) as usize).max(50);
        let messages: Vec<&str> = plan.messages.iter().copied().cycle().take(n).collect();
        let phase = driver
            .stream(&format!("{rate:.0}/s"), &messages, Some(rate))
            .await;
        let ok = phase.within_target();
        phases.push(phase);
        if !ok {
            break;
        }
        best = Some(rate);
    }
    (phases, best)
}

/// The transport floor: a plain serenity client answering every member message with
/// "ok", no poise, no matching, same HTTP settings and send bound as the bot.
struct Echo {
    slots: Arc<tokio::sync::Semaphore>,
}

#[serenity::async_trait]
impl sy::EventHandler for Echo {
    async fn message(&self, ctx: sy::Context, msg: sy::Message) {
        if msg.author.bot {
            return;
        }
        let out = sy::CreateMessage::new()
            .content("ok")
            .reference_message(&msg)
            .allowed_mentions(sy::CreateAllowedMentions::new().replied_user(false));
        let Ok(_slot) = self.slots.acquire().await else {
            return;
        };
        let _ = msg.channel_id.send_message(&ctx.http, out).await;
    }
}

async fn run_echo(options: Options, plan: &Plan<'_>) -> Run {
    let standin = StandIn::start_with(options).await;
    let http = sy::HttpBuilder::new("echo-token")
        .proxy(standin.base_url())
        .ratelimiter_disabled(true)
        .build();
    let intents = sy::GatewayIntents::GUILD_MESSAGES | sy::GatewayIntents::MESSAGE_CONTENT;
    let mut client = sy::ClientBuilder::new_with_http(http, intents)
        .event_handler(Echo {
            slots: Arc::new(tokio::sync::Semaphore::new(MAX_SENDS_IN_FLIGHT)),
        })
        .await
        .expect("echo client");
    let shards = client.shard_manager.clone();
    let task = tokio::spawn(async move { client.start().await });
    standin
        .wait_ready(WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut driver = Driver::new("echo", standin);
    let (phases, best_rate) = run_phases(&mut driver, plan).await;
    shards.shutdown_all().await;
    let clean_shutdown = matches!(tokio::time::timeout(WAIT, task).await, Ok(Ok(Ok(()))));
    Run {
        target: "echo",
        phases,
        best_rate,
        clean_shutdown,
    }
}

async fn run_bot(options: Options, faq_dir: &Path, plan: &Plan<'_>) -> Run {
    let standin = StandIn::start_with(options).await;
    let mut config = Config::default();
    config.discord.api_base = Some(standin.base_url());
    config.discord.guild_id = Some(GUILD_ID);
    config.discord.question_channels = CHANNELS.to_vec();
    config.discord.cooldowns = Cooldowns {
        per_user: Duration::ZERO,
        per_channel: Duration::ZERO,
        same_entry: Duration::ZERO,
    };
    config.faq.dir = faq_dir.to_path_buf();
    config.faq.watch = false;
    config.insights.enabled = false; // measures the reply path alone
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(medfaq::discord::run(
        config,
        Token::new("bench-token"),
        async move {
            let _ = rx.await;
        },
    ));
    standin
        .wait_connected(WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut driver = Driver::new("medfaq", standin);
    let (phases, best_rate) = run_phases(&mut driver, plan).await;
    let _ = tx.send(());
    let clean_shutdown = matches!(tokio::time::timeout(WAIT, task).await, Ok(Ok(Ok(()))));
    Run {
        target: "medfaq",
        phases,
        best_rate,
        clean_shutdown,
    }
}

async fn run() {
    let n = env_usize("E2E_N", 1000);
    let n_paced = env_usize("E2E_PACED", 200);
    let step = Duration::from_millis(env_usize("E2E_STEP_MS", 1000) as u64);
    let rates: Vec<f64> = std::env::var("E2E_RATES")
        .unwrap_or_else(|_| DEFAULT_RATES.to_string())
        .split(',')
        .filter_map(|r| r.trim().parse().ok())
        .collect();
    let nagle = std::env::var("E2E_STANDIN_NAGLE").is_ok_and(|v| v == "1");
    let options = Options {
        tcp_nodelay: !nagle,
        ..Default::default()
    };
    let faq_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("faq");

    let knowledge = Knowledge::load(&faq_dir, Config::default().matcher).expect("bundled faq/");
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
    drop(knowledge);

    let plan = Plan {
        messages: &messages,
        n_paced,
        rates,
        step,
    };
    let echo = run_echo(options.clone(), &plan).await;
    let bot = run_bot(options, &faq_dir, &plan).await;

    // Report.
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("medfaq end-to-end through the Discord stand-in ({cores} cores)");
    println!(
        "questions: {} distinct dev-set rows ({} of {} in-scope rows answer without a mention), cycled; {} channels, cooldowns 0, {} warm-up not counted; stand-in TCP_NODELAY {}; sends in flight <= {}",
        pool.len(),
        pool.len(),
        in_scope,
        CHANNELS.len(),
        WARMUP,
        if nagle { "off" } else { "on" },
        MAX_SENDS_IN_FLIGHT,
    );
    println!();
    println!(
        "| phase | target | sent | answered | p50 ms | p99 ms | max ms | answers/s | CPU us/msg |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    // Phase names in order; a target may have run more rate steps than the other.
    let longer = if echo.phases.len() > bot.phases.len() {
        &echo
    } else {
        &bot
    };
    let names: Vec<&str> = longer.phases.iter().map(|p| p.name.as_str()).collect();
    for name in &names {
        for r in [&echo, &bot] {
            if let Some(p) = r.phases.iter().find(|p| p.name == *name) {
                let label = if p.name == "burst" {
                    format!("burst {} back to back", p.sent)
                } else {
                    p.name.clone()
                };
                println!(
                    "| {label} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.0} | {:.0} |",
                    r.target,
                    p.sent,
                    p.answered,
                    p.p(50.0),
                    p.p(99.0),
                    p.max(),
                    p.answers_per_s(),
                    p.cpu_us_per_msg(),
                );
            }
        }
    }
    let (a50, a99) = (pct(&ask_us, 50.0), pct(&ask_us, 99.0));
    println!(
        "| in-process `Knowledge::ask` | - | {n} | - | {:.3} | {:.3} | {:.3} | - | - |",
        a50 / 1e3,
        a99 / 1e3,
        ask_us.last().copied().unwrap_or(f64::NAN) / 1e3
    );
    println!();

    let phase = |r: &Run, name: &str| {
        r.phases.iter().find(|p| p.name == name).map(|p| {
            (
                p.p(50.0),
                p.p(99.0),
                p.cpu_us_per_msg(),
                p.complete(),
                p.dispatch_ms,
            )
        })
    };
    let rate = |r: &Run| {
        r.best_rate
            .map_or("none".to_string(), |v| format!("{v:.0}/s"))
    };
    println!(
        "highest stepped rate with p99 < {TARGET_MS} ms: echo {}, medfaq {} (steps: {})",
        rate(&echo),
        rate(&bot),
        plan.rates
            .iter()
            .map(|r| format!("{r:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let bot_burst = phase(&bot, "burst");
    let echo_burst = phase(&echo, "burst");
    if let (Some(b), Some(e)) = (bot_burst, echo_burst) {
        println!(
            "burst: dispatched in {:.1} ms; CPU per message medfaq {:.0} us vs echo {:.0} us ({:.1}x); at that CPU cost {cores} cores answer at most {:.0}/s, while {n} answers inside {TARGET_MS} ms need {:.0}/s",
            b.4,
            b.2,
            e.2,
            b.2 / e.2,
            cores as f64 * 1e6 / b.2,
            n as f64 / (TARGET_MS / 1e3),
        );
    }
    let target_met = bot_burst.is_some_and(|b| b.3 && b.1 < TARGET_MS);
    println!(
        "target (issue 5): {n} answered and burst p99 < {TARGET_MS} ms: {}; clean shutdown echo {} medfaq {}",
        if target_met { "met" } else { "NOT met" },
        echo.clean_shutdown,
        bot.clean_shutdown,
    );
    let json = json!({
        "n": n,
        "stand_in_nodelay": !nagle,
        "sends_in_flight": MAX_SENDS_IN_FLIGHT,
        "ask_p50_us": round(a50, 2),
        "ask_p99_us": round(a99, 2),
        "echo": echo.phases.iter().map(Phase::json).collect::<Vec<_>>(),
        "medfaq": bot.phases.iter().map(Phase::json).collect::<Vec<_>>(),
        "echo_best_rate_per_s": echo.best_rate,
        "medfaq_best_rate_per_s": bot.best_rate,
        "target_burst_p99_under_20ms_met": target_met,
        "clean_shutdown": echo.clean_shutdown && bot.clean_shutdown,
    });
    println!("{json}");
    let all_answered = bot.phases.iter().all(Phase::complete);
    if !all_answered {
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
