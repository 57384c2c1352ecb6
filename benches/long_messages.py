#!/usr/bin/env python3
"""Writes 2,000-character member messages for `medfaq bench` (JSONL on stdout).

Each message is a story of everyday sentences followed by one noisy query of the given
queries file, cut or padded to about 2,000 characters with the query kept whole at the
end, and keeps that query's expected ids: the matcher must find the question after the
story. Deterministic (fixed seed); standard library only.

usage: benches/long_messages.py --queries FILE [--count N] [--chars N]
"""

import argparse
import json
import random

STORY = [
    "Long story short, I have been dealing with this for a while now.",
    "My brother keeps telling me to ask here before I do anything silly.",
    "Sorry if this is the wrong place, first time posting and I am on my phone.",
    "We went to see the doctor last week and waited for about three hours.",
    "Honestly it has been a nightmare since March, work has been crazy too.",
    "My mate says it sorted him out but I am not sure if that is legit.",
    "I have read a lot of threads on here and everyone seems really kind.",
    "The weather has not helped and I have barely slept this week lol.",
    "Anyway, thanks in advance to anyone who takes the time to read all this.",
    "My mum thinks I worry too much but I would rather ask than guess.",
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", required=True)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--chars", type=int, default=2000)
    args = ap.parse_args()
    rng = random.Random(11)
    rows = [json.loads(l) for l in open(args.queries, encoding="utf-8") if l.strip()]
    for row in rows[: args.count]:
        query = row["query"]
        story = []
        while len(" ".join(story)) + len(query) + 1 < args.chars:
            story.append(rng.choice(STORY))
        text = (" ".join(story))[: max(0, args.chars - len(query) - 1)] + " " + query
        out = {"query": text, "expected_ids": row.get("expected_ids") or [row.get("expected_id")]}
        print(json.dumps(out))


if __name__ == "__main__":
    main()
