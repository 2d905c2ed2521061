//! `creator_info/query`, `video/init`, `inbox/video/init`, `content/init`.
use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use reelbox_core::chunks::{ChunkLimits, ChunkPlan};
use reelbox_core::ids::{self, PublishKind};
use reelbox_core::rules::{self, AppStanding, PostKind, RequestedPost};
use reelbox_core::{net, scopes, secrets};
use reelbox_store::Store;
use reelbox_store::publishes::Publish;
use reelbox_wire::ErrorCode;
use reelbox_wire::posting::{
    ContentInitRequest, CreatorInfo, InboxVideoInitRequest, InitData, PostMode, Source,
    VideoInitRequest, VideoSourceInfo,
};

use super::{creator_of, rate_limit};
use crate::http::auth::Caller;
use crate::http::context::CallSlot;
use crate::http::envelope::{Data, RawData, SoftError};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Posting, WireJson};
use crate::service::caps::{usage, usage_of};
use crate::state::AppState;
use reelbox_core::clock::DAY_MS;

/// Query creator info.
#[utoipa::path(post, path = "/v2/post/publish/creator_info/query/", tag = "Content Posting",
    responses((status = 200, description = "The creator's posting options", body = reelbox_wire::Envelope<CreatorInfo>)),
    security(("bearer" = [])))]
pub async fn creator_info(
    State(st): State<AppState>,
    caller: Caller,
    Extension(slot): Extension<CallSlot>,
) -> ApiResult<Response> {
    caller.require(&[scopes::VIDEO_PUBLISH, scopes::VIDEO_UPLOAD])?;
    rate_limit(
        &st,
        &caller,
        "creator_info",
        st.cfg.limits.rate_creator_info,
    )
    .await?;
    crate::sandbox::faults::check(&st, "creator_info", &caller, &slot).await?;
    let creator = creator_of(&st, &caller).await?;
    let app = st
        .store
        .app(&caller.client_key)
        .await?
        .ok_or_else(ApiError::token_invalid)?;
    let now = st.now();
    let counts = st
        .store
        .usage_counts_reported(&creator.id, &app.client_key, now, now - DAY_MS)
        .await?;
    let u = usage_of(&st, counts, &creator, app.audited, app.active_user_cap);
    let s = creator.settings();
    let info = CreatorInfo {
        creator_avatar_url: if creator.avatar_url.is_empty() {
            format!("{}/@{}/avatar", st.public_url, creator.username)
        } else {
            creator.avatar_url.clone()
        },
        creator_username: creator.username.clone(),
        creator_nickname: creator.nickname.clone(),
        privacy_level_options: s.privacy_level_options.clone(),
        comment_disabled: s.comment_disabled,
        duet_disabled: s.effective_duet_disabled(),
        stitch_disabled: s.effective_stitch_disabled(),
        max_video_post_duration_sec: s.max_video_post_duration_sec.clamp(0, i32::MAX as i64) as i32,
    };
    // Serialized once: the answer's `data` and the call log's summary are the same JSON.
    let data = serde_json::to_string(&info).map_err(ApiError::internal)?;
    let resp = match rules::creator_info_gate(&s, &u) {
        // TikTok answers these with HTTP 200 ("intentional"), the options still attached.
        Some(gate) => SoftError {
            data: info,
            code: gate.code,
            message: gate.message,
        }
        .into_response(),
        None => RawData(&data).into_response(),
    };
    slot.summarize(data);
    Ok(resp)
}

fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidParam, msg)
}

/// What a validated `source_info` asks for.
enum Media {
    File(ChunkPlan),
    Url(String),
}

fn check_source(st: &AppState, app_prefixes: &[String], s: &VideoSourceInfo) -> ApiResult<Media> {
    match s.source {
        Source::FileUpload => {
            let (Some(size), Some(chunk), Some(count)) =
                (s.video_size, s.chunk_size, s.total_chunk_count)
            else {
                return Err(invalid(
                    "FILE_UPLOAD needs source_info.video_size, chunk_size and total_chunk_count",
                ));
            };
            ChunkPlan::validate(size, chunk, count, &ChunkLimits::default())
                .map(Media::File)
                .map_err(invalid)
        }
        Source::PullFromUrl => {
            let url = s.video_url.as_deref().unwrap_or("").trim();
            if url.is_empty() {
                return Err(invalid("PULL_FROM_URL needs source_info.video_url"));
            }
            check_pull_url(st, app_prefixes, url)?;
            Ok(Media::Url(url.to_string()))
        }
    }
}

