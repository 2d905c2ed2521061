#!/usr/bin/env bash
# Upload throughput of reelbox's chunked PUT against nginx's WebDAV PUT, both durable, on the same
# disk, in one run; then reelbox's peak RSS during a 4 GiB upload.
#
#   benches/upload.sh            # 1 GiB in 64 MiB chunks, then the 4 GiB RSS run
#   SIZE_MB=256 BIG_MB=0 benches/upload.sh   # a quick run
#
# Needs: Debian's nginx and curl. Loopback only; stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MB=${SIZE_MB:-1024}
BIG_MB=${BIG_MB:-4096}
CHUNK_MB=64
DIR=${BENCH_DIR:-$PWD/target/bench-upload}
PORT_R=${PORT_R:-18480}
PORT_N=${PORT_N:-18481}

cargo build --release -q -p reelbox-cli
BIN=$PWD/target/release/reelbox
rm -rf "$DIR" && mkdir -p "$DIR"/{nginx/root,nginx/tmp,nginx/logs,chunks}
trap 'kill $(jobs -p) 2>/dev/null || true; [ -f "$DIR/nginx/nginx.pid" ] && kill "$(cat "$DIR/nginx/nginx.pid")" 2>/dev/null || true' EXIT

now() { date +%s.%N; }
mbps() { python3 -c "print(f'{$1/1048576/($3-$2):.1f}')"; }

