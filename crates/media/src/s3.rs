//! Blobs in any S3-compatible store, through the maintained `object_store` crate.
//!
//! Each chunk of an upload becomes its own object (`uploads/<key>/<part>`), written with a
//! multipart upload in 8 MiB parts, so a chunk never sits whole in memory and any node can take
//! the next chunk. `finish_upload` streams the chunk objects, in order, into one multipart upload
//! of the final object and deletes them. (S3 parts must be ≥ 5 MiB but TikTok's chunks may be
//! 5,000,000 bytes, so chunks cannot be the final object's parts directly.)
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as StorePath;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, WriteMultipart};
use tokio::io::AsyncWriteExt;

use crate::blob::{BlobEntry, BlobError, BlobStore, ByteStream, ChunkReceipt, LocalFile};

const PART: usize = 8 * 1024 * 1024;

/// A [`BlobStore`] over an S3-compatible bucket.
pub struct S3BlobStore {
    store: Arc<dyn ObjectStore>,
    tmp: std::path::PathBuf,
}

fn backend(e: object_store::Error) -> BlobError {
    match e {
        object_store::Error::NotFound { path, .. } => BlobError::NotFound(path),
        other => BlobError::Backend(other.to_string()),
    }
}

fn path(key: &str) -> Result<StorePath, BlobError> {
    if key.is_empty()
        || key
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return Err(BlobError::Backend(format!("invalid object key {key:?}")));
    }
    StorePath::parse(key).map_err(|e| BlobError::Backend(e.to_string()))
}

impl S3BlobStore {
    /// `s3://bucket?endpoint=http://127.0.0.1:9000&region=us-east-1`; credentials come from the
    /// standard AWS environment variables. `tmp` holds local copies made for probing.
    pub fn from_url(url: &str, tmp: std::path::PathBuf) -> Result<S3BlobStore, String> {
        let u = url::Url::parse(url).map_err(|e| format!("{url}: {e}"))?;
        if u.scheme() != "s3" {
            return Err(format!("{url}: expected s3://bucket?endpoint=…&region=…"));
        }
        let bucket = u
            .host_str()
            .ok_or_else(|| format!("{url}: no bucket"))?
            .to_string();
        let mut b = AmazonS3Builder::from_env().with_bucket_name(bucket);
        for (k, v) in u.query_pairs() {
            match k.as_ref() {
                "endpoint" => {
                    b = b
                        .with_allow_http(v.starts_with("http://"))
                        .with_endpoint(v.to_string())
                        .with_virtual_hosted_style_request(false);
                }
                "region" => b = b.with_region(v.to_string()),
                other => return Err(format!("{url}: unknown parameter {other}")),
            }
        }
        let store = b.build().map_err(|e| e.to_string())?;
        Ok(S3BlobStore {
            store: Arc::new(store),
            tmp,
        })
    }

    fn chunk_key(upload_key: &str, part: u32) -> String {
        format!("uploads/{upload_key}/{part:05}")
    }

