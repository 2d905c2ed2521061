//! The background half of a publish: assemble the upload or download the URL, probe the media,
//! apply the media rules, then post it (Direct Post) or deliver it to the inbox. Every step is a
//! compare-and-set on the publish's status, so a job run twice (after a crash) or racing a cancel
//! changes nothing twice.
use std::path::PathBuf;
use std::time::Duration;

use futures::StreamExt;
use reelbox_core::ids;
use reelbox_core::rules::{self, AppStanding, PostKind, PostSettings, RequestedPost};
use reelbox_media::{ChunkReceipt, CoverOutcome, FailReason, ImageLimits, VideoLimits, VideoProbe};
use reelbox_store::StoreError;
use reelbox_store::posts::Post;
use reelbox_store::publishes::Publish;
use reelbox_wire::posting::{PrivacyLevel, fail_reason};
use reelbox_wire::webhook::{events, publish_type};

use crate::http::error::ApiError;
use crate::jobs::webhooks;
use crate::state::AppState;

fn kind_of(p: &Publish) -> &'static str {
    if p.mode == "DIRECT_POST" {
        publish_type::DIRECT_PUBLISH
    } else {
        publish_type::INBOX_SHARE
    }
}

async fn open_id(st: &AppState, p: &Publish) -> Result<String, StoreError> {
    Ok(st
        .store
        .grant_for(&p.client_key, &p.creator_id)
        .await?
        .map(|g| g.open_id)
        .unwrap_or_default())
}

/// Fails a publish (from one of `from`) with `reason` and tells the app. False when the publish
/// had already moved on.
pub async fn fail(
    st: &AppState,
    p: &Publish,
    from: &[&str],
    reason: &str,
) -> Result<bool, StoreError> {
    // The event is written with the transition: a crash between the two would lose it.
    let oid = open_id(st, p).await?;
    let outbox = webhooks::prepare(
        st,
        &p.client_key,
        &oid,
        events::PUBLISH_FAILED,
        serde_json::json!({"publish_id": p.id, "reason": reason, "publish_type": kind_of(p)}),
    )
    .await?;
    if !st
        .store
        .transition_with(&p.id, from, "FAILED", Some(reason), st.now(), &outbox)
        .await?
    {
        return Ok(false);
    }
    st.work.notify_one();
    if p.source == "FILE_UPLOAD" && p.object_key.is_none() {
        let _ = st
            .blobs
            .abort_upload(&p.id, p.upload_handle.as_deref().unwrap_or(""))
            .await;
    }
    Ok(true)
}

/// A creator revoked the app: its publishes still in flight fail with `auth_removed`.
pub async fn fail_in_flight_for_grant(
    st: &AppState,
    client_key: &str,
    creator_id: &str,
) -> Result<(), StoreError> {
    for p in st.store.in_flight_publishes(client_key, creator_id).await? {
        fail(
            st,
            &p,
            &["PROCESSING_UPLOAD", "PROCESSING_DOWNLOAD"],
            fail_reason::AUTH_REMOVED,
        )
        .await?;
    }
    Ok(())
}

/// A job failed for a reason of ours (storage, probe crash): the publish ends `internal`.
pub async fn fail_internal(st: &AppState, publish_id: &str) -> anyhow::Result<()> {
    if let Some(p) = st.store.publish_fresh(publish_id).await? {
        fail(
            st,
            &p,
            &["PROCESSING_UPLOAD", "PROCESSING_DOWNLOAD"],
            fail_reason::INTERNAL,
        )
        .await?;
    }
    Ok(())
}

fn media_key(p: &Publish) -> String {
    ids::publish_media_key(&p.id)
}

