#!/usr/bin/env python3
"""Fit the matcher's decision model (`model.tsv` beside this script).

Runs `medfaq match` on the labelled TUNING messages, reads the decision features the
matcher prints for each (`decision_trace`), and fits two logistic regressions (numpy,
L2-regularized, Newton steps on standardized features):

- confidence: "the best entry is a right answer" (1 when the top candidate's id is in
  `expected`, 0 otherwise: wrong entry, near miss, small talk, unrelated). Rows the
  hard guards already hold back (not related, near miss, off subject, too thin) are
  left out: the model never decides them.
- relatedness: "the message asks something the FAQ is about" (in-scope rows 1; small
  talk, unrelated and the dev set's out-of-scope rows 0; near misses left out: a
  suggestion is a fair reply to them).

Thresholds are chosen on out-of-fold probabilities (5 folds), so they are not tuned to
rows the model has seen: the confidence threshold maximizes right answers minus
--wrong-cost times wrong ones, with wrong answers within --max-wrong of all answers and
none on the dev set; the
relatedness threshold the lowest at which small talk and unrelated messages get a
suggestion at most --max-chatter of the time.

Only tuning data: files whose name holds "heldout" or "blind" are refused.

Usage (from the repository root, after `cargo build --release`):
    /work/h-matcher-venv/bin/python src/matcher/decision/fit.py
    cargo build --release   # the model is built into the binary
Options: --bin, --faq, --files, --max-wrong, --wrong-cost, --max-chatter, --l2, --dry-run.
"""

import argparse
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
MODEL = os.path.join(HERE, "model.tsv")
DEFAULT_FILES = [
    "tests/data/probe_tune.jsonl",
    "tests/data/probe_tune2.jsonl",
    "tests/data/probe_tune3.jsonl",
    "tests/data/dev.jsonl",
]
FOLDS = 5


