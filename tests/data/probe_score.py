#!/usr/bin/env python3
"""Score `medfaq match` on the matcher probe (probe_tune.jsonl / probe_heldout.jsonl).

Standard library only. Runs `medfaq match --faq FAQ` once per file, one query per line
(newlines in a query are replaced by spaces), and prints per half:

- in-scope: answered right / answered wrong / suggestion only with the right entry
  among the suggestions / suggestion only without it / none;
- near misses: answered, suggested;
- small talk + unrelated: given a suggestion, answered (and per kind);
- wrong answers over all answers (an answer is wrong when its id is not in `expected`,
  so any answer to a near miss, small talk or unrelated message is wrong).

Rows whose expected ids are all absent from the FAQ under test (e.g. ids the catalogue
has but the FAQ does not yet hold) are counted as usual, and also reported separately.

Usage:
  python3 tests/data/probe_score.py [--bin PATH] [--faq DIR] [--json] [FILE ...]
Defaults: --bin target/release/medfaq, --faq faq, both probe halves next to this script.
The held-out half is for measuring only: never tune on its messages.
"""

import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_FILES = [os.path.join(HERE, "probe_tune.jsonl"), os.path.join(HERE, "probe_heldout.jsonl")]
OUT_OF_SCOPE = ("near-miss", "small-talk", "unrelated")


