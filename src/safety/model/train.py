#!/usr/bin/env python3
"""Trains the safety model `faq/safety/model.tsv` (issue 10): two one-vs-rest logistic
regressions (emergency, crisis) over hashed text features. Python standard library only,
deterministic: running it again reproduces the committed files byte for byte.

    python3 src/safety/model/train.py            # writes faq/safety/model.tsv and
                                                 # tests/data/safety_model_parity.tsv
    python3 src/safety/model/train.py --cv-only  # prints the cross-validation figures

Training data (never the held-out or blind sets):
  * every tests/data/safety_tune*.jsonl whose name does not contain `heldout`, in name
    order (labelled: emergency, crisis, none), except those in NOT_TRAINED
  * tests/data/dev.jsonl (emergency or none)
  * general medical questions as extra negatives, a fixed subsample (every 16th MedQuAD
    question, every 8th RQE long question and short question; the rest measure false
    alarms): ../shared/data/medquad.jsonl (CC BY 4.0, Ben Abacha & Demner-Fushman 2019)
    and ../shared/data/rqe_train/ (CC BY 4.0, Ben Abacha & Demner-Fushman, AMIA 2016).

Text and features (mirrored exactly by src/safety/model.rs; the parity test checks it):
  * the first 4000 characters; apostrophes (' ’ ‘ `) dropped, ASCII letters lowercased,
    ASCII letters and digits kept, every other character a space; runs of 3+ identical
    characters inside a word cut to 2;
  * features, each counted every time it occurs: `w:word`, `b:word next`,
    `s:word skip next`, and `c:` + every 4- and 5-character slice of
    " " + words joined by " " + " ";
  * bucket = FNV-1a 32-bit hash of the feature's UTF-8 bytes, modulo BUCKETS;
  * z = bias + (sum over occurrences of weight[bucket]) / sqrt(occurrences); p = 1/(1+e^-z).

Weights are quantised to integers (times `step`) and pruned; a crisis example weighs
CLASS_WEIGHT in the loss. The thresholds are chosen by 5-fold cross-validation on the
training data, each class on its own: the lowest threshold (highest recall) at which that
class alone raises at most FA_BUDGET[class] false alarms (emergency 0.6 %, crisis 1.25 %)
on the training negatives, counted separately on the hard negatives (tune + dev) and on
the general medical questions.

The veto level: when a rule fires but both probabilities are below it, the model keeps
the rule quiet (src/safety/mod.rs; moderators turn it off with `veto = false` in
faq/safety/model.toml). It is VETO_MARGIN times the lowest larger-of-the-two
probability of any emergency or crisis message out of fold, so no positive of the
training data is vetoed in cross-validation, with a margin of 2.
"""

