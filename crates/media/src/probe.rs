//! What an uploaded file is: container, codec, size, duration, frame rate — read in pure Rust.
//!
//! Probing is untrusted-input parsing. `re_mp4` is known to hang (a child box with a size below 8)
//! and to panic on hostile MP4s, so the layers are:
//! 1. [`check_box_structure`] rejects the box layouts that make `re_mp4` spin, before it sees them;
//! 2. [`probe_video_file`] catches panics (→ [`ProbeError::Crashed`]);
//! 3. [`probe_video_isolated`] runs the probe in a child process (`reelbox probe FILE`, whose body is
//!    [`probe_main`]) with a wall-clock kill and an address-space limit, because a spinning thread
//!    cannot be stopped from inside the process and an allocation failure aborts it.
//!
//! The container is recognised by its magic bytes, never by the file name.

mod boxes;
mod mp4;
mod webm;

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt};

/// The facts about a video that the posting rules ([`crate::checks`]) look at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoProbe {
    /// The container, from the magic bytes.
    pub container: Container,
    /// The codec of the first video track.
    pub video_codec: VideoCodec,
    /// Display width in pixels, after rotation.
    pub width: u32,
    /// Display height in pixels, after rotation.
    pub height: u32,
    /// Duration of the video track in milliseconds.
    pub duration_ms: u64,
    /// Average frames per second: frames / (Σ frame durations).
    pub fps: f64,
    /// Display rotation in degrees: 0, 90, 180 or 270.
    pub rotation: u16,
    /// File size in bytes.
    pub size_bytes: u64,
}

/// A video container, as recognised from the file's first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Container {
    /// ISO base media file (`ftyp` with any brand but QuickTime's).
    Mp4,
    /// QuickTime (`ftyp` major brand `qt  `).
    Mov,
    /// Matroska with doc type `webm`.
    Webm,
}

/// The codec of the first video track.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VideoCodec {
    /// H.264 / AVC (`avc1`, `avc3`, `V_MPEG4/ISO/AVC`).
    H264,
    /// H.265 / HEVC (`hvc1`, `hev1`, `V_MPEGH/ISO/HEVC`).
    Hevc,
    /// VP8.
    Vp8,
    /// VP9.
    Vp9,
    /// AV1 (probed, but not among the codecs the posting API accepts).
    Av1,
    /// Anything else, by its sample-entry fourcc (MP4/MOV) or codec id (WebM).
    Other(String),
}

/// The facts about a photo that the posting rules look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageProbe {
    /// The format, from the magic bytes.
    pub format: ImageFormat,
    /// Width in pixels as stored (EXIF orientation is not applied; the size rule is symmetric).
    pub width: u32,
    /// Height in pixels as stored.
    pub height: u32,
    /// File size in bytes.
    pub size_bytes: u64,
}

/// An image format, as recognised from the file's first bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    /// JPEG.
    Jpeg,
    /// WebP.
    Webp,
    /// Another image format `imagesize` knows (lowercase name, e.g. `png`).
    Other(String),
}

/// Why a file could not be probed.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// Not a video or image container reelbox reads.
    #[error("unrecognized media: {0}")]
    Unrecognized(String),
    /// A recognised container whose structure is broken (truncated, inconsistent, hostile).
    #[error("corrupt media: {0}")]
    Corrupt(String),
    /// A video container without a video track.
    #[error("the file has no video track")]
    NoVideoTrack,
    /// The file could not be read.
    #[error("cannot read the media file: {0}")]
    Io(#[from] io::Error),
    /// The isolated probe ran past its wall-clock limit and was killed.
    #[error("the media probe timed out")]
    Timeout,
    /// The parser panicked, or the probe process died or answered nonsense.
    #[error("the media probe crashed: {0}")]
    Crashed(String),
}

impl ProbeError {
    /// The `kind` used in the probe process's JSON answer.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unrecognized(_) => "unrecognized",
            Self::Corrupt(_) => "corrupt",
            Self::NoVideoTrack => "no_video_track",
            Self::Io(_) => "io",
            Self::Timeout => "timeout",
            Self::Crashed(_) => "crashed",
        }
    }

    /// True when the file itself is at fault (as opposed to the machine or the parser); these
    /// become `file_format_check_failed`.
    pub fn is_bad_media(&self) -> bool {
        matches!(
            self,
            Self::Unrecognized(_) | Self::Corrupt(_) | Self::NoVideoTrack
        )
    }

    fn detail(&self) -> String {
        match self {
            Self::Unrecognized(m) | Self::Corrupt(m) | Self::Crashed(m) => m.clone(),
            Self::Io(e) => e.to_string(),
            Self::NoVideoTrack | Self::Timeout => String::new(),
        }
    }

    fn from_wire(e: WireError) -> Self {
        match e.kind.as_str() {
            "unrecognized" => Self::Unrecognized(e.message),
            "corrupt" => Self::Corrupt(e.message),
            "no_video_track" => Self::NoVideoTrack,
            "io" => Self::Io(io::Error::other(e.message)),
            "timeout" => Self::Timeout,
            "crashed" => Self::Crashed(e.message),
            other => Self::Crashed(format!("probe answered unknown error kind {other:?}")),
        }
    }
}

