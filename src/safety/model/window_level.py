#!/usr/bin/env python3
"""Chooses the level of the safety model's WINDOWED veto (faq/safety/model.toml,
`[model] window_veto`) from data, out of fold (docs/safety.md, "Session 7").

When a (non-strong) rule fires, src/safety/mod.rs runs the model on the rule's window (the
sentence the rule matched in, with one sentence either side) and keeps that occurrence
quiet when both probabilities are below the level. A message is silenced only when every
loud occurrence is. This script:

 1. trains the 5 cross-validation fold models of train.py (same rows, seeds and folds as
    train.py's cross-validation) and keeps them in FOLDS (a pickle; reused when present);
 2. reads the rule windows of every labelled training message from
    `target/release/examples/safety_windows` (rules only, before any veto);
 3. scores each window with the fold model that did NOT see its message, and reports, for
    every emergency / crisis message a rule fired on, its "keep score": the largest
    max(p_emergency, p_crisis) over its loud windows (the veto silences it only when that
    is below the level); the level is MARGIN x the lowest keep score; and how many
    hard negatives the rules fire on it would silence at that level.

    python3 src/safety/model/window_level.py [--folds /tmp/folds.pkl] [--margin 0.5]

Standard library only. Slow: trains 5 models (as train.py --cv-only does).
"""
import argparse
import json
import os
import pickle
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train as T  # noqa: E402


def rows_and_folds():
    rows = T.load_labelled()
    gen_train, _ = T.general_questions()
    rows += gen_train
    rows += T.lexicon_rows()
    scored = [i for i, r in enumerate(rows) if r[2] != "lexicon"]
    idx = list(scored)
    random.Random(T.SEED + 1).shuffle(idx)
    folds = [idx[f::5] for f in range(5)]
    return rows, scored, folds


def fold_models(rows, scored, folds, path):
    if path and os.path.exists(path):
        with open(path, "rb") as f:
            return pickle.load(f)
    examples = [T.features(q) for q, _, _ in rows]
    labels = [a for _, a, _ in rows]
    extra = [i for i, r in enumerate(rows) if r[2] == "lexicon"]
    models = []
    for f, test in enumerate(folds):
        held = set(test)
        tr = [i for i in scored if i not in held] + extra
        w, bias = T.train([examples[i] for i in tr], [labels[i] for i in tr], T.SEED + 10 + f)
        models.append(T.quantise(w, bias))
        print("fold %d done" % f, file=sys.stderr)
    if path:
        with open(path, "wb") as f:
            pickle.dump(models, f)
    return models


def windows(binary, texts):
    """[(strong, window text)] of the loud rule occurrences of each text."""
    inp = "".join(json.dumps(t) + "\n" for t in texts)
    p = subprocess.run([binary], input=inp.encode(), capture_output=True, check=True)
    out = [json.loads(l) for l in p.stdout.decode().splitlines()]
    assert len(out) == len(texts), (len(out), len(texts))
    return [[(w["strong"], w["window"]) for w in o["windows"]] for o in out]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", default=None)
    ap.add_argument("--bin", default=os.path.join(T.ROOT, "target", "release", "examples", "safety_windows"))
    ap.add_argument("--margin", type=float, default=0.5)
    ap.add_argument("--folds-only", action="store_true")
    a = ap.parse_args()
    rows, scored, folds = rows_and_folds()
    models = fold_models(rows, scored, folds, a.folds)
    if a.folds_only:
        return
    fold_of = {}
    for f, test in enumerate(folds):
        for i in test:
            fold_of[i] = f
    texts = [rows[i][0] for i in scored]
    wins = windows(a.bin, texts)
    keep_pos, keep_neg = [], []  # (score, label, group, text)
    for i, ws in zip(scored, wins):
        loud = [w for strong, w in ws if not strong]
        if not loud or any(strong for strong, _ in ws):
            continue  # no rule fired, or a strong rule did (never vetoed)
        m = models[fold_of[i]]
        score = max(max(T.predict(m, w)) for w in loud)
        text, label, group = rows[i]
        (keep_pos if label else keep_neg).append((score, label, group, text))
    keep_pos.sort()
    keep_neg.sort()
    lowest = keep_pos[0][0]
    level = lowest * a.margin
    print("positives a non-strong rule fired on: %d; lowest keep score %.5f -> level %.5f"
          % (len(keep_pos), lowest, level))
    for s, l, g, t in keep_pos[:8]:
        print("  pos %.5f %s %s" % (s, l, t[:100]))
    for g in ("hard", "general"):
        neg = [x for x in keep_neg if x[2] == g]
        print("%s negatives a non-strong rule fired on: %d; silenced at the level: %d"
              % (g, len(neg), sum(s < level for s, *_ in neg)))
        for q in (0.1, 0.25, 0.5):
            print("   at %.2f x lowest: %d" % (q / a.margin, sum(s < lowest * q for s, *_ in neg)))
    for s, l, g, t in keep_neg[:15]:
        print("  neg %.5f %s %s" % (s, g, t[:100]))


if __name__ == "__main__":
    main()
