//! `medfaq bench`: matcher speed, memory and accuracy on a large corpus.
//!
//! Loads a JSONL corpus (see [`crate::corpus`]) into the same `Faq`/`Index` the bot uses,
//! times the index build, runs every query once single-threaded (per-query latencies),
//! then all queries on all cores (throughput), and scores top-1 accuracy against each
//! query's `expected_ids`. The last line printed is one JSON object that
//! `benches/run.sh` compares with the rapidfuzz baseline (`benches/baseline.py`).

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::faq::Faq;
use crate::matcher::{Decision, Index, MatchOptions, Outcome};
use crate::safety::Rules;

/// Single-threaded passes over the queries; a query's latency is its median over them.
const LATENCY_PASSES: usize = 3;

/// One labelled query: the message and every entry id that counts as right.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub text: String,
    pub expected_ids: Vec<String>,
}

#[derive(serde::Deserialize)]
struct QueryRow {
    query: Option<String>,
    expected_ids: Option<Vec<String>>,
    expected_id: Option<String>,
    /// The field name of `tests/data/dev.jsonl`.
    expected: Option<Vec<String>>,
}

/// Parses a queries JSONL file (`query`, then `expected_ids` and/or `expected_id`, or
/// `expected` as in `dev.jsonl`), reporting every bad row with its line. An empty list
/// or `null` marks a query without an expected entry (must not answer, or an emergency):
/// it counts for latency, not for accuracy.
pub fn parse_queries(text: &str, origin: &str) -> anyhow::Result<Vec<Query>> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let line = i + 1;
        let value = serde_json::from_str::<serde_json::Value>(raw);
        // `expected: null` (dev.jsonl's emergency rows) is labelled "no expectation".
        let labelled = value.as_ref().is_ok_and(|v| {
            ["expected_ids", "expected_id", "expected"]
                .iter()
                .any(|k| v.get(k).is_some())
        });
        match value.and_then(serde_json::from_value::<QueryRow>) {
            Err(e) => problems.push(format!("{origin}:{line}: not a query row: {e}")),
            Ok(row) => {
                let mut expected_ids = row.expected_ids.unwrap_or_default();
                for id in row.expected.into_iter().flatten().chain(row.expected_id) {
                    if !expected_ids.contains(&id) {
                        expected_ids.push(id);
                    }
                }
                match row.query.filter(|q| !q.trim().is_empty()) {
                    None => problems.push(format!("{origin}:{line}: row has no `query`")),
                    Some(_) if !labelled => {
                        problems.push(format!("{origin}:{line}: row has no `expected_ids`"))
                    }
                    Some(text) => out.push(Query { text, expected_ids }),
                }
            }
        }
    }
    if !problems.is_empty() {
        anyhow::bail!(
            "the queries in {origin} have {} problem(s):\n  {}",
            problems.len(),
            problems.join("\n  ")
        );
    }
    Ok(out)
}

/// The figures of one run; `to_json` is the last line `medfaq bench` prints.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub entries: usize,
    pub queries: usize,
    pub build_ms: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    pub qps: f64,
    pub acc_at_1: f64,
    pub peak_rss_mb: f64,
    // extras, after the fixed keys
    /// p99 of the first pass alone (no median), preemptions included.
    pub p99_single_pass_us: f64,
    /// p50 and p99 of one more pass timed in thread CPU time (preemption excluded).
    pub p50_cpu_us: f64,
    pub p99_cpu_us: f64,
    pub mean_us: f64,
    pub max_us: f64,
    /// `/proc/loadavg` (1 min) before the run and after it: above the core count, other
    /// processes competed for the CPU and the timings are pessimistic.
    pub loadavg_before: f64,
    pub loadavg_after: f64,
    pub mrr_at_5: f64,
    /// Share of queries the bot would answer outright (`Decision::Answer`).
    pub answered: f64,
    /// Of the answered queries, the share answered with an expected id.
    pub acc_at_1_answered: f64,
    pub threads: usize,
    /// Queries with expected ids: the denominator of the accuracy figures.
    pub labelled: usize,
    pub load_ms: f64,
    pub rss_after_build_mb: f64,
}

