//! `creator_info/query`, `video/init`, `inbox/video/init`, `content/init`: parse, check the
//! request's own shape (`reelbox_core::sources`, the text rules), then `service::posting::start`.
use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use reelbox_core::compat::Leniency;
use reelbox_core::rules::{self, PostKind, RequestedPost};
use reelbox_core::scopes;
use reelbox_core::sources::{self, MediaSource, UrlPolicy};
use reelbox_store::apps::App;
use reelbox_wire::posting::{
    ContentInitRequest, CreatorInfo, InboxVideoInitRequest, InitData, PostMode, VideoInitRequest,
};

use super::{creator_of, rate_limit};
use crate::http::auth::Caller;
use crate::http::compat::Compat;
use crate::http::context::CallSlot;
use crate::http::envelope::{Data, RawData, SoftError};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Posting, WireBytes, WireJson, parse_json_body};
use crate::service::caps::usage_of;
use crate::service::posting::{self, Destination, NewPublish, Poster};
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
    // TikTok: "Scope: video.publish" (an upload-only token is refused).
    caller.require(&[scopes::VIDEO_PUBLISH])?;
    let limits = crate::service::settings::limits(&st).await?;
    rate_limit(&st, &caller, "creator_info", limits.rate_creator_info).await?;
    crate::sandbox::faults::check(&st, "creator_info", &caller, &slot).await?;
    let creator = creator_of(&st, &caller).await?;
    let app = st
        .store
        .app(&caller.client_key)
        .await?
        .ok_or_else(ApiError::token_invalid)?;
    let now = st.now_for_creator(&app.client_key, Some(&creator.id));
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

fn requested_photo(p: &reelbox_wire::posting::PhotoPostInfo) -> RequestedPost {
    RequestedPost {
        title: p.title.clone(),
        description: p.description.clone(),
        privacy_level: p.privacy_level,
        disable_comment: p.disable_comment,
        disable_duet: None,
        disable_stitch: None,
        brand_content_toggle: p.brand_content_toggle,
        brand_organic_toggle: p.brand_organic_toggle,
        is_aigc: p.is_aigc,
        auto_add_music: p.auto_add_music,
        video_cover_timestamp_ms: None,
    }
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
) -> ApiResult<Arc<App>> {
    slot.summarize(summary);
    caller.require(&[scope])?;
    let limits = crate::service::settings::limits(st).await?;
    rate_limit(st, caller, "init", limits.rate_init).await?;
    crate::sandbox::faults::check(st, endpoint, caller, slot).await?;
    st.store
        .app(&caller.client_key)
        .await?
        .ok_or_else(ApiError::token_invalid)
}

/// What both video inits do first: the preamble, then the source and its chunk plan checked.
async fn video_preamble(
    (st, caller, slot): (&AppState, &Caller, &CallSlot),
    req: &impl serde::Serialize,
    scope: &str,
    endpoint: &str,
    source: &reelbox_wire::posting::VideoSourceInfo,
) -> ApiResult<(Arc<App>, MediaSource)> {
    let summary = serde_json::to_string(req).unwrap_or_default();
    let app = preamble(st, caller, slot, summary, scope, endpoint).await?;
    let media = sources::video_source(source, url_policy(st, &app))?;
    judge_chunk_edges(st, slot, &app, &media)?;
    Ok((app, media))
}

/// A chunk plan only one reading of TikTok's "MB" allows is served as a leniency.
fn judge_chunk_edges(
    st: &AppState,
    slot: &CallSlot,
    app: &App,
    media: &MediaSource,
) -> ApiResult<()> {
    match media {
        MediaSource::File(plan) if plan.at_lenient_edge() => {
            Ok(Compat::of(st, app).allow(slot, Leniency::LenientChunkEdges)?)
        }
        _ => Ok(()),
    }
}

