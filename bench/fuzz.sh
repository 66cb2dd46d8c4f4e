#!/usr/bin/env bash
# Fuzzes the parsers of untrusted input with cargo fuzz (libFuzzer; needs the nightly toolchain
# and `cargo install cargo-fuzz --locked`): each target in fuzz/fuzz_targets for SECONDS, starting
# from the hand-written seeds in fuzz/seeds/TARGET plus the corpus kept from earlier runs
# (fuzz/corpus, not committed). Prints, per target, the seconds, runs and whether it crashed; a
# crash leaves its input in fuzz/artifacts/TARGET (add it as a unit test next to the parser).
# Usage: bench/fuzz.sh [SECONDS]    (default 60)   TARGETS="cql2 bbox" to pick targets.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-60}
targets=${TARGETS:-$(cargo +nightly fuzz list)}
cargo +nightly fuzz build -O
printf '%-10s %8s %12s  %s\n' target seconds runs result
failed=0
for t in $targets; do
  mkdir -p "corpus/$t" "seeds/$t"
  log=$(mktemp)
  result=ok
  # One job, capped memory: the machine is shared. -max_len bounds an input near the real limits
  # (a filter is at most a few kB; the import targets get small files: their faults are in
  # structure, and the size limits are tested in tests/api).
  cargo +nightly fuzz run -O "$t" "corpus/$t" "seeds/$t" -- -max_total_time="$seconds" \
    -max_len=4096 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1 || { result="CRASH (see fuzz/artifacts/$t)"; failed=1; }
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  printf '%-10s %8s %12s  %s\n' "$t" "$seconds" "${runs:-?}" "$result"
  [ "$result" = ok ] || grep -E 'panicked|ERROR|Test unit written' "$log" | head -5 >&2
  rm -f "$log"
done
exit "$failed"
