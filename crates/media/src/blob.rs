//! Blob storage behind one trait, so the server never knows whether media sits on a local disk or
//! in an S3-compatible store.
//!
//! An *upload* is a file being assembled from sequential chunks (the chunked PUT of the posting API).
//! Every chunk is durable (fsync or a completed multipart part) before `write_chunk` returns, so the
//! server may acknowledge it. A chunk that failed midway is simply written again at the same offset.
//! `finish_upload` turns an upload into a stored object under `object_key`.

use std::ops::Range;
use std::path::PathBuf;

use bytes::Bytes;
use futures::stream::BoxStream;

pub type ByteStream = BoxStream<'static, Result<Bytes, std::io::Error>>;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("not found: {0}")]
    NotFound(String),
    /// The body ended before `expected_len` bytes or ran past it.
    #[error("chunk length mismatch: expected {expected} bytes, got {got}")]
    LengthMismatch { expected: u64, got: u64 },
    #[error("the client's body stream failed: {0}")]
    Body(std::io::Error),
    /// Another write to the same upload is in flight; nothing was written.
    #[error("another write to upload {0} is in flight")]
    Busy(String),
    #[error("storage I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("storage backend: {0}")]
    Backend(String),
}

/// What a durable chunk write reports back; the server stores it with the chunk's row so any node
/// can later finish the upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkReceipt {
    pub bytes: u64,
    /// Backend receipt for this part (an S3 part ETag); `None` for local files.
    pub etag: Option<String>,
}

#[async_trait::async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Starts an upload; returns a backend handle (S3 multipart upload id; empty for local files).
    async fn begin_upload(&self, upload_key: &str) -> Result<String, BlobError>;

    /// Writes chunk number `part` (1-based) of `expected_len` bytes at byte `offset`, streaming `body`
    /// to storage without holding it whole in memory. Durable when it returns `Ok`. A store whose
    /// chunks share one file refuses a second concurrent write to the upload ([`BlobError::Busy`])
    /// and finishes an upload only once no write to it is running.
    async fn write_chunk(
        &self,
        upload_key: &str,
        handle: &str,
        part: u32,
        offset: u64,
        expected_len: u64,
        body: ByteStream,
    ) -> Result<ChunkReceipt, BlobError>;

    /// Assembles the upload's parts (in order) into the object `object_key`.
    async fn finish_upload(
        &self,
        upload_key: &str,
        handle: &str,
        parts: &[ChunkReceipt],
        object_key: &str,
    ) -> Result<(), BlobError>;

    /// Drops an unfinished upload and whatever it had written.
    async fn abort_upload(&self, upload_key: &str, handle: &str) -> Result<(), BlobError>;

    /// Stores a whole object from a stream (pulled media, covers).
    async fn put_stream(&self, object_key: &str, body: ByteStream) -> Result<u64, BlobError>;

    /// Size in bytes of a stored object.
    async fn size(&self, object_key: &str) -> Result<u64, BlobError>;

    /// Reads `range` (or everything) of a stored object as a stream.
    async fn read(
        &self,
        object_key: &str,
        range: Option<Range<u64>>,
    ) -> Result<ByteStream, BlobError>;

    /// A local file holding the object, for probing and ffmpeg: the object itself on local disk,
    /// a temporary download elsewhere (removed when the returned guard drops).
    async fn local_copy(&self, object_key: &str) -> Result<LocalFile, BlobError>;

    async fn delete(&self, object_key: &str) -> Result<(), BlobError>;

    /// Every blob the store holds, as a stream (a bucket may hold more than fits in memory):
    /// objects under their keys, an unfinished upload's data under `uploads/<upload_key>`
    /// (one entry per chunk object on S3, the one file on disk), and on disk the partial files
    /// of `put_stream`s cut short by a crash under `tmp/`. [`BlobStore::delete`] removes any of
    /// them by the listed key.
    fn list(&self) -> BoxStream<'static, Result<BlobEntry, BlobError>>;
}

/// One blob as [`BlobStore::list`] shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobEntry {
    pub key: String,
    pub size: u64,
    /// Last written, milliseconds since the Unix epoch (system time).
    pub modified_ms: i64,
}

/// A path to a local file; when `temporary` it is removed on drop.
#[derive(Debug)]
pub struct LocalFile {
    pub path: PathBuf,
    pub temporary: bool,
}

impl Drop for LocalFile {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