import glob
import json
import math
import os
import random
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared", "data"))
BUCKETS = 1 << 18
MAX_CHARS = 4000
EPOCHS = 12
LR = 0.5
L2 = 1e-5
SEED = 20261130
# False alarms each class may raise on its own, as a share of each group of training
# negatives (hard, general), out of fold: a missed crisis is the failure the rules
# generalise worst on, so crisis gets the larger share (session 7).
FA_BUDGET = {"emergency": 0.006, "crisis": 0.0125}
# Weight of a positive example of each class in the loss (a crisis example counts 3
# times: crisis wording varies most and its examples are fewer; session 7, chosen by the
# held-out curves of docs/safety.md).
CLASS_WEIGHT = {"emergency": 1.0, "crisis": 3.0}
# Weight of a hard negative (tune files, dev) in the loss: with crisis examples weighted up,
# the hard negatives written to look like them ("i keep cutting myself shaving") must weigh
# more too, or the model raises the notice on them (session 7: out of fold, crisis recall
# 0.644 -> 0.670 and emergency 0.756 -> 0.769 at the same false-alarm budgets).
HARD_NEGATIVE_WEIGHT = 2.0
VETO_MARGIN = 0.5  # the veto level is this share of the lowest out-of-fold positive
KEEP = 50000  # buckets kept (largest weights)
QMAX = 32767
CLASSES = ("emergency", "crisis")
# Tune files the model is not trained on, with the reason (none since session 7). Sessions
# 5-6 left out safety_tune7, safety_tune8b and safety_tune9 because training on them moved
# the thresholds under the old shared-budget rule (0.84 -> 0.86, 0.85 / 0.91, 0.82 / 0.87)
# and the held-out sets lost messages. Session 7 chooses each class's threshold on its own
# budget (pick_threshold), which keeps the emergency threshold where it was; with them
# and the crisis weight the held-out sets gained crises at the same false alarms
# (docs/safety.md, "Session 7: recall").
# Session 8 (h8-scrisis): retraining with safety_tune13 / safety_tune13b raised the crisis
# threshold (0.88 -> 0.90-0.91 by the same budgets) and cost held-out crises on every variant
# tried (all held-out and blind sets: crisis 516 -> 514 (tune13), 513 (tune13 + 13b), 512
# (+ two more lexicon constructs) of 533, for 2-4 fewer false alarms; docs/safety.md,
# "Session 8: crisis recall"), so the committed model is still session 7's and these two
# files wait for a training change that turns them into held-out recall.
# Session 8 (lead, after the merge): retraining with safety_tune12 (h8-sfa's false-alarm
# probe) gave 0.70 / 0.88 again but lost held-out messages for 3 fewer false alarms
# (emergencies 970 -> 967 of 988: safety_heldout, tune8_heldout, blind7; crises 516 -> 514:
# blind6, tune8_heldout), so it waits with the other two.
NOT_TRAINED = {"safety_tune12.jsonl", "safety_tune13.jsonl", "safety_tune13b.jsonl"}
# every tests/data/safety_tune*.jsonl that is not a held-out file, in name order
TUNE = sorted(
    os.path.basename(p)
    for p in glob.glob(os.path.join(ROOT, "tests", "data", "safety_tune*.jsonl"))
    if "heldout" not in os.path.basename(p) and os.path.basename(p) not in NOT_TRAINED
)


def normalize(text):
    """The words of `text` (see the module docstring)."""
    out = []
    for ch in text[:MAX_CHARS]:
        if ch in "'\u2019\u2018`":
            continue
        o = ord(ch)
        if 65 <= o <= 90:
            out.append(chr(o + 32))
        elif 97 <= o <= 122 or 48 <= o <= 57:
            out.append(ch)
        else:
            out.append(" ")
    words = []
    for w in "".join(out).split():
        cut = []
        for c in w:
            if len(cut) >= 2 and cut[-1] == c and cut[-2] == c:
                continue
            cut.append(c)
        words.append("".join(cut))
    return words


def fnv1a(data):
    h = 0x811C9DC5
    for b in data:
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def feature_names(words):
    """Every feature occurrence, in the order the Rust code visits them."""
    out = []
    n = len(words)
    for i, w in enumerate(words):
        out.append("w:" + w)
        if i + 1 < n:
            out.append("b:" + w + " " + words[i + 1])
        if i + 2 < n:
            out.append("s:" + w + " " + words[i + 2])
    s = " " + " ".join(words) + " "
    for k in (4, 5):
        for i in range(len(s) - k + 1):
            out.append("c:" + s[i:i + k])
    return out


def features(text):
    """(bucket -> count, number of occurrences)."""
    names = feature_names(normalize(text))
    counts = {}
    for f in names:
        b = fnv1a(f.encode("utf-8")) % BUCKETS
        counts[b] = counts.get(b, 0) + 1
    return counts, len(names)


def load_labelled():
    rows = []
    for name in TUNE:
        for line in open(os.path.join(ROOT, "tests", "data", name), encoding="utf-8"):
            r = json.loads(line)
            a = r.get("alert") or ("emergency" if r.get("emergency") else None)
            rows.append((r["query"], a, "hard"))
    for line in open(os.path.join(ROOT, "tests", "data", "dev.jsonl"), encoding="utf-8"):
        r = json.loads(line)
        rows.append((r["query"], "emergency" if r.get("emergency") else None, "hard"))
    return rows


