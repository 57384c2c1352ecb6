//! Safety check latency (`cargo bench --bench safety`), against a named baseline measured
//! in the same run: the detector medfaq shipped before issue 10 — one whole-word regex
//! alternation per alert over the normalized message (`benches/data/safety_regex_baseline.toml`,
//! the old `faq/safety.toml`).
//!
//! Messages: every query of `tests/data/safety_tune.jsonl` and the phrasings file, cut or
//! padded (with the following messages) to about 300 characters, and the same joined into
//! messages of about 4,000 characters (Discord's longest). Each message is checked
//! `ROUNDS` times, round after round; a message's latency is the median of its rounds
//! (the project's convention, as in `medfaq bench`: on a shared machine a single call is
//! sometimes preempted for milliseconds, which says nothing about the code), and p50 /
//! p99 are taken over the messages, in microseconds. The p99 of all single calls is shown
//! too. Two rows break the detector down: the rules alone (no model) and the model alone
//! (which `check` runs when no rule fires). Targets (issue 10): p99 under 20 us at 300
//! characters, under 200 us at 4,000. The last line is one JSON object with every figure.
//!
//! For a profiler (`perf record`, `valgrind --tool=callgrind`):
//! `cargo bench --bench safety -- --profile-check CHARS [ROUNDS] [--no-list]` only runs
//! `Rules::check` over the messages of that size, `ROUNDS` times (default 200), prints no
//! table, then lists the slowest messages (each timed alone; not with `--no-list`).

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use medfaq::matcher::normalize::{truncate_chars, words};
use medfaq::safety::{Alert, Rules};
use regex::Regex;

const ROUNDS: usize = 30;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The pre-issue-10 detector: one alternation per alert over `words(...).join(" ")`.
struct RegexBaseline {
    crisis: Regex,
    emergency: Regex,
}

impl RegexBaseline {
    fn load() -> RegexBaseline {
        let text = std::fs::read_to_string(root().join("benches/data/safety_regex_baseline.toml"))
            .expect("baseline rules");
        let value: toml::Value = toml::from_str(&text).expect("baseline TOML");
        let section = |name: &str| {
            let patterns: Vec<String> = value[name]["patterns"]
                .as_array()
                .expect("patterns")
                .iter()
                .map(|p| format!("(?:{})", p.as_str().expect("pattern string")))
                .collect();
            Regex::new(&format!(r"\b(?:{})\b", patterns.join("|"))).expect("baseline regex")
        };
        RegexBaseline {
            crisis: section("crisis"),
            emergency: section("emergency"),
        }
    }

    fn check(&self, message: &str) -> Option<Alert> {
        let text = words(truncate_chars(message, 4000)).join(" ");
        if self.crisis.is_match(&text) {
            Some(Alert::Crisis)
        } else if self.emergency.is_match(&text) {
            Some(Alert::Emergency)
        } else {
            None
        }
    }
}

fn messages() -> Vec<String> {
    let mut out = Vec::new();
    let tune = std::fs::read_to_string(root().join("tests/data/safety_tune.jsonl")).unwrap();
    for line in tune.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        out.push(v["query"].as_str().unwrap().to_string());
    }
    let phr = std::fs::read_to_string(root().join("tests/data/safety_phrasings.txt")).unwrap();
    for line in phr.lines().filter(|l| !l.starts_with('#')) {
        if let Some((_, m)) = line.split_once('\t') {
            out.push(m.to_string());
        }
    }
    out
}

/// Messages of about `chars` characters: each message followed by the next ones until
/// long enough, then cut there.
fn sized(all: &[String], chars: usize, count: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            let mut m = String::new();
            let mut j = i;
            while m.chars().count() < chars {
                if !m.is_empty() {
                    m.push_str(". ");
                }
                m.push_str(&all[j % all.len()]);
                j += 1;
            }
            truncate_chars(&m, chars).to_string()
        })
        .collect()
}

/// Latencies (us) of `f` over `msgs`, `rounds` times each: (each message's median over
/// its rounds, every single call), both sorted.
fn time(msgs: &[String], rounds: usize, f: impl Fn(&str) -> Option<Alert>) -> (Vec<f64>, Vec<f64>) {
    let per_message = time_each(msgs, rounds, f);
    let mut calls: Vec<f64> = per_message.iter().flatten().copied().collect();
    let mut medians: Vec<f64> = per_message.into_iter().map(|t| pct(&t, 0.5)).collect();
    sort(&mut calls);
    sort(&mut medians);
    (medians, calls)
}