/// Checks that the ISO-BMFF box tree in `bytes` is safe to hand to `re_mp4`: every box at the top
/// level, in the containers `re_mp4` iterates and in sample entries has a size ≥ 8 (or the special
/// 0 = "to end of file" at top level and 1 = 64-bit size) and ends inside its parent.
///
/// Bounded in depth and box count and allocation-free per box, so a fuzz target can call it on
/// arbitrary input. [`probe_video_file`] runs the same walk over the file with positioned reads.
pub fn check_box_structure(bytes: &[u8]) -> Result<(), ProbeError> {
    boxes::check_source(bytes)
}

/// What the first bytes say a file is.
enum Sniffed {
    Iso(Container),
    Ebml,
}

/// Brands of ISO-BMFF *image* formats (HEIF/AVIF): containers we do not take as video.
const IMAGE_BRANDS: [&[u8; 4]; 6] = [b"heic", b"heix", b"mif1", b"msf1", b"avif", b"avis"];

fn sniff(head: &[u8]) -> Result<Sniffed, ProbeError> {
    if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return Ok(Sniffed::Ebml);
    }
    if head.get(4..8) == Some(b"ftyp") {
        return match head.get(8..12) {
            Some(b"qt  ") => Ok(Sniffed::Iso(Container::Mov)),
            Some(brand) if IMAGE_BRANDS.iter().any(|b| b.as_slice() == brand) => {
                Err(ProbeError::Unrecognized(format!(
                    "an image (brand {})",
                    String::from_utf8_lossy(brand)
                )))
            }
            Some(_) => Ok(Sniffed::Iso(Container::Mp4)),
            None => Err(ProbeError::Corrupt("file ends inside the ftyp box".into())),
        };
    }
    Err(ProbeError::Unrecognized(
        match imagesize::image_type(head) {
            Ok(kind) => format!("a {} image, not a video", image_type_name(kind)),
            Err(_) if head.is_empty() => "the file is empty".into(),
            Err(_) => "not an MP4, MOV or WebM file".into(),
        },
    ))
}

/// Reads up to `buf.len()` bytes from the start of `file`; returns how many were read.
fn read_head(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    file.seek(SeekFrom::Start(0))?;
    Ok(filled)
}

/// Runs `f`, turning a panic into [`ProbeError::Crashed`] with the panic message.
fn catch_crash<T>(f: impl FnOnce() -> Result<T, ProbeError>) -> Result<T, ProbeError> {
    panic::catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic without a message".into());
        Err(ProbeError::Crashed(format!("parser panicked: {message}")))
    })
}

/// Probes a video file in this process (MP4/MOV with `re_mp4`, WebM with `matroska-demuxer`).
///
/// Panics in the parsers become [`ProbeError::Crashed`], and the known `re_mp4` hang is screened
/// out by [`check_box_structure`]; but an unknown hang or a huge allocation would still hit this
/// process — the server should use [`probe_video_isolated`].
pub fn probe_video_file(path: &Path) -> Result<VideoProbe, ProbeError> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let mut head = [0u8; 16];
    let n = read_head(&mut file, &mut head)?;
    match sniff(&head[..n])? {
        Sniffed::Iso(container) => {
            boxes::check_source(&boxes::FileSource { file: &file, len })?;
            catch_crash(|| mp4::probe(BufReader::new(file), len, container))
        }
        Sniffed::Ebml => catch_crash(|| webm::probe(BufReader::new(file), len)),
    }
}