fn check_pull_url(st: &AppState, app_prefixes: &[String], url: &str) -> ApiResult<()> {
    let parsed =
        url::Url::parse(url).map_err(|e| invalid(format!("{url} is not a valid URL: {e}")))?;
    let scheme_ok =
        parsed.scheme() == "https" || (parsed.scheme() == "http" && st.cfg.network.allow_http);
    if !scheme_ok {
        return Err(invalid(format!("{url}: media URLs must use https")));
    }
    if !net::url_is_verified(url, app_prefixes) {
        return Err(ApiError::new(
            ErrorCode::UrlOwnershipUnverified,
            format!("The URL {url} is not under a domain or URL prefix verified for this app."),
        ));
    }
    Ok(())
}

fn requested_video(p: &reelbox_wire::posting::VideoPostInfo) -> RequestedPost {
    RequestedPost {
        title: p.title.clone(),
        description: None,
        privacy_level: p.privacy_level,
        disable_comment: p.disable_comment,
        disable_duet: p.disable_duet,
        disable_stitch: p.disable_stitch,
        brand_content_toggle: p.brand_content_toggle,
        brand_organic_toggle: p.brand_organic_toggle,
        is_aigc: p.is_aigc,
        auto_add_music: None,
        video_cover_timestamp_ms: p.video_cover_timestamp_ms,
    }
}

/// Everything a new publish row needs besides the rule outcome.
struct NewPublish {
    kind: PublishKind,
    mode: &'static str,
    media_type: &'static str,
    post_info: String,
    settings: Option<String>,
    media: Media,
    photos: Option<(Vec<String>, i64)>,
}

/// Inserts the publish (and its job for pulled media) and answers the init.
async fn create(
    st: &AppState,
    caller: &Caller,
    n: NewPublish,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
) -> ApiResult<(Publish, Option<String>)> {
    let now = st.now();
    let id = ids::publish_id(n.kind, now);
    let mut p = Publish {
        id: id.clone(),
        client_key: caller.client_key.clone(),
        creator_id: caller.creator_id.clone(),
        token_hash: caller.token_hash.clone(),
        mode: n.mode.into(),
        media_type: n.media_type.into(),
        source: String::new(),
        status: String::new(),
        fail_reason: None,
        post_info: n.post_info,
        settings: n.settings,
        video_url: None,
        photo_images: None,
        photo_cover_index: None,
        video_size: None,
        chunk_size: None,
        total_chunk_count: None,
        uploaded_bytes: 0,
        downloaded_bytes: 0,
        upload_token_hash: None,
        upload_expires_at: None,
        upload_handle: None,
        object_key: None,
        probe: None,
        post_ids: "[]".into(),
        public_post_ids: "[]".into(),
        inbox_state: (n.mode == "MEDIA_UPLOAD").then(|| "pending".to_string()),
        created_at: now,
        updated_at: now,
        completed_at: None,
    };
    let mut upload_url = None;
    match n.media {
        Media::File(plan) => {
            let token = ids::upload_token();
            p.source = Source::FileUpload.as_str().into();
            p.status = "PROCESSING_UPLOAD".into();
            p.video_size = Some(plan.video_size as i64);
            p.chunk_size = Some(plan.chunk_size as i64);
            p.total_chunk_count = Some(plan.count as i64);
            p.upload_token_hash = Some(secrets::sha256_hex(&token));
            p.upload_expires_at = Some(now + st.cfg.limits.upload_url_ttl_secs * 1000);
            p.upload_handle = Some(
                st.blobs
                    .begin_upload(&id)
                    .await
                    .map_err(ApiError::internal)?,
            );
            upload_url = Some(format!(
                "{}/upload/video/?upload_id={}&upload_token={}",
                st.public_url,
                upload_id(&id),
                token
            ));
        }
        Media::Url(url) => {
            p.source = Source::PullFromUrl.as_str().into();
            p.status = "PROCESSING_DOWNLOAD".into();
            p.video_url = Some(url);
        }
    }
    if let Some((images, cover)) = n.photos {
        p.photo_images = Some(serde_json::to_string(&images).unwrap_or_default());
        p.photo_cover_index = Some(cover);
    }
    Store::insert_publish_tx(tx, &p).await?;
    if p.source == "PULL_FROM_URL" {
        Store::enqueue_job_tx(tx, &ids::row_id(), "pull", &p.id, now, now).await?;
    }
    Ok((p, upload_url))
}

