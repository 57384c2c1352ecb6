#!/usr/bin/env python3
"""Equivalence check for changes to the matcher that must not change a result (speed
work): records every outcome on a large fixed set of messages, and compares two
recordings (same ranked candidates, same scores to float tolerance, same decisions).

    python3 benches/matcher_equivalence.py --out /tmp/before.txt            # record
    ... change the code ...
    python3 benches/matcher_equivalence.py --out /tmp/after.txt --compare /tmp/before.txt

    # or record with binaries built from an earlier commit:
    python3 benches/matcher_equivalence.py --out /tmp/before.txt \\
        --bin /path/to/old/matcher_dump --medfaq /path/to/old/medfaq

Message sets, each against its own index:
- the bundled `faq/`: every query of tests/data/*.jsonl (dev, probes, safety sets; the
  blind sets are left out), and 200 synthetic messages of 2,000-4,000 characters made of
  them;
- ../shared/data/medquad.jsonl (16k entries): its noisy queries, every 4th question, the
  2,000-character messages of `benches/run.sh` (benches/long_messages.py, 200), and 200
  synthetic messages of 2,000-4,000 characters made of the noisy queries and tests/data;
- ../shared/data/rqe_train/corpus.jsonl: the queries of rqe_train.

Each set goes through `target/release/examples/matcher_dump` (benches/tools/matcher_dump.rs,
built first unless --bin is given): the whole `Outcome` of `Index::search` (decision,
up to 5 ranked candidates with score and explanation, the decision trace). The bundled
FAQ's messages also go through `medfaq match` (what the CLI and the bot decide, safety
included). Numbers are compared with a tolerance (--tolerance, default 1e-5), everything
else exactly. Exit status 1 when --compare finds a difference.
"""

import argparse
import glob
import json
import os
import subprocess
import sys

from equivalence_io import build, jsonl

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared", "data")
sys.path.insert(0, os.path.join(ROOT, "benches"))



def synthetic(pool, count, seed):
    """Long messages made of `pool` (2,000-4,000 characters), deterministic."""
    seps = [". ", "? ", "\n", " ", "! ", ", "]
    out = []
    n = len(pool)
    for i in range(count):
        target = 2000 + ((i + seed) * 131) % 2001
        sep = seps[i % len(seps)]
        j = ((i + seed) * 7919) % n
        parts, size = [], 0
        while size < target:
            parts.append(pool[j % n])
            size += len(pool[j % n]) + len(sep)
            j += 1 + i % 13
        out.append(sep.join(parts)[:target])
    return out


def long_messages(path, count=200, chars=2000):
    """The messages benches/long_messages.py writes for benches/run.sh."""
    res = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benches", "long_messages.py"), "--queries", path,
         "--count", str(count), "--chars", str(chars)],
        capture_output=True, text=True, check=True,
    )
    return [json.loads(l)["query"] for l in res.stdout.splitlines() if l.strip()]


def sets():
    """(index argument, [(id, message)]) in a fixed order; missing shared files are skipped."""
    local = []
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "data", "*.jsonl"))):
        name = os.path.basename(path)
        if name.startswith("blind"):
            continue
        local += [(f"{name}:{k + 1}", m) for k, m in enumerate(jsonl(path, "query"))]
    pool = [m for _, m in local]
    faq_msgs = local + [(f"synthetic:{k + 1}", m) for k, m in enumerate(synthetic(pool, 200, 0))]
    out = [(["--faq", os.path.join(ROOT, "faq")], "faq", faq_msgs)]
    medquad = os.path.join(SHARED, "medquad.jsonl")
    noisy = os.path.join(SHARED, "medquad_noisy_queries.jsonl")
    if os.path.exists(medquad) and os.path.exists(noisy):
        nq = jsonl(noisy, "query")
        msgs = [(f"noisy:{k + 1}", m) for k, m in enumerate(nq)]
        msgs += [(f"question:{k + 1}", m) for k, m in enumerate(jsonl(medquad, "question")) if k % 4 == 0]
        msgs += [(f"long:{k + 1}", m) for k, m in enumerate(long_messages(noisy))]
        mix = nq + pool
        msgs += [(f"synthetic16k:{k + 1}", m) for k, m in enumerate(synthetic(mix, 200, 7))]
        msgs += [(f"local16k:{i}", m) for i, m in local]
        out.append((["--corpus", medquad], "medquad", msgs))
    else:
        print(f"note: {medquad} or {noisy} is missing, skipped", file=sys.stderr)
    rqe_c = os.path.join(SHARED, "rqe_train", "corpus.jsonl")
    rqe_q = os.path.join(SHARED, "rqe_train", "queries.jsonl")
    if os.path.exists(rqe_c) and os.path.exists(rqe_q):
        out.append((["--corpus", rqe_c], "rqe",
                    [(f"rqe:{k + 1}", m) for k, m in enumerate(jsonl(rqe_q, "query"))]))
    else:
        print(f"note: {rqe_c} is missing, skipped", file=sys.stderr)
    return out



