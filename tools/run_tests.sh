#!/usr/bin/env bash
# `make test`: run every part of the suite even when one fails, then say how each went,
# so a failure on SQLite never hides the PostgreSQL results.
#
# The SQLite, browser and PostgreSQL parts run at the same time: each has its own databases,
# ports and temporary folders, and the browser part spends much of its time waiting on
# Chromium, so together they take little more than the longest. Their output is kept apart and
# printed part by part. TEST_SERIAL=1 runs them one after the other.
set -u
cd "$(dirname "$0")/.."
declare -A result secs
overall=0
logs=$(mktemp -d)

run_part() {  # run_part PART: make PART, recording its result and duration
  local part=$1 start=$SECONDS
  if make --no-print-directory "$part" >"$logs/$part.log" 2>&1; then echo passed >"$logs/$part.rc"
  else echo FAILED >"$logs/$part.rc"; fi
  echo $((SECONDS - start)) >"$logs/$part.secs"
}

parts=(test-js test-sqlite test-browser test-postgres)
total_start=$SECONDS
run_part test-js
if [ "${TEST_SERIAL:-0}" = "1" ]; then
  run_part test-sqlite
  run_part test-browser
  run_part test-postgres
else
  run_part test-sqlite & sqlite=$!
  run_part test-browser & browser=$!
  run_part test-postgres & postgres=$!
  wait "$sqlite" "$browser" "$postgres"
fi
for part in "${parts[@]}"; do
  echo "== make $part"
  cat "$logs/$part.log"
  result[$part]=$(cat "$logs/$part.rc")
  secs[$part]=$(cat "$logs/$part.secs")
  [ "${result[$part]}" = passed ] || overall=1
done
echo
echo "== make test: summary"
for part in "${parts[@]}"; do
  printf '   %-14s %-7s %5d s\n' "$part" "${result[$part]}" "${secs[$part]}"
done
echo "   wall clock     $((SECONDS - total_start)) s ($([ "${TEST_SERIAL:-0}" = "1" ] && echo serial || echo "SQLite, browser and PostgreSQL side by side"))"
rm -rf "$logs"
if [ "$overall" -eq 0 ]; then echo "make test: every part passed"; else echo "make test: FAILED (see the parts above)"; fi
exit "$overall"
