//! FILE_UPLOAD: the chunk plan from the file size (the spec's rules, shared with the server), each
//! chunk streamed from disk, a failed chunk retried with backoff, and a resume from wherever the
//! server says the upload stands (its `Content-Range`).
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::TryStreamExt;
use reelbox_core::chunks::{ChunkLimits, ChunkPlan, ContentRange};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::client::Backoff;
use crate::error::{Error, Result};

/// Chunk size a plan aims for: 10,000,000 bytes, as in TikTok's own example.
pub const PREFERRED_CHUNK: u64 = 10_000_000;

/// Progress of an upload: `(bytes the server holds or that are on the way, total)`.
pub type Progress = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// The plan for a file of `size` bytes by the spec's chunk rules.
pub fn plan_for(size: u64) -> Result<ChunkPlan> {
    ChunkPlan::for_file(size, PREFERRED_CHUNK, &ChunkLimits::default()).map_err(Error::Invalid)
}

/// The `Content-Type` of a video by its extension (`video/mp4` unless `.mov` or `.webm`).
pub fn video_mime(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("mov") | Some("qt") => "video/quicktime",
        Some("webm") => "video/webm",
        _ => "video/mp4",
    }
}

/// Bytes the server holds according to a `Content-Range` answer header: `bytes 0-N/T` means
/// N+1, `bytes */T` means none.
pub fn acknowledged(header: &str) -> Option<u64> {
    let h = header.trim();
    if let Some(rest) = h.strip_prefix("bytes */") {
        return rest.trim().parse::<u64>().ok().map(|_| 0);
    }
    ContentRange::parse(h).map(|r| r.last + 1)
}

enum Put {
    /// 206/201: the server now holds this many bytes.
    Accepted(u64),
    /// 416: the server holds this many bytes (resynchronise).
    Resync(u64),
    /// 5xx or a broken connection: try this chunk again.
    Transient(String),
}

