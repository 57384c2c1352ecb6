#!/bin/sh
# Seeds the fuzz corpora from the bundled FAQ (corpora are not committed).
# Usage: fuzz/seed.sh   (from the repository root)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root/fuzz/corpus/faq_parse" "$root/fuzz/corpus/normalize" "$root/fuzz/corpus/ask"
cp "$root"/faq/entries/*.md "$root"/faq/*.toml "$root/fuzz/corpus/faq_parse/"
# Questions: the phrasings in the entries plus the labelled dev questions.
i=0
grep -h -E '^(question|alternates)|^  "' "$root"/faq/entries/*.md | sed -E 's/^[a-z]+ = //; s/[]["]//g; s/,$//' |
while IFS= read -r line; do
  i=$((i + 1)); printf '%s' "$line" > "$root/fuzz/corpus/ask/entry-$i"
  printf '%s' "$line" > "$root/fuzz/corpus/normalize/entry-$i"
done
if command -v python3 >/dev/null; then
  python3 - "$root" <<'PY'
import json, sys, os
root = sys.argv[1]
for n, line in enumerate(open(os.path.join(root, "tests/data/dev.jsonl"))):
    q = json.loads(line)["query"]
    for t in ("ask", "normalize"):
        open(os.path.join(root, "fuzz/corpus", t, f"dev-{n}"), "w").write(q)
PY
fi
