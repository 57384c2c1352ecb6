#!/usr/bin/env python3
"""Builds src/safety/known_words.txt: words of 5 letters or more that occur at least 3
times in MedQuAD (questions and answers, NIH health text, CC BY 4.0) and at least 5
times in the RQE consumer questions. The safety check never typo-corrects a word in this
list, so a real word ("cooking", "breaking") is never read as a safety word ("choking",
"breathing"). Misspellings are rare in this text, and a word that is itself a safety word
is found by exact lookup before correction is tried.

usage: python3 src/safety/known_words.py [../shared/data] > src/safety/known_words.txt
"""
import collections
import json
import re
import sys

data = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"
word = re.compile(r"[a-z]+")
counts = collections.Counter()
for line in open(f"{data}/medquad.jsonl", encoding="utf-8"):
    row = json.loads(line)
    counts.update(word.findall((row["question"] + " " + row["answer"]).lower().replace("'", "")))
consumer = collections.Counter()
for line in open(f"{data}/rqe_train/queries.jsonl", encoding="utf-8"):
    consumer.update(word.findall(json.loads(line)["query"].lower().replace("'", "")))
known = {w for w, n in counts.items() if n >= 3 and len(w) >= 5}
known |= {w for w, n in consumer.items() if n >= 5 and len(w) >= 5}
sys.stdout.write("".join(w + "\n" for w in sorted(known)))