/// The body of `content/init/`. TikTok's parameter table prints `post_mode` "DIRECT POST" while
/// every example sends `DIRECT_POST`: the table's spelling is read as a leniency (the second
/// value says it was used).
fn parse_content_init(body: &[u8]) -> ApiResult<(ContentInitRequest, bool)> {
    let invalid = |m: String| ApiError::new(reelbox_wire::ErrorCode::InvalidParam, m);
    match parse_json_body::<ContentInitRequest>(body) {
        Ok(req) => Ok((req, false)),
        Err(m) => {
            let mut v: serde_json::Value = parse_json_body(body).map_err(invalid)?;
            if v.get("post_mode").and_then(|p| p.as_str()) != Some("DIRECT POST") {
                return Err(invalid(m));
            }
            v["post_mode"] = "DIRECT_POST".into();
            let req = serde_json::from_value(v).map_err(|_| invalid(m))?;
            Ok((req, true))
        }
    }
}

fn url_policy<'a>(st: &AppState, app: &'a App) -> UrlPolicy<'a> {
    UrlPolicy {
        allow_http: st.cfg.network.allow_http,
        verified_prefixes: &app.verified_url_prefixes,
    }
}

/// Starts the publish for the caller and answers the init.
async fn start(
    st: &AppState,
    caller: &Caller,
    app: &App,
    slot: &CallSlot,
    n: NewPublish,
) -> ApiResult<Data<InitData>> {
    let creator = creator_of(st, caller).await?;
    let who = Poster {
        app,
        creator: &creator,
        token_hash: &caller.token_hash,
    };
    let started = posting::start(st, who, n).await?;
    let base = crate::http::intercept::rules::upload_base(
        &st.cfg.intercept.hosts,
        slot.intercepted().as_deref(),
        &st.public_url,
    );
    Ok(Data(InitData {
        publish_id: started.publish_id,
        upload_url: started.upload_path.map(|p| format!("{base}{p}")),
    }))
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
    let (app, media) = video_preamble(
        (&st, &caller, &slot),
        &req,
        scopes::VIDEO_PUBLISH,
        "video/init",
        &req.source_info,
    )
    .await?;
    let post_info = req.post_info.unwrap_or_default();
    let requested = requested_video(&post_info);
    rules::check_text(PostKind::Video, &requested)?;
    let n = NewPublish {
        kind: PostKind::Video,
        destination: Destination::Direct(requested),
        media,
        post_info: serde_json::to_string(&post_info).unwrap_or_default(),
        photos: None,
    };
    start(&st, &caller, &app, &slot, n).await
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
    let (app, media) = video_preamble(
        (&st, &caller, &slot),
        &req,
        scopes::VIDEO_UPLOAD,
        "inbox/video/init",
        &req.source_info,
    )
    .await?;
    let n = NewPublish {
        kind: PostKind::Video,
        destination: Destination::Inbox,
        media,
        post_info: "{}".into(),
        photos: None,
    };
    start(&st, &caller, &app, &slot, n).await
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
    WireBytes(body, _): WireBytes<Posting>,
) -> ApiResult<Data<InitData>> {
    let (req, spaced_mode) = parse_content_init(&body)?;
    let direct = req.post_mode == PostMode::DirectPost;
    let scope = if direct {
        scopes::VIDEO_PUBLISH
    } else {
        scopes::VIDEO_UPLOAD
    };
    let summary = serde_json::to_string(&req).unwrap_or_default();
    let app = preamble(&st, &caller, &slot, summary, scope, "content/init").await?;
    if spaced_mode {
        Compat::of(&st, &app).allow(&slot, Leniency::DirectPostWithSpace)?;
    }
    let s = &req.source_info;
    sources::photo_source(s, url_policy(&st, &app))?;
    let requested = requested_photo(&req.post_info);
    rules::check_text(PostKind::Photo, &requested)?;
    let cover = s.photo_images[s.photo_cover_index as usize].clone();
    let n = NewPublish {
        kind: PostKind::Photo,
        destination: if direct {
            Destination::Direct(requested)
        } else {
            Destination::Inbox
        },
        media: MediaSource::Url(cover),
        post_info: serde_json::to_string(&req.post_info).unwrap_or_default(),
        photos: Some((s.photo_images.clone(), s.photo_cover_index)),
    };
    start(&st, &caller, &app, &slot, n).await
}
