//! Cover images: one JPEG frame cut from the video with the `ffmpeg` binary when it is installed.
//! ffmpeg is optional; without it the server shows [`PLACEHOLDER_COVER_SVG`].

use std::ffi::{OsStr, OsString};
use std::io;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::time::Instant;

/// A neutral 9:16 placeholder (grey card with a play triangle) for posts without an extracted cover.
pub const PLACEHOLDER_COVER_SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="405" height="720" viewBox="0 0 405 720"><rect width="405" height="720" fill="#2b2b2b"/><circle cx="202.5" cy="360" r="64" fill="#3d3d3d"/><path d="M184 324v72l60-36z" fill="#9a9a9a"/></svg>"##;

/// What [`extract_cover`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoverOutcome {
    /// `out_jpeg` holds the cover.
    Extracted,
    /// No `ffmpeg` on PATH: use the placeholder.
    FfmpegMissing,
    /// ffmpeg ran but produced no image (message from its stderr, or a timeout).
    Failed(String),
}

/// The longest side of a cover, in pixels.
const MAX_SIDE: u32 = 720;

/// Demuxers ffmpeg may use on the upload: only the containers the posting rules accept, so a file
/// crafted as a playlist or concat script cannot make ffmpeg open other files.
pub(crate) const FORMATS: &str = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm";

/// Writes the frame at `at_ms` of `video` to `out_jpeg` (long side ≤ 720 px, rotation applied).
/// When `at_ms` lies past the end (no frame comes out) it retries with the first frame. `timeout`
/// bounds the whole call; a still-running ffmpeg is killed. ffmpeg's address space is capped at
/// `max_memory_bytes` (0 = no cap), as the probe's is: a frame too large for it fails the cover
/// (the placeholder is shown) instead of taking the host's memory.
///
/// `Err` only for local I/O trouble (spawning, removing a stale output); a video ffmpeg cannot
/// decode is `Ok(CoverOutcome::Failed(..))`.
pub async fn extract_cover(
    video: &Path,
    at_ms: u64,
    out_jpeg: &Path,
    timeout: Duration,
    max_memory_bytes: u64,
) -> Result<CoverOutcome, io::Error> {
    let run = Run {
        ffmpeg: OsStr::new("ffmpeg"),
        deadline: Instant::now() + timeout,
        max_memory_bytes,
    };
    extract_with(&run, video, at_ms, out_jpeg).await
}

/// How ffmpeg is run: which binary, until when, within how much memory.
struct Run<'a> {
    ffmpeg: &'a OsStr,
    deadline: Instant,
    max_memory_bytes: u64,
}

async fn extract_with(
    run: &Run<'_>,
    video: &Path,
    at_ms: u64,
    out_jpeg: &Path,
) -> Result<CoverOutcome, io::Error> {
    let first = run_ffmpeg(run, video, at_ms, out_jpeg).await?;
    match first {
        Attempt::NoFrame if at_ms > 0 => {
            Ok(run_ffmpeg(run, video, 0, out_jpeg).await?.into_outcome())
        }
        other => Ok(other.into_outcome()),
    }
}

enum Attempt {
    Wrote,
    Missing,
    /// ffmpeg exited without writing an image (typically a seek past the end).
    NoFrame,
    Failed(String),
}

impl Attempt {
    fn into_outcome(self) -> CoverOutcome {
        match self {
            Self::Wrote => CoverOutcome::Extracted,
            Self::Missing => CoverOutcome::FfmpegMissing,
            Self::NoFrame => CoverOutcome::Failed("ffmpeg produced no frame".into()),
            Self::Failed(why) => CoverOutcome::Failed(why),
        }
    }
}