fn image_type_name(kind: imagesize::ImageType) -> String {
    // Debug names are the format names ("Png", "Heif(Hevc)"); keep the family, lowercased.
    let name = format!("{kind:?}");
    name.split('(')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// Probes a photo with `imagesize` (JPEG and WebP are accepted by the rules; other formats are
/// reported as [`ImageFormat::Other`]). Reads only the headers.
pub fn probe_image_file(path: &Path) -> Result<ImageProbe, ProbeError> {
    let file = File::open(path)?;
    let size_bytes = file.metadata()?.len();
    let mut reader = BufReader::new(file);
    catch_crash(|| {
        let image_err = |e: imagesize::ImageError| match e {
            imagesize::ImageError::NotSupported => {
                ProbeError::Unrecognized("not an image format reelbox reads".into())
            }
            imagesize::ImageError::CorruptedImage => ProbeError::Corrupt("corrupt image".into()),
            imagesize::ImageError::IoError(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                ProbeError::Corrupt("the image ends before its dimensions".into())
            }
            imagesize::ImageError::IoError(e) => ProbeError::Io(e),
        };
        let kind = imagesize::reader_type(&mut reader).map_err(image_err)?;
        let format = match kind {
            imagesize::ImageType::Jpeg => ImageFormat::Jpeg,
            imagesize::ImageType::Webp => ImageFormat::Webp,
            other => ImageFormat::Other(image_type_name(other)),
        };
        let size = kind.reader_size(&mut reader).map_err(|e| match format {
            ImageFormat::Jpeg | ImageFormat::Webp => image_err(e),
            // A loose signature match (any ISO-BMFF file looks like HEIF): not an image we read.
            ImageFormat::Other(ref name) => ProbeError::Unrecognized(format!(
                "looks like {name} but its dimensions cannot be read"
            )),
        })?;
        Ok(ImageProbe {
            format,
            width: u32::try_from(size.width).unwrap_or(u32::MAX),
            height: u32::try_from(size.height).unwrap_or(u32::MAX),
            size_bytes,
        })
    })
}

// ---- the probe process ------------------------------------------------------------------------

/// The one JSON line the probe process prints: `{"ok": …}` or `{"error": {"kind", "message"}}`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Reply<T> {
    Ok(T),
    Error(WireError),
}

#[derive(Debug, Serialize, Deserialize)]
struct WireError {
    kind: String,
    message: String,
}

fn reply_line<T: Serialize>(result: Result<T, ProbeError>) -> (String, i32) {
    let (reply, code) = match result {
        Ok(probe) => (Reply::Ok(probe), 0),
        Err(e) => (
            Reply::Error(WireError {
                kind: e.kind().into(),
                message: e.detail(),
            }),
            1,
        ),
    };
    // Serializing these plain structs cannot fail; fall back to a fixed line all the same.
    let line = serde_json::to_string(&reply).unwrap_or_else(|_| {
        r#"{"error":{"kind":"crashed","message":"cannot encode the probe result"}}"#.into()
    });
    (line, code)
}

/// The body of the `reelbox probe FILE [--image]` subcommand; `args` are the arguments after
/// `probe`. Prints exactly one JSON line on stdout (`{"ok": VideoProbe | ImageProbe}` or
/// `{"error": {"kind": …, "message": …}}`) and returns the exit code: 0 probed, 1 probe error,
/// 2 usage error (message on stderr, nothing on stdout).
///
/// The parent caps the child's address space, so the CLI should dispatch here before starting an
/// async runtime or other threads (each thread reserves stack and malloc-arena address space).
pub fn probe_main(args: &[String]) -> i32 {
    let mut file = None;
    let mut image = false;
    for arg in args {
        match arg.as_str() {
            "--image" => image = true,
            flag if flag.starts_with("--") => return usage(&format!("unknown option {flag}")),
            path if file.is_none() => file = Some(Path::new(path)),
            _ => return usage("more than one FILE"),
        }
    }
    let Some(file) = file else {
        return usage("missing FILE");
    };

    let (line, code) = if image {
        reply_line(probe_image_file(file))
    } else {
        reply_line(probe_video_file(file))
    };
    let mut out = io::stdout().lock();
    match writeln!(out, "{line}").and_then(|()| out.flush()) {
        Ok(()) => code,
        Err(_) => 1,
    }
}

fn usage(problem: &str) -> i32 {
    eprintln!("reelbox probe: {problem}\nusage: reelbox probe FILE [--image]");
    2
}

/// How much of the child's stdout / stderr is kept; the rest is read and discarded so a chatty
/// child never blocks on a full pipe.
const STDOUT_KEEP: usize = 64 * 1024;
const STDERR_KEEP: usize = 4 * 1024;

