//! [`BlobStore`] on a local filesystem.
//!
//! Layout under the root: `uploads/<upload_key>` (files being assembled), `objects/<object_key>`
//! (finished objects), `tmp/` (objects being written by `put_stream`). Every write is `fsync`ed
//! before it is reported, and every rename or new file is made durable by syncing its directory.
//!
//! Chunks are written with positioned writes (`pwrite`) from the body stream as it arrives,
//! coalesced into at most [`WRITE_BUF`] bytes, so a 128 MiB chunk never sits in memory.
//! Uploads are sequential (spec 7.1): writing a chunk at `offset` makes the file end at
//! `offset + expected_len` on success and at `offset` on failure, so the file never holds bytes
//! past what the caller acknowledged.
//!
//! One write at a time per upload: a chunk write holds the upload's lock from open to fsync, a
//! second concurrent one is refused ([`BlobError::Busy`]), and finishing or aborting waits for the
//! lock. Otherwise a late writer's open file would outlive the rename that makes the upload an
//! object, and its bytes would land in an object already probed and published.

use std::collections::HashMap;
use std::io;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use crate::blob::{BlobEntry, BlobError, BlobStore, ByteStream, ChunkReceipt, LocalFile};

/// Largest amount of body data held before it is written out.
const WRITE_BUF: usize = 1 << 20;
/// Read buffer of object streams.
const READ_BUF: usize = 64 * 1024;

/// Blob storage in a directory. Clones share the upload locks; holds no open files.
#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    root: PathBuf,
    locks: UploadLocks,
}

/// A lock per upload key, held by the one write running and by finish/abort.
#[derive(Debug, Clone, Default)]
struct UploadLocks(Arc<std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>);

impl UploadLocks {
    fn entry(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(key.to_string()).or_default().clone()
    }

    /// The write lock of `key`, or `Busy` while another write holds it.
    fn try_lock(&self, key: &str) -> Result<tokio::sync::OwnedMutexGuard<()>, BlobError> {
        self.entry(key)
            .try_lock_owned()
            .map_err(|_| BlobError::Busy(key.to_string()))
    }

    /// Waits for the running write of `key`, if any.
    async fn lock(&self, key: &str) -> tokio::sync::OwnedMutexGuard<()> {
        self.entry(key).lock_owned().await
    }

    /// Forgets `key` once its upload is gone (called with its lock held).
    fn forget(&self, key: &str) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }
}

/// Rejects keys that could leave their directory: empty, absolute, with empty, `.` or `..`
/// segments, NUL or backslashes. Keys may contain `/` to form subdirectories.
fn validate_key(key: &str) -> Result<(), BlobError> {
    let problem = if key.is_empty() {
        Some("is empty")
    } else if key.starts_with('/') {
        Some("is absolute")
    } else if key.contains('\0') || key.contains('\\') {
        Some("contains NUL or a backslash")
    } else if key
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        Some("has an empty, '.' or '..' segment")
    } else {
        None
    };
    match problem {
        // Belt and braces: the result must be a plain relative path.
        None if Path::new(key)
            .components()
            .all(|c| matches!(c, Component::Normal(_))) =>
        {
            Ok(())
        }
        None => Err(invalid_key(key, "is not a plain relative path")),
        Some(why) => Err(invalid_key(key, why)),
    }
}

fn invalid_key(key: &str, why: &str) -> BlobError {
    BlobError::Io(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("storage key {key:?} {why}"),
    ))
}

fn not_found(key: &str) -> impl Fn(io::Error) -> BlobError + '_ {
    move |e| {
        if e.kind() == io::ErrorKind::NotFound {
            BlobError::NotFound(key.to_string())
        } else {
            BlobError::Io(e)
        }
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(io::Error::other)?
}

/// Makes a directory entry change (create, rename, unlink) in `dir` durable.
async fn sync_dir(dir: &Path) -> io::Result<()> {
    let dir = dir.to_path_buf();
    blocking(move || std::fs::File::open(dir)?.sync_all()).await
}

/// Media is private to the server's user (drafts and private posts): directories 0700, files
/// 0600, whatever the umask.
const DIR_MODE: u32 = 0o700;
const FILE_MODE: u32 = 0o600;