async fn run_ffmpeg(
    run: &Run<'_>,
    video: &Path,
    at_ms: u64,
    out_jpeg: &Path,
) -> io::Result<Attempt> {
    // A stale file from an earlier try must not pass for this run's output.
    match tokio::fs::remove_file(out_jpeg).await {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    // `file:` keeps a path with a colon from being read as a protocol; scaling never enlarges and
    // keeps even dimensions.
    let mut input = OsString::from("file:");
    input.push(video);
    let mut output = OsString::from("file:");
    output.push(out_jpeg);
    let scale = format!(
        "scale='if(gte(iw,ih),min({MAX_SIDE},iw),-2)':'if(gte(iw,ih),-2,min({MAX_SIDE},ih))'"
    );
    let seek = format!("{}.{:03}", at_ms / 1000, at_ms % 1000);

    let mut cmd = tokio::process::Command::new(run.ffmpeg);
    // One decoding thread: a single frame gains nothing from more, and each thread's buffers and
    // stack would count against the address-space cap, so the cap would depend on the host's cores.
    cmd.args(["-hide_banner", "-nostdin", "-loglevel", "error", "-y"])
        .args(["-protocol_whitelist", "file", "-format_whitelist", FORMATS])
        .args(["-threads", "1", "-ss", &seek, "-i"])
        .arg(&input)
        .args(["-frames:v", "1", "-an", "-sn", "-dn", "-vf", &scale])
        .args(["-q:v", "3", "-f", "image2", "-update", "1"])
        .arg(&output)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    crate::probe::limit_address_space(&mut cmd, run.max_memory_bytes);
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Attempt::Missing),
        Err(e) => return Err(e),
    };
    let mut stderr = child.stderr.take();
    let wait = async {
        let mut err = Vec::new();
        if let Some(pipe) = stderr.as_mut() {
            // Bounded: a pathological file could make ffmpeg log without end.
            let _ = pipe.take(64 * 1024).read_to_end(&mut err).await;
        }
        // Anything ffmpeg writes past the bound is dropped with the pipe.
        drop(stderr);
        (child.wait().await, err)
    };
    let Ok((status, err)) = tokio::time::timeout_at(run.deadline, wait).await else {
        let _ = child.kill().await;
        return Ok(Attempt::Failed("ffmpeg timed out".into()));
    };
    let status = status?;
    let wrote = tokio::fs::metadata(out_jpeg)
        .await
        .map(|m| m.len() > 0)
        .unwrap_or(false);
    Ok(match (status.success(), wrote) {
        (true, true) => Attempt::Wrote,
        (true, false) => Attempt::NoFrame,
        (false, _) => {
            let text = String::from_utf8_lossy(&err);
            let last = text
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or_default();
            Attempt::Failed(format!("ffmpeg {status}: {}", last.trim()))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/media")
            .join(name)
    }

    /// The probe's default cap: a cover must come out within it.
    const TEST_MEMORY: u64 = 1024 * 1024 * 1024;

    fn has_ffmpeg() -> bool {
        std::process::Command::new("ffmpeg")
            .arg("-version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    }

    fn jpeg_size(path: &Path) -> (usize, usize) {
        let size = imagesize::size(path).expect("cover is an image");
        assert_eq!(
            imagesize::image_type(&std::fs::read(path).expect("read cover")).ok(),
            Some(imagesize::ImageType::Jpeg)
        );
        (size.width, size.height)
    }

    #[test]
    fn placeholder_is_svg() {
        assert!(PLACEHOLDER_COVER_SVG.starts_with("<svg"));
        assert!(PLACEHOLDER_COVER_SVG.ends_with("</svg>"));
        assert!(PLACEHOLDER_COVER_SVG.len() < 1024);
    }

    #[tokio::test]
    async fn reports_a_missing_ffmpeg() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("cover.jpg");
        let run = Run {
            ffmpeg: OsStr::new("/nonexistent/reelbox-no-ffmpeg"),
            deadline: Instant::now() + Duration::from_secs(5),
            max_memory_bytes: 0,
        };
        let video = fixture("h264_200x200.mp4");
        let got = extract_with(&run, &video, 0, &out).await;
        assert_eq!(got.expect("no I/O error"), CoverOutcome::FfmpegMissing);
    }

    #[tokio::test]
    async fn ffmpeg_runs_under_the_address_space_cap() {
        // A stand-in for ffmpeg that writes its own `ulimit -v` (KiB) where the cover would go.
        let dir = tempfile::tempdir().expect("tempdir");
        let fake = dir.path().join("ffmpeg");
        std::fs::write(
            &fake,
            "#!/bin/sh\nfor a; do out=\"$a\"; done\nulimit -v > \"${out#file:}\"\n",
        )
        .expect("write");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let out = dir.path().join("cover.jpg");
        let run = Run {
            ffmpeg: fake.as_os_str(),
            deadline: Instant::now() + Duration::from_secs(10),
            max_memory_bytes: 256 * 1024 * 1024,
        };
        let got = extract_with(&run, &fixture("h264_200x200.mp4"), 0, &out).await;
        assert_eq!(got.expect("runs"), CoverOutcome::Extracted);
        let kib = std::fs::read_to_string(&out).expect("limit written");
        assert_eq!(kib.trim(), (256 * 1024).to_string());
    }

    #[tokio::test]
    async fn extracts_a_scaled_frame() {
        if !has_ffmpeg() {
            eprintln!("skipped: ffmpeg is not on PATH");
            return;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("cover.jpg");
        for name in [
            "h264_720x1280_30fps.mp4",
            "vp9_720x1280_30fps.webm",
            "hevc_720x1280_30fps.mov",
        ] {
            let got = extract_cover(
                &fixture(name),
                1_000,
                &out,
                Duration::from_secs(30),
                TEST_MEMORY,
            )
            .await;
            assert_eq!(got.expect("ffmpeg runs"), CoverOutcome::Extracted, "{name}");
            // 720x1280 scaled so the long side is 720.
            assert_eq!(jpeg_size(&out), (406, 720), "{name}");
        }
    }

    #[tokio::test]
    async fn falls_back_to_the_first_frame_past_the_end() {
        if !has_ffmpeg() {
            eprintln!("skipped: ffmpeg is not on PATH");
            return;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("cover.jpg");
        let got = extract_cover(
            &fixture("h264_720x1280_30fps.mp4"),
            60_000,
            &out,
            Duration::from_secs(30),
            TEST_MEMORY,
        )
        .await;
        assert_eq!(got.expect("ffmpeg runs"), CoverOutcome::Extracted);
        assert_eq!(jpeg_size(&out), (406, 720));
    }

    #[tokio::test]
    async fn small_videos_are_not_enlarged() {
        if !has_ffmpeg() {
            eprintln!("skipped: ffmpeg is not on PATH");
            return;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("cover.jpg");
        let got = extract_cover(
            &fixture("h264_200x200.mp4"),
            0,
            &out,
            Duration::from_secs(30),
            TEST_MEMORY,
        )
        .await;
        assert_eq!(got.expect("ffmpeg runs"), CoverOutcome::Extracted);
        assert_eq!(jpeg_size(&out), (200, 200));
    }

    #[tokio::test]
    async fn a_broken_video_fails_without_error() {
        if !has_ffmpeg() {
            eprintln!("skipped: ffmpeg is not on PATH");
            return;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("cover.jpg");
        for name in ["not_a_video.mp4", "truncated.mp4"] {
            let got = extract_cover(
                &fixture(name),
                0,
                &out,
                Duration::from_secs(30),
                TEST_MEMORY,
            )
            .await;
            assert!(
                matches!(got, Ok(CoverOutcome::Failed(_))),
                "{name}: {got:?}"
            );
            assert!(!out.exists(), "{name}");
        }
    }
}
