#!/usr/bin/env python3
"""Equivalence check for changes to the safety detector that must not change a decision
(speed work): records every decision on a large fixed set of messages, and compares two
recordings.

    python3 benches/safety_equivalence.py --out /tmp/before.txt            # record
    ... change the code ...
    python3 benches/safety_equivalence.py --out /tmp/after.txt --compare /tmp/before.txt

Messages: every query of tests/data/*.jsonl (safety halves, blind sets, dev, probes), the
safety phrasings, the questions of ../shared/data/medquad.jsonl, its noisy queries, the
questions and queries of ../shared/data/rqe_train/, the phrases of the crisis lexicon, and
400 synthetic messages of 2,000-6,000 characters made of the others (joined by ". ",
", ", line breaks or nothing; some in capitals, some with curly apostrophes), so the
4,000-character cut, sentence and clause numbers and guards reaching far are exercised.

Each message goes through `target/release/examples/safety_dump` (benches/tools/safety_dump.rs,
built first unless --bin is given): the alert of `Rules::check` and everything
`Rules::assess` saw (category, every finding, the guard that kept it quiet, its words,
the typo corrections), which is what `ask --explain` prints for safety. A sample of
messages also goes through `medfaq ask --explain` (the whole explanation, as a member's
moderator sees it). Exit status 1 when --compare finds a difference.
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
EXPLAIN_SAMPLE = 60



def sources():
    """(name, [messages]) in a fixed order; missing shared files are skipped (said on stderr)."""
    out = []
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "data", "*.jsonl"))):
        out.append((os.path.basename(path), jsonl(path, "query")))
    phr = []
    with open(os.path.join(ROOT, "tests", "data", "safety_phrasings.txt"), encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#") and "\t" in line:
                phr.append(line.rstrip("\n").split("\t", 1)[1])
    out.append(("safety_phrasings.txt", phr))
    shared = [
        ("medquad.jsonl", "medquad.jsonl", "question"),
        ("medquad_noisy_queries.jsonl", "medquad_noisy_queries.jsonl", "query"),
        ("rqe_train/queries.jsonl", "rqe_train/queries.jsonl", "query"),
        ("rqe_train/corpus.jsonl", "rqe_train/corpus.jsonl", "question"),
    ]
    for name, rel, key in shared:
        path = os.path.join(SHARED, rel)
        if os.path.exists(path):
            out.append((name, jsonl(path, key)))
        else:
            print(f"note: {path} is missing, skipped", file=sys.stderr)
    lex = os.path.join(SHARED, "crisis", "suicide_risk_lexicon.jsonl")
    if os.path.exists(lex):
        phrases = []
        with open(lex, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    phrases.extend(json.loads(line).get("phrases", []))
        out.append(("crisis/suicide_risk_lexicon.jsonl", phrases))
    return out


def synthetic(pool, count=400):
    """Long messages made of `pool`, deterministic."""
    seps = [". ", ", ", "\n", " ", "! ", "\n\n", "; "]
    out = []
    n = len(pool)
    for i in range(count):
        target = 2000 + (i * 131) % 2001 if i % 20 else 4000 + (i * 97) % 2001
        sep = seps[i % len(seps)]
        j = (i * 7919) % n
        parts, size = [], 0
        while size < target:
            parts.append(pool[j % n])
            size += len(pool[j % n]) + len(sep)
            j += 1 + i % 13
        m = sep.join(parts)[:target]
        if i % 5 == 0:
            m = m.upper()
        if i % 7 == 0:
            m = m.replace("'", "\u2019")
        out.append(m)
    return out



def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="where to write the recording")
    ap.add_argument("--compare", help="an earlier recording: report every difference")
    ap.add_argument("--bin", help="safety_dump binary to use (default: build this checkout's)")
    ap.add_argument("--medfaq", help="medfaq binary for the --explain sample (default: target/release/medfaq)")
    ap.add_argument("--faq", default=os.path.join(ROOT, "faq"), help="FAQ folder (its safety/ rules are used)")
    args = ap.parse_args()

    dump = build("safety_dump", args.bin)
    medfaq = args.medfaq or os.path.join(ROOT, "target", "release", "medfaq")
    ids, msgs = [], []
    for name, ms in sources():
        for k, m in enumerate(ms):
            ids.append(f"{name}:{k + 1}")
            msgs.append(m)
    safety_pool = [m for i, m in zip(ids, msgs) if not i.startswith(("medquad", "rqe"))]
    pool = safety_pool + msgs[len(safety_pool) :: 40]
    for k, m in enumerate(synthetic(pool)):
        ids.append(f"synthetic:{k + 1}")
        msgs.append(m)

    stdin = "".join(json.dumps(m) + "\n" for m in msgs)
    res = subprocess.run(
        [dump, os.path.join(args.faq, "safety")],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = res.stdout.splitlines()
    assert len(rows) == len(msgs), f"{len(rows)} answers for {len(msgs)} messages"
    lines = [f"{i}\t{r}" for i, r in zip(ids, rows)]

    # `ask --explain` on a sample: every message with a finding is a candidate, spread evenly
    flagged = [k for k, r in enumerate(rows) if json.loads(r)["assess"]["findings"]]
    step = max(1, len(flagged) // EXPLAIN_SAMPLE)
    sample = flagged[::step][:EXPLAIN_SAMPLE] + list(range(0, len(msgs), len(msgs) // 20))
    for k in sample:
        r = subprocess.run(
            [medfaq, "ask", "--explain", "--faq", args.faq, msgs[k]],
            capture_output=True,
            text=True,
        )
        lines.append(f"explain {ids[k]}\t{json.dumps(r.stdout + r.stderr)}")

    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    alerts, split = {}, []
    for i, r in zip(ids, rows):
        v = json.loads(r)
        alerts[v["check"]] = alerts.get(v["check"], 0) + 1
        if v["check"] != v["assess"]["alert"]:
            split.append(i)
    print(f"{len(msgs)} messages, alerts {alerts}, {len(sample)} explained -> {args.out}")
    if split:
        print(f"check() and assess() disagree on {len(split)} messages: {split[:10]}")
        sys.exit(1)

    if args.compare:
        with open(args.compare, encoding="utf-8") as f:
            before = f.read().splitlines()
        diffs = [(b, a) for b, a in zip(before, lines) if b != a]
        if len(before) != len(lines):
            print(f"DIFFERENT: {len(before)} lines before, {len(lines)} now")
        for b, a in diffs[:20]:
            print(f"- {b[:400]}\n+ {a[:400]}")
        if diffs or len(before) != len(lines):
            print(f"DIFFERENT: {len(diffs)} of {len(lines)} lines differ from {args.compare}")
            sys.exit(1)
        print(f"IDENTICAL: all {len(lines)} lines equal {args.compare}")


if __name__ == "__main__":
    main()
