//! A publish's state changes that more than one path shares: failing it (and telling the app),
//! completing it into a post or the inbox, and the creator posting or discarding a draft. Each is
//! a compare-and-set on the publish's status written with its webhook event.
use crate::http::error::ApiError;
use crate::state::AppState;
use reelbox_core::ids;
use reelbox_core::rules::{self, AppStanding, PostKind, PostSettings, RequestedPost};
use reelbox_media::{CoverOutcome, VideoProbe};
use reelbox_store::StoreError;
use reelbox_store::posts::Post;
use reelbox_store::publishes::Publish;
use reelbox_wire::posting::PublishStatus;
use reelbox_wire::posting::{PrivacyLevel, fail_reason};
use reelbox_wire::webhook::{events, publish_type};
use std::time::Duration;

/// The job making a video post's web-safe renditions (`jobs::renditions`).
pub const RENDER_JOB: &str = "render";

pub(crate) fn kind_of(p: &Publish) -> &'static str {
    if p.mode == "DIRECT_POST" {
        publish_type::DIRECT_PUBLISH
    } else {
        publish_type::INBOX_SHARE
    }
}

pub(crate) async fn open_id(st: &AppState, p: &Publish) -> Result<String, StoreError> {
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
    from: &[PublishStatus],
    reason: &str,
) -> Result<bool, StoreError> {
    // The event is written with the transition: a crash between the two would lose it.
    let oid = open_id(st, p).await?;
    let outbox = crate::service::events::prepare(
        st,
        &p.client_key,
        &oid,
        events::PUBLISH_FAILED,
        serde_json::json!({"publish_id": p.id, "reason": reason, "publish_type": kind_of(p)}),
    )
    .await?;
    if !st
        .store
        .transition_with(
            &p.id,
            from,
            PublishStatus::Failed,
            Some(reason),
            st.now(),
            &outbox,
        )
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

/// Removes a post from every page and read API. When it was public and an app posted it, that
/// app is told with the event its profile spells (`post.publish.no_longer_publicaly_available`
/// on TikTok's table). False when there was no such post.
pub async fn remove_post(st: &AppState, post_id: &str) -> Result<bool, StoreError> {
    let Some(post) = st.store.post(post_id).await? else {
        return Ok(false);
    };
    let publish = match &post.publish_id {
        Some(id) => st.store.publish(id).await?,
        None => None,
    };
    let mut outbox = reelbox_store::webhooks::Outbox::default();
    if let Some(p) =
        publish.filter(|_| post.privacy_level == PrivacyLevel::PublicToEveryone.as_str())
    {
        let compat = crate::http::compat::Compat::of_key(st, &p.client_key).await?;
        outbox = crate::service::events::prepare(
            st,
            &p.client_key,
            &open_id(st, &p).await?,
            compat.no_longer_public_event(st),
            serde_json::json!({"publish_id": p.id, "post_id": post.id, "publish_type": kind_of(&p)}),
        )
        .await?;
    }
    let removed = st.store.remove_post(&post.id, st.now(), &outbox).await?;
    st.work.notify_one();
    Ok(removed)
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
            &[
                PublishStatus::ProcessingUpload,
                PublishStatus::ProcessingDownload,
            ],
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
            &[
                PublishStatus::ProcessingUpload,
                PublishStatus::ProcessingDownload,
            ],
            fail_reason::INTERNAL,
        )
        .await?;
    }
    Ok(())
}

pub(crate) fn media_key(p: &Publish) -> String {
    ids::publish_media_key(&p.id)
}

/// What a post shows of its media.
pub struct MediaFacts {
    pub(crate) object_key: Option<String>,
    pub(crate) cover_key: Option<String>,
    pub(crate) photo_keys: Vec<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) duration_ms: i64,
    pub(crate) width: i64,
    pub(crate) height: i64,
}

impl MediaFacts {
    /// A photo post's images, stored under `keys`, with the `cover_index`th as its cover.
    pub(crate) fn photos(keys: Vec<String>, cover_index: Option<i64>) -> MediaFacts {
        let cover_idx = cover_index.unwrap_or(0).max(0) as usize;
        MediaFacts {
            object_key: None,
            cover_key: keys.get(cover_idx).cloned(),
            photo_keys: keys,
            content_type: None,
            duration_ms: 0,
            width: 0,
            height: 0,
        }
    }

