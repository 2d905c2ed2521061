//! The body of a chunk PUT, as the upload use case lets it reach storage: bytes must keep coming
//! (a client silent for `limits.upload_body_idle_timeout_secs` is cut off) and the upload URL must
//! still be valid when each piece arrives (its expiry holds mid-PUT, not only when the PUT
//! starts). Either way the stream ends with a [`BodyStop`] inside its `io::Error`; storage
//! acknowledges nothing of the chunk, the handler answers and the writer slot is freed.
use std::io;
use std::time::Duration;

use futures::StreamExt;
use reelbox_media::{BlobError, ByteStream};

use crate::state::AppState;

/// Why a chunk's body was cut off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyStop {
    /// No bytes for this many seconds.
    Idle(u64),
    /// The upload URL expired while the body was arriving.
    Expired,
}

impl std::fmt::Display for BodyStop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyStop::Idle(secs) => write!(f, "no body bytes for {secs} s"),
            BodyStop::Expired => f.write_str("the upload URL expired during the PUT"),
        }
    }
}

impl std::error::Error for BodyStop {}

impl BodyStop {
    /// The stop behind a storage error, when the body was cut off by one.
    pub fn of(e: &BlobError) -> Option<BodyStop> {
        match e {
            BlobError::Body(io) => io
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<BodyStop>())
                .copied(),
            _ => None,
        }
    }
}

/// `body` as a stream for storage, cut off when idle or once the URL's expiry (`expires_at`, ms
/// of server time) has passed.
pub fn chunk_body(st: &AppState, body: axum::body::Body, expires_at: Option<i64>) -> ByteStream {
    let idle = st.cfg.limits.upload_body_idle_timeout_secs;
    let st = st.clone();
    let pieces = body.into_data_stream();
    let stopped = |stop: BodyStop| Some(Err(io::Error::new(io::ErrorKind::TimedOut, stop)));
    Box::pin(futures::stream::unfold(
        (pieces, st, false),
        move |(mut pieces, st, ended)| async move {
            if ended {
                return None;
            }
            let next = if idle > 0 {
                match tokio::time::timeout(Duration::from_secs(idle), pieces.next()).await {
                    Ok(next) => next,
                    Err(_) => {
                        return stopped(BodyStop::Idle(idle)).map(|e| (e, (pieces, st, true)));
                    }
                }
            } else {
                pieces.next().await
            }?;
            if expires_at.is_some_and(|t| st.now() > t) {
                return stopped(BodyStop::Expired).map(|e| (e, (pieces, st, true)));
            }
            if let (Ok(bytes), Some(m)) = (&next, &st.metrics) {
                m.record_upload_bytes(bytes.len());
            }
            Some((next.map_err(io::Error::other), (pieces, st, false)))
        },
    ))
}
