//! The upload URL: `PUT /upload/video/?upload_id=…&upload_token=…` with
//! `Content-Range: bytes FIRST-LAST/TOTAL`. Each chunk streams to storage and is durable before
//! its 206/201; the acknowledged offset in the database is the resume point.
use axum::Extension;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use reelbox_core::chunks::{self, ChunkPlan, ChunkRefusal, ContentRange};
use reelbox_core::{ids, secrets};
use reelbox_media::BlobError;
use reelbox_wire::posting::PublishStatus;
use serde::Deserialize;

use crate::http::compat::Compat;
use crate::http::context::CallSlot;
use crate::service::uploads::BodyStop;
use crate::state::AppState;
use reelbox_core::compat::Leniency;

#[derive(Deserialize)]
pub struct UploadQuery {
    #[serde(default)]
    upload_id: String,
    #[serde(default)]
    upload_token: String,
}

fn reply(status: StatusCode, progress: Option<(u64, u64)>, message: &str) -> Response {
    let mut resp = if message.is_empty() {
        status.into_response()
    } else {
        (status, axum::Json(serde_json::json!({"error": {"code": status.as_u16().to_string(), "message": message, "log_id": crate::http::error::current_log_id()}}))).into_response()
    };
    if let Some((done, total)) = progress {
        // `bytes 0-{last received index}/{total}`; nothing received yet reads `bytes */total`.
        let v = if done == 0 {
            format!("bytes */{total}")
        } else {
            format!("bytes 0-{}/{total}", done - 1)
        };
        if let Ok(v) = HeaderValue::from_str(&v) {
            resp.headers_mut().insert(header::CONTENT_RANGE, v);
        }
    }
    resp
}

/// The media types TikTok's upload accepts, parameters ignored.
fn is_video_content_type(headers: &HeaderMap) -> bool {
    let Some(v) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = v.split(';').next().unwrap_or("").trim();
    ["video/mp4", "video/quicktime", "video/webm"]
        .iter()
        .any(|t| essence.eq_ignore_ascii_case(t))
}

/// (bytes acknowledged, total) of an upload, for the `Content-Range` of every answer.
fn progress_of(p: &reelbox_store::publishes::Publish) -> (u64, u64) {
    (
        p.uploaded_bytes.max(0) as u64,
        p.video_size.unwrap_or(0).max(0) as u64,
    )
}

/// Upload one chunk of a FILE_UPLOAD (the `upload_url` from init; no Authorization header).
#[utoipa::path(put, path = "/upload/video/", tag = "Content Posting",
    params(("upload_id" = String, Query), ("upload_token" = String, Query), ("Content-Range" = String, Header, description = "bytes FIRST-LAST/TOTAL")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, description = "all chunks received"), (status = 206, description = "chunk accepted"), (status = 400), (status = 403, description = "upload URL expired (before or during the PUT)"), (status = 408, description = "the body stalled: no bytes for limits.upload_body_idle_timeout_secs"), (status = 404), (status = 416, description = "range does not match the upload's progress")))]
