#!/usr/bin/env bash
# Load: reelbox (release, sandbox mode, SQLite) under a realistic mix at 1,000 connections, and
# creator_info's request rate against a bare axum "hello" handler, both in the same run.
#
#   benches/load.sh                                   # creator_info vs hello 20 s each at 32
#                                                     # connections (3 alternating pairs), then
#                                                     # the mix: 1,000 connections, 2 rounds of
#                                                     # 120 s
#   MIX_SECS=30 ROUNDS=1 CONNS=200 benches/load.sh   # a quick run
#   MODE=metrics benches/load.sh                      # the cost of /metrics: creator_info on a
#                                                     # node with metrics off, then on one with
#                                                     # them on, in alternating pairs (and no mix)
#
# Loopback only; every phase stops by itself. The load generator, the hello reference and the
# server share this machine's cores.
set -euo pipefail
cd "$(dirname "$0")/.."
CONNS=${CONNS:-1000}
MIX_SECS=${MIX_SECS:-120}
ROUNDS=${ROUNDS:-2}
CMP_CONNS=${CMP_CONNS:-32}
CMP_SECS=${CMP_SECS:-20}
CMP_ROUNDS=${CMP_ROUNDS:-3}
DIR=${BENCH_DIR:-$PWD/target/bench-load}
PORT_R=${PORT_R:-18490}
PORT_H=${PORT_H:-18491}

# BIN and LOAD name other builds of the server and the load generator (a debug build, say).
if [ -z "${BIN:-}" ] || [ -z "${LOAD:-}" ]; then
  cargo build --release -q -p reelbox-cli -p reelbox-loadgen
  OUT=${CARGO_TARGET_DIR:-$PWD/target}/release
  BIN=$OUT/reelbox
  LOAD=$OUT/reelbox-load
fi
rm -rf "$DIR" && mkdir -p "$DIR"
# 1,000 server sockets plus the database and the listener; the load generator lifts its own.
ulimit -n "$(ulimit -Hn)"
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

# The spec's per-token limits (20 creator_info a minute, …) would refuse most of the load: every
# server of a run lifts them, and the per-address connection cap (every connection comes from
# 127.0.0.1). Everything else is the default configuration.
serve() { # PORT NAME [ENV=VALUE…]
  local port=$1 name=$2; shift 2
  env REELBOX_LIMITS__RATE_CREATOR_INFO=100000000 REELBOX_LIMITS__RATE_INIT=100000000 \
    REELBOX_LIMITS__RATE_STATUS=100000000 REELBOX_LIMITS__RATE_CANCEL=100000000 \
    REELBOX_LIMITS__MAX_CONNECTIONS_PER_ADDRESS=0 REELBOX_LOG="${REELBOX_LOG:-warn}" "$@" \
    "$BIN" serve --mode sandbox --listen "127.0.0.1:$port" --data-dir "$DIR/$name-data" > "$DIR/$name.log" 2>&1 &
}
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }

if [ "${MODE:-}" = metrics ]; then
  PORT_M=${PORT_M:-18492}
  serve "$PORT_R" off; OPID=$!
  serve "$PORT_M" on REELBOX_METRICS__ENABLED=true; MPID=$!
  until curl -sf "127.0.0.1:$PORT_R/healthz" >/dev/null && curl -sf "127.0.0.1:$PORT_M/healthz" >/dev/null; do
    kill -0 "$OPID" "$MPID" 2>/dev/null || { tail -n 5 "$DIR"/off.log "$DIR"/on.log; exit 1; }
    sleep 0.1
  done
  echo "== creator_info, metrics off vs on: $CMP_CONNS connections, $CMP_SECS s each, $CMP_ROUNDS alternating pairs"
  for i in $(seq 1 "$CMP_ROUNDS"); do
    for side in off on; do
      if [ $side = off ]; then port=$PORT_R pid=$OPID; else port=$PORT_M pid=$MPID; fi
      REELBOX_ADMIN_TOKEN=$(cat "$DIR/$side-data/admin-token") ; export REELBOX_ADMIN_TOKEN
      c0=$(cpu "$pid")
      "$LOAD" run --target "http://127.0.0.1:$port" --scenario creator-info --label "metrics-$side" \
        --connections "$CMP_CONNS" --duration "$CMP_SECS" --pid "$pid" --json "$DIR/$side-$i.json"
      echo "$(( $(cpu "$pid") - c0 ))" > "$DIR/cpu-$side-$i.txt"
    done
  done
  # One scrape, to show what the node with metrics on counted.
  curl -sf "127.0.0.1:$PORT_M/metrics" | grep -F 'creator_info' | grep -F '_total' || true
  python3 - "$DIR" "$CMP_ROUNDS" "$(getconf CLK_TCK)" <<'PY'
