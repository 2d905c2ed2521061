#!/usr/bin/env bash
# Regenerates the media fixtures in this folder from ffmpeg's synthetic sources (lavfi testsrc2).
# Idempotent: every run rewrites the same files with the same settings (bitexact, no metadata,
# single-threaded encoders), so re-running leaves `git status` clean on the same ffmpeg build.
# Needs: ffmpeg with libx264, libx265, libvpx (VP8 and VP9) and libwebp (Debian's `ffmpeg` package).
set -euo pipefail

cd "$(dirname "$0")"

ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
# Settings shared by every output: reproducible bytes and no encoder/date tags.
common=(-map_metadata -1 -fflags +bitexact -flags:v +bitexact -threads 1)

# testsrc2 at WxH, R fps, D seconds.
src() { echo "testsrc2=size=$1:rate=$2:duration=$3"; }

h264() { # out size fps duration [extra...]
    local out=$1 size=$2 fps=$3 dur=$4; shift 4
    ff -f lavfi -i "$(src "$size" "$fps" "$dur")" "${common[@]}" \
        -c:v libx264 -preset veryfast -crf 45 -pix_fmt yuv420p \
        -x264-params threads=1 "$@" "$out"
}

# --- valid videos ------------------------------------------------------------------------------
# H.264 in MP4, moov at the end (no faststart): the common phone/ffmpeg layout.
h264 h264_720x1280_30fps.mp4 720x1280 30 3

# HEVC in QuickTime (ftyp brand `qt  `), tagged hvc1 as Apple devices write it.
ff -f lavfi -i "$(src 720x1280 30 2)" "${common[@]}" \
    -c:v libx265 -preset ultrafast -crf 40 -pix_fmt yuv420p -tag:v hvc1 \
    -x265-params "log-level=error:pools=1:frame-threads=1" \
    -f mov hevc_720x1280_30fps.mov

# VP9 in WebM.
ff -f lavfi -i "$(src 720x1280 30 2)" "${common[@]}" \
    -c:v libvpx-vp9 -b:v 300k -deadline realtime -cpu-used 8 -row-mt 0 -pix_fmt yuv420p \
    vp9_720x1280_30fps.webm

# VP8 in WebM written to a pipe: no Duration element and no cues, like a browser (MediaRecorder)
# or live recording, so duration and frame rate must come from the frame timestamps.
ff -f lavfi -i "$(src 720x1280 30 2)" "${common[@]}" \
    -c:v libvpx -b:v 200k -deadline realtime -cpu-used 8 -pix_fmt yuv420p \
    -f webm pipe:1 > vp8_720x1280_30fps_live.webm

# --- valid photos ------------------------------------------------------------------------------
ff -f lavfi -i "$(src 1080x1350 1 1)" "${common[@]}" -frames:v 1 -q:v 12 photo_1080x1350.jpg
ff -f lavfi -i "$(src 1080x1920 1 1)" "${common[@]}" -frames:v 1 -c:v libwebp -quality 30 \
    photo_1080x1920.webp

# --- invalid media -----------------------------------------------------------------------------
h264 h264_10fps.mp4 720x1280 10 2          # frame rate below 23
h264 h264_200x200.mp4 200x200 30 2         # sides below 360
h264 h264_long_12s.mp4 360x640 30 12 -crf 51 # 12 s: over a creator limit of 10 s
printf 'This is a text file, not a video.\n' > not_a_video.mp4
# The first 40% of the valid MP4: its moov box sits at the end, so the cut leaves no moov and an
# mdat whose size runs past the end of the file.
size=$(stat -c %s h264_720x1280_30fps.mp4)
head -c $((size * 40 / 100)) h264_720x1280_30fps.mp4 > truncated.mp4
# Larger than 1080p (and a JPEG, so only the picture size is wrong).
ff -f lavfi -i "color=c=0x808080:size=4000x3000:rate=1:duration=1" "${common[@]}" -frames:v 1 \
    -q:v 20 photo_4000x3000.jpg

ls -l -- *.mp4 *.mov *.webm *.jpg *.webp
