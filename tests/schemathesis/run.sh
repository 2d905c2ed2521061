#!/usr/bin/env bash
# Schema-driven API testing: schemathesis against the served /openapi.json, every operation, with a
# valid creator token for the wire API, the app's client token for the Research API and the admin
# token for the control API. Fails on any 5xx,
# any response that breaks the documented schema, and any JSON answer outside TikTok's envelope.
#   tests/schemathesis/run.sh [MAX_EXAMPLES]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-25}
command -v st >/dev/null 2>&1 || pip install -q schemathesis
BIN=${REELBOX_BIN:-target/debug/reelbox}
[ -x "$BIN" ] || cargo build -q -p reelbox-cli
DIR=$(mktemp -d)
PORT=${PORT:-18610}
"$BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$DIR" > "$DIR/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; rm -rf "$DIR"' EXIT
until curl -sf "127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.05; done
ADMIN=$(cat "$DIR/admin-token")
H="Authorization: Bearer $ADMIN"
APP=$(curl -sf -XPOST "127.0.0.1:$PORT/_reelbox/apps" -H "$H" -d '{"name":"schema","audited":true,"scopes":["user.info.basic","user.info.profile","user.info.stats","video.list","video.publish","video.upload","research.data.basic","research.adlib.basic","portability.all.ongoing"],"redirect_uris":["https://a.example/cb/"]}')
field() { python3 -c "import json,sys;print(json.load(sys.stdin)$1)"; }
KEY=$(field '["data"]["client_key"]' <<<"$APP")
SECRET=$(field '["data"]["client_secret"]' <<<"$APP")
curl -sf -XPOST "127.0.0.1:$PORT/_reelbox/creators" -H "$H" -d '{"username":"schema_user"}' >/dev/null
TOKEN=$(curl -sf -XPOST "127.0.0.1:$PORT/_reelbox/tokens" -H "$H" -d "{\"client_key\":\"$KEY\",\"username\":\"schema_user\"}" | field '["access_token"]')
# The Research API takes the app's client token (client_credentials), not a creator's.
CLIENT_TOKEN=$(curl -sf -XPOST "127.0.0.1:$PORT/v2/oauth/token/" --data-urlencode "client_key=$KEY" --data-urlencode "client_secret=$SECRET" -d grant_type=client_credentials | field '["access_token"]')
export SCHEMATHESIS_HOOKS=tests.schemathesis.hooks
export PYTHONPATH=$PWD
common=(-c not_a_server_error,response_schema_conformance,tiktok_envelope -n "$N" --generation-deterministic --phases examples,fuzzing --suppress-health-check=filter_too_much)
echo "== wire API (creator token)"
st run "http://127.0.0.1:$PORT/openapi.json" -H "Authorization: Bearer $TOKEN" --exclude-path-regex '^/(_reelbox|v2/research/|reelbox/v1/)' "${common[@]}"
echo "== Research API (client token)"
st run "http://127.0.0.1:$PORT/openapi.json" -H "Authorization: Bearer $CLIENT_TOKEN" --include-path-regex '^/(v2/research|reelbox/v1)/' "${common[@]}"
echo "== control API (admin token)"
st run "http://127.0.0.1:$PORT/openapi.json" -H "Authorization: Bearer $ADMIN" --include-path-regex '^/_reelbox' --exclude-path-regex '^/_reelbox/(seed|clock|reset|snapshot|calls/live|webhooks/live)' "${common[@]}"
# The live streams (the inspector's, `reelbox listen`'s) stay open until its reader leaves, which a fuzzer never does: its
# queries and refusals are fuzzed without the admin token (every answer is the envelope's 401);
# the streams themselves are covered by the behaviour suite (control::live, control::workbench).
echo "== control API streams (no token)"
st run "http://127.0.0.1:$PORT/openapi.json" --include-path-regex '^/_reelbox/(calls|webhooks)/live$' "${common[@]}"
echo "== control API for test suites (last: a reset empties what the runs above used)"
st run "http://127.0.0.1:$PORT/openapi.json" -H "Authorization: Bearer $ADMIN" --include-path-regex '^/_reelbox/(reset|snapshot|seed/apply)' "${common[@]}"