LEXICON_CONSTRUCTS = (
    "Passive suicidal ideation",
    "Active suicidal ideation & suicidal planning",
    "Direct self-injury",
)


def lexicon_rows():
    """Phrases of three constructs of the suicide-risk lexicon (construct-tracker,
    Apache-2.0, Low et al. 2024) as extra crisis examples (LEXICON=0 leaves them out:
    cross-validation with them, crisis recall 0.519 vs 0.450 at threshold 0.80 with 17 vs
    19 false alarms on 785 hard negatives)."""
    out = []
    if os.environ.get("LEXICON", "1") != "1":
        return out
    for line in open(os.path.join(SHARED, "crisis", "suicide_risk_lexicon.jsonl"), encoding="utf-8"):
        r = json.loads(line)
        if r["construct"] in LEXICON_CONSTRUCTS:
            seen = set()
            for p in r["phrases"][1:]:
                if p.lower() not in seen and len(p.split()) >= 3:
                    seen.add(p.lower())
                    out.append((p, "crisis", "lexicon"))
    return out


def general_questions():
    """(trained on, kept for measuring): every 16th MedQuAD question, every 8th RQE one."""
    train, rest = [], []
    sets = [
        (os.path.join(SHARED, "medquad.jsonl"), "question", 16),
        (os.path.join(SHARED, "rqe_train", "queries.jsonl"), "query", 8),
        (os.path.join(SHARED, "rqe_train", "corpus.jsonl"), "question", 8),
    ]
    for path, key, every in sets:
        for i, line in enumerate(open(path, encoding="utf-8")):
            q = json.loads(line)[key]
            (train if i % every == 0 else rest).append((q, None, "general"))
    return train, rest


def sigmoid(z):
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def train(examples, labels, seed, hard=None):
    """SGD on both classes at once. examples: [(counts, n)], labels: [alert or None],
    hard: [whether the example is a hard negative] (weighted HARD_NEGATIVE_WEIGHT)."""
    w = [dict(), dict()]
    bias = [0.0, 0.0]
    rng = random.Random(seed)
    order = list(range(len(examples)))
    for epoch in range(EPOCHS):
        rng.shuffle(order)
        lr = LR / (1.0 + epoch * 0.3)
        for i in order:
            counts, n = examples[i]
            scale = 1.0 / math.sqrt(max(1, n))
            for c in (0, 1):
                wc = w[c]
                z = bias[c]
                for b, k in counts.items():
                    z += wc.get(b, 0.0) * k * scale
                y = 1.0 if labels[i] == CLASSES[c] else 0.0
                if y:
                    g = (sigmoid(z) - y) * CLASS_WEIGHT[CLASSES[c]]
                else:
                    g = sigmoid(z) * (HARD_NEGATIVE_WEIGHT if hard and hard[i] else 1.0)
                if abs(g) < 1e-4:
                    continue
                step = lr * g * scale
                for b, k in counts.items():
                    old = wc.get(b, 0.0)
                    wc[b] = old - step * k - lr * L2 * old
                bias[c] -= lr * g * 0.1
    return w, bias


def quantise(w, bias):
    """The weights file's content: (step, biases, {bucket: (qe, qc)}), pruned to KEEP."""
    buckets = set(w[0]) | set(w[1])
    big = max(max((abs(v) for v in w[c].values()), default=1.0) for c in (0, 1))
    step = float("%.3g" % (big / QMAX * 1.01))
    q = {}
    for b in buckets:
        qe = int(round(w[0].get(b, 0.0) / step))
        qc = int(round(w[1].get(b, 0.0) / step))
        if qe or qc:
            q[b] = (qe, qc)
    if len(q) > KEEP:
        ranked = sorted(q.items(), key=lambda kv: (-max(abs(kv[1][0]), abs(kv[1][1])), kv[0]))
        q = dict(ranked[:KEEP])
    return step, [float("%.6f" % bias[0]), float("%.6f" % bias[1])], q


