#!/usr/bin/env bash
# Checks the `medfaq insights --html` page in a real headless browser (not part of CI:
# it needs `apt-get install -y chromium`). Builds a report from the database the
# end-to-end test writes through the Discord stand-in, adds 14 days of synthetic rows so
# the charts have something to show, renders it and the `--questions` page of dev.jsonl,
# and saves screenshots to look at.
#
#   bash .ci/insights-html-check.sh [OUT_DIR]     (default target/insights-check)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/insights-check}
mkdir -p "$out"
out=$(cd "$out" && pwd)
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "needs chromium: apt-get install -y chromium" >&2; exit 2; }

cargo build --release --quiet
db="$out/e2e.sqlite3"
rm -f "$db"
MEDFAQ_KEEP_INSIGHTS_DB="$db" cargo test --release --quiet --test insights_e2e \
  questions_votes_dms_and_emergencies_make_exactly_the_promised_rows >/dev/null

python3 - "$db" <<'PY'
import random, sqlite3, sys, time
random.seed(7)
c = sqlite3.connect(sys.argv[1])
now = int(time.time())
entries = ["after-back-surgery", "kidney-problems", "muscle-spasms", "migraine-prevention", "sleep"]
for day in range(14):
    for i in range(random.randint(5, 30)):
        at = now - day * 86400 - random.randint(0, 80000)
        decision = random.choices(["answer", "suggest", "none"], [6, 3, 2])[0]
        alert = "emergency" if random.random() < 0.03 else None
        cur = c.execute("INSERT INTO events (key, at, guild, via, decision, alert, text) VALUES (?,?,?,?,?,?,NULL)",
                        (f"demo{day}x{i}", at, 1, random.choice(["question", "mention", "slash"]), decision, alert))
        e = random.choice(entries)
        c.execute("INSERT INTO candidates VALUES (?,?,?,?)", (cur.lastrowid, 0, e, random.random()))
        if decision == "answer" and random.random() < 0.4:
            c.execute("INSERT INTO feedback VALUES (?,?,?,?,?)",
                      (f"demo{day}x{i}", f"v{day}{i}", e, random.choices(["up", "down", "removed"], [5, 3, 1])[0], at + 60))
c.commit()
PY

./target/release/medfaq insights --db "$db" --since 14d --html "$out/report.html" > "$out/report.txt"
./target/release/medfaq insights --questions ../shared/eval/dev.jsonl --html "$out/questions.html" > "$out/questions.txt"

fail=0
for page in report questions; do
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=900,2200 \
    --screenshot="$out/$page.png" "file://$out/$page.html" 2>/dev/null
  "$browser" --headless --no-sandbox --disable-gpu --dump-dom "file://$out/$page.html" \
    2>/dev/null > "$out/$page.dom.html"
  size=$(stat -c %s "$out/$page.png")
  bars=$( (grep -o '<rect' "$out/$page.dom.html" || true) | wc -l)
  echo "$page: screenshot $out/$page.png ($size bytes), $bars SVG bars in the rendered DOM"
  [ "$size" -gt 20000 ] || { echo "  screenshot too small: blank page?" >&2; fail=1; }
done
grep -q 'parking permit' "$out/report.dom.html" || { echo "report lacks the e2e unanswered question" >&2; fail=1; }
[ "$(grep -o '<rect' "$out/report.dom.html" | wc -l)" -gt 20 ] || { echo "report charts missing" >&2; fail=1; }
exit $fail
