#!/usr/bin/env bash
# Lists the tests this host skips and why: every #[ignore]d test of the library's test
# binaries with its reason (libtest prints "ignored, REASON" without running it). nextest
# shows the same tests as SKIP but not the reason. Usage: scripts/skipped-tests.sh [--release]
set -euo pipefail
cd "$(dirname "$0")/.."
json=$(cargo test "$@" --no-run --message-format=json 2>/dev/null)
n=0
while read -r exe; do
  [ -x "$exe" ] || continue
  while read -r t; do
    [ -n "$t" ] || continue
    line=$("$exe" --exact "$t" 2>/dev/null | grep -E "^test .* \.\.\. ignored" || true)
    reason=${line#*ignored}; reason=${reason#, }
    echo "SKIP $(basename "${exe%-*}")::$t: ${reason:-no reason given}"
    n=$((n + 1))
  done < <("$exe" --list --ignored --format terse 2>/dev/null | sed -n 's/: test$//p')
done < <(printf '%s\n' "$json" | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | sort -u)
echo "$n tests skipped on this host (run by tests/vm/run.sh)"
