//! Media of posts and drafts, served with HTTP Range requests (so browsers can seek and play
//! before the whole file arrives), the stored Content-Type and cache headers. Every request runs
//! the same privacy check as the watch page.
use std::ops::Range;

use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use reelbox_media::BlobError;
use reelbox_store::posts::Post;
use reelbox_wire::posting::PublishStatus;

use super::session::Ctx;
use super::{PageError, PageResult, relation, visible};
use crate::state::AppState;

/// What a `Range` header asks of a file of `size` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeAsk {
    /// No (usable) range: the whole file with 200.
    Whole,
    /// One satisfiable range: 206.
    Part(Range<u64>),
    /// Outside the file: 416.
    Unsatisfiable,
}

/// Parses a single `bytes=` range (`a-b`, `a-`, `-n`). Several ranges or other units are served
/// as the whole file, which RFC 9110 allows.
pub fn parse_range(value: Option<&str>, size: u64) -> RangeAsk {
    let Some(v) = value else {
        return RangeAsk::Whole;
    };
    let Some(spec) = v.trim().strip_prefix("bytes=") else {
        return RangeAsk::Whole;
    };
    if spec.contains(',') {
        return RangeAsk::Whole;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return RangeAsk::Whole;
    };
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        // Suffix: the last n bytes.
        let Ok(n) = b.parse::<u64>() else {
            return RangeAsk::Whole;
        };
        if n == 0 || size == 0 {
            return RangeAsk::Unsatisfiable;
        }
        return RangeAsk::Part(size.saturating_sub(n)..size);
    }
    let Ok(start) = a.parse::<u64>() else {
        return RangeAsk::Whole;
    };
    if start >= size {
        return RangeAsk::Unsatisfiable;
    }
    let end = if b.is_empty() {
        size
    } else {
        match b.parse::<u64>() {
            Ok(last) if last >= start => last.saturating_add(1).min(size),
            _ => return RangeAsk::Whole,
        }
    };
    RangeAsk::Part(start..end)
}

/// Streams `key` honouring the request's Range.
pub async fn serve_blob(
    st: &AppState,
    key: &str,
    content_type: &str,
    cache: &'static str,
    headers: &HeaderMap,
) -> PageResult {
    let size = match st.blobs.size(key).await {
        Ok(n) => n,
        Err(BlobError::NotFound(_)) => return Err(PageError::NotFound),
        Err(e) => return Err(PageError::Internal(e.into())),
    };
    let etag = format!(
        "\"{}-{size}\"",
        &reelbox_core::secrets::sha256_hex(key)[..16]
    );
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        set(&mut r, header::ETAG, &etag);
        set(&mut r, header::CACHE_CONTROL, cache);
        return Ok(r);
    }
    let ask = parse_range(
        headers.get(header::RANGE).and_then(|v| v.to_str().ok()),
        size,
    );
    let (status, range) = match ask {
        RangeAsk::Whole => (StatusCode::OK, 0..size),
        RangeAsk::Part(r) => (StatusCode::PARTIAL_CONTENT, r),
        RangeAsk::Unsatisfiable => {
            let mut r = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            set(&mut r, header::CONTENT_RANGE, &format!("bytes */{size}"));
            set(&mut r, header::ACCEPT_RANGES, "bytes");
            return Ok(r);
        }
    };
    let len = range.end - range.start;
    let stream = st
        .blobs
        .read(key, Some(range.clone()))
        .await
        .map_err(|e| PageError::Internal(e.into()))?;
    let mut r = (status, Body::from_stream(stream)).into_response();
    set(&mut r, header::CONTENT_TYPE, content_type);
    set(&mut r, header::CONTENT_LENGTH, &len.to_string());
    set(&mut r, header::ACCEPT_RANGES, "bytes");
    set(&mut r, header::CACHE_CONTROL, cache);
    set(&mut r, header::ETAG, &etag);
    if status == StatusCode::PARTIAL_CONTENT {
        set(
            &mut r,
            header::CONTENT_RANGE,
            &format!("bytes {}-{}/{size}", range.start, range.end - 1),
        );
    }
    Ok(r)
}

fn set(r: &mut Response, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(name, v);
    }
}

/// Public posts may be cached by anyone; the others only by the viewer's browser.
fn cache_for(p: &Post) -> &'static str {
    if p.privacy_level == "PUBLIC_TO_EVERYONE" {
        "public, max-age=86400"
    } else {
        "private, max-age=3600"
    }
}

/// The post when the viewer may see it; 404 otherwise (never "forbidden": that would reveal it).
pub async fn visible_post(ctx: &Ctx, post_id: &str) -> Result<Post, PageError> {
    let p = ctx
        .st
        .store
        .post(post_id)
        .await?
        .ok_or(PageError::NotFound)?;
    let rel = relation(&ctx.st, ctx.creator.as_ref(), &p.creator_id).await?;
    if !visible(&p.privacy_level, rel) {
        return Err(PageError::NotFound);
    }
    Ok(p)
}

/// A post's video.
pub async fn post_video(ctx: Ctx, Path(post_id): Path<String>) -> PageResult {
    let p = visible_post(&ctx, &post_id).await?;
    let key = p.object_key.as_deref().ok_or(PageError::NotFound)?;
    let ct = p.content_type.as_deref().unwrap_or("video/mp4");
    serve_blob(&ctx.st, key, ct, cache_for(&p), &ctx.headers).await
}