/// Job `process`: the last chunk arrived.
pub async fn run_process(st: &AppState, publish_id: &str) -> anyhow::Result<()> {
    let Some(p) = st.store.publish_fresh(publish_id).await? else {
        return Ok(());
    };
    if p.status != "PROCESSING_UPLOAD" {
        return Ok(());
    }
    let key = media_key(&p);
    if p.object_key.is_none() {
        let parts: Vec<ChunkReceipt> = st
            .store
            .chunks(&p.id)
            .await?
            .into_iter()
            .map(|(_, _, len, etag)| ChunkReceipt {
                bytes: len as u64,
                etag,
            })
            .collect();
        st.blobs
            .finish_upload(
                &p.id,
                p.upload_handle.as_deref().unwrap_or(""),
                &parts,
                &key,
            )
            .await?;
        st.store
            .set_publish_media(&p.id, Some(&key), None, None, st.now())
            .await?;
    }
    decide_video(st, &p, &key, &["PROCESSING_UPLOAD"]).await
}

/// Job `pull`: download the video or photos the app named.
pub async fn run_pull(st: &AppState, publish_id: &str) -> anyhow::Result<()> {
    let Some(p) = st.store.publish_fresh(publish_id).await? else {
        return Ok(());
    };
    if p.status != "PROCESSING_DOWNLOAD" {
        return Ok(());
    }
    if p.media_type == "PHOTO" {
        return pull_photos(st, &p).await;
    }
    let key = media_key(&p);
    let url = p.video_url.clone().unwrap_or_default();
    match download(st, &p, &url, &key).await {
        Ok(_) => {}
        Err(Download::Cancelled) => return Ok(()),
        Err(Download::Failed(why)) => {
            tracing::info!(publish_id = %p.id, reason = %why, "pull failed");
            fail(
                st,
                &p,
                &["PROCESSING_DOWNLOAD"],
                fail_reason::VIDEO_PULL_FAILED,
            )
            .await?;
            return Ok(());
        }
    }
    st.store
        .set_publish_media(&p.id, Some(&key), None, None, st.now())
        .await?;
    decide_video(st, &p, &key, &["PROCESSING_DOWNLOAD"]).await
}

enum Download {
    Cancelled,
    Failed(String),
}

/// Streams `url` into the object `key`, size- and time-capped, recording progress; stops when
/// the publish is cancelled meanwhile.
async fn download(st: &AppState, p: &Publish, url: &str, key: &str) -> Result<u64, Download> {
    let limit = st.cfg.limits.pull_max_bytes;
    let deadline = Duration::from_secs(st.cfg.limits.pull_timeout_secs.max(1) as u64);
    let fetch = async {
        let resp = st
            .outbound
            .get(url)
            .await
            .map_err(|e| Download::Failed(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(Download::Failed(format!(
                "{url} answered HTTP {}",
                resp.status()
            )));
        }
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err(Download::Failed(format!(
                "{url} is larger than {limit} bytes"
            )));
        }
        let progress = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let seen = progress.clone();
        let stream = resp.bytes_stream().map(move |chunk| {
            let chunk = chunk.map_err(std::io::Error::other)?;
            let total = seen.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed)
                + chunk.len() as u64;
            if total > limit {
                return Err(std::io::Error::other("download exceeds the size limit"));
            }
            Ok(chunk)
        });
        let reporter = {
            let st = st.clone();
            let id = p.id.clone();
            let progress = progress.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    let n = progress.load(std::sync::atomic::Ordering::Relaxed) as i64;
                    let _ = st
                        .store
                        .set_publish_media(&id, None, None, Some(n), st.now())
                        .await;
                }
            })
        };
        let stored = st.blobs.put_stream(key, Box::pin(stream)).await;
        reporter.abort();
        let n = stored.map_err(|e| Download::Failed(e.to_string()))?;
        st.store
            .set_publish_media(&p.id, None, None, Some(n as i64), st.now())
            .await
            .map_err(|e| Download::Failed(e.to_string()))?;
        Ok(n)
    };
    let n = tokio::time::timeout(deadline, fetch)
        .await
        .map_err(|_| Download::Failed("download timed out".into()))??;
    // A cancel that landed during the download wins.
    match st.store.publish_fresh(&p.id).await {
        Ok(Some(now)) if now.status == "PROCESSING_DOWNLOAD" => Ok(n),
        _ => {
            let _ = st.blobs.delete(key).await;
            Err(Download::Cancelled)
        }
    }
}