fn private_dirs() -> tokio::fs::DirBuilder {
    let mut b = tokio::fs::DirBuilder::new();
    b.mode(DIR_MODE);
    b
}

/// Opens a new or existing file for writing; one it creates is private.
fn private_file() -> tokio::fs::OpenOptions {
    let mut o = tokio::fs::OpenOptions::new();
    o.write(true).mode(FILE_MODE);
    o
}

/// Creates `dir` and any missing directories between it and `base`, syncing the parent of each
/// one it creates (a missing `base` itself is created with its parents, unsynced: that is setup).
async fn create_dirs(base: &Path, dir: &Path) -> io::Result<()> {
    if tokio::fs::metadata(dir).await.is_ok() {
        return Ok(());
    }
    if tokio::fs::metadata(base).await.is_err() {
        private_dirs().recursive(true).create(base).await?;
    }
    let mut missing = Vec::new();
    let mut cur = dir;
    while cur != base && tokio::fs::metadata(cur).await.is_err() {
        missing.push(cur.to_path_buf());
        match cur.parent() {
            Some(parent) => cur = parent,
            None => break,
        }
    }
    for d in missing.iter().rev() {
        match private_dirs().create(d).await {
            Ok(()) => {}
            // A concurrent writer made it first.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
        if let Some(parent) = d.parent() {
            sync_dir(parent).await?;
        }
    }
    Ok(())
}

/// Streams `body` into `file` at `offset` with positioned writes, refusing to write more than
/// `limit` bytes. Returns the number of bytes written, or `TooLong` with the bytes seen so far.
///
/// One write is in flight on the blocking pool while the next buffer fills from the network, so
/// disk and socket work overlap; at most two buffers (2 × `WRITE_BUF`) are held at once.
async fn write_at(
    file: &Arc<std::fs::File>,
    offset: u64,
    mut body: ByteStream,
    limit: Option<u64>,
) -> Result<u64, BlobError> {
    let mut pending = BytesMut::new();
    let mut written: u64 = 0;
    let mut inflight: Option<tokio::task::JoinHandle<io::Result<()>>> = None;
    // Waits for the write in flight, then starts writing `buf` at `at`.
    async fn hand_over(
        inflight: &mut Option<tokio::task::JoinHandle<io::Result<()>>>,
        file: &Arc<std::fs::File>,
        at: u64,
        buf: Bytes,
    ) -> Result<(), BlobError> {
        if let Some(prev) = inflight.take() {
            prev.await.map_err(io::Error::other)??;
        }
        let file = Arc::clone(file);
        *inflight = Some(tokio::task::spawn_blocking(move || {
            std::os::unix::fs::FileExt::write_all_at(&*file, &buf, at)
        }));
        Ok(())
    }
    let result: Result<(), BlobError> = async {
        while let Some(item) = body.next().await {
            let chunk = item.map_err(BlobError::Body)?;
            let seen = written + pending.len() as u64 + chunk.len() as u64;
            if let Some(limit) = limit
                && seen > limit
            {
                return Err(BlobError::LengthMismatch {
                    expected: limit,
                    got: seen,
                });
            }
            if pending.is_empty() && chunk.len() >= WRITE_BUF {
                // Large frames go straight to disk without a copy.
                let len = chunk.len() as u64;
                hand_over(&mut inflight, file, offset + written, chunk).await?;
                written += len;
                continue;
            }
            pending.extend_from_slice(&chunk);
            if pending.len() >= WRITE_BUF {
                let buf = pending.split().freeze();
                let len = buf.len() as u64;
                hand_over(&mut inflight, file, offset + written, buf).await?;
                written += len;
            }
        }
        if !pending.is_empty() {
            let buf = pending.split().freeze();
            let len = buf.len() as u64;
            hand_over(&mut inflight, file, offset + written, buf).await?;
            written += len;
        }
        Ok(())
    }
    .await;
    // Never return while a write is still running: the caller may truncate or retry next.
    if let Some(last) = inflight.take() {
        let done = last.await.map_err(io::Error::other);
        if result.is_ok() {
            done??;
        }
    }
    result.map(|()| written)
}

/// Sets the file length to `len` when it is longer.
async fn truncate_to(file: &Arc<std::fs::File>, len: u64) -> io::Result<()> {
    let file = Arc::clone(file);
    blocking(move || {
        if file.metadata()?.len() > len {
            file.set_len(len)?;
        }
        Ok(())
    })
    .await
}

async fn sync_data(file: &Arc<std::fs::File>) -> io::Result<()> {
    let file = Arc::clone(file);
    blocking(move || file.sync_data()).await
}

/// Distinguishes temporary files of concurrent `put_stream` calls in one process.
static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl LocalBlobStore {
    /// A store rooted at `root`; directories are created on first use.
    pub fn new(root: PathBuf) -> Self {
        Self {
            root,
            locks: UploadLocks::default(),
        }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn upload_path(&self, upload_key: &str) -> Result<PathBuf, BlobError> {
        validate_key(upload_key)?;
        Ok(self.root.join("uploads").join(upload_key))
    }

    /// Where the object `object_key` lives (whether or not it exists yet).
    pub fn object_path(&self, object_key: &str) -> Result<PathBuf, BlobError> {
        validate_key(object_key)?;
        Ok(self.root.join("objects").join(object_key))
    }

    /// Where a key [`BlobStore::list`] showed lives: an upload's file, a partial file, or an
    /// object.
    fn listed_path(&self, key: &str) -> Result<PathBuf, BlobError> {
        validate_key(key)?;
        Ok(match key.split_once('/') {
            Some(("uploads", rest)) => self.root.join("uploads").join(rest),
            Some(("tmp", rest)) => self.root.join("tmp").join(rest),
            _ => self.root.join("objects").join(key),
        })
    }

    async fn open_upload(&self, upload_key: &str) -> Result<Arc<std::fs::File>, BlobError> {
        let path = self.upload_path(upload_key)?;
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .await
            .map_err(not_found(upload_key))?;
        Ok(Arc::new(file.into_std().await))
    }

    /// Renames `from` to `to`, creating `to`'s directories, and syncs both directories.
    async fn install(&self, from: &Path, to: &Path) -> Result<(), BlobError> {
        let parent = to.parent().unwrap_or(&self.root);
        create_dirs(&self.root, parent).await?;
        tokio::fs::rename(from, to).await?;
        sync_dir(parent).await?;
        if let Some(old_parent) = from.parent() {
            sync_dir(old_parent).await?;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl BlobStore for LocalBlobStore {
    /// Creates (or empties) `uploads/<upload_key>`; the handle is empty.
    async fn begin_upload(&self, upload_key: &str) -> Result<String, BlobError> {
        let path = self.upload_path(upload_key)?;
        let parent = path.parent().unwrap_or(&self.root);
        create_dirs(&self.root, parent).await?;
        let file = private_file()
            .create(true)
            .truncate(true)
            .open(&path)
            .await?;
        file.sync_all().await?;
        sync_dir(parent).await?;
        Ok(String::new())
    }

    async fn write_chunk(
        &self,
        upload_key: &str,
        _handle: &str,
        _part: u32,
        offset: u64,
        expected_len: u64,
        body: ByteStream,
    ) -> Result<ChunkReceipt, BlobError> {
        validate_key(upload_key)?;
        let _writing = self.locks.try_lock(upload_key)?;
        let file = self.open_upload(upload_key).await?;
        let end = offset.checked_add(expected_len).ok_or_else(|| {
            BlobError::Io(io::Error::new(
                io::ErrorKind::InvalidInput,
                "chunk range overflows",
            ))
        })?;
        let result = match write_at(&file, offset, body, Some(expected_len)).await {
            Ok(n) if n == expected_len => Ok(n),
            Ok(n) => Err(BlobError::LengthMismatch {
                expected: expected_len,
                got: n,
            }),
            Err(e) => Err(e),
        };
        match result {
            Ok(bytes) => {
                // Bytes past this chunk were never acknowledged (sequential uploads).
                truncate_to(&file, end).await?;
                sync_data(&file).await?;
                Ok(ChunkReceipt { bytes, etag: None })
            }
            Err(e) => {
                // Drop the partial chunk: the caller resends it at the same offset.
                truncate_to(&file, offset).await?;
                Err(e)
            }
        }
    }

    /// Checks the file holds exactly Σ `parts[].bytes` and renames it to `objects/<object_key>`.
    /// Finishing again after success is a no-op.
    async fn finish_upload(
        &self,
        upload_key: &str,
        _handle: &str,
        parts: &[ChunkReceipt],
        object_key: &str,
    ) -> Result<(), BlobError> {
        let from = self.upload_path(upload_key)?;
        let to = self.object_path(object_key)?;
        let _writing = self.locks.lock(upload_key).await;
        let expected = parts
            .iter()
            .fold(0u64, |acc, p| acc.saturating_add(p.bytes));
        let len = match tokio::fs::metadata(&from).await {
            Ok(meta) => meta.len(),
            // A retried finish whose rename already happened.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return match tokio::fs::metadata(&to).await {
                    Ok(meta) if meta.len() == expected => Ok(()),
                    _ => Err(BlobError::NotFound(upload_key.to_string())),
                };
            }
            Err(e) => return Err(e.into()),
        };
        if len != expected {
            return Err(BlobError::LengthMismatch { expected, got: len });
        }
        self.install(&from, &to).await?;
        self.locks.forget(upload_key);
        Ok(())
    }

    /// Removes the upload file; a missing one is fine (abort is idempotent).
    async fn abort_upload(&self, upload_key: &str, _handle: &str) -> Result<(), BlobError> {
        let path = self.upload_path(upload_key)?;
        let _writing = self.locks.lock(upload_key).await;
        match tokio::fs::remove_file(&path).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e.into()),
            _ => {
                self.locks.forget(upload_key);
                Ok(())
            }
        }
    }

    /// Writes to `tmp/` first and renames into place, so readers never see half an object.
    async fn put_stream(&self, object_key: &str, body: ByteStream) -> Result<u64, BlobError> {
        let to = self.object_path(object_key)?;
        let tmp_dir = self.root.join("tmp");
        create_dirs(&self.root, &tmp_dir).await?;
        let tmp = tmp_dir.join(format!(
            "put-{}-{}",
            std::process::id(),
            TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let file = private_file().create_new(true).open(&tmp).await?;
        let file = Arc::new(file.into_std().await);
        let result = async {
            let written = write_at(&file, 0, body, None).await?;
            sync_data(&file).await?;
            self.install(&tmp, &to).await?;
            Ok(written)
        }
        .await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(&tmp).await;
        }
        result
    }

    async fn size(&self, object_key: &str) -> Result<u64, BlobError> {
        let path = self.object_path(object_key)?;
        let meta = tokio::fs::metadata(&path)
            .await
            .map_err(not_found(object_key))?;
        Ok(meta.len())
    }

    /// Streams the object, or `range` of it; the range's end is clamped to the object's length
    /// (callers check ranges against [`BlobStore::size`]), an inverted range is `InvalidInput`.
    async fn read(
        &self,
        object_key: &str,
        range: Option<Range<u64>>,
    ) -> Result<ByteStream, BlobError> {
        let path = self.object_path(object_key)?;
        let mut file = tokio::fs::File::open(&path)
            .await
            .map_err(not_found(object_key))?;
        let len = file.metadata().await?.len();
        let Range { start, end } = range.unwrap_or(0..len);
        if start > end {
            return Err(BlobError::Io(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("inverted byte range {start}..{end}"),
            )));
        }
        let end = end.min(len);
        let start = start.min(end);
        file.seek(io::SeekFrom::Start(start)).await?;
        Ok(ReaderStream::with_capacity(file.take(end - start), READ_BUF).boxed())
    }

    /// The object file itself (`temporary: false`): nothing is copied on a local store.
    async fn local_copy(&self, object_key: &str) -> Result<LocalFile, BlobError> {
        let path = self.object_path(object_key)?;
        tokio::fs::metadata(&path)
            .await
            .map_err(not_found(object_key))?;
        Ok(LocalFile {
            path,
            temporary: false,
        })
    }

    /// Removes the object; a missing object is fine (as on S3).
    async fn delete(&self, object_key: &str) -> Result<(), BlobError> {
        let path = self.listed_path(object_key)?;
        match tokio::fs::remove_file(&path).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    fn list(&self) -> futures::stream::BoxStream<'static, Result<BlobEntry, BlobError>> {
        // The walk runs on a blocking thread and hands entries over a small channel, so a
        // large tree is never held whole.
        let (tx, rx) = tokio::sync::mpsc::channel(256);
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || {
            for (dir, prefix) in [("objects", ""), ("uploads", "uploads/"), ("tmp", "tmp/")] {
                if !walk(&root.join(dir), prefix, &tx) {
                    return;
                }
            }
        });
        Box::pin(futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|e| (e, rx))
        }))
    }
}