    /// Streams `body` into `key` with a multipart upload; checks the length when given.
    async fn write_object(
        &self,
        key: &str,
        mut body: ByteStream,
        expected: Option<u64>,
    ) -> Result<u64, BlobError> {
        let upload = self
            .store
            .put_multipart(&path(key)?)
            .await
            .map_err(backend)?;
        let mut w = WriteMultipart::new_with_chunk_size(upload, PART);
        let mut n: u64 = 0;
        let result: Result<(), BlobError> = async {
            while let Some(item) = body.next().await {
                let chunk = item.map_err(BlobError::Body)?;
                n += chunk.len() as u64;
                if let Some(e) = expected
                    && n > e
                {
                    return Err(BlobError::LengthMismatch {
                        expected: e,
                        got: n,
                    });
                }
                w.wait_for_capacity(2).await.map_err(backend)?;
                w.put(chunk);
            }
            if let Some(e) = expected
                && n != e
            {
                return Err(BlobError::LengthMismatch {
                    expected: e,
                    got: n,
                });
            }
            Ok(())
        }
        .await;
        match result {
            Ok(()) => {
                w.finish().await.map_err(backend)?;
                Ok(n)
            }
            Err(e) => {
                let _ = w.abort().await;
                Err(e)
            }
        }
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<(), BlobError> {
        let p = path(prefix)?;
        let listed: Vec<_> = self
            .store
            .list(Some(&p))
            .try_collect()
            .await
            .map_err(backend)?;
        for m in listed {
            self.store.delete(&m.location).await.map_err(backend)?;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl BlobStore for S3BlobStore {
    async fn begin_upload(&self, _upload_key: &str) -> Result<String, BlobError> {
        Ok(String::new())
    }

    async fn write_chunk(
        &self,
        upload_key: &str,
        _handle: &str,
        part: u32,
        _offset: u64,
        expected_len: u64,
        body: ByteStream,
    ) -> Result<ChunkReceipt, BlobError> {
        let key = Self::chunk_key(upload_key, part);
        let bytes = self.write_object(&key, body, Some(expected_len)).await?;
        Ok(ChunkReceipt {
            bytes,
            etag: Some(key),
        })
    }

    async fn finish_upload(
        &self,
        upload_key: &str,
        _handle: &str,
        parts: &[ChunkReceipt],
        object_key: &str,
    ) -> Result<(), BlobError> {
        let total: u64 = parts.iter().map(|p| p.bytes).sum();
        // Finished before (a job run twice): nothing to do.
        if let Ok(meta) = self.store.head(&path(object_key)?).await
            && meta.size == total
        {
            return Ok(());
        }
        let store = self.store.clone();
        let keys: Vec<String> = (1..=parts.len() as u32)
            .map(|i| Self::chunk_key(upload_key, i))
            .collect();
        let stream = futures::stream::iter(keys)
            .then(move |k| {
                let store = store.clone();
                async move {
                    let p = StorePath::parse(k.as_str()).map_err(std::io::Error::other)?;
                    let r = store.get(&p).await.map_err(std::io::Error::other)?;
                    Ok::<_, std::io::Error>(r.into_stream().map_err(std::io::Error::other))
                }
            })
            .try_flatten();
        let n = self
            .write_object(object_key, Box::pin(stream), Some(total))
            .await?;
        debug_assert_eq!(n, total);
        self.delete_prefix(&format!("uploads/{upload_key}")).await
    }

    async fn abort_upload(&self, upload_key: &str, _handle: &str) -> Result<(), BlobError> {
        self.delete_prefix(&format!("uploads/{upload_key}")).await
    }

    async fn put_stream(&self, object_key: &str, body: ByteStream) -> Result<u64, BlobError> {
        self.write_object(object_key, body, None).await
    }

    async fn size(&self, object_key: &str) -> Result<u64, BlobError> {
        Ok(self
            .store
            .head(&path(object_key)?)
            .await
            .map_err(backend)?
            .size)
    }

    async fn read(
        &self,
        object_key: &str,
        range: Option<Range<u64>>,
    ) -> Result<ByteStream, BlobError> {
        let opts = GetOptions {
            range: range.map(GetRange::Bounded),
            ..Default::default()
        };
        let r = self
            .store
            .get_opts(&path(object_key)?, opts)
            .await
            .map_err(backend)?;
        Ok(Box::pin(r.into_stream().map_err(std::io::Error::other)))
    }

    async fn local_copy(&self, object_key: &str) -> Result<LocalFile, BlobError> {
        // Copies of private media: private to the server's user, as the local store's are.
        tokio::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.tmp)
            .await?;
        let dest = self
            .tmp
            .join(format!("copy-{}-{}", std::process::id(), uuid_like()));
        let mut f = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&dest)
            .await?;
        let mut s = self.read(object_key, None).await?;
        while let Some(b) = s.next().await {
            let b: Bytes = b?;
            f.write_all(&b).await?;
        }
        f.flush().await?;
        Ok(LocalFile {
            path: dest,
            temporary: true,
        })
    }

    fn list(&self) -> BoxStream<'static, Result<BlobEntry, BlobError>> {
        Box::pin(self.store.list(None).map(|m| {
            m.map(|m| BlobEntry {
                key: m.location.to_string(),
                size: m.size,
                modified_ms: m.last_modified.timestamp_millis(),
            })
            .map_err(backend)
        }))
    }

    async fn delete(&self, object_key: &str) -> Result<(), BlobError> {
        match self.store.delete(&path(object_key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(backend(e)),
        }
    }
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{t:x}-{}", N.fetch_add(1, Ordering::Relaxed))
}
