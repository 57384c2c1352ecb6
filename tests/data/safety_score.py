#!/usr/bin/env python3
"""Score medfaq's emergency/crisis detector on the labelled safety sets.

Usage (from the repository root):
    python3 tests/data/safety_score.py [--bin target/release/medfaq] [--faq faq]
        [--misses] [FILE.jsonl ...]

Only totals are printed unless --misses asks for the texts of missed positives and
false alarms; files named *heldout* or blind* never show their texts.

Defaults: --bin target/release/medfaq, --faq faq, files tests/data/safety_tune.jsonl
and tests/data/safety_heldout.jsonl. Each file is fed to `medfaq match --faq FAQ`
(one query per line; newlines inside a query are replaced by spaces because `match`
reads lines) and the output is joined with the labels line by line.

The alert carried by an output line is read from its `alert` field when present
(a string such as "emergency"/"Emergency"/"crisis", or null), else from its
`emergency` boolean (today's `match` output, which does not say which notice).
Stdlib only.
"""
import argparse
import os
import re
import json
import subprocess
import sys
from collections import OrderedDict

EMERGENCY_CATS = ["breathing", "airway-allergy", "chest-heart", "stroke", "seizure",
                  "unconscious", "overdose-poisoning", "bleeding", "back-surgery-red-flags",
                  "wound-infection", "sudden-headache", "magnesium-toxicity"]
CRISIS_CATS = ["crisis-passive", "crisis-active", "self-harm"]
NEG_CATS = ["general-question", "hypothetical", "past", "idiom-hyperbole", "gaming",
            "news-media", "support-someone", "side-effect-question", "negated", "other-topic"]


def load(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            alert, emerg = r.get("alert"), r.get("emergency")
            if alert not in ("emergency", "crisis", None) or emerg != (alert is not None):
                sys.exit(f"{path}:{n}: inconsistent labels alert={alert!r} emergency={emerg!r}")
            rows.append(r)
    return rows


def fired(out):
    """(flagged, kind) for one `match` output object; kind is None when unknown."""
    if "alert" in out:
        a = out["alert"]
        if a is None or a is False:
            return False, None
        kind = str(a).lower() if isinstance(a, str) else None
        if kind not in ("emergency", "crisis"):
            kind = None
        return True, kind
    return bool(out.get("emergency")), None


def run(binary, faq, rows):
    text = "".join(" ".join(r["query"].splitlines()) + "\n" for r in rows)
    p = subprocess.run([binary, "match", "--faq", faq], input=text.encode("utf-8"),
                       capture_output=True, check=False)
    if p.returncode != 0:
        sys.exit(f"{binary} match failed ({p.returncode}): {p.stderr.decode(errors='replace')}")
    outs = [json.loads(l) for l in p.stdout.decode("utf-8").splitlines() if l.strip()]
    if len(outs) != len(rows):
        sys.exit(f"expected {len(rows)} output lines, got {len(outs)}")
    return outs


def pct(a, b):
    return f"{a}/{b} = {a / b:.3f}" if b else "0/0"


HELD_OUT = re.compile(r"heldout|^blind")


def score(name, rows, outs, show_misses):
    print(f"\n=== {name}: {len(rows)} messages ===")
    typed = any("alert" in o for o in outs)
    per = OrderedDict((c, [0, 0, 0]) for c in EMERGENCY_CATS + CRISIS_CATS)  # hit, right kind, n
    negs = OrderedDict((c, [0, 0]) for c in NEG_CATS)  # false alarms, n
    false_alarms, misses = [], []
    for r, o in zip(rows, outs):
        flagged, kind = fired(o)
        c = r["category"]
        if r["alert"] is None:
            negs.setdefault(c, [0, 0])
            negs[c][1] += 1
            if flagged:
                negs[c][0] += 1
                false_alarms.append((c, kind, r["query"]))
        else:
            per.setdefault(c, [0, 0, 0])
            per[c][2] += 1
            if flagged:
                per[c][0] += 1
                if kind == r["alert"]:
                    per[c][1] += 1
            else:
                misses.append((c, r["query"]))
    hdr = "recall (any notice)" + ("   right notice" if typed else "")
    print(f"{'category':<24} {hdr}")
    for c, (hit, right, n) in per.items():
        line = f"{c:<24} {pct(hit, n):<22}"
        if typed:
            line += f" {pct(right, n)}"
        print(line)
    for label, cats in (("emergency", EMERGENCY_CATS), ("crisis", CRISIS_CATS)):
        hit = sum(per[c][0] for c in cats if c in per)
        right = sum(per[c][1] for c in cats if c in per)
        n = sum(per[c][2] for c in cats if c in per)
        extra = f"   right notice {pct(right, n)}" if typed else ""
        print(f"{label.upper()} RECALL: {pct(hit, n)}{extra}")
    fa = sum(v[0] for v in negs.values())
    nn = sum(v[1] for v in negs.values())
    print(f"FALSE ALARMS: {pct(fa, nn)}")
    for c, (f_, n) in negs.items():
        print(f"  {c:<22} {f_}/{n}")
    if show_misses and HELD_OUT.search(os.path.basename(name)):
        print("  (texts not shown: a held-out or blind set is measured by its totals only)")
    elif show_misses:
        for c, kind, q in false_alarms:
            print(f"  FALSE ALARM [{c}]{' ' + kind if kind else ''}: {q[:160]!r}")
        for c, q in misses:
            print(f"  MISS [{c}]: {q[:160]!r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="target/release/medfaq")
    ap.add_argument("--faq", default="faq")
    ap.add_argument("--misses", action="store_true", help="also list the texts of misses and false alarms (never for held-out or blind sets)")
    ap.add_argument("files", nargs="*",
                    default=["tests/data/safety_tune.jsonl", "tests/data/safety_heldout.jsonl"])
    a = ap.parse_args()
    for path in a.files:
        rows = load(path)
        score(path, rows, run(a.bin, a.faq, rows), a.misses)


if __name__ == "__main__":
    main()