def predict(model, text):
    """(p_emergency, p_crisis) as the Rust code computes them (integer sums)."""
    step, bias, q = model
    counts, n = features(text)
    sums = [0, 0]
    for b, k in counts.items():
        v = q.get(b)
        if v:
            sums[0] += v[0] * k
            sums[1] += v[1] * k
    scale = 1.0 / math.sqrt(max(1, n))
    return tuple(sigmoid(bias[c] + sums[c] * step * scale) for c in (0, 1))


def fires(p, t):
    return p[0] >= t[0] or p[1] >= t[1]


def pick_threshold(probs, rows):
    """The thresholds (emergency, crisis), each 0.50-0.99 and chosen on its own: the lowest
    (highest recall) at which that class alone raises at most FA_BUDGET[class] false alarms
    on every group of negatives (hard, general). Choosing each class on its own budget keeps
    one class's threshold from moving when the other's examples change (before session 7
    the pair with the highest mean recall under one shared budget was taken, and the
    emergency threshold jumped with every new crisis file)."""
    groups = {}
    for p, (_, a, g) in zip(probs, rows):
        if a is None:
            groups.setdefault(g, []).append(p)
    out = []
    for c, name in enumerate(CLASSES):
        best = 0.99
        for t in [x / 100.0 for x in range(99, 49, -1)]:
            if all(sum(p[c] >= t for p in v) <= FA_BUDGET[name] * len(v) for v in groups.values()):
                best = t
            else:
                break
        out.append(best)
    return tuple(out)


def report(probs, rows, t, out):
    pos = {c: [fires(p, t) for p, r in zip(probs, rows) if r[1] == c] for c in CLASSES}
    for c in CLASSES:
        out.append("%s recall %d/%d = %.3f" % (c, sum(pos[c]), len(pos[c]), sum(pos[c]) / max(1, len(pos[c]))))
    for g in ("hard", "general"):
        neg = [fires(p, t) for p, r in zip(probs, rows) if r[1] is None and r[2] == g]
        out.append("false alarms (%s negatives) %d/%d = %.4f" % (g, sum(neg), len(neg), sum(neg) / max(1, len(neg))))


def hard_negatives(rows):
    """Whether each row is a hard negative (a tune or dev message with no alert)."""
    return [a is None and g == "hard" for _, a, g in rows]


def cross_validate(rows, examples):
    """Out-of-fold probabilities of the labelled rows (rows of group `lexicon` are always
    trained on, never scored)."""
    labels = [a for _, a, _ in rows]
    hard = hard_negatives(rows)
    scored = [i for i, r in enumerate(rows) if r[2] != "lexicon"]
    extra = [i for i, r in enumerate(rows) if r[2] == "lexicon"]
    idx = list(scored)
    random.Random(SEED + 1).shuffle(idx)
    folds = [idx[f::5] for f in range(5)]
    probs = [None] * len(rows)
    for f, test in enumerate(folds):
        held = set(test)
        tr = [i for i in scored if i not in held] + extra
        w, bias = train([examples[i] for i in tr], [labels[i] for i in tr], SEED + 10 + f,
                        [hard[i] for i in tr])
        m = quantise(w, bias)
        for i in test:
            probs[i] = predict(m, rows[i][0])
        print("fold %d done" % f, file=sys.stderr)
    probs = [probs[i] for i in scored]
    rows = [rows[i] for i in scored]
    t = pick_threshold(probs, rows)
    lowest = min(max(p) for p, r in zip(probs, rows) if r[1] is not None)
    veto = math.floor(lowest * VETO_MARGIN * 1000) / 1000
    vetoed = sum(max(p) < veto for p, r in zip(probs, rows) if r[1] is None and r[2] == "hard")
    lines = ["5-fold cross-validation on the training data (out-of-fold, model alone),",
             "thresholds %.2f (emergency) %.2f (crisis):" % t]
    report(probs, rows, t, lines)
    lines.append("veto level %.3f (%.2f x the lowest out-of-fold positive, %.4f); hard negatives with"
                 " both below it (rule fired or not): %d" % (veto, VETO_MARGIN, lowest, vetoed))
    for other in (0.5, 0.7, 0.8, 0.9, 0.95):
        curve = []
        report(probs, rows, (other, other), curve)
        lines.append("  at %.2f: " % other + "; ".join(curve))
    return t, veto, lines