def differences(a, b, tol, path=""):
    """Where two decoded JSON values differ (numbers within `tol` are equal)."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return [] if a == b else [f"{path}: {a!r} != {b!r}"]
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return [] if abs(a - b) <= tol * max(1.0, abs(a), abs(b)) else [f"{path}: {a!r} != {b!r}"]
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{path}: keys {sorted(a)} != {sorted(b)}"]
        return [d for k in a for d in differences(a[k], b[k], tol, f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, tol, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def summary(row):
    """Decision and ranked ids of one recorded row, for the report."""
    v = json.loads(row)
    if "candidates" in v and isinstance(v["candidates"], list) and v["candidates"] and "explanation" in v["candidates"][0]:
        d = v["decision"]
        kind = d if isinstance(d, str) else next(iter(d))
        return f"{kind} {[c['id'] for c in v['candidates']]} {[round(c['score'], 4) for c in v['candidates']]}"
    return row[:300]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="where to write the recording")
    ap.add_argument("--compare", help="an earlier recording: report every difference")
    ap.add_argument("--bin", help="matcher_dump binary to use (default: build this checkout's)")
    ap.add_argument("--medfaq", help="medfaq binary for `match` (default: target/release/medfaq)")
    ap.add_argument("--tolerance", type=float, default=1e-5, help="relative tolerance for numbers")
    args = ap.parse_args()

    dump = build("matcher_dump", args.bin)
    medfaq = args.medfaq or os.path.join(ROOT, "target", "release", "medfaq")
    lines = []
    for index_args, name, msgs in sets():
        stdin = "".join(json.dumps(m) + "\n" for _, m in msgs)
        res = subprocess.run([dump, *index_args], input=stdin, capture_output=True, text=True, check=True)
        rows = res.stdout.splitlines()
        assert len(rows) == len(msgs), f"{name}: {len(rows)} outcomes for {len(msgs)} messages"
        lines += [f"{name} {i}\t{r}" for (i, _), r in zip(msgs, rows)]
        decisions = {}
        for r in rows:
            d = json.loads(r)["decision"]
            kind = d if isinstance(d, str) else next(iter(d))
            decisions[kind] = decisions.get(kind, 0) + 1
        print(f"{name}: {len(msgs)} messages, decisions {decisions}", file=sys.stderr)
        if name == "faq":
            one_line = [" ".join(m.split()) for _, m in msgs]
            res = subprocess.run([medfaq, "match", "--faq", os.path.join(ROOT, "faq")],
                                 input="".join(m + "\n" for m in one_line),
                                 capture_output=True, text=True, check=True)
            rows = res.stdout.splitlines()
            assert len(rows) == len(msgs), f"match: {len(rows)} rows for {len(msgs)} messages"
            lines += [f"match {i}\t{r}" for (i, _), r in zip(msgs, rows)]

    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{len(lines)} outcomes -> {args.out}")

    if args.compare:
        with open(args.compare, encoding="utf-8") as f:
            before = f.read().splitlines()
        if len(before) != len(lines):
            print(f"DIFFERENT: {len(before)} lines before, {len(lines)} now")
            sys.exit(1)
        diffs, identical = [], 0
        for b, a in zip(before, lines):
            (bk, bv), (ak, av) = b.split("\t", 1), a.split("\t", 1)
            if bk != ak:
                diffs.append((bk, [f"message {bk} != {ak}"], bv, av))
                continue
            if bv == av:
                identical += 1
                continue
            d = differences(json.loads(bv), json.loads(av), args.tolerance)
            if d:
                diffs.append((bk, d, bv, av))
        for key, d, bv, av in diffs[:20]:
            print(f"{key}: {'; '.join(d[:5])}\n- {summary(bv)}\n+ {summary(av)}")
        if diffs:
            print(f"DIFFERENT: {len(diffs)} of {len(lines)} outcomes differ from {args.compare}")
            sys.exit(1)
        print(f"EQUIVALENT: all {len(lines)} outcomes equal {args.compare} "
              f"({identical} byte for byte, {len(lines) - identical} within {args.tolerance:g})")


if __name__ == "__main__":
    main()