/// Every call's latency (us) of `f` over `msgs`, `rounds` times each, round after round:
/// one sorted list per message, in message order.
fn time_each(msgs: &[String], rounds: usize, f: impl Fn(&str) -> Option<Alert>) -> Vec<Vec<f64>> {
    for m in msgs.iter().take(20) {
        black_box(f(m)); // warm-up
    }
    let mut per_message = vec![Vec::with_capacity(rounds); msgs.len()];
    for _ in 0..rounds {
        for (m, t) in msgs.iter().zip(&mut per_message) {
            let start = Instant::now();
            black_box(f(black_box(m)));
            t.push(start.elapsed().as_secs_f64() * 1e6);
        }
    }
    for t in &mut per_message {
        sort(t);
    }
    per_message
}

fn sort(v: &mut [f64]) {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// `--profile-check CHARS [ROUNDS]`: (message size, rounds).
fn profile_args() -> Option<(usize, usize)> {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|a| a == "--profile-check")?;
    let number = |i: usize| args.get(i).and_then(|a| a.parse::<usize>().ok());
    let chars = number(at + 1).expect("--profile-check CHARS [ROUNDS]");
    Some((chars, number(at + 2).unwrap_or(200)))
}

/// `--tail CHARS`: where the p99 comes from. Each message's median latency in two
/// interleaved runs (all messages, round after round, as the table measures) and alone
/// (its rounds back to back, so its data stays in the cache); the slowest messages with
/// all three figures, and how far the two interleaved runs agree per message.
fn tail(rules: &Rules, msgs: &[String]) {
    let median = |each: Vec<Vec<f64>>| -> Vec<f64> { each.iter().map(|t| pct(t, 0.5)).collect() };
    let a = median(time_each(msgs, ROUNDS, |m| rules.check(m)));
    let b = median(time_each(msgs, ROUNDS, |m| rules.check(m)));
    let alone: Vec<f64> = msgs
        .iter()
        .map(|m| {
            pct(
                &time_each(std::slice::from_ref(m), ROUNDS, |m| rules.check(m))[0],
                0.5,
            )
        })
        .collect();
    let summary = |name: &str, v: &[f64]| {
        let mut s = v.to_vec();
        sort(&mut s);
        println!(
            "{name:28} p50 {:6.1}  p90 {:6.1}  p99 {:6.1}  max {:6.1} us",
            pct(&s, 0.5),
            pct(&s, 0.9),
            pct(&s, 0.99),
            pct(&s, 1.0)
        );
    };
    summary("interleaved run 1", &a);
    summary("interleaved run 2", &b);
    summary("each message alone", &alone);
    let n = a.len() as f64;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / n;
    let corr = |x: &[f64], y: &[f64]| {
        let (mx, my) = (mean(x), mean(y));
        let cov: f64 = x.iter().zip(y).map(|(p, q)| (p - mx) * (q - my)).sum();
        let vx: f64 = x.iter().map(|p| (p - mx).powi(2)).sum();
        let vy: f64 = y.iter().map(|q| (q - my).powi(2)).sum();
        cov / (vx * vy).sqrt()
    };
    println!(
        "per-message correlation: run 1 vs run 2 {:.2}, run 1 vs alone {:.2}",
        corr(&a, &b),
        corr(&a, &alone)
    );
    let mut order: Vec<usize> = (0..a.len()).collect();
    order.sort_by(|&i, &j| a[j].total_cmp(&a[i]));
    println!("slowest in run 1 (run 1 / run 2 / alone us, alert, message):");
    for &i in order.iter().take(10) {
        let alert = rules.check(&msgs[i]).map_or("none", Alert::as_str);
        println!(
            "{:6.1} {:6.1} {:6.1}  {alert:9}  {}",
            a[i],
            b[i],
            alone[i],
            truncate_chars(&msgs[i], 90)
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this once quickly too
    let quick = std::env::args().any(|a| a == "--test");
    let all = messages();
    let rules = Rules::bundled();
    if let Some(at) = std::env::args().position(|a| a == "--tail") {
        let chars: usize = std::env::args()
            .nth(at + 1)
            .and_then(|a| a.parse().ok())
            .unwrap_or(300);
        tail(
            &rules,
            &sized(&all, chars, if chars <= 300 { 400 } else { 100 }),
        );
        return;
    }
    if let Some((chars, rounds)) = profile_args() {
        let msgs = sized(&all, chars, if chars <= 300 { 400 } else { 100 });
        let alerts = (0..rounds)
            .flat_map(|_| &msgs)
            .filter(|m| rules.check(black_box(m)).is_some())
            .count();
        println!(
            "{chars} chars, {} messages x {rounds} rounds: {alerts} alerts",
            msgs.len()
        );
        if std::env::args().any(|a| a == "--no-list") {
            return; // the check alone, messages interleaved (for a cache simulator)
        }
        // the messages that make the p99: each one's median latency, slowest first
        let mut each: Vec<(f64, &String)> = msgs
            .iter()
            .map(|m| {
                let (t, _) = time(std::slice::from_ref(m), 15, |m| rules.check(m));
                (t[0], m)
            })
            .collect();
        each.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (us, m) in each.iter().take(8) {
            let alert = rules.check(m).map_or("none", Alert::as_str);
            println!("{us:8.1} us  {alert:9}  {}", truncate_chars(m, 100));
        }
        return;
    }
    let baseline = RegexBaseline::load();
    let mut json = serde_json::Map::new();
    let rounds = if quick { 3 } else { ROUNDS };
    println!(
        "| message size | detector | p50 (us) | p99 (us) | p50 vs baseline | p99 vs baseline \
         | p99 of single calls (us) | target p99 | |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    for (chars, count, target) in [(300usize, 400usize, 20.0f64), (4000, 100, 200.0)] {
        let msgs = sized(&all, chars, if quick { 5 } else { count });
        let (new, new_calls) = time(&msgs, rounds, |m| rules.check(m));
        let (old, old_calls) = time(&msgs, rounds, |m| baseline.check(m));
        let (n50, n99, o50, o99) = (
            pct(&new, 0.5),
            pct(&new, 0.99),
            pct(&old, 0.5),
            pct(&old, 0.99),
        );
        let (nc99, oc99) = (pct(&new_calls, 0.99), pct(&old_calls, 0.99));
        let met = if n99 < target { "met" } else { "**NOT met**" };
        println!(
            "| {chars} chars | concept rules (issue 10) | {n50:.1} | {n99:.1} | {:.2}x | {:.2}x \
             | {nc99:.1} | < {target:.0} | {met} |",
            n50 / o50,
            n99 / o99
        );
        println!(
            "| {chars} chars | regex alternation (baseline) | {o50:.1} | {o99:.1} | 1.00x | 1.00x \
             | {oc99:.1} | | |"
        );
        // the rules without the model: what check() costs before it reaches the model
        let rules_only = rules.clone().with_model(None);
        let (bare, bare_calls) = time(&msgs, rounds, |m| rules_only.check(m));
        let (r50, r99, rc99) = (pct(&bare, 0.5), pct(&bare, 0.99), pct(&bare_calls, 0.99));
        println!(
            "| {chars} chars | rules alone, no model (part of the above) | {r50:.1} | {r99:.1} \
             | {:.2}x | {:.2}x | {rc99:.1} | | |",
            r50 / o50,
            r99 / o99
        );
        // the safety model (faq/safety/model.tsv), which check() runs when no rule fires
        let model = rules.model().expect("the bundled rules carry the model");
        let (alone, alone_calls) = time(&msgs, rounds, |m| model.alert(m));
        let (m50, m99, mc99) = (pct(&alone, 0.5), pct(&alone, 0.99), pct(&alone_calls, 0.99));
        println!(
            "| {chars} chars | safety model alone (part of the above) | {m50:.1} | {m99:.1} \
             | {:.2}x | {:.2}x | {mc99:.1} | | |",
            m50 / o50,
            m99 / o99
        );
        for (k, v) in [
            ("rules_p50_us", r50),
            ("rules_p99_us", r99),
            ("model_p50_us", m50),
            ("model_p99_us", m99),
            ("p50_us", n50),
            ("p99_us", n99),
            ("calls_p99_us", nc99),
            ("baseline_p50_us", o50),
            ("baseline_p99_us", o99),
            ("baseline_calls_p99_us", oc99),
        ] {
            json.insert(
                format!("{chars}_{k}"),
                serde_json::json!((v * 100.0).round() / 100.0),
            );
        }
    }
    println!("{}", serde_json::Value::Object(json));
}
