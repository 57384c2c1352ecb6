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
Options: --bin, --faq, --files, --max-wrong, --margin, --dev-in-sample, --wrong-cost,
--max-chatter, --l2, --rel-l2, --pairs, --drop, --repeats, --dry-run, --out, --curve.
"""

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
MODEL = os.path.join(HERE, "model.tsv")
DEFAULT_FILES = [
    "tests/data/probe_tune.jsonl",
    "tests/data/probe_tune2.jsonl",
    "tests/data/probe_tune3.jsonl",
    "tests/data/probe_tune4.jsonl",
    "tests/data/probe_tune5.jsonl",
    "tests/data/dev.jsonl",
]
FOLDS = 5
# The confidence model also weighs the products of these features, each pair and each
# one squared (`a*b` in model.tsv): out of fold on the tuning sets they let it trust a
# small lead at a high score or a low coverage when the entry's question is held whole
# (right answers at <= 1 % wrong: 613 -> 646 of 738, mean of 8 fold seeds).
PAIRS = "score,lead,ratio,coverage,entry_coverage,surface,elsewhere_share,unknown_share"


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


def fit_logistic(X, y, l2, sw=None):
    """L2-regularized logistic regression by Newton steps on standardized columns, rows
    weighted by `sw` (default 1); returns (bias, weights) on the original scale."""
    sw = np.ones(len(X)) if sw is None else sw
    mean, std = X.mean(0), X.std(0)
    std[std < 1e-6] = 1.0
    Z = np.hstack([np.ones((len(X), 1)), (X - mean) / std])
    w = np.zeros(Z.shape[1])
    reg = np.full(Z.shape[1], l2)
    reg[0] = 0.0
    for _ in range(100):
        p = 1 / (1 + np.exp(-Z @ w))
        g = Z.T @ (sw * (p - y)) + reg * w
        H = (Z * (sw * p * (1 - p))[:, None]).T @ Z + np.diag(reg) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(H, g)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    weights = w[1:] / std
    bias = w[0] - (w[1:] * mean / std).sum()
    return bias, weights


def with_pairs(X, names, pairs):
    """X with a column per product of two `pairs` features (squares included), and the
    columns' names (`a*b`)."""
    idx = [names.index(p) for p in pairs]
    cols, out_names = [X], list(names)
    for i, a in enumerate(idx):
        for b in idx[i:]:
            cols.append((X[:, a] * X[:, b])[:, None])
            out_names.append(f"{names[a]}*{names[b]}")
    return np.hstack(cols), out_names


def predict(bias, weights, X):
    return 1 / (1 + np.exp(-(X @ weights + bias)))


def repeated_out_of_fold(X, y, l2, repeats, extra=None):
    """Out-of-fold probabilities from `repeats` different fold splits, one row each:
    a threshold chosen on all of them depends less on one split's luck."""
    return np.array([out_of_fold(X, y, l2, seed=7 + r, extra=extra) for r in range(repeats)])


def out_of_fold(X, y, l2, seed=7, extra=None):
    """Out-of-fold probabilities of the rows of X. `extra` = (queries of X's rows, Xe,
    ye, weights of Xe's rows, queries of Xe's rows): more training rows, never those
    made from a message of the fold being predicted."""
    idx = np.random.default_rng(seed).permutation(len(X))
    p = np.zeros(len(X))
    for k in range(FOLDS):
        test = idx[k::FOLDS]
        train = np.setdiff1d(idx, test)
        Xt, yt, sw = X[train], y[train], np.ones(len(train))
        if extra is not None:
            queries, Xe, ye, we, qe = extra
            keep = ~np.isin(qe, queries[test])
            Xt, yt = np.vstack([Xt, Xe[keep]]), np.concatenate([yt, ye[keep]])
            sw = np.concatenate([sw, we[keep]])
        b, w = fit_logistic(Xt, yt, l2, sw)
        p[test] = predict(b, w, X[test])
    return p