/// Creates the publish inside the rules' transaction, commits, wakes the worker, and answers.
async fn answer(
    st: &AppState,
    caller: &Caller,
    n: NewPublish,
    mut tx: sqlx::Transaction<'_, sqlx::Any>,
) -> ApiResult<Data<InitData>> {
    let (p, upload_url) = create(st, caller, n, &mut tx).await?;
    tx.commit().await.map_err(ApiError::internal)?;
    st.store.publishes_changed();
    st.work.notify_one();
    Ok(Data(InitData {
        publish_id: p.id,
        upload_url,
    }))
}

/// What every init does first: record the request for the call log, check the scope, the rate
/// limit and injected faults, and load the caller's app.
async fn preamble(
    st: &AppState,
    caller: &Caller,
    slot: &CallSlot,
    summary: String,
    scope: &str,
    endpoint: &str,
) -> ApiResult<reelbox_store::apps::App> {
    slot.summarize(summary);
    caller.require(&[scope])?;
    rate_limit(st, caller, "init", st.cfg.limits.rate_init).await?;
    crate::sandbox::faults::check(st, endpoint, caller, slot).await?;
    st.store
        .app(&caller.client_key)
        .await?
        .map(std::sync::Arc::unwrap_or_clone)
        .ok_or_else(ApiError::token_invalid)
}

/// The numeric part of a publish id, shown as `upload_id` in upload URLs.
pub fn upload_id(publish_id: &str) -> &str {
    publish_id.rsplit('.').next().unwrap_or(publish_id)
}

/// Direct Post of a video.
#[utoipa::path(post, path = "/v2/post/publish/video/init/", tag = "Content Posting",
    request_body = VideoInitRequest,
    responses((status = 200, body = reelbox_wire::Envelope<InitData>)),
    security(("bearer" = [])))]
pub async fn video_init(
    State(st): State<AppState>,
    caller: Caller,
    Extension(slot): Extension<CallSlot>,
    WireJson(req, _): WireJson<VideoInitRequest, Posting>,
) -> ApiResult<Data<InitData>> {
    let summary = serde_json::to_string(&req).unwrap_or_default();
    let app = preamble(
        &st,
        &caller,
        &slot,
        summary,
        scopes::VIDEO_PUBLISH,
        "video/init",
    )
    .await?;
    let media = check_source(&st, &app.verified_url_prefixes, &req.source_info)?;
    let post_info = req.post_info.clone().unwrap_or_default();
    let requested = requested_video(&post_info);
    rules::check_text(PostKind::Video, &requested)?;
    let creator = creator_of(&st, &caller).await?;
    let mut writer_conn = st.store.writer.acquire().await?;
    let mut tx = writer_conn.begin().await?;
    st.store.lock_creator_tx(&mut tx, &creator.id).await?;
    st.store.lock_app_tx(&mut tx, &app.client_key).await?;
    let u = usage(
        &st,
        &mut *tx,
        &creator,
        &app.client_key,
        app.audited,
        app.active_user_cap,
    )
    .await?;
    let settings = rules::check_direct_post(
        PostKind::Video,
        &creator.settings(),
        AppStanding {
            audited: app.audited,
        },
        &u,
        &requested,
    )?;
    let kind = if matches!(media, Media::File(_)) {
        PublishKind::DirectFile
    } else {
        PublishKind::DirectUrl
    };
    answer(
        &st,
        &caller,
        NewPublish {
            kind,
            mode: PostMode::DirectPost.as_str(),
            media_type: "VIDEO",
            post_info: serde_json::to_string(&post_info).unwrap_or_default(),
            settings: Some(serde_json::to_string(&settings).unwrap_or_default()),
            media,
            photos: None,
        },
        tx,
    )
    .await
}

/// Upload a video to the creator's inbox.
#[utoipa::path(post, path = "/v2/post/publish/inbox/video/init/", tag = "Content Posting",
    request_body = InboxVideoInitRequest,
    responses((status = 200, body = reelbox_wire::Envelope<InitData>)),
    security(("bearer" = [])))]
