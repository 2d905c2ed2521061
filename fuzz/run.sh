#!/usr/bin/env bash
# Builds every fuzz target once, then runs each for SECONDS (default 20) with libFuzzer, starting
# from the seeds in fuzz/corpus/<target>/, or until RUNS executions when RUNS is given, whichever
# comes first. Prints executions and the outcome per target; exits non-zero if any target crashed
# (the crashing input's path is printed, under fuzz/artifacts/).
#
#   fuzz/run.sh [SECONDS] [RUNS]
#   fuzz/run.sh 1800 10000000     # depth: each target to 10 M executions or 30 min (not in CI)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). RUSTC_BOOTSTRAP lets its -Z flags work
# on a stable toolchain.
set -uo pipefail
cd "$(dirname "$0")"
secs="${1:-20}"
runs="${2:-}"
export RUSTC_BOOTSTRAP=1

command -v cargo-fuzz >/dev/null 2>&1 || { echo "cargo-fuzz is required: cargo install cargo-fuzz --locked"; exit 2; }
echo "building fuzz targets"
cargo fuzz build || { echo "fuzz build failed"; exit 2; }

# Seeds stay untouched: libFuzzer writes new inputs into the first corpus directory only.
work=target/fuzz-work
mkdir -p "$work"
failed=0
summary=()
for t in $(cargo fuzz list); do
  mkdir -p "$work/corpus/$t" "corpus/$t"
  log="$work/$t.log"
  echo "== $t (${secs}s)"
  cargo fuzz run "$t" "$work/corpus/$t" "corpus/$t" -- \
    -max_total_time="$secs" ${runs:+-runs="$runs"} -print_final_stats=1 -timeout=10 >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
  [ -n "$execs" ] || execs=$(grep -o '^#[0-9]* *DONE' "$log" | tail -1 | grep -o '[0-9]\+')
  [ -n "$execs" ] || execs="?"
  if [ "$rc" -eq 0 ]; then
    outcome="no crash"
  else
    failed=1
    artifact=$(grep -o 'Test unit written to [^ ]*' "$log" | tail -1 | sed 's/Test unit written to //')
    outcome="CRASH (exit $rc) artifact: ${artifact:-none written, see $log}"
    grep -m1 -E 'panicked at|ERROR: (libFuzzer|AddressSanitizer)' "$log" || true
    tail -n 30 "$log"
  fi
  echo "$t: $execs executions, $outcome"
  summary+=("$(printf '%-18s %12s  %s' "$t" "$execs" "$outcome")")
done

# media_probe works on a scratch file per process.
rm -f "${TMPDIR:-/tmp}"/reelbox-fuzz-probe-*

echo
echo "target             executions  outcome (${secs}s each${runs:+, at most $runs executions})"
printf '%s\n' "${summary[@]}"
exit "$failed"