fn probe_exe() -> PathBuf {
    std::env::current_exe().unwrap_or_else(|_| PathBuf::from("reelbox"))
}

/// Probe, check, and then post or deliver a video.
async fn decide_video(st: &AppState, p: &Publish, key: &str, from: &[&str]) -> anyhow::Result<()> {
    let Some(creator) = st.store.creator(&p.creator_id).await? else {
        return Ok(());
    };
    let local = st.blobs.local_copy(key).await?;
    let exe = st.cfg.probe.exe.clone().unwrap_or_else(probe_exe);
    let probe = reelbox_media::probe_video_isolated(
        &exe,
        &local.path,
        Duration::from_secs(st.cfg.probe.timeout_secs),
        st.cfg.probe.max_memory_mb * 1024 * 1024,
    )
    .await;
    let probe = match probe {
        Ok(v) => v,
        Err(e) => {
            let reason = FailReason::from_probe_error(&e)
                .map(|r| r.as_wire())
                .unwrap_or(fail_reason::INTERNAL);
            tracing::info!(publish_id = %p.id, error = %e, reason, "probe refused the media");
            fail(st, p, from, reason).await?;
            return Ok(());
        }
    };
    st.store
        .set_publish_media(
            &p.id,
            None,
            Some(&serde_json::to_string(&probe)?),
            None,
            st.now(),
        )
        .await?;
    let max = creator
        .max_video_post_duration_sec
        .clamp(0, u32::MAX as i64) as u32;
    if let Err(reason) = reelbox_media::check_video(&probe, max, &VideoLimits::default()) {
        fail(st, p, from, reason.as_wire()).await?;
        return Ok(());
    }
    if let Some(r) = crate::sandbox::faults::processing_failure(st, p).await {
        fail(st, p, from, &r).await?;
        return Ok(());
    }
    if p.mode == "DIRECT_POST" {
        let settings: PostSettings = serde_json::from_str(p.settings.as_deref().unwrap_or("null"))?;
        let media = MediaFacts::video(
            st,
            key,
            &local.path,
            &probe,
            settings.video_cover_timestamp_ms,
        )
        .await;
        complete(st, p, from, &settings, media, false).await?;
    } else {
        deliver_to_inbox(st, p, from).await?;
    }
    Ok(())
}

async fn deliver_to_inbox(st: &AppState, p: &Publish, from: &[&str]) -> anyhow::Result<()> {
    let oid = open_id(st, p).await?;
    let outbox = webhooks::prepare(
        st,
        &p.client_key,
        &oid,
        events::INBOX_DELIVERED,
        serde_json::json!({"publish_id": p.id, "publish_type": publish_type::INBOX_SHARE}),
    )
    .await?;
    if st
        .store
        .transition_with(&p.id, from, "SEND_TO_USER_INBOX", None, st.now(), &outbox)
        .await?
    {
        st.work.notify_one();
    }
    Ok(())
}

/// What a post shows of its media.
pub struct MediaFacts {
    object_key: Option<String>,
    cover_key: Option<String>,
    photo_keys: Vec<String>,
    content_type: Option<String>,
    duration_ms: i64,
    width: i64,
    height: i64,
}

impl MediaFacts {
    async fn video(
        st: &AppState,
        key: &str,
        local: &std::path::Path,
        probe: &VideoProbe,
        cover_ms: i64,
    ) -> MediaFacts {
        let content_type = match probe.container {
            reelbox_media::Container::Mp4 => "video/mp4",
            reelbox_media::Container::Mov => "video/quicktime",
            reelbox_media::Container::Webm => "video/webm",
        };
        let cover_key = cover(st, key, local, cover_ms.max(0) as u64).await;
        MediaFacts {
            object_key: Some(key.to_string()),
            cover_key,
            photo_keys: vec![],
            content_type: Some(content_type.into()),
            duration_ms: probe.duration_ms as i64,
            width: probe.width as i64,
            height: probe.height as i64,
        }
    }
}