async fn read_prefix(pipe: Option<impl AsyncRead + Unpin>, keep: usize) -> Vec<u8> {
    let mut kept = Vec::new();
    let Some(mut pipe) = pipe else { return kept };
    let mut buf = [0u8; 8192];
    loop {
        match pipe.read(&mut buf).await {
            Ok(0) | Err(_) => return kept,
            Ok(n) => {
                let room = keep.saturating_sub(kept.len()).min(n);
                kept.extend_from_slice(&buf[..room]);
            }
        }
    }
}

/// Caps the address space of the child `cmd` starts at `max_bytes` (`RLIMIT_AS`; 0 = no cap), so
/// a runaway allocation on hostile media aborts the child instead of exhausting the host. Every
/// child that reads untrusted media (the probe, ffmpeg for covers) gets it.
pub(crate) fn limit_address_space(cmd: &mut tokio::process::Command, max_bytes: u64) {
    if max_bytes == 0 {
        return;
    }
    let limit: libc::rlim_t = max_bytes;
    // SAFETY: the closure runs in the forked child before exec; it only calls setrlimit (async-
    // signal-safe) on a stack value and builds an io::Error without allocating.
    unsafe {
        cmd.pre_exec(move || {
            let rl = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &rl) != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Runs `<exe> probe <file> [--image]` with a wall-clock limit and an address-space limit, and
/// decodes its JSON line.
async fn run_isolated<T: DeserializeOwned>(
    exe: &Path,
    file: &Path,
    image: bool,
    timeout: Duration,
    max_memory_bytes: u64,
) -> Result<T, ProbeError> {
    let mut cmd = tokio::process::Command::new(exe);
    cmd.arg("probe").arg(file);
    if image {
        cmd.arg("--image");
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    limit_address_space(&mut cmd, max_memory_bytes);
    let mut child = cmd.spawn()?;
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();

    let finished = tokio::time::timeout(timeout, async {
        let (out, err) = tokio::join!(
            read_prefix(stdout, STDOUT_KEEP),
            read_prefix(stderr, STDERR_KEEP)
        );
        let status = child.wait().await;
        (out, err, status)
    })
    .await;
    let Ok((out, err, status)) = finished else {
        // kill() also reaps the child; kill_on_drop covers an error here.
        let _ = child.kill().await;
        return Err(ProbeError::Timeout);
    };
    let status = status?;
    decode_reply(&out, &err, status)
}

fn decode_reply<T: DeserializeOwned>(
    out: &[u8],
    err: &[u8],
    status: ExitStatus,
) -> Result<T, ProbeError> {
    let first_line = out.split(|&b| b == b'\n').next().unwrap_or_default();
    match serde_json::from_slice::<Reply<T>>(first_line) {
        Ok(Reply::Ok(probe)) => Ok(probe),
        Ok(Reply::Error(e)) => Err(ProbeError::from_wire(e)),
        Err(parse) => {
            let shown = |bytes: &[u8]| {
                let text = String::from_utf8_lossy(bytes);
                text.trim().chars().take(300).collect::<String>()
            };
            Err(ProbeError::Crashed(format!(
                "probe process {status} without a readable answer ({parse}); stdout: {:?}; stderr: {:?}",
                shown(first_line),
                shown(err),
            )))
        }
    }
}

/// Probes a video in a child process — `<exe> probe <file>`, whose body is [`probe_main`] — so that
/// a parser hang or memory blow-up cannot reach the caller. The child is killed after `timeout`
/// (→ [`ProbeError::Timeout`]); its address space is capped at `max_memory_bytes` with
/// `RLIMIT_AS` (0 = no cap), so a runaway allocation aborts it (→ [`ProbeError::Crashed`]).
///
/// Probing reads only headers (moov, EBML metadata; for WebM without a duration, every frame
/// header), so tens of seconds and a few hundred MiB are generous limits; the tests use 512 MiB.
pub async fn probe_video_isolated(
    exe: &Path,
    file: &Path,
    timeout: Duration,
    max_memory_bytes: u64,
) -> Result<VideoProbe, ProbeError> {
    run_isolated(exe, file, false, timeout, max_memory_bytes).await
}

/// Like [`probe_video_isolated`] for photos (`<exe> probe <file> --image`). `imagesize` survived
/// fuzzing, so calling [`probe_image_file`] in-process is acceptable too.
pub async fn probe_image_isolated(
    exe: &Path,
    file: &Path,
    timeout: Duration,
    max_memory_bytes: u64,
) -> Result<ImageProbe, ProbeError> {
    run_isolated(exe, file, true, timeout, max_memory_bytes).await
}

#[cfg(test)]
mod tests;