def left_out_rows(binary, faq, rows):
    """Wrong-first examples made from the in-scope tuning messages: each message matched
    against the FAQ without its right entries (a copy of the folder), so the best entry
    is wrong by construction. This is how a confident wrong answer arises on fresh
    messages (an in-domain question the FAQ does not hold, close entries around it), and
    the tuning sets hold only a few dozen of them. Returns (row, decision) pairs."""
    groups = collections.defaultdict(list)
    for r in rows:
        if r["expected"]:
            groups[tuple(sorted(r["expected"]))].append(r)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "faq")
        for expected, rs in sorted(groups.items()):
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(faq, copy)
            for e in expected:
                path = os.path.join(copy, "entries", e + ".md")
                if os.path.exists(path):
                    os.remove(path)
            out += zip(rs, run_match(binary, copy, rs))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/release/medfaq"))
    ap.add_argument("--faq", default=os.path.join(ROOT, "faq"))
    ap.add_argument("--files", nargs="*", default=[os.path.join(ROOT, f) for f in DEFAULT_FILES])
    ap.add_argument("--max-wrong", type=float, default=0.01,
                    help="wrong answers allowed, as a share of all answers (out of fold)")
    ap.add_argument("--margin", type=float, default=1.0,
                    help="out of fold, wrong answers may be at most --max-wrong times this share "
                         "of all answers (below 1: a safety margin for harder fresh messages)")
    ap.add_argument("--dev-in-sample", action="store_true",
                    help="keep the dev set free of wrong answers with the fitted model rather than "
                         "out of fold")
    ap.add_argument("--wrong-cost", type=float, default=5.0,
                    help="a wrong answer costs this many right ones (worse than no answer)")
    ap.add_argument("--max-chatter", type=float, default=0.05,
                    help="small talk / unrelated messages that may get a suggestion")
    ap.add_argument("--l2", type=float, default=3.0, help="confidence model's L2 penalty")
    ap.add_argument("--rel-l2", type=float, default=1.0, help="relatedness model's L2 penalty")
    ap.add_argument("--pairs", default=PAIRS,
                    help="comma-separated features whose products the confidence model weighs ('' for none)")
    ap.add_argument("--left-out-weight", type=float, default=0.1,
                    help="weight of the wrong-first rows made by matching each in-scope message "
                         "without its right entries (0: none)")
    ap.add_argument("--drop", default="",
                    help="comma-separated features both models leave out (weight 0), to measure them")
    ap.add_argument("--repeats", type=int, default=5,
                    help="fold splits whose out-of-fold probabilities choose the confidence threshold")
    ap.add_argument("--dry-run", action="store_true", help="print, do not write model.tsv")
    ap.add_argument("--out", default=MODEL, help="where to write the model (default: model.tsv here)")
    ap.add_argument("--curve", action="store_true",
                    help="print out-of-fold right and wrong answers at a range of thresholds")
    args = ap.parse_args()

    names = feature_names()
    dropped = {n for n in args.drop.split(",") if n}
    if dropped - set(names):
        sys.exit(f"--drop: unknown features {sorted(dropped - set(names))}")
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
            "x": [0.0 if n in dropped else float(f[n]) for n in names],
            "gated": gated(f, t),
            "right": top in row["expected"],
            "in_scope": bool(row["expected"]),
            "hit3": any(c in row["expected"] for c in top3),
            "kind": row["kind"],
            "file": row["file"],
            "query": row["query"],
            "unrelated": (t.get("held_back") or "").startswith("unrelated"),
        })
    n_rows = len(rows)
    print(f"{n_rows} rows, {len(data)} with candidates")

    # confidence
    conf = [d for d in data if not d["gated"]]
    pairs = [p for p in args.pairs.split(",") if p]
    Xc, conf_names = with_pairs(np.array([d["x"] for d in conf]), names, pairs)
    yc = np.array([1.0 if d["right"] else 0.0 for d in conf])
    dev = np.array([d["file"] == "dev.jsonl" for d in conf])
    extra = None
    if args.left_out_weight > 0:
        left = []
        for row, o in left_out_rows(args.bin, args.faq, rows):
            t = o.get("decision_trace")
            if t is None or not o.get("candidates") or gated(t["features"], t):
                continue
            left.append(([0.0 if n in dropped else float(t["features"][n]) for n in names],
                         row["query"]))
        Xe, _ = with_pairs(np.array([x for x, _ in left]), names, pairs)
        extra = (np.array([d["query"] for d in conf]), Xe, np.zeros(len(left)),
                 np.full(len(left), args.left_out_weight), np.array([q for _, q in left]))
        print(f"  + {len(left)} wrong-first rows (messages matched without their right entries), "
              f"weight {args.left_out_weight}")
    pcs = repeated_out_of_fold(Xc, yc, args.l2, args.repeats, extra)

    def counts(t):
        """Per split: (answers, right, wrong, wrong on the dev set) at threshold t."""
        ans = pcs >= t
        return (ans.sum(1), (ans & (yc == 1)).sum(1), (ans & (yc == 0)).sum(1),
                (ans & (yc == 0) & dev).sum(1))

    if extra is None:
        bc, wc = fit_logistic(Xc, yc, args.l2)
    else:
        bc, wc = fit_logistic(np.vstack([Xc, extra[1]]), np.concatenate([yc, extra[2]]), args.l2,
                              np.concatenate([np.ones(len(yc)), extra[3]]))
    # the dev set must get no wrong answer from the model that ships: the threshold stays
    # above the fitted model's highest probability on a dev row whose best entry is wrong
    # (out of fold, a single dev row would decide the threshold for every message)
    dev_wrong_p = predict(bc, wc, Xc[dev & (yc == 0)])
    dev_floor = float(dev_wrong_p.max()) if args.dev_in_sample and len(dev_wrong_p) else -1.0
    best, best_utility = 1.01, 0.0
    for t in sorted(set(np.round(pcs.ravel(), 4))):
        n_ans, right, wrong, dev_wrong = counts(t)
        utility = right.sum() - args.wrong_cost * wrong.sum()
        dev_ok = t > dev_floor if args.dev_in_sample else dev_wrong.sum() == 0
        if (dev_ok and wrong.sum() <= args.max_wrong * args.margin * max(n_ans.sum(), 1)
                and utility > best_utility):
            best, best_utility = t, utility
    c_threshold = float(best)
    if args.curve:
        for t in (0.6, 0.7, 0.75, 0.8, 0.82, 0.85, 0.88, 0.9, 0.92, 0.94, 0.96):
            n_ans, right, wrong, dev_wrong = counts(t)
            print(f"  curve {t:.2f}: right {right.mean():.1f}, wrong {wrong.mean():.1f}"
                  f" (dev {dev_wrong.mean():.1f})")
    n_ans, right, wrong, _ = counts(c_threshold)
    in_scope_n = sum(1 for r in rows if r["expected"])
    print(f"confidence: {len(conf)} rows ({int(yc.sum())} right top), {len(pairs)} paired features, "
          f"threshold {c_threshold:.3f}: answers {n_ans.mean():.1f}, right {right.mean():.1f}, "
          f"wrong {wrong.mean():.1f} (out of fold, mean of {args.repeats} splits)")
    print(f"  in-scope answered right (out of fold): {right.mean():.1f}/{in_scope_n} = "
          f"{right.mean() / in_scope_n:.3f} (splits {', '.join(str(int(r)) for r in right)})")

    # relatedness
    rel = [d for d in data if not d["unrelated"] and d["kind"] != "near-miss"]
    Xr = np.array([d["x"] for d in rel])
    yr = np.array([1.0 if d["in_scope"] else 0.0 for d in rel])
    pr = out_of_fold(Xr, yr, args.rel_l2)
    chatter_n = sum(1 for r in rows if r["kind"] in ("small-talk", "unrelated", "out-of-scope"))
    r_threshold = 1.01
    for t in sorted(set(np.round(pr, 4))):
        sugg = sum(1 for d, p in zip(rel, pr) if p >= t and not d["in_scope"])
        if sugg <= args.max_chatter * chatter_n:
            r_threshold = float(t)
            break
    br, wr = fit_logistic(Xr, yr, args.rel_l2)
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
        f" {args.max_wrong}, max chatter {args.max_chatter}, l2 {args.l2} / {args.rel_l2},"
        f" {args.repeats} splits); `a*b` weighs the product of two features.",
    ]
    for model, (b, w, t, ns) in (("confidence", (bc, wc, c_threshold, conf_names)),
                                 ("relatedness", (br, wr, r_threshold, names))):
        lines.append(f"{model}\tbias\t{b:.6g}")
        lines.append(f"{model}\tthreshold\t{min(t, 1.0):.6g}")
        for n, v in zip(ns, w):
            lines.append(f"{model}\t{n}\t{v:.6g}")
    text = "\n".join(lines) + "\n"
    if args.dry_run:
        print(text)
    else:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {args.out}; now `cargo build --release`")


if __name__ == "__main__":
    main()
