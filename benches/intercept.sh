#!/usr/bin/env bash
# The latency interception adds: one call (GET /v2/user/info/) sent to reelbox directly and the
# same call to https://open.tiktokapis.com through the proxy, in the same run, alternating, from
# one Python requests client (kept-alive connections, then a new connection per call).
#
#   benches/intercept.sh                 # release build, 2,000 kept-alive and 200 new-connection calls per side
#   BIN=target/debug/reelbox N=500 benches/intercept.sh
#
# Loopback only; the client and the server share this machine's cores.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-2000}
PORT=${PORT:-18495}
DIR=${BENCH_DIR:-$PWD/target/bench-intercept}
if [ -z "${BIN:-}" ]; then
  cargo build --release -q -p reelbox-cli
  BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/reelbox
fi
rm -rf "$DIR" && mkdir -p "$DIR"
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
TOKEN=bench-admin-token-0123456789abcdef0123
REELBOX_LIMITS__RATE_DISPLAY=100000000 REELBOX_LIMITS__MAX_CONNECTIONS_PER_ADDRESS=0 \
  "$BIN" serve --intercept --listen "127.0.0.1:$PORT" --data-dir "$DIR/data" \
  --admin-token "$TOKEN" > "$DIR/server.log" 2>&1 &
BASE=http://127.0.0.1:$PORT
for _ in $(seq 100); do curl -fs "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
ctl() { curl -fsS -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$@"; }
KEY=$(ctl "$BASE/_reelbox/apps" -d '{"name":"bench","scopes":["user.info.basic"],"redirect_uris":["https://a.example/cb/"]}' | jq -r .data.client_key)
ctl "$BASE/_reelbox/creators" -d '{"username":"bench"}' >/dev/null
ACCESS=$(ctl "$BASE/_reelbox/tokens" -d "{\"client_key\":\"$KEY\",\"username\":\"bench\",\"scopes\":[\"user.info.basic\"]}" | jq -r .access_token)
eval "$("$BIN" ca --data-dir "$DIR/data" --proxy "$BASE" --env sh)"
BASE=$BASE ACCESS=$ACCESS N=$N python3 - <<'PY'
import os, statistics, time, requests
n = int(os.environ["N"]); auth = {"Authorization": "Bearer " + os.environ["ACCESS"]}
direct = os.environ["BASE"] + "/v2/user/info/?fields=open_id"
proxied = "https://open.tiktokapis.com/v2/user/info/?fields=open_id"
def timed(session_or_none, url, calls):
    out = []
    for _ in range(calls):
        t = time.perf_counter()
        r = (session_or_none or requests).get(url, headers=auth)
        out.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, r.text
    return out
for label, calls, sess in (("kept-alive", n, True), ("new connection", n // 10, False)):
    d_s, p_s = (requests.Session() if sess else None), (requests.Session() if sess else None)
    timed(d_s, direct, 20); timed(p_s, proxied, 20)
    d, p = [], []
    for _ in range(10):  # alternate in slices so both sides see the same machine
        d += timed(d_s, direct, calls // 10); p += timed(p_s, proxied, calls // 10)
    q = lambda xs, f: statistics.quantiles(xs, n=100)[f - 1]
    print(f"{label}: {calls} calls each | direct p50 {statistics.median(d):.2f} ms p99 {q(d, 99):.2f} ms"
          f" | through the proxy p50 {statistics.median(p):.2f} ms p99 {q(p, 99):.2f} ms"
          f" | added p50 {statistics.median(p) - statistics.median(d):.2f} ms")
PY