import json, sys, statistics
d, n, tck = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ratios, cpus = [], []
for i in range(1, n + 1):
    off = json.load(open(f"{d}/off-{i}.json"))["rounds"][0]["endpoints"]["all"]
    on = json.load(open(f"{d}/on-{i}.json"))["rounds"][0]["endpoints"]["all"]
    c_off = int(open(f"{d}/cpu-off-{i}.txt").read()) * 1e6 / tck / off["requests"]
    c_on = int(open(f"{d}/cpu-on-{i}.txt").read()) * 1e6 / tck / on["requests"]
    ratios.append(on["rps"] / off["rps"]); cpus.append((c_off, c_on))
    print(f"pair {i}: off {off['rps']:.0f} req/s, p99 {off['p99_ms']:.2f} ms, {c_off:.1f} us CPU/request; "
          f"on {on['rps']:.0f} req/s, p99 {on['p99_ms']:.2f} ms, {c_on:.1f} us CPU/request; ratio {ratios[-1]:.3f}")
print(f"\nmedian on/off ratio {statistics.median(ratios):.3f}; median CPU per request "
      f"{statistics.median(c[0] for c in cpus):.1f} us off, {statistics.median(c[1] for c in cpus):.1f} us on")
PY
  exit 0
fi

"$LOAD" hello --listen "127.0.0.1:$PORT_H" > "$DIR/hello.log" 2>&1 &
HPID=$!

serve "$PORT_R" reelbox
RPID=$!
until curl -sf "127.0.0.1:$PORT_R/healthz" >/dev/null && curl -sf "127.0.0.1:$PORT_H/" >/dev/null; do sleep 0.1; done
export REELBOX_ADMIN_TOKEN; REELBOX_ADMIN_TOKEN=$(cat "$DIR/reelbox-data/admin-token")

echo "== creator_info vs bare axum hello: $CMP_CONNS connections, $CMP_SECS s each, $CMP_ROUNDS alternating pairs"
# The two share the machine with the load generator, and a virtual machine's speed drifts from
# minute to minute: pairs run back to back and the median pair is the figure. The server's CPU
# time per request (from /proc) is printed too: it does not depend on how the cores are shared.
for i in $(seq 1 "$CMP_ROUNDS"); do
  h0=$(cpu "$HPID")
  "$LOAD" run --target "http://127.0.0.1:$PORT_H" --bare --scenario creator-info --label hello \
    --connections "$CMP_CONNS" --duration "$CMP_SECS" --pid "$HPID" --json "$DIR/hello-$i.json"
  h1=$(cpu "$HPID"); r0=$(cpu "$RPID")
  "$LOAD" run --target "http://127.0.0.1:$PORT_R" --scenario creator-info --label reelbox \
    --connections "$CMP_CONNS" --duration "$CMP_SECS" --pid "$RPID" --json "$DIR/creator_info-$i.json"
  r1=$(cpu "$RPID")
  echo "$((h1 - h0)) $((r1 - r0))" > "$DIR/cpu-$i.txt"
done
python3 - "$DIR" "$CMP_ROUNDS" "$(getconf CLK_TCK)" <<'PY'
import json, sys, statistics
d, n, tck = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
pairs = []
for i in range(1, n + 1):
    h = json.load(open(f"{d}/hello-{i}.json"))["rounds"][0]["endpoints"]["all"]
    c = json.load(open(f"{d}/creator_info-{i}.json"))["rounds"][0]["endpoints"]["all"]
    ht, ct = (int(x) for x in open(f"{d}/cpu-{i}.txt").read().split())
    pairs.append((c["rps"] / h["rps"], h, c, ht * 1e6 / tck / h["requests"], ct * 1e6 / tck / c["requests"]))
    r = pairs[-1]
    print(f"pair {i}: creator_info {c['rps']:.0f} req/s vs hello {h['rps']:.0f} req/s: ratio {r[0]:.2f}; "
          f"creator_info p99 {c['p99_ms']:.2f} ms; server CPU per request {r[4]:.1f} us vs {r[3]:.1f} us")
ratios = sorted(p[0] for p in pairs)
print(f"\nmedian ratio {statistics.median(ratios):.2f} (goal >= 0.5), range {ratios[0]:.2f}-{ratios[-1]:.2f}; "
      f"creator_info p99 at most {max(p[2]['p99_ms'] for p in pairs):.2f} ms (goal < 5 ms)")
PY
kill "$HPID"; wait "$HPID" 2>/dev/null || true

echo
echo "== mix: $CONNS connections, $ROUNDS round(s) of $MIX_SECS s"
"$LOAD" run --target "http://127.0.0.1:$PORT_R" --scenario mix --label reelbox \
  --connections "$CONNS" --duration "$MIX_SECS" --rounds "$ROUNDS" --pid "$RPID" --json "$DIR/mix.json"
kill -TERM "$RPID"; wait "$RPID" 2>/dev/null || true
# Levels as the log prints them (colour codes stripped); WARN lines are counted by message.
plain() { sed -E 's/\x1b\[[0-9;]*m//g' "$DIR/reelbox.log"; }
echo "server log lines at ERROR or with a panic: $(plain | grep -cE '^[^ ]+ +ERROR|panicked' || true)"
plain | grep -E '^[^ ]+ +WARN' | sed -E 's/^[^ ]+ +WARN +//' | sort | uniq -c | sort -rn | head -5 || true