pub async fn put_chunk(
    State(st): State<AppState>,
    Query(q): Query<UploadQuery>,
    Extension(slot): Extension<CallSlot>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let not_found = || {
        reply(
            StatusCode::NOT_FOUND,
            None,
            "No valid upload task for this upload URL.",
        )
    };
    if q.upload_token.is_empty() {
        return not_found();
    }
    let p = match st
        .store
        .publish_by_upload_token(&secrets::sha256_hex(&q.upload_token))
        .await
    {
        Ok(Some(p)) => p,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::error!(error = %e, "upload lookup");
            return reply(StatusCode::INTERNAL_SERVER_ERROR, None, "Retry this chunk.");
        }
    };
    // The URL is bound to its publish: a token with another publish's upload_id is no URL of ours.
    if crate::service::posting::upload_id(&p.id) != q.upload_id {
        return not_found();
    }
    // One writer per upload: a second PUT while one is in flight overlaps the range being
    // written, which TikTok answers with 416. Nothing of its body is read.
    let Some(_writer) = st.uploads.try_write(&p.id) else {
        return reply(
            StatusCode::RANGE_NOT_SATISFIABLE,
            Some(progress_of(&p)),
            "Another PUT of this upload is in flight; send the next chunk once it is answered.",
        );
    };
    // Read again as the writer: a PUT that ended meanwhile may have moved the upload on.
    let p = match st.store.publish_fresh(&p.id).await {
        Ok(Some(p)) => p,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::error!(error = %e, "upload lookup");
            return reply(StatusCode::INTERNAL_SERVER_ERROR, None, "Retry this chunk.");
        }
    };
    let total = p.video_size.unwrap_or(0).max(0) as u64;
    let progress = Some(progress_of(&p));
    // An expired URL says so first, although the expiry also failed the upload.
    if p.upload_expires_at
        .is_some_and(|t| st.now_for_creator(&p.client_key, Some(&p.creator_id)) > t)
    {
        return reply(
            StatusCode::FORBIDDEN,
            progress,
            "The upload URL has expired.",
        );
    }
    if p.status != PublishStatus::ProcessingUpload && p.uploaded_bytes < p.video_size.unwrap_or(0) {
        return reply(
            StatusCode::NOT_FOUND,
            None,
            "This upload was cancelled or has failed.",
        );
    }
    // TikTok: Content-Type "Select from: video/mp4, video/quicktime, video/webm — Required".
    if !is_video_content_type(&headers) {
        slot.set(&p.client_key, Some(&p.creator_id), None);
        let refused = match Compat::of_key(&st, &p.client_key).await {
            Ok(c) => c.allow(&slot, Leniency::UploadContentType).err(),
            Err(e) => {
                tracing::error!(error = %e, "upload app lookup");
                return reply(StatusCode::INTERNAL_SERVER_ERROR, None, "Retry this chunk.");
            }
        };
        if let Some(r) = refused {
            return reply(StatusCode::BAD_REQUEST, progress, r.message);
        }
    }
    // Held until this PUT ends; a publisher over its cap is told before anything about the chunk.
    let max = st.cfg.limits.max_concurrent_uploads_per_token;
    let Some(_slot) = st
        .uploads
        .try_take(&format!("{}:{}", p.client_key, p.creator_id), max)
    else {
        let mut e = crate::http::error::ApiError::new(
            reelbox_wire::ErrorCode::RateLimitExceeded,
            format!("At most {max} chunk uploads may be in flight at once for this access token; retry when one has finished."),
        )
        .with_status(StatusCode::TOO_MANY_REQUESTS);
        e.retry_after = Some(1);
        let mut resp = e.into_response();
        if let Some((done, total)) = progress {
            let v = if done == 0 {
                format!("bytes */{total}")
            } else {
                format!("bytes 0-{}/{total}", done - 1)
            };
            if let Ok(v) = HeaderValue::from_str(&v) {
                resp.headers_mut().insert(header::CONTENT_RANGE, v);
            }
        }
        return resp;
    };
    let injected = crate::sandbox::faults::check_upload(&st, &p).await;
    if let Some(crate::sandbox::faults::UploadFault::Fail(resp)) = injected {
        return resp;
    }
    let Some(range) = headers
        .get(header::CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(ContentRange::parse)
    else {
        return reply(
            StatusCode::BAD_REQUEST,
            progress,
            "Content-Range: bytes FIRST-LAST/TOTAL is required.",
        );
    };
    let content_length = match headers
        .get(header::CONTENT_LENGTH)
        .map(|v| v.to_str().ok().and_then(|s| s.parse::<u64>().ok()))
    {
        None => None,
        Some(Some(n)) => Some(n),
        Some(None) => {
            return reply(
                StatusCode::BAD_REQUEST,
                progress,
                "Content-Length is not a number.",
            );
        }
    };
    let plan = ChunkPlan {
        video_size: total,
        chunk_size: p.chunk_size.unwrap_or(1).max(1) as u64,
        count: p.total_chunk_count.unwrap_or(1).max(1) as u64,
    };
    let idx = match chunks::check_chunk(
        &plan,
        p.uploaded_bytes.max(0) as u64,
        &range,
        content_length,
    ) {
        Ok(i) => i,
        Err(ChunkRefusal::BadRequest(m)) => return reply(StatusCode::BAD_REQUEST, progress, &m),
        Err(ChunkRefusal::NotSatisfiable(m)) => {
            return reply(StatusCode::RANGE_NOT_SATISFIABLE, progress, &m);
        }
    };
    if let Some(crate::sandbox::faults::UploadFault::Drop) = injected {
        // Take about half of the chunk, then break off as a dropped connection would.
        let mut stream = body.into_data_stream();
        let mut seen = 0u64;
        while seen < range.len() / 2 {
            match stream.next().await {
                Some(Ok(b)) => seen += b.len() as u64,
                _ => break,
            }
        }
        let mut resp = reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            progress,
            "Injected fault: the connection dropped midway through the chunk.",
        );
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return resp;
    }
    // The URL expires on the creator's clock within the app; the body stream watches the
    // shared one.
    let offset = st.now_for_creator(&p.client_key, Some(&p.creator_id)) - st.now();
    let stream =
        crate::service::uploads::chunk_body(&st, body, p.upload_expires_at.map(|t| t - offset));
    let receipt = match st
        .blobs
        .write_chunk(
            &p.id,
            p.upload_handle.as_deref().unwrap_or(""),
            (idx + 1) as u32,
            range.first,
            range.len(),
            stream,
        )
        .await
    {
        Ok(r) => r,
        Err(e) if BodyStop::of(&e) == Some(BodyStop::Expired) => {
            return reply(
                StatusCode::FORBIDDEN,
                progress,
                "The upload URL has expired.",
            );
        }
        Err(e) if BodyStop::of(&e).is_some() => {
            // A stalled client: nothing is acknowledged and the upload is free for a new PUT.
            tracing::info!(publish_id = %p.id, error = %e, "chunk body stalled");
            return reply(
                StatusCode::REQUEST_TIMEOUT,
                progress,
                &format!(
                    "No bytes of the chunk arrived for {} s; send it again.",
                    st.cfg.limits.upload_body_idle_timeout_secs
                ),
            );
        }
        Err(BlobError::LengthMismatch { expected, got }) => {
            return reply(
                StatusCode::BAD_REQUEST,
                progress,
                &format!("The body held {got} bytes; Content-Range announced {expected}."),
            );
        }
        Err(BlobError::Busy(_)) => {
            return reply(
                StatusCode::RANGE_NOT_SATISFIABLE,
                progress,
                "Another PUT of this upload is in flight; send the next chunk once it is answered.",
            );
        }
        Err(BlobError::Body(e)) => {
            // The client went away midway: nothing is acknowledged, the chunk can be sent again.
            tracing::info!(publish_id = %p.id, error = %e, "chunk body interrupted");
            return reply(
                StatusCode::BAD_REQUEST,
                progress,
                "The chunk body ended early; send it again.",
            );
        }
        Err(e) => {
            tracing::error!(publish_id = %p.id, error = %e, "chunk write failed");
            return reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                progress,
                "Storage failed; retry this chunk.",
            );
        }
    };
    let done = range.last + 1;
    let complete = done == total;
    let now = st.now();
    let job = complete.then(|| (ids::row_id(), p.id.clone()));
    match st
        .store
        .ack_chunk(
            &p.id,
            idx as i64,
            range.first as i64,
            range.len() as i64,
            receipt.etag.as_deref(),
            now,
            job.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
        )
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            // Another node's writer of this range was acknowledged first, or the upload ended.
            let now = st.store.publish_fresh(&p.id).await.ok().flatten();
            return reply(
                StatusCode::RANGE_NOT_SATISFIABLE,
                Some(progress_of(now.as_ref().unwrap_or(&p))),
                "This range was acknowledged meanwhile; continue from the upload's progress.",
            );
        }
        Err(e) => {
            tracing::error!(publish_id = %p.id, error = %e, "chunk ack failed");
            return reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                progress,
                "Retry this chunk.",
            );
        }
    }
    if complete {
        st.work.notify_one();
        return reply(StatusCode::CREATED, Some((done, total)), "");
    }
    if crate::sandbox::faults::scenario(&st, "upload_url_expiry", &p.client_key, &p.creator_id)
        .await
        .is_some()
    {
        let _ = st
            .store
            .expire_upload_url(
                &p.id,
                st.now_for_creator(&p.client_key, Some(&p.creator_id)),
            )
            .await;
    }
    if crate::sandbox::faults::scenario(&st, "revoke_midway", &p.client_key, &p.creator_id)
        .await
        .is_some()
        && let Ok(Some(g)) = st.store.grant_for(&p.client_key, &p.creator_id).await
    {
        // Reason 1: the user disconnected the app.
        let _ = crate::service::tokens::revoke_grant(&st, &g.id, 1).await;
    }
    reply(StatusCode::PARTIAL_CONTENT, Some((done, total)), "")
}
