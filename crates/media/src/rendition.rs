//! Web-safe renditions: an H.264/AAC MP4 with its `moov` atom first (`+faststart`, so a browser
//! starts playing before the whole file has arrived), made with the `ffmpeg` binary when it is
//! installed. Phones upload HEVC `.mov` and browsers upload VP9 `.webm`; TikTok accepts both, and
//! Chromium cannot play the first, so what pages serve is the rendition and the original stays for
//! its creator. ffmpeg runs under the probe's address-space cap and a deadline.
use std::ffi::OsString;
use std::io;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;

/// What [`render_mp4`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenditionOutcome {
    /// The output file holds the rendition.
    Made,
    /// No `ffmpeg` on PATH: the original is served.
    FfmpegMissing,
    /// ffmpeg failed or ran out of time (the last line of its stderr, or "timed out").
    Failed(String),
}

/// The short sides (the "p" of 1080p) to make for a video whose short side is `short`: the
/// source's own size capped at 1080, and 480 when the source is larger than that.
pub fn rendition_heights(short: u32) -> Vec<u32> {
    let mut out = vec![short.min(1080)];
    if short > 480 {
        out.push(480);
    }
    out.retain(|h| *h > 0);
    out.dedup();
    out
}

/// Writes `video` as an H.264/AAC MP4 whose short side is `short_side` (never enlarged, even
/// dimensions) to `out`. Audio is kept when there is some. `threads` bounds the encoder.
pub async fn render_mp4(
    video: &Path,
    out: &Path,
    short_side: u32,
    threads: u32,
    timeout: Duration,
    max_memory_bytes: u64,
) -> io::Result<RenditionOutcome> {
    match tokio::fs::remove_file(out).await {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut input = OsString::from("file:");
    input.push(video);
    let mut output = OsString::from("file:");
    output.push(out);
    let s = short_side;
    // Landscape: the height is the short side; portrait: the width. Never enlarged.
    let scale = format!(
        "scale='if(gte(iw,ih),-2,min({s},iw))':'if(gte(iw,ih),min({s},ih),-2)',format=yuv420p"
    );
    let threads = threads.max(1).to_string();
    let mut cmd = tokio::process::Command::new("ffmpeg");
    cmd.args(["-hide_banner", "-nostdin", "-loglevel", "error", "-y"])
        .args([
            "-protocol_whitelist",
            "file",
            "-format_whitelist",
            crate::cover::FORMATS,
        ])
        .args(["-threads", &threads, "-i"])
        .arg(&input)
        .args(["-map", "0:v:0", "-map", "0:a:0?", "-sn", "-dn"])
        .args(["-vf", &scale])
        .args(["-c:v", "libx264", "-preset", "veryfast", "-crf", "23"])
        .args(["-profile:v", "high", "-threads", &threads])
        .args(["-c:a", "aac", "-b:a", "128k", "-ac", "2"])
        .args(["-movflags", "+faststart", "-f", "mp4"])
        .arg(&output)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    crate::probe::limit_address_space(&mut cmd, max_memory_bytes);
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(RenditionOutcome::FfmpegMissing);
        }
        Err(e) => return Err(e),
    };
    let mut stderr = child.stderr.take();
    let wait = async {
        let mut err = Vec::new();
        if let Some(pipe) = stderr.as_mut() {
            let _ = pipe.take(64 * 1024).read_to_end(&mut err).await;
        }
        drop(stderr);
        (child.wait().await, err)
    };
    let Ok((status, err)) = tokio::time::timeout(timeout, wait).await else {
        let _ = tokio::fs::remove_file(out).await;
        return Ok(RenditionOutcome::Failed("ffmpeg timed out".into()));
    };
    let status = status?;
    let wrote = tokio::fs::metadata(out)
        .await
        .map(|m| m.len() > 0)
        .unwrap_or(false);
    if status.success() && wrote {
        return Ok(RenditionOutcome::Made);
    }
    let _ = tokio::fs::remove_file(out).await;
    let text = String::from_utf8_lossy(&err);
    let last = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    Ok(RenditionOutcome::Failed(format!(
        "ffmpeg {status}: {}",
        last.trim()
    )))
}

/// Whether `ffmpeg` runs here (asked once per process).
pub fn ffmpeg_available() -> bool {
    static FOUND: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *FOUND.get_or_init(|| {
        std::process::Command::new("ffmpeg")
            .arg("-version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_size_is_capped_at_1080_and_a_480_one_is_added_when_smaller() {
        assert_eq!(rendition_heights(2160), vec![1080, 480]);
        assert_eq!(rendition_heights(720), vec![720, 480]);
        assert_eq!(rendition_heights(480), vec![480]);
        assert_eq!(rendition_heights(200), vec![200]);
    }

    #[tokio::test]
    async fn an_hevc_mov_becomes_an_h264_mp4_with_its_moov_first() {
        if !ffmpeg_available() {
            panic!("ffmpeg is needed for this test (see README: .ci/run installs it)");
        }
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/media/hevc_720x1280_30fps.mov");
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("r.mp4");
        let r = render_mp4(&src, &out, 480, 2, Duration::from_secs(120), 1 << 30)
            .await
            .unwrap();
        assert_eq!(r, RenditionOutcome::Made);
        let bytes = std::fs::read(&out).unwrap();
        let moov = bytes.windows(4).position(|w| w == b"moov").unwrap();
        let mdat = bytes.windows(4).position(|w| w == b"mdat").unwrap();
        assert!(moov < mdat, "moov before mdat");
        let probe = crate::probe::probe_video_file(&out).unwrap();
        assert_eq!((probe.width, probe.height), (480, 854));
    }
}