pub async fn inbox_video_init(
    State(st): State<AppState>,
    caller: Caller,
    Extension(slot): Extension<CallSlot>,
    WireJson(req, _): WireJson<InboxVideoInitRequest, Posting>,
) -> ApiResult<Data<InitData>> {
    let summary = serde_json::to_string(&req).unwrap_or_default();
    let app = preamble(
        &st,
        &caller,
        &slot,
        summary,
        scopes::VIDEO_UPLOAD,
        "inbox/video/init",
    )
    .await?;
    let media = check_source(&st, &app.verified_url_prefixes, &req.source_info)?;
    let creator = creator_of(&st, &caller).await?;
    let mut writer_conn = st.store.writer.acquire().await?;
    let mut tx = writer_conn.begin().await?;
    st.store.lock_creator_tx(&mut tx, &creator.id).await?;
    let u = usage(
        &st,
        &mut *tx,
        &creator,
        &app.client_key,
        app.audited,
        app.active_user_cap,
    )
    .await?;
    rules::check_inbox_upload(&creator.settings(), &u)?;
    let kind = if matches!(media, Media::File(_)) {
        PublishKind::InboxFile
    } else {
        PublishKind::InboxUrl
    };
    answer(
        &st,
        &caller,
        NewPublish {
            kind,
            mode: PostMode::MediaUpload.as_str(),
            media_type: "VIDEO",
            post_info: "{}".into(),
            settings: None,
            media,
            photos: None,
        },
        tx,
    )
    .await
}

/// Photo posts (Direct Post or to the inbox).
#[utoipa::path(post, path = "/v2/post/publish/content/init/", tag = "Content Posting",
    request_body = ContentInitRequest,
    responses((status = 200, body = reelbox_wire::Envelope<InitData>)),
    security(("bearer" = [])))]
pub async fn content_init(
    State(st): State<AppState>,
    caller: Caller,
    Extension(slot): Extension<CallSlot>,
    WireJson(req, _): WireJson<ContentInitRequest, Posting>,
) -> ApiResult<Data<InitData>> {
    let direct = req.post_mode == PostMode::DirectPost;
    let scope = if direct {
        scopes::VIDEO_PUBLISH
    } else {
        scopes::VIDEO_UPLOAD
    };
    let summary = serde_json::to_string(&req).unwrap_or_default();
    let app = preamble(&st, &caller, &slot, summary, scope, "content/init").await?;
    let s = &req.source_info;
    if s.source != Source::PullFromUrl {
        return Err(invalid("photo posts support only source PULL_FROM_URL"));
    }
    if s.photo_images.is_empty() || s.photo_images.len() > rules::PHOTO_IMAGES_MAX {
        return Err(invalid(format!(
            "source_info.photo_images must hold 1 to {} URLs",
            rules::PHOTO_IMAGES_MAX
        )));
    }
    if s.photo_cover_index < 0 || s.photo_cover_index as usize >= s.photo_images.len() {
        return Err(invalid(
            "source_info.photo_cover_index must index into photo_images",
        ));
    }
    for url in &s.photo_images {
        check_pull_url(&st, &app.verified_url_prefixes, url)?;
    }
    let pi = &req.post_info;
    let requested = RequestedPost {
        title: pi.title.clone(),
        description: pi.description.clone(),
        privacy_level: pi.privacy_level,
        disable_comment: pi.disable_comment,
        disable_duet: None,
        disable_stitch: None,
        brand_content_toggle: pi.brand_content_toggle,
        brand_organic_toggle: pi.brand_organic_toggle,
        is_aigc: pi.is_aigc,
        auto_add_music: pi.auto_add_music,
        video_cover_timestamp_ms: None,
    };
    rules::check_text(PostKind::Photo, &requested)?;
    let creator = creator_of(&st, &caller).await?;
    let mut writer_conn = st.store.writer.acquire().await?;
    let mut tx = writer_conn.begin().await?;
    st.store.lock_creator_tx(&mut tx, &creator.id).await?;
    st.store.lock_app_tx(&mut tx, &app.client_key).await?;
    let u = usage(
        &st,
        &mut *tx,
        &creator,
        &app.client_key,
        app.audited,
        app.active_user_cap,
    )
    .await?;
    let settings = if direct {
        Some(rules::check_direct_post(
            PostKind::Photo,
            &creator.settings(),
            AppStanding {
                audited: app.audited,
            },
            &u,
            &requested,
        )?)
    } else {
        rules::check_inbox_upload(&creator.settings(), &u)?;
        None
    };
    answer(
        &st,
        &caller,
        NewPublish {
            kind: PublishKind::Photo,
            mode: req.post_mode.as_str(),
            media_type: "PHOTO",
            post_info: serde_json::to_string(pi).unwrap_or_default(),
            settings: settings.map(|s| serde_json::to_string(&s).unwrap_or_default()),
            media: Media::Url(s.photo_images[s.photo_cover_index as usize].clone()),
            photos: Some((s.photo_images.clone(), s.photo_cover_index)),
        },
        tx,
    )
    .await
}
