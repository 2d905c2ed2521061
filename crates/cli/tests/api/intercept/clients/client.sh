#!/usr/bin/env bash
# A TikTok client in curl: TikTok's production URLs written out, run against reelbox with
# environment variables only (`reelbox ca --env`).
set -euo pipefail
json() { jq -er "$1"; }
token=$(curl -sS --fail https://open.tiktokapis.com/v2/oauth/token/ \
  -d client_key="$CLIENT_KEY" -d client_secret="$CLIENT_SECRET" -d code="$CODE" \
  -d grant_type=authorization_code --data-urlencode redirect_uri="$REDIRECT_URI" | json .access_token)
auth=(-H "Authorization: Bearer $token" -H "Content-Type: application/json; charset=UTF-8")
privacy=$(curl -sS --fail -X POST "${auth[@]}" https://open.tiktokapis.com/v2/post/publish/creator_info/query/ \
  | json '.data.privacy_level_options[0]')
size=$(stat -c %s "$VIDEO")
chunk=6000000
init=$(curl -sS --fail "${auth[@]}" https://open.tiktokapis.com/v2/post/publish/video/init/ -d "{
  \"post_info\": {\"title\": \"from curl\", \"privacy_level\": \"$privacy\"},
  \"source_info\": {\"source\": \"FILE_UPLOAD\", \"video_size\": $size, \"chunk_size\": $chunk, \"total_chunk_count\": 2}}")
url=$(echo "$init" | json .data.upload_url)
id=$(echo "$init" | json .data.publish_id)
echo "upload_url ${url%%\?*}"
head -c $chunk "$VIDEO" | curl -sS --fail -X PUT -H "Content-Type: video/mp4" \
  -H "Content-Range: bytes 0-$((chunk - 1))/$size" --data-binary @- "$url" -o /dev/null
tail -c +$((chunk + 1)) "$VIDEO" | curl -sS --fail -X PUT -H "Content-Type: video/mp4" \
  -H "Content-Range: bytes $chunk-$((size - 1))/$size" --data-binary @- "$url" -o /dev/null
for _ in $(seq 40); do
  status=$(curl -sS --fail "${auth[@]}" https://open.tiktokapis.com/v2/post/publish/status/fetch/ \
    -d "{\"publish_id\": \"$id\"}" | json .data.status)
  if [ "$status" = PUBLISH_COMPLETE ]; then echo PUBLISH_COMPLETE; exit 0; fi
  sleep 0.5
done
echo "no PUBLISH_COMPLETE ($status)" >&2
exit 1
