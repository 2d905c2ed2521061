//! Display API: `GET /v2/user/info/`, `POST /v2/video/list/`, `POST /v2/video/query/`. Everything
//! acts on the token's own creator; only public posts are listed. Request and answer types are
//! `reelbox_wire::display`'s.
use axum::extract::{Query, State};
use axum::http::StatusCode;
use reelbox_core::{scopes, secrets};
use reelbox_store::posts::Post;
use reelbox_wire::ErrorCode;
use reelbox_wire::display::{
    DisplayUser, DisplayVideo, DisplayVideoQueryBody, UserInfo, VIDEO_FIELDS,
    VIDEO_FIELDS_WITH_AIGC, VideoListBody, VideoListPage, VideoQueryAnswer,
};

use crate::api::research::{id_text, invalid, keep_page};
use crate::http::auth::Caller;
use crate::http::compat::Compat;
use crate::http::envelope::Data;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Reading, WireJson};
use crate::http::fields::{Fields, FieldsParam};
use crate::state::AppState;

/// The scope each User Object field needs.
fn scope_of(field: &str) -> &'static str {
    match field {
        "bio_description" | "profile_deep_link" | "is_verified" | "username" => {
            scopes::USER_INFO_PROFILE
        }
        "follower_count" | "following_count" | "likes_count" | "video_count" => {
            scopes::USER_INFO_STATS
        }
        _ => scopes::USER_INFO_BASIC,
    }
}

/// The per-app limit of a Display endpoint (sliding minute).
async fn limit(st: &AppState, caller: &Caller, endpoint: &'static str) -> ApiResult<()> {
    let limits = crate::service::settings::limits(st).await?;
    st.rate_check(
        &caller.client_key,
        endpoint,
        limits.rate_display,
        st.now_for(&caller.client_key),
    )
    .await
    .map_err(ApiError::rate_limited)
}

/// A UUID-shaped id stable for (developer, creator): the same across a developer's apps.
fn union_id(developer: &str, creator_id: &str) -> String {
    let h = secrets::sha256_hex(&format!("union:{developer}:{creator_id}"));
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Get the token owner's profile.
#[utoipa::path(get, path = "/v2/user/info/", tag = "Display API", params(FieldsParam),
    responses((status = 200, description = "The User Object with the requested fields", body = reelbox_wire::Envelope<UserInfo>)),
    security(("bearer" = [])))]
pub async fn user_info(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<FieldsParam>,
) -> ApiResult<Data<UserInfo>> {
    caller.require(&[scopes::USER_INFO_BASIC])?;
    limit(&st, &caller, "user_info").await?;
    let fields = Fields::<DisplayUser>::parse(q.fields.as_deref())?;
    for f in fields.names() {
        let scope = scope_of(f);
        if !caller.scopes.iter().any(|s| s == scope) {
            return Err(ApiError::new(
                ErrorCode::ScopePermissionMissed,
                format!("field {f} requires scope {scope}"),
            )
            .with_status(StatusCode::BAD_REQUEST));
        }
    }
    let c = st
        .store
        .creator(&caller.creator_id)
        .await?
        .ok_or_else(ApiError::token_invalid)?;
    let app = st.store.app(&caller.client_key).await?;
    let developer = app
        .and_then(|a| a.developer_id.clone())
        .unwrap_or_else(|| caller.client_key.clone());
    let avatar = if c.avatar_url.is_empty() {
        format!("{}/@{}/avatar", st.public_url, c.username)
    } else {
        c.avatar_url.clone()
    };
    let needs_stats = fields.names().iter().any(|f| f.ends_with("_count"));
    let stats = if needs_stats {
        st.store.creator_stats(&c.id).await?
    } else {
        Default::default()
    };
    let user = DisplayUser {
        open_id: caller.open_id.clone(),
        union_id: union_id(&developer, &c.id),
        avatar_url_100: format!("{avatar}?size=100"),
        avatar_large_url: format!("{avatar}?size=720"),
        avatar_url: avatar,
        display_name: c.nickname.clone(),
        bio_description: c.bio.clone(),
        profile_deep_link: format!("{}/@{}", st.public_url, c.username),
        is_verified: false,
        username: c.username.clone(),
        follower_count: stats.follower_count,
        following_count: stats.following_count,
        likes_count: stats.likes_count,
        video_count: stats.video_count,
    };
    Ok(Data(UserInfo {
        user: fields.pick(&user),
    }))
}

/// Everything a Display video object can say about a post.
fn video_object(st: &AppState, username: &str, p: &Post) -> DisplayVideo {
    let share_url = format!("{}/@{}/video/{}", st.public_url, username, p.id);
    let desc = if p.description.is_empty() {
        &p.title
    } else {
        &p.description
    };
    DisplayVideo {
        id: p.id.clone(),
        create_time: p.created_at.div_euclid(1000),
        cover_image_url: format!("{}/media/{}/cover", st.public_url, p.id),
        video_description: desc.clone(),
        duration: (p.duration_ms + 500) / 1000,
        height: p.height,
        width: p.width,
        title: p.title.clone(),
        embed_html: format!(
            "<blockquote class=\"tiktok-embed\" cite=\"{share_url}\" data-video-id=\"{}\"><a href=\"{share_url}\">@{username}</a></blockquote>",
            p.id
        ),
        share_url,
        embed_link: format!("{}/embed/v2/{}", st.public_url, p.id),
        like_count: p.like_count,
        comment_count: p.comment_count,
        share_count: p.share_count,
        view_count: p.view_count,
        is_aigc: p.is_aigc != 0,
    }
}