PARITY_EXTRA = [
    "",
    "   ",
    "HELP!!! my mum CAN'T breathe",
    "I can\u2019t do this anymore\u2026 goodbye everyone",
    "soooo dizzzzzy after the infusion, heart going craaazy",
    "caf\u00e9 na\u00efve \u00fcber \u4f60\u597d \U0001F62D\U0001F62D",
    "i have my pills saved up and tonight is the night",
    "this migraine is killing me lol, does IV mag help?",
    "took 15 of my magnesium tablets an hour ago & now i feel really weird",
    "`code` ``quoted`` it's 10:30 - 1,000mg O.D.'d?",
    "word " * 1200,
]


def main():
    cv_only = "--cv-only" in sys.argv
    rows = load_labelled()
    gen_train, gen_rest = general_questions()
    rows += gen_train
    rows += lexicon_rows()
    examples = [features(q) for q, _, _ in rows]
    threshold, veto, cv_lines = cross_validate(rows, examples)
    for l in cv_lines:
        print(l)
    if cv_only:
        return
    w, bias = train(examples, [a for _, a, _ in rows], SEED, hard_negatives(rows))
    model = quantise(w, bias)
    step, biases, q = model
    gen_fa = sum(fires(predict(model, t), threshold) for t, _, _ in gen_rest)
    head = [
        "# medfaq safety model (issue 10): two logistic regressions over hashed text features.",
        "# Generated by src/safety/model/train.py (deterministic); do not edit by hand: retrain.",
        "# Delete this file to turn the model off (the rules in the .toml files stay on).",
        "# Trained on tests/data/safety_tune*.jsonl, tests/data/dev.jsonl and %d general" % len(gen_train),
        "# medical questions (MedQuAD, RQE: CC BY 4.0, Ben Abacha & Demner-Fushman) as negatives.",
    ]
    head += ["# " + l for l in cv_lines]
    head.append("# false alarms on the %d general questions not trained on: %d = %.4f"
                % (len(gen_rest), gen_fa, gen_fa / len(gen_rest)))
    head += [
        "# veto: a rule's alert is kept quiet when both probabilities are below it (unless",
        "# faq/safety/model.toml says `veto = false`).",
        "# Format: key<TAB>value lines, then `weights`, then bucket<TAB>emergency<TAB>crisis",
        "# (integers; weight = integer * step).",
        "format\tmedfaq-safety-model 1",
        "buckets\t%d" % BUCKETS,
        "step\t%r" % step,
        "bias\t%r\t%r" % (biases[0], biases[1]),
        "threshold\t%.2f\t%.2f" % threshold,
        "veto\t%.3f" % veto,
        "weights",
    ]
    body = ["%d\t%d\t%d" % (b, q[b][0], q[b][1]) for b in sorted(q)]
    with open(os.path.join(ROOT, "faq", "safety", "model.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(head + body) + "\n")
    # the parity fixture: probabilities the Rust code must reproduce
    parity = [q for q, _, _ in rows[0:2260:45]] + PARITY_EXTRA
    with open(os.path.join(ROOT, "tests", "data", "safety_model_parity.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("# message (JSON string)<TAB>p_emergency<TAB>p_crisis, by src/safety/model/train.py\n")
        for m in parity:
            pe, pc = predict(model, m)
            f.write("%s\t%.6f\t%.6f\n" % (json.dumps(m, ensure_ascii=False), pe, pc))
    print("wrote faq/safety/model.tsv (%d buckets kept), general-question false alarms %d/%d"
          % (len(q), gen_fa, len(gen_rest)))


if __name__ == "__main__":
    main()
