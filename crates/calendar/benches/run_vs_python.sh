#!/usr/bin/env bash
# Times gasdesk-calendar against the Python package chinese-calendar (PyPI:
# chinesecalendar) on the same 100,000 questions "which date is N working
# days after D" (D in 2010-2025, N in 1..=30), checks that all answers
# agree, and prints both rates and their ratio. Fails if an answer differs
# or if the calendar is less than 1,000 times as fast.
#
# Usage: crates/calendar/benches/run_vs_python.sh
# Environment: VENV=DIR to reuse a virtual environment (default: a fresh one
# in a temporary folder); CARGO_TARGET_DIR is honoured as usual.
#
# Python answers with chinese_calendar.find_workday(N, D): the N-th working
# day after the first working day on or after D. The Rust side asks the
# same question in working time: from D at 00:00 add N+1 working days and
# take the deadline's date (see vs_chinese_calendar.rs).
set -euo pipefail

crate_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
workspace=$(cd "$crate_dir/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
venv=${VENV:-$work/venv}

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check chinesecalendar==1.11.0

echo "== Rust (release build)"
(cd "$workspace" && cargo bench --quiet -p gasdesk-calendar --bench vs_chinese_calendar -- \
    --questions "$work/questions.txt" --answers "$work/rust.txt" --rate "$work/rust_rate")

echo "== Python chinese-calendar"
"$venv/bin/python" - "$work/questions.txt" "$work/python.txt" "$work/python_rate" <<'PY'
import datetime
import sys
import time

import chinese_calendar

questions_path, answers_path, rate_path = sys.argv[1:4]
questions = []
with open(questions_path) as f:
    for line in f:
        day, n = line.split()
        questions.append((datetime.date.fromisoformat(day), int(n)))

answers = []
started = time.perf_counter()
for day, n in questions:
    answers.append(chinese_calendar.find_workday(n, day))
seconds = time.perf_counter() - started

rate = len(questions) / seconds
print(f"python: {len(questions)} questions in {seconds * 1e3:.0f} ms, {rate:.0f} per second")
with open(answers_path, "w") as f:
    for (day, n), answer in zip(questions, answers):
        f.write(f"{day.isoformat()} {n} {answer.isoformat()}\n")
with open(rate_path, "w") as f:
    f.write(f"{rate}\n")
PY

echo "== Comparison"
if ! cmp -s "$work/rust.txt" "$work/python.txt"; then
    echo "answers differ (first differences: question, rust | python):"
    diff "$work/rust.txt" "$work/python.txt" | head -20
    exit 1
fi
echo "all $(wc -l < "$work/rust.txt") answers agree"
rust_rate=$(cat "$work/rust_rate")
python_rate=$(cat "$work/python_rate")
awk -v r="$rust_rate" -v p="$python_rate" 'BEGIN {
    ratio = r / p
    printf "rust %.0f/s, python %.0f/s, ratio %.0fx (target >= 1000x)\n", r, p, ratio
    exit (ratio >= 1000 ? 0 : 1)
}'