/// The Display Video Object's field names on the caller's profile: `is_aigc` came with TikTok's
/// 2026 pages (on older profiles it is an unknown name, ignored as any other).
async fn video_fields(
    st: &AppState,
    caller: &Caller,
    query: Option<&str>,
    body: Option<&serde_json::Value>,
) -> ApiResult<Fields<DisplayVideo>> {
    let compat = Compat::of_key(st, &caller.client_key).await?;
    let known: &[&str] = if compat.profile.display_is_aigc {
        &VIDEO_FIELDS_WITH_AIGC
    } else {
        VIDEO_FIELDS
    };
    Fields::among(query, body, known)
}

/// List the token owner's public videos, newest first.
#[utoipa::path(post, path = "/v2/video/list/", tag = "Display API", params(FieldsParam),
    request_body = VideoListBody,
    responses((status = 200, body = reelbox_wire::Envelope<VideoListPage>)),
    security(("bearer" = [])))]
pub async fn video_list(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<FieldsParam>,
    WireJson(body, _): WireJson<VideoListBody, Reading>,
) -> ApiResult<Data<VideoListPage>> {
    caller.require(&[scopes::VIDEO_LIST])?;
    limit(&st, &caller, "video_list").await?;
    let fields = video_fields(&st, &caller, q.fields.as_deref(), None).await?;
    let max = match body.max_count {
        None | Some(0) => 10,
        Some(n) if (1..=20).contains(&n) => n,
        Some(_) => return Err(invalid("max_count should be between 1 and 20")),
    };
    let cursor = match body.cursor {
        None | Some(0) => i64::MAX,
        Some(c) if c > 0 => c,
        Some(_) => return Err(invalid("Invalid count or cursor")),
    };
    let c = st
        .store
        .creator(&caller.creator_id)
        .await?
        .ok_or_else(ApiError::token_invalid)?;
    // The cursor is ms but create_time is seconds: compare on whole seconds so that a cursor
    // built from create_time * 1000 never repeats its video.
    let before = if cursor == i64::MAX {
        i64::MAX
    } else {
        cursor.div_euclid(1000) * 1000
    };
    let mut posts = st.store.public_posts_before(&c.id, before, max + 1).await?;
    let has_more = keep_page(&mut posts, max);
    let next = posts
        .last()
        .map(|p| p.created_at.div_euclid(1000) * 1000)
        .unwrap_or(body.cursor.unwrap_or(0));
    let videos = posts
        .iter()
        .map(|p| fields.pick(&video_object(&st, &c.username, p)))
        .collect();
    Ok(Data(VideoListPage {
        cursor: next,
        has_more,
        videos,
    }))
}

/// Refresh the token owner's videos by id (ids of others, private or unknown are omitted).
#[utoipa::path(post, path = "/v2/video/query/", tag = "Display API", params(FieldsParam),
    request_body = DisplayVideoQueryBody,
    responses((status = 200, description = "The videos in the order of video_ids", body = reelbox_wire::Envelope<VideoQueryAnswer>)),
    security(("bearer" = [])))]
pub async fn video_query(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<FieldsParam>,
    WireJson(body, _): WireJson<DisplayVideoQueryBody, Reading>,
) -> ApiResult<Data<VideoQueryAnswer>> {
    caller.require(&[scopes::VIDEO_LIST])?;
    limit(&st, &caller, "video_query").await?;
    let fields = video_fields(&st, &caller, q.fields.as_deref(), body.fields.as_ref()).await?;
    let raw = body
        .filters
        .and_then(|f| f.video_ids)
        .ok_or_else(|| invalid("filters.video_ids is required"))?;
    if raw.is_empty() {
        return Err(invalid("video_ids should contain at least 1 id"));
    }
    if raw.len() > 20 {
        return Err(invalid("video_ids should contain at most 20 ids"));
    }
    let ids: Vec<String> = raw
        .iter()
        .map(|v| id_text(v).ok_or_else(|| invalid("video_ids must be decimal id strings")))
        .collect::<ApiResult<_>>()?;
    let c = st
        .store
        .creator(&caller.creator_id)
        .await?
        .ok_or_else(ApiError::token_invalid)?;
    let found = st.store.public_posts_by_ids(&c.id, &ids).await?;
    let mut videos = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for id in &ids {
        if let Some(p) = found.iter().find(|p| &p.id == id)
            && seen.insert(id.clone())
        {
            videos.push(fields.pick(&video_object(&st, &c.username, p)));
        }
    }
    Ok(Data(VideoQueryAnswer { videos }))
}