/// A cover image at the requested time, when ffmpeg is installed; `None` means the placeholder.
async fn cover(st: &AppState, key: &str, local: &std::path::Path, at_ms: u64) -> Option<String> {
    let out = std::env::temp_dir().join(format!("reelbox-cover-{}.jpg", ids::row_id()));
    let outcome = reelbox_media::extract_cover(local, at_ms, &out, Duration::from_secs(30)).await;
    let result = match outcome {
        Ok(CoverOutcome::Extracted) => {
            let cover_key = format!("covers/{}.jpg", key.trim_start_matches("media/"));
            match tokio::fs::File::open(&out).await {
                Ok(f) => {
                    let stream = tokio_util::io::ReaderStream::new(f);
                    st.blobs
                        .put_stream(&cover_key, Box::pin(stream))
                        .await
                        .ok()
                        .map(|_| cover_key)
                }
                Err(_) => None,
            }
        }
        Ok(CoverOutcome::FfmpegMissing) => None,
        Ok(CoverOutcome::Failed(why)) => {
            tracing::info!(reason = %why, "cover extraction failed; using the placeholder");
            None
        }
        Err(e) => {
            tracing::warn!(error = %e, "cover extraction failed");
            None
        }
    };
    let _ = tokio::fs::remove_file(&out).await;
    result
}

/// Makes the post, completes the publish, and tells the app.
async fn complete(
    st: &AppState,
    p: &Publish,
    from: &[&str],
    s: &PostSettings,
    media: MediaFacts,
    inbox_posted: bool,
) -> anyhow::Result<Option<String>> {
    let Some(creator) = st.store.creator(&p.creator_id).await? else {
        return Ok(None);
    };
    let now = st.now();
    let text = format!("{} {}", s.title, s.description);
    let (tags, mentions) = rules::extract_tags(&text);
    let post = Post {
        id: ids::post_id(now).to_string(),
        creator_id: p.creator_id.clone(),
        publish_id: Some(p.id.clone()),
        client_key: Some(p.client_key.clone()),
        media_type: p.media_type.clone(),
        title: s.title.clone(),
        description: s.description.clone(),
        privacy_level: s.privacy_level.as_str().into(),
        disable_comment: s.disable_comment as i64,
        disable_duet: s.disable_duet as i64,
        disable_stitch: s.disable_stitch as i64,
        brand_content_toggle: s.brand_content_toggle as i64,
        brand_organic_toggle: s.brand_organic_toggle as i64,
        is_aigc: s.is_aigc as i64,
        auto_add_music: s.auto_add_music as i64,
        object_key: media.object_key,
        cover_key: media.cover_key,
        photo_keys: serde_json::to_string(&media.photo_keys)?,
        content_type: media.content_type,
        duration_ms: media.duration_ms,
        width: media.width,
        height: media.height,
        region_code: creator.region_code.clone(),
        hashtags: serde_json::to_string(&tags)?,
        mentions: serde_json::to_string(&mentions)?,
        view_count: 0,
        like_count: 0,
        comment_count: 0,
        share_count: 0,
        favorite_count: 0,
        created_at: now,
        deleted_at: None,
    };
    let public = s.privacy_level == PrivacyLevel::PublicToEveryone;
    // `delayed_public_id`: the post completes first and becomes public (with its webhook) later.
    let delay = if public {
        crate::sandbox::faults::scenario(st, "delayed_public_id", &p.client_key, &p.creator_id)
            .await
            .map(|f| f.hold_seconds.unwrap_or(300).max(1))
    } else {
        None
    };
    let public = public && delay.is_none();
    // The post, its events and the delayed make_public job commit together.
    let oid = open_id(st, p).await?;
    let kind = kind_of(p);
    let mut outbox = webhooks::prepare(
        st,
        &p.client_key,
        &oid,
        events::PUBLISH_COMPLETE,
        serde_json::json!({"publish_id": p.id, "publish_type": kind}),
    )
    .await?;
    if let Some(secs) = delay {
        let payload = serde_json::json!({"publish_id": p.id, "post_id": post.id}).to_string();
        outbox.jobs.push((
            ids::row_id(),
            "make_public".into(),
            payload,
            now + secs * 1000,
        ));
    }
    if public {
        outbox.extend(
            webhooks::prepare(
                st,
                &p.client_key,
                &oid,
                events::PUBLICLY_AVAILABLE,
                serde_json::json!({"publish_id": p.id, "post_id": post.id, "publish_type": kind}),
            )
            .await?,
        );
    }
    if !st
        .store
        .complete_with_post(
            &p.id,
            from,
            &post,
            &tags,
            public,
            inbox_posted,
            now,
            &outbox,
        )
        .await?
    {
        return Ok(None);
    }
    st.work.notify_one();
    Ok(Some(post.id))
}

