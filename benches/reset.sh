#!/usr/bin/env bash
# How long `POST /_reelbox/reset` takes with a typical test fixture in place: each round makes
# the state a test body leaves (an app, a creator, tokens, a posted video with its cover, calls
# in the call log, a fault), then times the reset. Two servers: one reset to empty, one reset to
# examples/seed.toml (two apps, two creators, a token, two posts from media files, …).
#
#   benches/reset.sh                              # release build, SQLite + local disk, 30 rounds
#   BIN=target/debug/reelbox N=10 benches/reset.sh
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reset STORAGE='s3://bench-reset?endpoint=http://127.0.0.1:5599&region=us-east-1' benches/reset.sh
#
# The PostgreSQL database (and S3 bucket) must exist and be empty; loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-30}
PORT=${PORT:-18497}
DIR=${BENCH_DIR:-$PWD/target/bench-reset}
if [ -z "${BIN:-}" ]; then
  cargo build --release -q -p reelbox-cli
  BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/reelbox
fi
rm -rf "$DIR" && mkdir -p "$DIR"
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
TOKEN=bench-admin-token-0123456789abcdef0123
VIDEO=$PWD/testdata/media/h264_720x1280_30fps.mp4
SIZE=$(stat -c %s "$VIDEO")
ctl() { curl -fsS -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$@"; }

bench() { # label, extra serve flags…
  local label=$1; shift
  local args=(serve --listen "127.0.0.1:$PORT" --data-dir "$DIR/$label" --admin-token "$TOKEN" "$@")
  [ -n "${DATABASE_URL:-}" ] && args+=(--database-url "$DATABASE_URL")
  [ -n "${STORAGE:-}" ] && args+=(--storage "$STORAGE")
  "$BIN" "${args[@]}" > "$DIR/$label.log" 2>&1 &
  local pid=$!
  local base=http://127.0.0.1:$PORT
  for _ in $(seq 200); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
  local times=()
  for i in $(seq "$N"); do
    key=$(ctl "$base/_reelbox/apps" -d '{"name":"bench","audited":true,"scopes":["user.info.basic","video.publish","video.upload"],"redirect_uris":["https://a.example/cb/"]}' | jq -r .data.client_key)
    ctl "$base/_reelbox/creators" -d '{"username":"bencher"}' >/dev/null
    access=$(ctl "$base/_reelbox/tokens" -d "{\"client_key\":\"$key\",\"username\":\"bencher\"}" | jq -r .access_token)
    init=$(curl -fsS "$base/v2/post/publish/video/init/" -H "Authorization: Bearer $access" -H 'Content-Type: application/json' \
      -d "{\"post_info\":{\"privacy_level\":\"SELF_ONLY\"},\"source_info\":{\"source\":\"FILE_UPLOAD\",\"video_size\":$SIZE,\"chunk_size\":$SIZE,\"total_chunk_count\":1}}")
    url=$(jq -r .data.upload_url <<<"$init"); id=$(jq -r .data.publish_id <<<"$init")
    curl -fsS -X PUT "$url" -H 'Content-Type: video/mp4' -H "Content-Range: bytes 0-$((SIZE-1))/$SIZE" --data-binary @"$VIDEO" -o /dev/null
    for _ in $(seq 200); do
      s=$(curl -fsS "$base/v2/post/publish/status/fetch/" -H "Authorization: Bearer $access" -H 'Content-Type: application/json' -d "{\"publish_id\":\"$id\"}" | jq -r .data.status)
      [ "$s" = PUBLISH_COMPLETE ] && break; sleep 0.05
    done
    ctl "$base/_reelbox/faults" -d '{"endpoint":"creator_info","error_code":"spam_risk_too_many_posts"}' >/dev/null
    times+=("$(curl -fsS -o /dev/null -w '%{time_total}' -X POST "$base/_reelbox/reset" -H "Authorization: Bearer $TOKEN")")
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  printf '%s\n' "${times[@]}" | python3 -c "
import statistics, sys
xs = sorted(float(l) * 1000 for l in sys.stdin)
q = lambda f: xs[min(len(xs) - 1, int(round(f * (len(xs) - 1))))]
print(f'$label: {len(xs)} resets | p50 {statistics.median(xs):.1f} ms | p90 {q(0.9):.1f} ms | max {xs[-1]:.1f} ms')"
}

bench to-empty
# On PostgreSQL both runs share the database; the first leaves it empty, as the seed needs.
bench to-seed --seed "$PWD/examples/seed.toml"