/// Sends every file under `dir` as `prefix` + its path relative to `dir`; false once the
/// receiver is gone. A missing directory holds nothing.
fn walk(
    dir: &Path,
    prefix: &str,
    tx: &tokio::sync::mpsc::Sender<Result<BlobEntry, BlobError>>,
) -> bool {
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return tx.blocking_send(Err(e.into())).is_ok(),
        };
        for entry in entries {
            let found = entry.and_then(|e| Ok((e.path(), e.metadata()?)));
            let (path, meta) = match found {
                Ok(f) => f,
                Err(e) => {
                    if tx.blocking_send(Err(e.into())).is_err() {
                        return false;
                    }
                    continue;
                }
            };
            if meta.is_dir() {
                pending.push(path);
                continue;
            }
            let Some(rel) = path.strip_prefix(dir).ok().and_then(|r| r.to_str()) else {
                continue;
            };
            let modified_ms = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0);
            let blob = BlobEntry {
                key: format!("{prefix}{rel}"),
                size: meta.len(),
                modified_ms,
            };
            if tx.blocking_send(Ok(blob)).is_err() {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::stream;

    #[tokio::test]
    async fn the_listing_shows_objects_uploads_and_partial_files_and_each_can_be_deleted() {
        let (dir, s) = store();
        s.put_stream("media/a.mp4", body(b"abc", 2)).await.unwrap();
        s.begin_upload("pub1").await.unwrap();
        s.write_chunk("pub1", "", 1, 0, 2, body(b"xy", 2))
            .await
            .unwrap();
        std::fs::write(dir.path().join("blobs/tmp/stale"), b"partial").unwrap();
        let mut keys: Vec<(String, u64)> = s
            .list()
            .map(|e| e.map(|e| (e.key, e.size)))
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()
            .unwrap();
        keys.sort();
        assert_eq!(
            keys,
            vec![
                ("media/a.mp4".to_string(), 3),
                ("tmp/stale".to_string(), 7),
                ("uploads/pub1".to_string(), 2)
            ]
        );
        for (k, _) in &keys {
            s.delete(k).await.unwrap();
        }
        assert_eq!(s.list().count().await, 0);
    }

    fn store() -> (tempfile::TempDir, LocalBlobStore) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = LocalBlobStore::new(dir.path().join("blobs"));
        (dir, store)
    }

    /// A body stream of `data` in pieces of `piece` bytes.
    fn body(data: &[u8], piece: usize) -> ByteStream {
        let pieces: Vec<Result<Bytes, io::Error>> = data
            .chunks(piece.max(1))
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        stream::iter(pieces).boxed()
    }

    /// A body that yields `data` and then fails, like a client that disconnects.
    fn broken_body(data: &[u8]) -> ByteStream {
        let items = vec![
            Ok(Bytes::copy_from_slice(data)),
            Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "client went away",
            )),
        ];
        stream::iter(items).boxed()
    }

    fn pattern(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect()
    }

    async fn read_all(store: &LocalBlobStore, key: &str, range: Option<Range<u64>>) -> Vec<u8> {
        let mut s = store.read(key, range).await.expect("read");
        let mut out = Vec::new();
        while let Some(b) = s.next().await {
            out.extend_from_slice(&b.expect("chunk"));
        }
        out
    }

    async fn upload_len(store: &LocalBlobStore, key: &str) -> u64 {
        let path = store.upload_path(key).expect("key");
        tokio::fs::metadata(path).await.expect("upload file").len()
    }

    #[tokio::test]
    async fn creates_a_missing_root() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = LocalBlobStore::new(dir.path().join("a/b/blobs"));
        store
            .put_stream("x/y", body(b"data", 2))
            .await
            .expect("put");
        assert_eq!(read_all(&store, "x/y", None).await, b"data");
    }

    #[tokio::test]
    async fn chunks_assemble_into_an_object() {
        let (_dir, store) = store();
        let data = pattern(3 * 1024 * 1024 + 17, 1);
        let (a, b) = data.split_at(2 * 1024 * 1024);
        let handle = store.begin_upload("u1").await.expect("begin");
        assert_eq!(handle, "");
        // Small frames (coalesced) for the first chunk, one big frame for the second.
        let r1 = store
            .write_chunk("u1", &handle, 1, 0, a.len() as u64, body(a, 1000))
            .await;
        let r1 = r1.expect("chunk 1");
        assert_eq!(
            r1,
            ChunkReceipt {
                bytes: a.len() as u64,
                etag: None
            }
        );
        let r2 = store.write_chunk(
            "u1",
            &handle,
            2,
            a.len() as u64,
            b.len() as u64,
            body(b, b.len()),
        );
        let r2 = r2.await.expect("chunk 2");
        store
            .finish_upload("u1", &handle, &[r1.clone(), r2.clone()], "videos/v1.mp4")
            .await
            .expect("finish");

        assert_eq!(
            store.size("videos/v1.mp4").await.expect("size"),
            data.len() as u64
        );
        assert_eq!(read_all(&store, "videos/v1.mp4", None).await, data);
        assert!(!store.upload_path("u1").expect("key").exists());
        // Finishing again (a retried job) is fine.
        store
            .finish_upload("u1", &handle, &[r1, r2], "videos/v1.mp4")
            .await
            .expect("refinish");
    }

    #[tokio::test]
    async fn a_resent_chunk_overwrites() {
        let (_dir, store) = store();
        let first = pattern(1000, 1);
        let second = pattern(500, 2);
        store.begin_upload("u").await.expect("begin");
        let r1 = store
            .write_chunk("u", "", 1, 0, 1000, body(&first, 100))
            .await
            .expect("chunk 1");

        // The client drops mid-chunk: the error is the body's and the partial bytes are gone.
        let err = store
            .write_chunk("u", "", 2, 1000, 500, broken_body(&[0xEE; 300]))
            .await;
        assert!(matches!(err, Err(BlobError::Body(_))), "{err:?}");
        assert_eq!(upload_len(&store, "u").await, 1000);

        // Then a full resend with different bytes wins.
        let bad = vec![0xAB; 500];
        store
            .write_chunk("u", "", 2, 1000, 500, body(&bad, 64))
            .await
            .expect("chunk 2");
        let r2 = store
            .write_chunk("u", "", 2, 1000, 500, body(&second, 64))
            .await
            .expect("resend");
        store
            .finish_upload("u", "", &[r1, r2], "o")
            .await
            .expect("finish");
        assert_eq!(read_all(&store, "o", None).await, [first, second].concat());
    }

    #[tokio::test]
    async fn a_short_body_is_a_length_mismatch() {
        let (_dir, store) = store();
        store.begin_upload("u").await.expect("begin");
        store
            .write_chunk("u", "", 1, 0, 100, body(&[1; 100], 10))
            .await
            .expect("chunk 1");
        let err = store
            .write_chunk("u", "", 2, 100, 100, body(&[2; 60], 10))
            .await;
        assert!(
            matches!(
                err,
                Err(BlobError::LengthMismatch {
                    expected: 100,
                    got: 60
                })
            ),
            "{err:?}"
        );
        assert_eq!(upload_len(&store, "u").await, 100);
    }

    #[tokio::test]
    async fn a_long_body_is_a_length_mismatch_and_leaves_nothing_past_the_chunk() {
        let (_dir, store) = store();
        store.begin_upload("u").await.expect("begin");
        let err = store
            .write_chunk("u", "", 1, 0, 100, body(&[1; 150], 40))
            .await;
        assert!(
            matches!(err, Err(BlobError::LengthMismatch { expected: 100, .. })),
            "{err:?}"
        );
        assert!(upload_len(&store, "u").await <= 100);
        // The finished upload must match the acknowledged parts exactly.
        let ok = store
            .write_chunk("u", "", 1, 0, 100, body(&[1; 100], 40))
            .await
            .expect("chunk");
        let short = ChunkReceipt {
            bytes: 99,
            etag: None,
        };
        let err = store.finish_upload("u", "", &[short], "o").await;
        assert!(
            matches!(
                err,
                Err(BlobError::LengthMismatch {
                    expected: 99,
                    got: 100
                })
            ),
            "{err:?}"
        );
        store
            .finish_upload("u", "", &[ok], "o")
            .await
            .expect("finish");
    }

    #[tokio::test]
    async fn unknown_uploads_and_objects_are_not_found() {
        let (_dir, store) = store();
        let err = store.write_chunk("nope", "", 1, 0, 1, body(&[1], 1)).await;
        assert!(matches!(err, Err(BlobError::NotFound(_))), "{err:?}");
        assert!(matches!(
            store.size("nope").await,
            Err(BlobError::NotFound(_))
        ));
        assert!(matches!(
            store.read("nope", None).await,
            Err(BlobError::NotFound(_))
        ));
        assert!(matches!(
            store.local_copy("nope").await,
            Err(BlobError::NotFound(_))
        ));
        let err = store.finish_upload("nope", "", &[], "o").await;
        assert!(matches!(err, Err(BlobError::NotFound(_))), "{err:?}");
    }

    #[tokio::test]
    async fn one_write_per_upload_and_finish_waits_for_it() {
        let (_dir, store) = store();
        store.begin_upload("u").await.expect("begin");
        // A body that delivers half, then waits for the test.
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let slow = stream::once(async { Ok(Bytes::from_static(&[1; 5])) })
            .chain(stream::once(async move {
                let _ = rx.await;
                Ok(Bytes::from_static(&[1; 5]))
            }))
            .boxed();
        let first = tokio::spawn({
            let store = store.clone();
            async move { store.write_chunk("u", "", 1, 0, 10, slow).await }
        });
        // Let the first write take the upload and wait in its body.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let second = store
            .write_chunk("u", "", 1, 0, 10, body(&[2; 10], 10))
            .await;
        assert!(matches!(second, Err(BlobError::Busy(_))), "{second:?}");
        let finish = tokio::spawn({
            let store = store.clone();
            let part = ChunkReceipt {
                bytes: 10,
                etag: None,
            };
            async move { store.finish_upload("u", "", &[part], "o").await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(
            !finish.is_finished(),
            "finishing waits for the running write"
        );
        tx.send(()).expect("writer waits");
        first.await.expect("join").expect("first write");
        finish.await.expect("join").expect("finish");
        assert_eq!(read_all(&store, "o", None).await, [1; 10]);
        // The upload is an object now: nothing can write into it any more.
        let late = store
            .write_chunk("u", "", 1, 0, 10, body(&[3; 10], 10))
            .await;
        assert!(matches!(late, Err(BlobError::NotFound(_))), "{late:?}");
    }

    #[tokio::test]
    async fn abort_removes_the_upload() {
        let (_dir, store) = store();
        store.begin_upload("u").await.expect("begin");
        store
            .write_chunk("u", "", 1, 0, 10, body(&[1; 10], 10))
            .await
            .expect("chunk");
        store.abort_upload("u", "").await.expect("abort");
        assert!(!store.upload_path("u").expect("key").exists());
        store.abort_upload("u", "").await.expect("abort twice");
    }

    #[tokio::test]
    async fn put_read_delete() {
        let (_dir, store) = store();
        let data = pattern(200_000, 7);
        let n = store
            .put_stream("covers/a/b.jpg", body(&data, 4096))
            .await
            .expect("put");
        assert_eq!(n, data.len() as u64);
        assert_eq!(read_all(&store, "covers/a/b.jpg", None).await, data);
        // Overwrite.
        store
            .put_stream("covers/a/b.jpg", body(b"new", 1))
            .await
            .expect("put again");
        assert_eq!(read_all(&store, "covers/a/b.jpg", None).await, b"new");
        // No temporary files are left behind.
        let tmp: Vec<_> = std::fs::read_dir(store.root().join("tmp"))
            .expect("tmp")
            .collect();
        assert!(tmp.is_empty());
        store.delete("covers/a/b.jpg").await.expect("delete");
        assert!(matches!(
            store.size("covers/a/b.jpg").await,
            Err(BlobError::NotFound(_))
        ));
        store.delete("covers/a/b.jpg").await.expect("delete twice");
    }

    #[tokio::test]
    async fn a_failed_put_leaves_nothing() {
        let (_dir, store) = store();
        let err = store.put_stream("x", broken_body(b"partial")).await;
        assert!(matches!(err, Err(BlobError::Body(_))), "{err:?}");
        assert!(matches!(store.size("x").await, Err(BlobError::NotFound(_))));
        let tmp: Vec<_> = std::fs::read_dir(store.root().join("tmp"))
            .expect("tmp")
            .collect();
        assert!(tmp.is_empty());
    }

    #[tokio::test]
    async fn ranged_reads() {
        let (_dir, store) = store();
        let data = pattern(300_000, 3);
        store
            .put_stream("o", body(&data, 65536))
            .await
            .expect("put");
        assert_eq!(read_all(&store, "o", Some(0..10)).await, data[..10]);
        assert_eq!(
            read_all(&store, "o", Some(1000..250_000)).await,
            data[1000..250_000]
        );
        assert_eq!(
            read_all(&store, "o", Some(299_999..300_000)).await,
            data[299_999..]
        );
        assert!(read_all(&store, "o", Some(5..5)).await.is_empty());
        // The end is clamped to the object.
        assert_eq!(
            read_all(&store, "o", Some(299_990..400_000)).await,
            data[299_990..]
        );
        assert!(
            read_all(&store, "o", Some(400_000..500_000))
                .await
                .is_empty()
        );
        #[expect(
            clippy::reversed_empty_ranges,
            reason = "an inverted range is the case under test"
        )]
        let inverted = store.read("o", Some(10..5)).await;
        assert!(
            matches!(inverted, Err(BlobError::Io(e)) if e.kind() == io::ErrorKind::InvalidInput)
        );
    }

    #[tokio::test]
    async fn local_copy_is_the_object_itself() {
        let (_dir, store) = store();
        store
            .put_stream("v/1.mp4", body(b"video", 2))
            .await
            .expect("put");
        let copy = store.local_copy("v/1.mp4").await.expect("copy");
        assert!(!copy.temporary);
        assert_eq!(copy.path, store.root().join("objects/v/1.mp4"));
        drop(copy);
        // Dropping a non-temporary LocalFile keeps the object.
        assert_eq!(
            std::fs::read(store.root().join("objects/v/1.mp4")).expect("object"),
            b"video"
        );
    }

    #[tokio::test]
    async fn traversal_is_rejected() {
        let (dir, store) = store();
        let bad = [
            "",
            "../x",
            "a/../../x",
            "/etc/passwd",
            "a//b",
            "a/./b",
            "a/",
            ".",
            "..",
            "a\\b",
            "a\0b",
        ];
        let invalid = |r: Result<(), BlobError>| matches!(r, Err(BlobError::Io(e)) if e.kind() == io::ErrorKind::InvalidInput);
        for key in bad {
            assert!(
                invalid(store.put_stream(key, body(b"x", 1)).await.map(|_| ())),
                "put {key:?}"
            );
            assert!(
                invalid(store.read(key, None).await.map(|_| ())),
                "read {key:?}"
            );
            assert!(invalid(store.size(key).await.map(|_| ())), "size {key:?}");
            assert!(invalid(store.delete(key).await), "delete {key:?}");
            assert!(
                invalid(store.local_copy(key).await.map(|_| ())),
                "local_copy {key:?}"
            );
            assert!(
                invalid(store.begin_upload(key).await.map(|_| ())),
                "begin {key:?}"
            );
        }
        store.begin_upload("u").await.expect("begin");
        assert!(invalid(
            store.finish_upload("u", "", &[], "../escaped").await
        ));
        assert!(!dir.path().join("escaped").exists());
        assert!(!dir.path().join("blobs/escaped").exists());
        // Nested keys are fine.
        store
            .finish_upload("u", "", &[], "a/b/c")
            .await
            .expect("nested");
    }
}