/// Photos: download each, check format and size, then post or deliver.
async fn pull_photos(st: &AppState, p: &Publish) -> anyhow::Result<()> {
    let urls: Vec<String> = serde_json::from_str(p.photo_images.as_deref().unwrap_or("[]"))?;
    let mut keys = Vec::new();
    let mut total = 0u64;
    for (i, url) in urls.iter().enumerate() {
        let key = ids::publish_photo_key(&p.id, i);
        match download(st, p, url, &key).await {
            Ok(n) => total += n,
            Err(Download::Cancelled) => return Ok(()),
            Err(Download::Failed(why)) => {
                tracing::info!(publish_id = %p.id, reason = %why, "photo pull failed");
                fail(
                    st,
                    p,
                    &["PROCESSING_DOWNLOAD"],
                    fail_reason::PHOTO_PULL_FAILED,
                )
                .await?;
                return Ok(());
            }
        }
        let local = st.blobs.local_copy(&key).await?;
        let verdict = match reelbox_media::probe_image_file(&local.path) {
            Ok(img) => reelbox_media::check_image(&img, &ImageLimits::default()).map(|_| img),
            Err(e) => Err(FailReason::from_probe_error(&e).unwrap_or(FailReason::FileFormat)),
        };
        if let Err(reason) = verdict {
            fail(st, p, &["PROCESSING_DOWNLOAD"], reason.as_wire()).await?;
            return Ok(());
        }
        keys.push(key);
    }
    st.store
        .set_publish_media(&p.id, None, None, Some(total as i64), st.now())
        .await?;
    if p.mode == "DIRECT_POST" {
        let settings: PostSettings = serde_json::from_str(p.settings.as_deref().unwrap_or("null"))?;
        let cover_idx = p.photo_cover_index.unwrap_or(0).max(0) as usize;
        let media = MediaFacts {
            object_key: None,
            cover_key: keys.get(cover_idx).cloned(),
            photo_keys: keys,
            content_type: None,
            duration_ms: 0,
            width: 0,
            height: 0,
        };
        complete(st, p, &["PROCESSING_DOWNLOAD"], &settings, media, false).await?;
    } else {
        deliver_to_inbox(st, p, &["PROCESSING_DOWNLOAD"]).await?;
    }
    Ok(())
}