/// Nearest-rank percentile of sorted values (`q` in 0..=1).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A `/proc/self/status` field in MB (`VmHWM` = peak resident set, `VmRSS` = current).
fn proc_status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// CPU time of the calling thread in microseconds (NaN where unsupported).
fn thread_cpu_us() -> f64 {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0 {
            return ts.tv_sec as f64 * 1e6 + ts.tv_nsec as f64 / 1e3;
        }
    }
    f64::NAN
}

/// The 1-minute load average.
fn loadavg() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

/// Safety rules for the corpus: the bundled FAQ's `safety.toml`, compiled in.
fn safety_rules() -> anyhow::Result<Rules> {
    Ok(Rules::bundled())
}

/// The `show` slowest queries and the misses collected, with the questions involved.
fn print_details(
    faq: &Faq,
    qs: &[Query],
    lat_us: &[f64],
    misses: &[(&Query, Option<usize>)],
    show: usize,
) {
    let question = |id: &str| {
        faq.entry(id)
            .map_or("?", |e| e.question.as_str())
            .to_string()
    };
    let cut = |s: &str| s.chars().take(70).collect::<String>();
    let mut order: Vec<usize> = (0..qs.len()).collect();
    order.sort_by(|&a, &b| lat_us[b].total_cmp(&lat_us[a]));
    println!("slowest queries:");
    for &i in order.iter().take(show) {
        println!(
            "  {:8.1} us  {:?} ({} chars)",
            lat_us[i],
            cut(&qs[i].text),
            qs[i].text.chars().count()
        );
    }
    println!("misses (query -> got | expected):");
    for (q, got) in misses {
        let got = got.map_or("(no candidate)".to_string(), |e| {
            format!("{} {:?}", faq.entries[e].id, cut(&faq.entries[e].question))
        });
        println!(
            "  {:?}\n      got      {got}\n      expected {} {:?}",
            q.text,
            q.expected_ids[0],
            cut(&question(&q.expected_ids[0]))
        );
    }
}

fn hit(outcome: &Outcome, expected: &[String]) -> Option<usize> {
    outcome
        .candidates
        .iter()
        .take(5)
        .position(|m| expected.contains(&m.id))
}

/// `medfaq bench --corpus FILE`: a JSONL corpus matched with the bundled safety rules.
pub fn bench(
    corpus: &Path,
    queries: &Path,
    limit: Option<usize>,
    show: usize,
) -> anyhow::Result<ExitCode> {
    let t = Instant::now();
    let faq = crate::corpus::load(corpus)?.into_faq(safety_rules()?);
    let qs = read_queries(queries, limit)?;
    run(&faq, &corpus.display().to_string(), &qs, t.elapsed(), show)
}

/// `medfaq bench --faq DIR`: a FAQ folder, e.g. the bundled 45 entries.
pub fn bench_faq(
    dir: &Path,
    queries: &Path,
    limit: Option<usize>,
    show: usize,
) -> anyhow::Result<ExitCode> {
    let t = Instant::now();
    let faq = crate::faq::load(dir)?;
    let qs = read_queries(queries, limit)?;
    run(&faq, &dir.display().to_string(), &qs, t.elapsed(), show)
}

fn read_queries(path: &Path, limit: Option<usize>) -> anyhow::Result<Vec<Query>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read queries {}", path.display()))?;
    let mut qs = parse_queries(&text, &path.display().to_string())?;
    if let Some(n) = limit {
        qs.truncate(n);
    }
    anyhow::ensure!(!qs.is_empty(), "no queries to run in {}", path.display());
    Ok(qs)
}

