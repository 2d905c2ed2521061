#!/usr/bin/env bash
# Renditions: how long the `render` job takes per minute of 720p video, through a real server.
# A 60-second 1280×720 30 fps H.264/AAC clip (ffmpeg's test pattern and a tone) is posted with a
# Direct Post; the time from the last chunk's 201 to both renditions (720p and 480p) being served
# is the figure (it includes the probe and the cover, a fraction of a second). Then the same
# ffmpeg command the job runs, timed alone, for reference. Then, unless METRICS=0, the cost of
# /metrics on the creator_info path in the same sitting (`MODE=metrics benches/load.sh`).
#
#   benches/renditions.sh                         # release build
#   BIN=target/debug/reelbox LOAD=target/debug/reelbox-load benches/renditions.sh
#   SECS=30 METRICS=0 benches/renditions.sh       # a shorter clip, renditions only
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${SECS:-60}
PORT=${PORT:-18493}
DIR=${BENCH_DIR:-$PWD/target/bench-renditions}
if [ -z "${BIN:-}" ]; then
  cargo build --release -q -p reelbox-cli -p reelbox-loadgen
  BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/reelbox
fi
rm -rf "$DIR" && mkdir -p "$DIR"
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

CLIP=$DIR/clip720.mp4
ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=$SECS" \
  -f lavfi -i "sine=frequency=440:duration=$SECS" -c:v libx264 -preset veryfast -pix_fmt yuv420p \
  -c:a aac -shortest "$CLIP"
SIZE=$(stat -c %s "$CLIP")

REELBOX_LOG=${REELBOX_LOG:-warn} "$BIN" serve --mode sandbox --listen "127.0.0.1:$PORT" --data-dir "$DIR/data" > "$DIR/server.log" 2>&1 &
until curl -sf "127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.1; done
H="Authorization: Bearer $(cat "$DIR/data/admin-token")"
B="http://127.0.0.1:$PORT"
field() { python3 -c "import json,sys; v=json.load(sys.stdin); print(eval('v'+sys.argv[1]))" "$1"; }
KEY=$(curl -sf -XPOST "$B/_reelbox/apps" -H "$H" -d '{"name":"bench","audited":true,"scopes":["video.publish","video.upload"],"redirect_uris":["https://a.example/cb/"]}' | field '["data"]["client_key"]')
curl -sf -XPOST "$B/_reelbox/creators" -H "$H" -d '{"username":"bench","max_video_post_duration_sec":600}' >/dev/null
TOKEN=$(curl -sf -XPOST "$B/_reelbox/tokens" -H "$H" -d "{\"client_key\":\"$KEY\",\"username\":\"bench\"}" | field '["access_token"]')
INIT=$(curl -sf -XPOST "$B/v2/post/publish/video/init/" -H "Authorization: Bearer $TOKEN" \
  -d "{\"post_info\":{\"title\":\"bench\",\"privacy_level\":\"PUBLIC_TO_EVERYONE\"},\"source_info\":{\"source\":\"FILE_UPLOAD\",\"video_size\":$SIZE,\"chunk_size\":$SIZE,\"total_chunk_count\":1}}")
URL=$(echo "$INIT" | field '["data"]["upload_url"]')
ID=$(echo "$INIT" | field '["data"]["publish_id"]')
curl -sf -XPUT "$URL" -H 'Content-Type: video/mp4' -H "Content-Range: bytes 0-$((SIZE - 1))/$SIZE" --data-binary @"$CLIP" -o /dev/null
T0=$(date +%s.%N)
until [ "$(curl -s -XPOST "$B/v2/post/publish/status/fetch/" -H "Authorization: Bearer $TOKEN" -d "{\"publish_id\":\"$ID\"}" | field '["data"]["status"]')" = PUBLISH_COMPLETE ]; do sleep 0.2; done
POST=$(curl -s -XPOST "$B/v2/post/publish/status/fetch/" -H "Authorization: Bearer $TOKEN" -d "{\"publish_id\":\"$ID\"}" | field '["data"]["publicaly_available_post_id"][0]')
until curl -sf -o /dev/null "$B/media/$POST/rendition/720" && curl -sf -o /dev/null "$B/media/$POST/rendition/480"; do sleep 0.2; done
T1=$(date +%s.%N)
kill %1; wait 2>/dev/null || true

# The job's own ffmpeg command (reelbox_media::render_mp4, 2 threads), timed alone.
alone() { # SIDE
  local s=$1 t0 t1
  t0=$(date +%s.%N)
  ffmpeg -hide_banner -nostdin -loglevel error -y -threads 2 -i "$CLIP" -map 0:v:0 -map '0:a:0?' -sn -dn \
    -vf "scale='if(gte(iw,ih),-2,min($s,iw))':'if(gte(iw,ih),min($s,ih),-2)',format=yuv420p" \
    -c:v libx264 -preset veryfast -crf 23 -profile:v high -threads 2 -c:a aac -b:a 128k -ac 2 \
    -movflags +faststart -f mp4 "$DIR/alone-$s.mp4"
  t1=$(date +%s.%N)
  python3 -c "print(f'{$t1 - $t0:.1f}')"
}
A720=$(alone 720); A480=$(alone 480)
python3 - "$T0" "$T1" "$SECS" "$A720" "$A480" <<'PY'
import sys
t0, t1, secs, a720, a480 = (float(x) for x in sys.argv[1:])
total = t1 - t0
print(f"clip: {secs:.0f} s of 1280x720 30 fps; cores: shared")
print(f"through the server (upload complete -> 720p and 480p served): {total:.1f} s, "
      f"{total * 60 / secs:.1f} s per minute of 720p video")
print(f"ffmpeg alone: 720p {a720:.1f} s, 480p {a480:.1f} s ({(a720 + a480) * 60 / secs:.1f} s per minute)")
PY
if [ "${METRICS:-1}" != 0 ]; then
  echo
  BIN=$BIN LOAD=${LOAD:-$(dirname "$BIN")/reelbox-load} MODE=metrics benches/load.sh
fi