/// The creator posts a draft from the inbox (web page or control API): the same rules and the
/// same daily cap as a Direct Post, then the same completion path.
pub async fn post_draft(
    st: &AppState,
    p: &Publish,
    req: &RequestedPost,
) -> Result<String, ApiError> {
    if p.mode != "MEDIA_UPLOAD"
        || p.status != "SEND_TO_USER_INBOX"
        || p.inbox_state.as_deref() != Some("pending")
    {
        return Err(ApiError::new(
            reelbox_wire::ErrorCode::InvalidParam,
            "This draft is not waiting in the inbox.",
        ));
    }
    let creator = st
        .store
        .creator(&p.creator_id)
        .await?
        .ok_or_else(|| ApiError::not_found("creator"))?;
    let kind = if p.media_type == "PHOTO" {
        PostKind::Photo
    } else {
        PostKind::Video
    };
    let mut writer_conn = st.store.writer.acquire().await?;
    let mut tx = writer_conn.begin().await?;
    st.store.lock_creator_tx(&mut tx, &creator.id).await?;
    let mut u =
        crate::api::posting::usage(st, &mut *tx, &creator, &p.client_key, true, None).await?;
    tx.rollback().await.map_err(ApiError::internal)?;
    drop(writer_conn);
    // The creator posts in the app: the app's audit and active-user caps do not apply.
    u.creator_already_active = true;
    let settings = rules::check_direct_post(
        kind,
        &creator.settings(),
        AppStanding { audited: true },
        &u,
        req,
    )?;
    let media = if p.media_type == "PHOTO" {
        let n = serde_json::from_str::<Vec<String>>(p.photo_images.as_deref().unwrap_or("[]"))
            .map(|v| v.len())
            .unwrap_or(0);
        let keys: Vec<String> = (0..n).map(|i| ids::publish_photo_key(&p.id, i)).collect();
        let cover_idx = p.photo_cover_index.unwrap_or(0).max(0) as usize;
        MediaFacts {
            object_key: None,
            cover_key: keys.get(cover_idx).cloned(),
            photo_keys: keys,
            content_type: None,
            duration_ms: 0,
            width: 0,
            height: 0,
        }
    } else {
        let key = p.object_key.clone().unwrap_or_else(|| media_key(p));
        let local = st
            .blobs
            .local_copy(&key)
            .await
            .map_err(ApiError::internal)?;
        let probe: VideoProbe = serde_json::from_str(p.probe.as_deref().unwrap_or("null"))
            .map_err(ApiError::internal)?;
        MediaFacts::video(
            st,
            &key,
            &local.path,
            &probe,
            settings.video_cover_timestamp_ms,
        )
        .await
    };
    complete(st, p, &["SEND_TO_USER_INBOX"], &settings, media, true)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| {
            ApiError::new(
                reelbox_wire::ErrorCode::InvalidParam,
                "This draft was posted or discarded meanwhile.",
            )
        })
}

/// The creator discards a draft.
pub async fn discard_draft(st: &AppState, p: &Publish) -> Result<(), ApiError> {
    if p.inbox_state.as_deref() != Some("pending") {
        return Err(ApiError::new(
            reelbox_wire::ErrorCode::InvalidParam,
            "This draft is not waiting in the inbox.",
        ));
    }
    st.store
        .set_inbox_state(&p.id, "discarded", st.now())
        .await?;
    Ok(())
}

/// Job `make_public`: a post held back by `delayed_public_id` becomes publicly available.
pub async fn run_make_public(st: &AppState, payload: &str) -> anyhow::Result<()> {
    let v: serde_json::Value = serde_json::from_str(payload)?;
    let (Some(publish_id), Some(post_id)) = (v["publish_id"].as_str(), v["post_id"].as_str())
    else {
        return Ok(());
    };
    let Some(p) = st.store.publish_fresh(publish_id).await? else {
        return Ok(());
    };
    let oid = open_id(st, &p).await?;
    let outbox = webhooks::prepare(
        st,
        &p.client_key,
        &oid,
        events::PUBLICLY_AVAILABLE,
        serde_json::json!({"publish_id": p.id, "post_id": post_id, "publish_type": kind_of(&p)}),
    )
    .await?;
    if st
        .store
        .add_public_post_id(publish_id, post_id, st.now(), &outbox)
        .await?
    {
        st.work.notify_one();
    }
    Ok(())
}