/// A post's web-safe rendition with short side `side` (`jobs::renditions`).
pub async fn post_rendition(ctx: Ctx, Path((post_id, side)): Path<(String, i64)>) -> PageResult {
    let p = visible_post(&ctx, &post_id).await?;
    let renditions = ctx.st.store.renditions_of(&p.id).await?;
    let (_, key) = renditions
        .iter()
        .find(|(s, _)| *s == side)
        .ok_or(PageError::NotFound)?;
    serve_blob(&ctx.st, key, "video/mp4", cache_for(&p), &ctx.headers).await
}

/// What a `<video>` offers for a post, in the order a browser should try them: the renditions
/// (H.264/AAC MP4, largest first), then the original. (URL, content type.)
pub async fn video_sources(
    st: &crate::state::AppState,
    p: &Post,
) -> Result<Vec<(String, String)>, PageError> {
    let mut out: Vec<(String, String)> = st
        .store
        .renditions_of(&p.id)
        .await?
        .into_iter()
        .map(|(side, _)| {
            (
                format!("/media/{}/rendition/{side}", p.id),
                "video/mp4".into(),
            )
        })
        .collect();
    out.push((
        format!("/media/{}/video", p.id),
        p.content_type.clone().unwrap_or_else(|| "video/mp4".into()),
    ));
    Ok(out)
}

/// A post's cover: the extracted frame, the first photo, or the placeholder.
pub async fn post_cover(ctx: Ctx, Path(post_id): Path<String>) -> PageResult {
    let p = visible_post(&ctx, &post_id).await?;
    match p.cover_key.as_deref() {
        Some(key) => {
            let ct = image_type(key);
            serve_blob(&ctx.st, key, ct, cache_for(&p), &ctx.headers).await
        }
        None => Ok((
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CACHE_CONTROL, cache_for(&p)),
            ],
            reelbox_media::PLACEHOLDER_COVER_SVG,
        )
            .into_response()),
    }
}

/// Image `index` of a photo post.
pub async fn post_photo(ctx: Ctx, Path((post_id, index)): Path<(String, usize)>) -> PageResult {
    let p = visible_post(&ctx, &post_id).await?;
    let keys: Vec<String> = serde_json::from_str(&p.photo_keys).unwrap_or_default();
    let key = keys.get(index).ok_or(PageError::NotFound)?;
    serve_blob(&ctx.st, key, image_type(key), cache_for(&p), &ctx.headers).await
}

/// The content type of a stored image, from its first bytes' usual names.
fn image_type(key: &str) -> &'static str {
    if key.ends_with(".webp") {
        "image/webp"
    } else if key.ends_with(".png") {
        "image/png"
    } else {
        // Covers are JPEG; pulled photos are JPEG or WebP (browsers sniff images safely).
        "image/jpeg"
    }
}

/// A draft's video, for its creator's inbox preview only.
pub async fn draft_media(ctx: Ctx, Path(publish_id): Path<String>) -> PageResult {
    let c = ctx.require_creator("/inbox")?;
    let p = ctx
        .st
        .store
        .publish(&publish_id)
        .await?
        .filter(|p| p.creator_id == c.id && p.mode == "MEDIA_UPLOAD")
        .ok_or(PageError::NotFound)?;
    let key = p.object_key.as_deref().ok_or(PageError::NotFound)?;
    let probe: Option<reelbox_media::VideoProbe> = p
        .probe
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok());
    // A draft the format check rejected is whatever bytes were uploaded: offered as a download,
    // never given a video type a browser would play (or an HTML one it would run).
    let ct = match probe
        .filter(|_| p.status != PublishStatus::Failed)
        .map(|p| p.container)
    {
        Some(reelbox_media::Container::Webm) => "video/webm",
        Some(reelbox_media::Container::Mov) => "video/quicktime",
        Some(_) => "video/mp4",
        None => {
            let mut r = serve_blob(
                &ctx.st,
                key,
                "application/octet-stream",
                "private, no-store",
                &ctx.headers,
            )
            .await?;
            set(&mut r, header::CONTENT_DISPOSITION, "attachment");
            return Ok(r);
        }
    };
    serve_blob(&ctx.st, key, ct, "private, max-age=600", &ctx.headers).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range(None, 100), RangeAsk::Whole);
        assert_eq!(parse_range(Some("bytes=0-9"), 100), RangeAsk::Part(0..10));
        assert_eq!(parse_range(Some("bytes=90-"), 100), RangeAsk::Part(90..100));
        assert_eq!(
            parse_range(Some("bytes=90-500"), 100),
            RangeAsk::Part(90..100)
        );
        assert_eq!(parse_range(Some("bytes=-10"), 100), RangeAsk::Part(90..100));
        assert_eq!(parse_range(Some("bytes=-500"), 100), RangeAsk::Part(0..100));
        assert_eq!(
            parse_range(Some("bytes=100-"), 100),
            RangeAsk::Unsatisfiable
        );
        assert_eq!(parse_range(Some("bytes=-0"), 100), RangeAsk::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=5-2"), 100), RangeAsk::Whole);
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 100), RangeAsk::Whole);
        assert_eq!(parse_range(Some("items=0-1"), 100), RangeAsk::Whole);
    }
}
