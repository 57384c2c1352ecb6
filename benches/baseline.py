#!/usr/bin/env python3
"""Baseline matcher for `medfaq bench`: the same corpus and queries through rapidfuzz.

Method `rf` (default): `rapidfuzz.process.extractOne(query, choices,
scorer=fuzz.token_set_ratio)` with `utils.default_process` applied to every corpus
question once, in advance (timed as build_ms), and to each query inside its timed call.
Method `bm25_words`: rank_bm25's BM25Okapi over the same processed words (one full
scoring pass per query, then argmax).

Prints a human summary, then as the LAST line one JSON object with the keys of
`medfaq bench`: entries, queries, build_ms, p50_us, p99_us, qps, acc_at_1, peak_rss_mb
(plus method, mean_us, threads). Latencies are single-threaded; qps runs the queries on
all cores with a fork()ed multiprocessing pool (one process per core).

Needs Python 3.11 and `pip install rapidfuzz rank_bm25 numpy`.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import resource
import sys
import time

from rapidfuzz import fuzz, process, utils

# Set in main() before the pool forks, so worker processes inherit them.
CHOICES: list[str] = []
BM25 = None
METHOD = "rf"


def load_jsonl(path: str) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                sys.exit(f"{path}:{n}: not JSON: {e}")
    return rows


def best(query: str) -> int:
    """Index of the top corpus question for one raw query."""
    q = utils.default_process(query)
    if METHOD == "rf":
        hit = process.extractOne(q, CHOICES, scorer=fuzz.token_set_ratio, processor=None)
        return -1 if hit is None else hit[2]
    scores = BM25.get_scores(q.split())
    return int(scores.argmax())


def run_chunk(queries: list[str]) -> int:
    for q in queries:
        best(q)
    return len(queries)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest rank, as in `medfaq bench`."""
    rank = math.ceil(q * len(sorted_values))
    return sorted_values[min(max(rank, 1), len(sorted_values)) - 1]


def main() -> None:
    global CHOICES, BM25, METHOD
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--method", choices=["rf", "bm25_words"], default="rf")
    ap.add_argument("--no-qps", action="store_true", help="skip the all-core pass")
    args = ap.parse_args()
    METHOD = args.method

    corpus = load_jsonl(args.corpus)
    queries = load_jsonl(args.queries)[: args.limit]
    ids = [r["id"] for r in corpus]
    expected = [set(q.get("expected_ids") or []) | ({q["expected_id"]} if q.get("expected_id") else set()) for q in queries]
    texts = [q["query"] for q in queries]

    t = time.perf_counter()
    CHOICES = [utils.default_process(r["question"]) for r in corpus]
    if METHOD == "bm25_words":
        from rank_bm25 import BM25Okapi

        BM25 = BM25Okapi([c.split() for c in CHOICES])
    build_ms = (time.perf_counter() - t) * 1e3

    for q in texts[:20]:  # warm-up
        best(q)

    lat_us, top1 = [], 0
    for q, exp in zip(texts, expected):
        t = time.perf_counter_ns()
        i = best(q)
        lat_us.append((time.perf_counter_ns() - t) / 1e3)
        top1 += i >= 0 and ids[i] in exp
    mean_us = sum(lat_us) / len(lat_us)
    lat_us.sort()
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    threads = os.cpu_count() or 1
    qps = float("nan")
    if not args.no_qps:
        chunk = math.ceil(len(texts) / threads)
        parts = [texts[i : i + chunk] for i in range(0, len(texts), chunk)]
        with mp.get_context("fork").Pool(threads) as pool:
            pool.map(run_chunk, [[texts[0]]] * threads)  # workers up
            t = time.perf_counter()
            done = sum(pool.map(run_chunk, parts, chunksize=1))
            qps = done / (time.perf_counter() - t)

    report = {
        "entries": len(corpus),
        "queries": len(texts),
        "build_ms": build_ms,
        "p50_us": percentile(lat_us, 0.50),
        "p99_us": percentile(lat_us, 0.99),
        "qps": qps,
        "acc_at_1": top1 / len(texts),
        "peak_rss_mb": peak_rss_mb,
        "method": METHOD,
        "mean_us": mean_us,
        "threads": threads,
    }
    name = {"rf": "rapidfuzz extractOne(token_set_ratio)", "bm25_words": "rank_bm25 BM25Okapi words"}[METHOD]
    print(f"baseline      {name}")
    print(f"entries       {report['entries']}")
    print(f"queries       {report['queries']}")
    print(f"build         {build_ms:.1f} ms")
    print(f"latency       p50 {report['p50_us']:.0f} us, p99 {report['p99_us']:.0f} us, mean {mean_us:.0f} us (1 thread)")
    print(f"throughput    {qps:.1f} queries/s ({threads} processes)")
    print(f"accuracy      acc@1 {report['acc_at_1']:.4f}")
    print(f"memory        peak RSS {peak_rss_mb:.1f} MB")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