def load(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit(f"{path}:{n}: not JSON: {e}")
            for key in ("query", "expected", "kind"):
                if key not in row:
                    sys.exit(f"{path}:{n}: missing field {key!r}")
            if row["kind"] not in ("in-scope",) + OUT_OF_SCOPE:
                sys.exit(f"{path}:{n}: unknown kind {row['kind']!r}")
            if (row["kind"] == "in-scope") != bool(row["expected"]):
                sys.exit(f"{path}:{n}: kind {row['kind']} with expected {row['expected']}")
            rows.append(row)
    return rows


def run_match(binary, faq, queries):
    text = "".join(" ".join(q.split()) + "\n" for q in queries)
    proc = subprocess.run(
        [binary, "match", "--faq", faq],
        input=text.encode("utf-8"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        check=False,
    )
    if proc.returncode != 0:
        sys.exit(f"{binary} match failed ({proc.returncode}): {proc.stderr.decode(errors='replace')}")
    out = [json.loads(l) for l in proc.stdout.decode("utf-8").splitlines() if l.strip()]
    if len(out) != len(queries):
        sys.exit(f"{binary} match printed {len(out)} decisions for {len(queries)} queries")
    return out


def faq_ids(binary, faq):
    """Ids the FAQ under test holds (from `medfaq list --json`), or None if unavailable."""
    proc = subprocess.run([binary, "list", "--faq", faq, "--json"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        return None
    try:
        data = json.loads(proc.stdout.decode("utf-8"))
    except json.JSONDecodeError:
        ids = set()
        for line in proc.stdout.decode("utf-8").splitlines():
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                return None
            if isinstance(item, dict) and "id" in item:
                ids.add(item["id"])
        return ids or None
    if isinstance(data, dict):
        data = data.get("entries", [])
    return {e["id"] for e in data if isinstance(e, dict) and "id" in e} or None


def suggestions(decision, max_suggestions):
    if isinstance(decision.get("suggestions"), list):
        items = decision["suggestions"]
    else:
        items = decision.get("candidates") or []
        items = items[:max_suggestions]
    return [s["id"] if isinstance(s, dict) else s for s in items]


def score(rows, decisions, max_suggestions, known_ids):
    r = {
        "in_scope": 0, "right": 0, "wrong": 0, "suggest_hit": 0, "suggest_miss": 0, "none": 0,
        "answers": 0, "wrong_answers": 0,
        "missing_ids_rows": 0, "missing_ids_right": 0,
        "kinds": {k: {"n": 0, "answered": 0, "suggested": 0} for k in OUT_OF_SCOPE},
        "wrong_examples": [],
    }
    for row, d in zip(rows, decisions):
        kind, expected = row["kind"], row["expected"]
        decision = d.get("decision")
        answered = decision == "answer"
        if answered:
            r["answers"] += 1
            if d.get("id") not in expected:
                r["wrong_answers"] += 1
                r["wrong_examples"].append((kind, expected, d.get("id"), row["query"]))
        if kind == "in-scope":
            r["in_scope"] += 1
            missing = known_ids is not None and not any(e in known_ids for e in expected)
            if missing:
                r["missing_ids_rows"] += 1
            if answered:
                right = d.get("id") in expected
                r["right" if right else "wrong"] += 1
                if right and missing:
                    r["missing_ids_right"] += 1
            elif decision == "suggest":
                hit = any(s in expected for s in suggestions(d, max_suggestions))
                r["suggest_hit" if hit else "suggest_miss"] += 1
            else:
                r["none"] += 1
        else:
            k = r["kinds"][kind]
            k["n"] += 1
            k["answered"] += answered
            k["suggested"] += decision == "suggest"
    return r


def pct(a, b):
    return f"{a:>3}/{b:<3} {100.0 * a / b:5.1f}%" if b else f"{a:>3}/{b:<3}   n/a"


def report(name, r):
    n = r["in_scope"]
    nm = r["kinds"]["near-miss"]
    st, un = r["kinds"]["small-talk"], r["kinds"]["unrelated"]
    oos_n = st["n"] + un["n"]
    lines = [
        f"== {name}",
        f"in-scope ({n})",
        f"  answered right          {pct(r['right'], n)}",
        f"  answered wrong          {pct(r['wrong'], n)}",
        f"  suggest, right in list  {pct(r['suggest_hit'], n)}",
        f"  suggest, right not in   {pct(r['suggest_miss'], n)}",
        f"  none                    {pct(r['none'], n)}",
    ]
    if r["missing_ids_rows"]:
        have = n - r["missing_ids_rows"]
        lines.append(f"  ({r['missing_ids_rows']} rows expect only ids the FAQ under test lacks; answered right"
                     f" on the other {have}: {pct(r['right'] - r['missing_ids_right'], have).strip()})")
    lines += [
        f"near-miss ({nm['n']})",
        f"  answered                {pct(nm['answered'], nm['n'])}",
        f"  suggested               {pct(nm['suggested'], nm['n'])}",
        f"small-talk + unrelated ({oos_n})",
        f"  given a suggestion      {pct(st['suggested'] + un['suggested'], oos_n)}",
        f"  answered                {pct(st['answered'] + un['answered'], oos_n)}",
        f"    small-talk  suggested {pct(st['suggested'], st['n'])}  answered {pct(st['answered'], st['n'])}",
        f"    unrelated   suggested {pct(un['suggested'], un['n'])}  answered {pct(un['answered'], un['n'])}",
        f"wrong answers / all answers {pct(r['wrong_answers'], r['answers'])}",
    ]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", default=DEFAULT_FILES)
    ap.add_argument("--bin", default="target/release/medfaq", help="medfaq binary")
    ap.add_argument("--faq", default="faq", help="FAQ folder passed to `medfaq match --faq`")
    ap.add_argument("--max-suggestions", type=int, default=3,
                    help="suggestions shown when the decision has only `candidates` (config max_suggestions)")
    ap.add_argument("--json", action="store_true", help="print figures as JSON")
    ap.add_argument("--show-wrong", action="store_true",
                    help="list wrong answers (use on the tune half only; never tune on the held-out half)")
    args = ap.parse_args()

    known = faq_ids(args.bin, args.faq)
    results = {}
    for path in args.files:
        rows = load(path)
        decisions = run_match(args.bin, args.faq, [row["query"] for row in rows])
        results[os.path.basename(path)] = score(rows, decisions, args.max_suggestions, known)

    if args.json:
        for r in results.values():
            r.pop("wrong_examples")
        print(json.dumps(results, indent=2))
        return
    for name, r in results.items():
        print(report(name, r))
        if args.show_wrong and re.search(r"heldout|^blind", name):
            print("    (wrong answers not listed: a held-out or blind set is measured by its totals only)")
        elif args.show_wrong:
            for kind, expected, got, query in r["wrong_examples"]:
                print(f"    WRONG [{kind}] expected {expected or '[]'} got {got}: {query[:120]}")
        print()


if __name__ == "__main__":
    main()