/// Uploads `path` to `upload_url` from byte `from` (0 for a new upload; the server's progress for
/// a resumed one). Chunks are read from disk as they are sent; a failed chunk is retried with
/// `backoff`; a 416 moves to wherever the server says the upload stands.
pub async fn upload_file(
    http: &reqwest::Client,
    upload_url: &str,
    path: &Path,
    plan: &ChunkPlan,
    from: u64,
    backoff: &Backoff,
    progress: Option<Progress>,
) -> Result<()> {
    let mime = video_mime(path);
    let mut offset = from;
    let mut failures = 0u32;
    while offset < plan.video_size {
        let idx = plan.chunk_at(offset).ok_or_else(|| {
            Error::Protocol(format!(
                "the server holds {offset} bytes, which is not a chunk boundary"
            ))
        })?;
        let (first, len) = (plan.chunk_offset(idx), plan.chunk_len(idx));
        match put_chunk(
            http,
            upload_url,
            path,
            mime,
            plan,
            first,
            len,
            progress.clone(),
        )
        .await?
        {
            Put::Accepted(n) | Put::Resync(n) => {
                if n <= offset && n < plan.video_size {
                    failures += 1;
                } else {
                    failures = 0;
                }
                offset = n;
            }
            Put::Transient(why) => {
                failures += 1;
                tracing::debug!(chunk = idx + 1, %why, failures, "chunk failed");
                if failures > backoff.retries {
                    return Err(Error::Upload {
                        status: 500,
                        message: format!("chunk {} failed {failures} times: {why}", idx + 1),
                    });
                }
            }
        }
        if failures > backoff.retries {
            return Err(Error::Protocol("the upload makes no progress".into()));
        }
        if failures > 0 {
            tokio::time::sleep(backoff.delay(failures)).await;
        }
    }
    if let Some(p) = &progress {
        p(plan.video_size, plan.video_size);
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn put_chunk(
    http: &reqwest::Client,
    url: &str,
    path: &Path,
    mime: &str,
    plan: &ChunkPlan,
    first: u64,
    len: u64,
    progress: Option<Progress>,
) -> Result<Put> {
    let mut file = tokio::fs::File::open(path).await?;
    if file.metadata().await?.len() != plan.video_size {
        return Err(Error::Invalid(format!(
            "{} changed size since the upload began",
            path.display()
        )));
    }
    file.seek(std::io::SeekFrom::Start(first)).await?;
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    let total = plan.video_size;
    // 256 KiB reads: the chunk never sits whole in memory.
    let stream = tokio_util::io::ReaderStream::with_capacity(file.take(len), 256 * 1024)
        .inspect_ok(move |b| {
            let n = counter.fetch_add(b.len() as u64, Ordering::Relaxed) + b.len() as u64;
            if let Some(p) = &progress {
                p(first + n, total);
            }
        });
    let resp = http
        .put(url)
        .header("content-type", mime)
        .header("content-length", len)
        .header(
            "content-range",
            format!("bytes {first}-{}/{}", first + len - 1, plan.video_size),
        )
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await;
    let resp = match resp {
        Ok(r) => r,
        Err(e) => return Ok(Put::Transient(e.to_string())),
    };
    let status = resp.status().as_u16();
    let held = resp
        .headers()
        .get("content-range")
        .and_then(|v| v.to_str().ok())
        .and_then(acknowledged);
    match status {
        201 => Ok(Put::Accepted(plan.video_size)),
        206 => Ok(Put::Accepted(held.unwrap_or(first + len))),
        200 => Ok(Put::Accepted(held.unwrap_or(first + len))),
        416 => match held {
            Some(n) => Ok(Put::Resync(n)),
            None => Err(Error::Upload {
                status,
                message: resp.text().await.unwrap_or_default(),
            }),
        },
        s if s >= 500 => Ok(Put::Transient(format!("HTTP {s}"))),
        _ => Err(Error::Upload {
            status,
            message: resp.text().await.unwrap_or_default(),
        }),
    }
}

/// Reads a file's size without reading the file.
pub async fn file_size(path: &Path) -> Result<u64> {
    Ok(tokio::fs::metadata(path).await?.len())
}

/// SHA-256 of a file, streamed (used to tell whether a journaled publish is for the same bytes).
pub async fn file_fingerprint(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    let meta = tokio::fs::metadata(path).await?;
    // Size + modification time + the first and last MiB: cheap, and enough to notice an edit.
    let mut h = Sha256::new();
    h.update(meta.len().to_le_bytes());
    if let Ok(m) = meta.modified()
        && let Ok(d) = m.duration_since(std::time::UNIX_EPOCH)
    {
        h.update(d.as_nanos().to_le_bytes());
    }
    let mut f = tokio::fs::File::open(path).await?;
    let mut buf = vec![0u8; 1 << 20];
    let n = f.read(&mut buf).await?;
    h.update(&buf[..n]);
    if meta.len() > (2 << 20) {
        f.seek(std::io::SeekFrom::End(-(1 << 20))).await?;
        let n = f.read(&mut buf).await?;
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acknowledged_reads_both_forms() {
        assert_eq!(acknowledged("bytes */100"), Some(0));
        assert_eq!(acknowledged("bytes 0-9/100"), Some(10));
        assert_eq!(acknowledged("nonsense"), None);
    }

    #[test]
    fn plans_follow_the_rules() {
        let p = plan_for(50_000_123).unwrap();
        assert_eq!((p.chunk_size, p.count), (10_000_000, 5));
        assert_eq!(p.chunk_len(4), 10_000_123);
        let small = plan_for(4_194_304).unwrap();
        assert_eq!((small.chunk_size, small.count), (4_194_304, 1));
        assert!(plan_for(0).is_err());
    }

    #[test]
    fn mime_by_extension() {
        assert_eq!(video_mime(Path::new("a.MOV")), "video/quicktime");
        assert_eq!(video_mime(Path::new("a.webm")), "video/webm");
        assert_eq!(video_mime(Path::new("a.mp4")), "video/mp4");
    }
}
