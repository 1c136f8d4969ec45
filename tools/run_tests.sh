#!/usr/bin/env bash
# `make test`: run every part of the suite even when one fails, then say how each went,
# so a failure on SQLite never hides the PostgreSQL results.
set -u
cd "$(dirname "$0")/.."
parts=(test-js test-sqlite test-postgres)
declare -A result secs
overall=0
for part in "${parts[@]}"; do
  echo "== make $part"
  start=$SECONDS
  if make --no-print-directory "$part"; then result[$part]=passed; else result[$part]=FAILED; overall=1; fi
  secs[$part]=$((SECONDS - start))
done
echo
echo "== make test: summary"
for part in "${parts[@]}"; do
  printf '   %-14s %-7s %5d s\n' "$part" "${result[$part]}" "${secs[$part]}"
done
if [ "$overall" -eq 0 ]; then echo "make test: every part passed"; else echo "make test: FAILED (see the parts above)"; fi
exit "$overall"