def load_rows(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                if row["expected"] is None:
                    continue  # emergencies: the notice matters, not the entry
                row.setdefault("kind", "in-scope" if row["expected"] else "out-of-scope")
                row["file"] = os.path.basename(path)
                rows.append(row)
    return rows


def run_match(binary, faq, rows):
    text = "".join(" ".join(r["query"].split()) + "\n" for r in rows)
    proc = subprocess.run([binary, "match", "--faq", faq], input=text.encode(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        sys.exit(f"{binary} match failed: {proc.stderr.decode(errors='replace')}")
    out = [json.loads(l) for l in proc.stdout.decode().splitlines() if l.strip()]
    if len(out) != len(rows):
        sys.exit(f"{len(out)} decisions for {len(rows)} rows")
    return out


def feature_names():
    """The feature names, in the order of `NAMES` in decision.rs."""
    src = open(os.path.join(HERE, "..", "decision.rs"), encoding="utf-8").read()
    start = src.index("pub const NAMES")
    body = src[src.index("[", src.index("=", start)) + 1: src.index("];", start)]
    return [t.strip().strip('"') for t in body.split(",") if t.strip()]


def gated(f, trace):
    """Rows the hard guards hold back whatever the model says."""
    held = trace.get("held_back") or ""
    return (held.startswith("unrelated") or f["near_miss"] > 0 or f["off_subject"] > 0
            or (f["exact"] == 0 and f["substance"] < 1.0))


def fit_logistic(X, y, l2):
    """L2-regularized logistic regression by Newton steps on standardized columns;
    returns (bias, weights) on the original scale."""
    mean, std = X.mean(0), X.std(0)
    std[std < 1e-6] = 1.0
    Z = np.hstack([np.ones((len(X), 1)), (X - mean) / std])
    w = np.zeros(Z.shape[1])
    reg = np.full(Z.shape[1], l2)
    reg[0] = 0.0
    for _ in range(100):
        p = 1 / (1 + np.exp(-Z @ w))
        g = Z.T @ (p - y) + reg * w
        H = (Z * (p * (1 - p))[:, None]).T @ Z + np.diag(reg) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(H, g)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    weights = w[1:] / std
    bias = w[0] - (w[1:] * mean / std).sum()
    return bias, weights


def predict(bias, weights, X):
    return 1 / (1 + np.exp(-(X @ weights + bias)))


def out_of_fold(X, y, l2, seed=7):
    idx = np.random.default_rng(seed).permutation(len(X))
    p = np.zeros(len(X))
    for k in range(FOLDS):
        test = idx[k::FOLDS]
        train = np.setdiff1d(idx, test)
        b, w = fit_logistic(X[train], y[train], l2)
        p[test] = predict(b, w, X[test])
    return p


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/release/medfaq"))
    ap.add_argument("--faq", default=os.path.join(ROOT, "faq"))
    ap.add_argument("--files", nargs="*", default=[os.path.join(ROOT, f) for f in DEFAULT_FILES])
    ap.add_argument("--max-wrong", type=float, default=0.01,
                    help="wrong answers allowed, as a share of all answers (out of fold)")
    ap.add_argument("--wrong-cost", type=float, default=5.0,
                    help="a wrong answer costs this many right ones (worse than no answer)")
    ap.add_argument("--max-chatter", type=float, default=0.05,
                    help="small talk / unrelated messages that may get a suggestion")
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--dry-run", action="store_true", help="print, do not write model.tsv")
    args = ap.parse_args()

    names = feature_names()
    rows, traces = [], []
    for path in args.files:
        base = os.path.basename(path)
        if "heldout" in base or "blind" in base:
            sys.exit(f"{base}: held-out sets are for measuring only, never for fitting")
        r = load_rows(path)
        out = run_match(args.bin, args.faq, r)
        rows += r
        traces += out
    data = []
    for row, o in zip(rows, traces):
        t = o.get("decision_trace")
        if t is None or not o.get("candidates"):
            continue
        f = t["features"]
        top = o["candidates"][0]["id"]
        top3 = [c["id"] for c in o["candidates"][:3]]
        data.append({
            "x": [float(f[n]) for n in names],
            "gated": gated(f, t),
            "right": top in row["expected"],
            "in_scope": bool(row["expected"]),
            "hit3": any(c in row["expected"] for c in top3),
            "kind": row["kind"],
            "file": row["file"],
            "unrelated": (t.get("held_back") or "").startswith("unrelated"),
        })
    n_rows = len(rows)
    print(f"{n_rows} rows, {len(data)} with candidates")

    # confidence
    conf = [d for d in data if not d["gated"]]
    Xc = np.array([d["x"] for d in conf])
    yc = np.array([1.0 if d["right"] else 0.0 for d in conf])
    pc = out_of_fold(Xc, yc, args.l2)
    best, best_utility = 1.01, 0.0
    for t in sorted(set(np.round(pc, 4))):
        ans = pc >= t
        wrong = int((ans & (yc == 0)).sum())
        dev_wrong = sum(1 for d, a in zip(conf, ans) if a and not d["right"] and d["file"] == "dev.jsonl")
        n_ans = int(ans.sum())
        utility = int((ans & (yc == 1)).sum()) - args.wrong_cost * wrong
        if dev_wrong == 0 and wrong <= args.max_wrong * max(n_ans, 1) and utility > best_utility:
            best, best_utility = t, utility
    c_threshold = float(best)
    bc, wc = fit_logistic(Xc, yc, args.l2)
    ans = pc >= c_threshold
    right = int((ans & (yc == 1)).sum())
    print(f"confidence: {len(conf)} rows ({int(yc.sum())} right top), threshold {c_threshold:.3f}: "
          f"answers {int(ans.sum())}, right {right}, wrong {int((ans & (yc == 0)).sum())} (out of fold)")
    in_scope_n = sum(1 for r in rows if r["expected"])
    print(f"  in-scope answered right (out of fold): {right}/{in_scope_n} = {right / in_scope_n:.3f}")

    # relatedness
    rel = [d for d in data if not d["unrelated"] and d["kind"] != "near-miss"]
    Xr = np.array([d["x"] for d in rel])
    yr = np.array([1.0 if d["in_scope"] else 0.0 for d in rel])
    pr = out_of_fold(Xr, yr, args.l2)
    chatter_n = sum(1 for r in rows if r["kind"] in ("small-talk", "unrelated", "out-of-scope"))
    r_threshold = 1.01
    for t in sorted(set(np.round(pr, 4))):
        sugg = sum(1 for d, p in zip(rel, pr) if p >= t and not d["in_scope"])
        if sugg <= args.max_chatter * chatter_n:
            r_threshold = float(t)
            break
    br, wr = fit_logistic(Xr, yr, args.l2)
    kept = sum(1 for d, p in zip(rel, pr) if p >= r_threshold and d["in_scope"])
    print(f"relatedness: {len(rel)} rows, threshold {r_threshold:.3f}: in-scope kept {kept}/"
          f"{int(yr.sum())}, chatter suggested "
          f"{sum(1 for d, p in zip(rel, pr) if p >= r_threshold and not d['in_scope'])}/{chatter_n}"
          " (out of fold)")

    lines = [
        "# Decision model of the matcher (src/matcher/decision.rs): logistic regressions over",
        "# the best candidate's features. GENERATED by fit.py beside this file; do not edit by",
        "# hand. Refit after any scoring change: see README.md here.",
        f"# Fitted on: {', '.join(os.path.basename(f) for f in args.files)} ({n_rows} rows);",
        f"# thresholds from out-of-fold probabilities (wrong cost {args.wrong_cost}, max wrong"
        f" {args.max_wrong}, max chatter {args.max_chatter}, l2 {args.l2}).",
    ]
    for model, (b, w, t) in (("confidence", (bc, wc, c_threshold)), ("relatedness", (br, wr, r_threshold))):
        lines.append(f"{model}\tbias\t{b:.6g}")
        lines.append(f"{model}\tthreshold\t{min(t, 1.0):.6g}")
        for n, v in zip(names, w):
            lines.append(f"{model}\t{n}\t{v:.6g}")
    text = "\n".join(lines) + "\n"
    if args.dry_run:
        print(text)
    else:
        with open(MODEL, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {MODEL}; now `cargo build --release`")


if __name__ == "__main__":
    main()