    pub(crate) async fn video(
        st: &AppState,
        key: &str,
        local: &std::path::Path,
        probe: &VideoProbe,
        cover_ms: i64,
    ) -> MediaFacts {
        let cover_key = cover(st, key, local, cover_ms.max(0) as u64).await;
        MediaFacts::from_probe(key, probe, cover_key)
    }

    /// A video's facts from its probe, its cover already stored under `cover_key`.
    pub(crate) fn from_probe(
        key: &str,
        probe: &VideoProbe,
        cover_key: Option<String>,
    ) -> MediaFacts {
        let content_type = match probe.container {
            reelbox_media::Container::Mp4 => "video/mp4",
            reelbox_media::Container::Mov => "video/quicktime",
            reelbox_media::Container::Webm => "video/webm",
        };
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
pub(crate) async fn cover(
    st: &AppState,
    key: &str,
    local: &std::path::Path,
    at_ms: u64,
) -> Option<String> {
    let out = std::env::temp_dir().join(format!("reelbox-cover-{}.jpg", ids::row_id()));
    let outcome = reelbox_media::extract_cover(
        local,
        at_ms,
        &out,
        Duration::from_secs(30),
        st.cfg.probe.max_memory_mb * 1024 * 1024,
    )
    .await;
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
pub(crate) async fn complete(
    st: &AppState,
    p: &Publish,
    from: &[PublishStatus],
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
    let mut outbox = crate::service::events::prepare(
        st,
        &p.client_key,
        &oid,
        events::PUBLISH_COMPLETE,
        serde_json::json!({"publish_id": p.id, "publish_type": kind}),
    )
    .await?;
    if post.object_key.is_some() && st.cfg.renditions.enabled {
        outbox.jobs.push((
            ids::row_id(),
            RENDER_JOB.into(),
            post.id.clone(),
            now,
            p.client_key.clone(),
        ));
    }
    if let Some(secs) = delay {
        let payload = serde_json::json!({"publish_id": p.id, "post_id": post.id}).to_string();
        outbox.jobs.push((
            ids::row_id(),
            "make_public".into(),
            payload,
            now + secs * 1000,
            p.client_key.clone(),
        ));
    }
    if public {
        outbox.extend(
            crate::service::events::prepare(
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

/// The creator posts a draft from the inbox (web page or control API): the same rules and the
/// same daily cap as a Direct Post, then the same completion path.
pub async fn post_draft(
    st: &AppState,
    p: &Publish,
    req: &RequestedPost,
) -> Result<String, ApiError> {
    if p.mode != "MEDIA_UPLOAD"
        || p.status != PublishStatus::SendToUserInbox
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
        crate::service::caps::usage(st, &mut *tx, &creator, &p.client_key, true, None).await?;
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
    let media = stored_media(st, p, settings.video_cover_timestamp_ms)
        .await
        .map_err(ApiError::internal)?;
    complete(
        st,
        p,
        &[PublishStatus::SendToUserInbox],
        &settings,
        media,
        true,
    )
    .await
    .map_err(ApiError::internal)?
    .ok_or_else(|| {
        ApiError::new(
            reelbox_wire::ErrorCode::InvalidParam,
            "This draft was posted or discarded meanwhile.",
        )
    })
}

/// What a publish whose media passed the checks (a draft, a held post) shows as a post: its
/// photos, or its video with a cover cut at `cover_ms`.
pub(crate) async fn stored_media(
    st: &AppState,
    p: &Publish,
    cover_ms: i64,
) -> anyhow::Result<MediaFacts> {
    if p.media_type == "PHOTO" {
        let n = serde_json::from_str::<Vec<String>>(p.photo_images.as_deref().unwrap_or("[]"))
            .map(|v| v.len())
            .unwrap_or(0);
        let keys: Vec<String> = (0..n).map(|i| ids::publish_photo_key(&p.id, i)).collect();
        return Ok(MediaFacts::photos(keys, p.photo_cover_index));
    }
    let key = p.object_key.clone().unwrap_or_else(|| media_key(p));
    let local = st.blobs.local_copy(&key).await?;
    let probe: VideoProbe = serde_json::from_str(p.probe.as_deref().unwrap_or("null"))?;
    Ok(MediaFacts::video(st, &key, &local.path, &probe, cover_ms).await)
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