make_file() { # $1 MB -> $DIR/file.bin split into $DIR/chunks/
  rm -f "$DIR/file.bin" "$DIR"/chunks/*
  head -c "$(( $1 * 1048576 ))" /dev/urandom > "$DIR/file.bin"
  split -b "${CHUNK_MB}M" -d -a 4 "$DIR/file.bin" "$DIR/chunks/c"
  sync
}

# --- nginx: WebDAV PUT, then sync -d of the stored file (as durable as reelbox's per-chunk fsync)
cat > "$DIR/nginx/nginx.conf" <<CONF
daemon on;
user root;
pid $DIR/nginx/nginx.pid;
error_log $DIR/nginx/logs/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $DIR/nginx/tmp;
  server {
    listen 127.0.0.1:$PORT_N;
    location / {
      root $DIR/nginx/root;
      dav_methods PUT;
      client_max_body_size 0;
      client_body_buffer_size 1m;
    }
  }
}
CONF
nginx -c "$DIR/nginx/nginx.conf" -p "$DIR/nginx"

# --- reelbox on embedded defaults
"$BIN" serve --listen "127.0.0.1:$PORT_R" --data-dir "$DIR/reelbox-data" > "$DIR/serve.log" 2>&1 &
RPID=$!
until curl -sf "127.0.0.1:$PORT_R/healthz" >/dev/null; do sleep 0.05; done
ADMIN=$(cat "$DIR/reelbox-data/admin-token")
api() { curl -sf -X "$1" "127.0.0.1:$PORT_R$2" -H "Authorization: Bearer $ADMIN" -d "$3"; }
KEY=$(api POST /_reelbox/apps '{"name":"bench","audited":true,"scopes":["video.publish"],"redirect_uris":["https://a.example/cb/"]}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["data"]["client_key"])')
api POST /_reelbox/creators '{"username":"bench","daily_post_cap":100000}' >/dev/null
TOKEN=$(api POST /_reelbox/tokens "{\"client_key\":\"$KEY\",\"username\":\"bench\"}" | python3 -c 'import json,sys;print(json.load(sys.stdin)["access_token"])')

reelbox_upload() { # uploads $DIR/file.bin of $1 MB in 64 MiB chunks; prints seconds
  local size=$(( $1 * 1048576 )) chunk=$(( CHUNK_MB * 1048576 )) count=$(( $1 / CHUNK_MB ))
  local init url first=0 t0 t1
  init=$(curl -sf -X POST "127.0.0.1:$PORT_R/v2/post/publish/video/init/" -H "Authorization: Bearer $TOKEN" \
    -d "{\"post_info\":{\"privacy_level\":\"SELF_ONLY\"},\"source_info\":{\"source\":\"FILE_UPLOAD\",\"video_size\":$size,\"chunk_size\":$chunk,\"total_chunk_count\":$count}}")
  url=$(echo "$init" | python3 -c 'import json,sys;print(json.load(sys.stdin)["data"]["upload_url"])')
  t0=$(now)
  for f in "$DIR"/chunks/c*; do
    local n; n=$(stat -c %s "$f")
    local code; code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$url" -H 'Content-Type: video/mp4' \
      -H "Content-Range: bytes $first-$(( first + n - 1 ))/$size" -T - < "$f")
    [ "$code" = 206 ] || [ "$code" = 201 ] || { echo "chunk at $first answered $code" >&2; exit 1; }
    first=$(( first + n ))
  done
  t1=$(now)
  python3 -c "print($t1-$t0)"
}

echo "== $SIZE_MB MiB, ${CHUNK_MB} MiB chunks, same disk ($(df --output=source "$DIR" | tail -1))"
make_file "$SIZE_MB"
t0=$(now)
curl -sf -T "$DIR/file.bin" "http://127.0.0.1:$PORT_N/file.bin" -o /dev/null
sync -d "$DIR/nginx/root/file.bin"
t1=$(now)
N=$(mbps $(( SIZE_MB * 1048576 )) "$t0" "$t1")
secs=$(reelbox_upload "$SIZE_MB")
R=$(python3 -c "print(f'{$SIZE_MB/$secs:.1f}')")
echo "nginx PUT + sync -d : $N MiB/s"
echo "reelbox chunked PUT : $R MiB/s (every chunk fsynced before its 206/201)"
echo "ratio reelbox/nginx : $(python3 -c "print(f'{$R/$N:.2f}')")"

if [ -n "${S3_ENDPOINT:-}" ]; then
  # The same upload into an S3-compatible store (REELBOX storage s3://…), in the same run.
  BUCKET=reelbox-bench-$$
  curl -sf -X PUT "$S3_ENDPOINT/$BUCKET" >/dev/null
  PORT_S=$((PORT_R + 2))
  AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test} AWS_REGION=${AWS_REGION:-us-east-1} \
    "$BIN" serve --listen "127.0.0.1:$PORT_S" --data-dir "$DIR/reelbox-s3" --admin-token "$ADMIN" \
    --storage "s3://$BUCKET?endpoint=$S3_ENDPOINT&region=us-east-1" > "$DIR/serve-s3.log" 2>&1 &
  until curl -sf "127.0.0.1:$PORT_S/healthz" >/dev/null; do sleep 0.05; done
  save_r=$PORT_R; save_t=$TOKEN; PORT_R=$PORT_S
  KEY=$(api POST /_reelbox/apps '{"name":"bench","audited":true,"scopes":["video.publish"],"redirect_uris":["https://a.example/cb/"]}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["data"]["client_key"])')
  api POST /_reelbox/creators '{"username":"bench","daily_post_cap":100000}' >/dev/null
  TOKEN=$(api POST /_reelbox/tokens "{\"client_key\":\"$KEY\",\"username\":\"bench\"}" | python3 -c 'import json,sys;print(json.load(sys.stdin)["access_token"])')
  secs=$(reelbox_upload "$SIZE_MB")
  S=$(python3 -c "print(f'{$SIZE_MB/$secs:.1f}')")
  echo "reelbox chunked PUT into S3 ($S3_ENDPOINT): $S MiB/s vs local disk $R MiB/s (ratio $(python3 -c "print(f'{$S/$R:.2f}')"))"
  PORT_R=$save_r; TOKEN=$save_t
fi

if [ "$BIG_MB" -gt 0 ]; then
  echo "== peak RSS of reelbox during a $BIG_MB MiB upload"
  rm -f "$DIR/nginx/root/file.bin"
  make_file "$BIG_MB"
  base=$(awk '/VmRSS/ {print $2}' /proc/$RPID/status)
  ( peak=0; while kill -0 $RPID 2>/dev/null; do r=$(awk '/VmRSS/ {print $2}' /proc/$RPID/status); [ "$r" -gt "$peak" ] && peak=$r && echo "$peak" > "$DIR/peak"; sleep 0.05; done ) &
  secs=$(reelbox_upload "$BIG_MB")
  peak=$(cat "$DIR/peak")
  echo "RSS before: $(( base / 1024 )) MiB, peak during: $(( peak / 1024 )) MiB, growth: $(( (peak - base) / 1024 )) MiB; $(python3 -c "print(f'{$BIG_MB/$secs:.1f}')") MiB/s"
fi
