//! The blob store with its failures counted (`reelbox_blob_store_errors_total`). Only the
//! store's own failures count (I/O, the backend): a client's broken body, a busy upload or a
//! missing object are answers, not storage trouble.
use std::ops::Range;
use std::sync::Arc;

use futures::StreamExt;
use futures::stream::BoxStream;
use reelbox_media::blob::{BlobEntry, BlobError, BlobStore, ByteStream, ChunkReceipt, LocalFile};

use crate::state::metrics::Metrics;

pub struct MeteredBlobs {
    inner: Arc<dyn BlobStore>,
    metrics: Arc<Metrics>,
}

impl MeteredBlobs {
    pub fn new(inner: Arc<dyn BlobStore>, metrics: Arc<Metrics>) -> Self {
        MeteredBlobs { inner, metrics }
    }

    fn count<T>(&self, operation: &'static str, r: Result<T, BlobError>) -> Result<T, BlobError> {
        if let Err(BlobError::Io(_) | BlobError::Backend(_)) = &r {
            self.metrics.record_blob_error(operation);
        }
        r
    }
}

#[async_trait::async_trait]
impl BlobStore for MeteredBlobs {
    async fn begin_upload(&self, upload_key: &str) -> Result<String, BlobError> {
        let r = self.inner.begin_upload(upload_key).await;
        self.count("begin_upload", r)
    }

    async fn write_chunk(
        &self,
        upload_key: &str,
        handle: &str,
        part: u32,
        offset: u64,
        expected_len: u64,
        body: ByteStream,
    ) -> Result<ChunkReceipt, BlobError> {
        let r = self
            .inner
            .write_chunk(upload_key, handle, part, offset, expected_len, body)
            .await;
        self.count("write_chunk", r)
    }

    async fn finish_upload(
        &self,
        upload_key: &str,
        handle: &str,
        parts: &[ChunkReceipt],
        object_key: &str,
    ) -> Result<(), BlobError> {
        let r = self
            .inner
            .finish_upload(upload_key, handle, parts, object_key)
            .await;
        self.count("finish_upload", r)
    }

    async fn abort_upload(&self, upload_key: &str, handle: &str) -> Result<(), BlobError> {
        let r = self.inner.abort_upload(upload_key, handle).await;
        self.count("abort_upload", r)
    }

    async fn put_stream(&self, object_key: &str, body: ByteStream) -> Result<u64, BlobError> {
        let r = self.inner.put_stream(object_key, body).await;
        self.count("put_stream", r)
    }

    async fn size(&self, object_key: &str) -> Result<u64, BlobError> {
        let r = self.inner.size(object_key).await;
        self.count("size", r)
    }

    async fn read(
        &self,
        object_key: &str,
        range: Option<Range<u64>>,
    ) -> Result<ByteStream, BlobError> {
        let r = self.inner.read(object_key, range).await;
        self.count("read", r)
    }

    async fn local_copy(&self, object_key: &str) -> Result<LocalFile, BlobError> {
        let r = self.inner.local_copy(object_key).await;
        self.count("local_copy", r)
    }

    async fn delete(&self, object_key: &str) -> Result<(), BlobError> {
        let r = self.inner.delete(object_key).await;
        self.count("delete", r)
    }

    fn list(&self) -> BoxStream<'static, Result<BlobEntry, BlobError>> {
        let metrics = self.metrics.clone();
        Box::pin(self.inner.list().inspect(move |r| {
            if let Err(BlobError::Io(_) | BlobError::Backend(_)) = r {
                metrics.record_blob_error("list");
            }
        }))
    }
}
