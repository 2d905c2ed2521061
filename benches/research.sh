#!/usr/bin/env bash
# Seeds a synthetic corpus into a fresh SQLite data dir and times the fixed research query mix
# (p50/p99 per kind, plus each query's plan on stderr).
#   benches/research.sh [VIDEOS] [CREATORS] [DAYS] [RUNS]
# Defaults: 10 M videos, 200 k creators, 365 days, 50 runs per kind. The corpus ends at a fixed
# instant (2026-01-01T00:00Z) so reruns generate identical rows.
set -euo pipefail
VIDEOS=${1:-10000000}
CREATORS=${2:-200000}
DAYS=${3:-365}
RUNS=${4:-50}
DIR=${BENCH_DIR:-$(mktemp -d)}
cargo build --release -p reelbox-cli
/usr/bin/time -v target/release/reelbox seed --data-dir "$DIR" \
  --creators "$CREATORS" --videos "$VIDEOS" --days "$DAYS" --seed 1 \
  --end-ms 1767225600000 --bench "$RUNS"
du -sh "$DIR"