fn run(
    faq: &Faq,
    name: &str,
    qs: &[Query],
    load: Duration,
    show: usize,
) -> anyhow::Result<ExitCode> {
    let load_ms = load.as_secs_f64() * 1e3;
    let loadavg_before = loadavg();

    let t = Instant::now();
    let index = Index::build(faq, MatchOptions::default());
    let build_ms = t.elapsed().as_secs_f64() * 1e3;
    let rss_after_build_mb = proc_status_mb("VmRSS");
    eprintln!(
        "{name}: {} entries loaded in {load_ms:.0} ms, index built in {build_ms:.0} ms",
        faq.entries.len()
    );

    // Warm-up: caches, allocator, branch predictors.
    for q in qs.iter().take(200) {
        std::hint::black_box(index.search(&q.text));
    }

    // Single-threaded latency and accuracy.
    let mut lat_us = Vec::with_capacity(qs.len());
    let (mut top1, mut rr, mut answered, mut answered_right) = (0usize, 0.0f64, 0usize, 0usize);
    let mut labelled = 0usize;
    let mut misses = Vec::new();
    for q in qs {
        let t = Instant::now();
        let outcome = index.search(&q.text);
        lat_us.push(t.elapsed().as_secs_f64() * 1e6);
        if q.expected_ids.is_empty() {
            continue;
        }
        labelled += 1;
        let rank = hit(&outcome, &q.expected_ids);
        if rank != Some(0) && misses.len() < show {
            misses.push((q, outcome.candidates.first().map(|m| m.entry)));
        }
        if rank == Some(0) {
            top1 += 1;
        }
        if let Some(r) = rank {
            rr += 1.0 / (r as f64 + 1.0);
        }
        if let Decision::Answer(m) = &outcome.decision {
            answered += 1;
            if q.expected_ids.contains(&m.id) {
                answered_right += 1;
            }
        }
    }
    // The first pass's raw latencies, then each query's median over `LATENCY_PASSES`
    // passes: a query preempted once by another process on a busy machine does not set p99.
    let mut single_us = lat_us.clone();
    single_us.sort_by(f64::total_cmp);
    let mut passes = vec![lat_us];
    for _ in 1..LATENCY_PASSES {
        passes.push(
            qs.iter()
                .map(|q| {
                    let t = Instant::now();
                    std::hint::black_box(index.search(&q.text));
                    t.elapsed().as_secs_f64() * 1e6
                })
                .collect(),
        );
    }
    let mut lat_us: Vec<f64> = (0..qs.len())
        .map(|i| {
            let mut v: Vec<f64> = passes.iter().map(|p| p[i]).collect();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        })
        .collect();
    let mean_us = lat_us.iter().sum::<f64>() / lat_us.len() as f64;
    // One more pass timed in this thread's CPU time: what a query costs when nothing else
    // competes for the core (wall time above includes being preempted).
    let mut cpu_us: Vec<f64> = qs
        .iter()
        .map(|q| {
            let t = thread_cpu_us();
            std::hint::black_box(index.search(&q.text));
            thread_cpu_us() - t
        })
        .collect();
    cpu_us.sort_by(f64::total_cmp);
    if show > 0 {
        print_details(faq, qs, &lat_us, &misses, show);
    }
    lat_us.sort_by(f64::total_cmp);

    // Throughput on all cores: whole passes over the queries until at least a second.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = qs.len().div_ceil(threads);
    let (mut done, t) = (0usize, Instant::now());
    while done == 0 || t.elapsed() < Duration::from_secs(1) {
        std::thread::scope(|s| {
            for part in qs.chunks(chunk) {
                let index = &index;
                s.spawn(move || {
                    for q in part {
                        std::hint::black_box(index.search(&q.text));
                    }
                });
            }
        });
        done += qs.len();
    }
    let qps = done as f64 / t.elapsed().as_secs_f64();

    let n = labelled.max(1) as f64;
    let report = Report {
        entries: faq.entries.len(),
        queries: qs.len(),
        build_ms,
        p50_us: percentile(&lat_us, 0.50),
        p99_us: percentile(&lat_us, 0.99),
        qps,
        acc_at_1: top1 as f64 / n,
        peak_rss_mb: proc_status_mb("VmHWM"),
        p99_single_pass_us: percentile(&single_us, 0.99),
        p50_cpu_us: percentile(&cpu_us, 0.50),
        p99_cpu_us: percentile(&cpu_us, 0.99),
        mean_us,
        loadavg_before,
        loadavg_after: loadavg(),
        max_us: *lat_us.last().expect("queries is not empty"),
        mrr_at_5: rr / n,
        answered: answered as f64 / n,
        acc_at_1_answered: if answered == 0 {
            0.0
        } else {
            answered_right as f64 / answered as f64
        },
        threads,
        labelled,
        load_ms,
        rss_after_build_mb,
    };
    println!("entries       {}", report.entries);
    println!("queries       {}", report.queries);
    println!("index build   {:.1} ms", report.build_ms);
    println!(
        "latency       p50 {:.1} us, p99 {:.1} us, mean {:.1} us, max {:.1} us \
         (1 thread, median of {LATENCY_PASSES} passes per query; first pass alone: p99 {:.1} us)",
        report.p50_us, report.p99_us, report.mean_us, report.max_us, report.p99_single_pass_us
    );
    println!(
        "cpu time      p50 {:.1} us, p99 {:.1} us (thread CPU time, one more pass: no preemption)",
        report.p50_cpu_us, report.p99_cpu_us
    );
    println!(
        "throughput    {:.0} queries/s ({} threads)",
        report.qps, report.threads
    );
    println!(
        "accuracy      acc@1 {:.4}, mrr@5 {:.4} over {} labelled queries (hit = any expected id)",
        report.acc_at_1, report.mrr_at_5, report.labelled
    );
    println!(
        "decisions     answered {:.1}% of labelled queries, {:.4} of those right",
        report.answered * 100.0,
        report.acc_at_1_answered
    );
    println!(
        "memory        peak RSS {:.1} MB (after build {:.1} MB)",
        report.peak_rss_mb, report.rss_after_build_mb
    );
    println!(
        "machine       load average {:.2} before, {:.2} after ({} cores)",
        report.loadavg_before, report.loadavg_after, report.threads
    );
    println!("{}", serde_json::to_string(&report)?);
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_is_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 50.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
        assert_eq!(percentile(&v, 1.0), 100.0);
        assert_eq!(percentile(&[7.0], 0.99), 7.0);
        assert!(percentile(&[], 0.5).is_nan());
    }

    #[test]
    fn queries_merge_expected_id_and_report_bad_rows() {
        let qs = parse_queries(
            "{\"query\":\"gout\",\"expected_id\":\"a\",\"expected_ids\":[\"a\",\"b\"]}\n\
             {\"query\":\"x\",\"expected_id\":\"c\"}\n",
            "q.jsonl",
        )
        .unwrap();
        assert_eq!(qs[0].expected_ids, ["a", "b"]);
        assert_eq!(qs[1].expected_ids, ["c"]);

        let err = parse_queries(
            "{\"query\":\"x\"}\n\n{\"expected_ids\":[\"a\"]}\n{",
            "q.jsonl",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("q.jsonl:1: row has no `expected_ids`"),
            "{err}"
        );
        assert!(err.contains("q.jsonl:3: row has no `query`"), "{err}");
        assert!(err.contains("q.jsonl:4: not a query row"), "{err}");

        // dev.jsonl rows: `expected`, possibly empty (must not answer).
        let qs = parse_queries(
            "{\"query\":\"a\",\"expected\":[\"x\"],\"emergency\":false}\n{\"query\":\"b\",\"expected\":[]}\n{\"query\":\"c\",\"expected\":null}",
            "dev.jsonl",
        )
        .unwrap();
        assert_eq!(qs[0].expected_ids, ["x"]);
        assert!(qs[1].expected_ids.is_empty());
        assert!(qs[2].expected_ids.is_empty());
    }

    #[test]
    fn thread_cpu_time_advances_with_work() {
        let t = thread_cpu_us();
        let mut x = 0u64;
        for i in 0..5_000_000u64 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
        }
        let spent = thread_cpu_us() - t;
        assert!(
            spent > 0.0 && spent < 10_000_000.0,
            "spent {spent} us (x = {x})"
        );
    }

    #[test]
    fn peak_rss_is_read_from_proc() {
        let mb = proc_status_mb("VmHWM");
        assert!(mb > 0.5 && mb < 100_000.0, "VmHWM {mb} MB");
    }
}
