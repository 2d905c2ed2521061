//! Display API: `GET /v2/user/info/`, `POST /v2/video/list/`, `POST /v2/video/query/`. Everything
//! acts on the token's own creator; only public posts are listed.
use axum::extract::{Query, State};
use axum::http::StatusCode;
use reelbox_core::research::{select_fields, split_fields};
use reelbox_core::{scopes, secrets};
use reelbox_store::posts::Post;
use reelbox_wire::ErrorCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::research::{FieldsParam, invalid, pick, rule};
use crate::http::auth::Caller;
use crate::http::envelope::Data;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Reading, WireJson};
use crate::state::AppState;

/// User Object fields and the scope each needs.
const USER_FIELDS: &[(&str, &str)] = &[
    ("open_id", scopes::USER_INFO_BASIC),
    ("union_id", scopes::USER_INFO_BASIC),
    ("avatar_url", scopes::USER_INFO_BASIC),
    ("avatar_url_100", scopes::USER_INFO_BASIC),
    ("avatar_large_url", scopes::USER_INFO_BASIC),
    ("display_name", scopes::USER_INFO_BASIC),
    ("bio_description", scopes::USER_INFO_PROFILE),
    ("profile_deep_link", scopes::USER_INFO_PROFILE),
    ("is_verified", scopes::USER_INFO_PROFILE),
    ("username", scopes::USER_INFO_PROFILE),
    ("follower_count", scopes::USER_INFO_STATS),
    ("following_count", scopes::USER_INFO_STATS),
    ("likes_count", scopes::USER_INFO_STATS),
    ("video_count", scopes::USER_INFO_STATS),
];

pub use reelbox_wire::display::VIDEO_FIELDS;

async fn limit(st: &AppState, caller: &Caller, endpoint: &'static str) -> ApiResult<()> {
    st.rate_check(&caller.client_key, endpoint, st.cfg.limits.rate_display)
        .await
        .map_err(|wait| {
            let mut e = ApiError::new(
                ErrorCode::RateLimitExceeded,
                "The API rate limit was exceeded. Please try again later.",
            );
            e.retry_after = Some(wait);
            e
        })
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
    responses((status = 200, description = "`{\"user\": User Object}` with the requested fields")),
    security(("bearer" = [])))]
pub async fn user_info(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<FieldsParam>,
) -> ApiResult<Data<Value>> {
    caller.require(&[scopes::USER_INFO_BASIC])?;
    limit(&st, &caller, "user_info").await?;
    let known: Vec<&str> = USER_FIELDS.iter().map(|f| f.0).collect();
    let fields = select_fields(q.fields.as_deref(), &known).map_err(rule)?;
    for f in &fields {
        if let Some((_, scope)) = USER_FIELDS.iter().find(|(n, _)| n == f) {
            if !caller.scopes.iter().any(|s| s == scope) {
                return Err(ApiError::new(
                    ErrorCode::ScopePermissionMissed,
                    format!("field {f} requires scope {scope}"),
                )
                .with_status(StatusCode::BAD_REQUEST));
            }
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
    let needs_stats = fields.iter().any(|f| f.ends_with("_count"));
    let stats = if needs_stats {
        st.store.creator_stats(&c.id).await?
    } else {
        Default::default()
    };
    let mut all = Map::new();
    all.insert("open_id".into(), json!(caller.open_id));
    all.insert("union_id".into(), json!(union_id(&developer, &c.id)));
    all.insert("avatar_url".into(), json!(avatar));
    all.insert("avatar_url_100".into(), json!(format!("{avatar}?size=100")));
    all.insert(
        "avatar_large_url".into(),
        json!(format!("{avatar}?size=720")),
    );
    all.insert("display_name".into(), json!(c.nickname));
    all.insert("bio_description".into(), json!(c.bio));
    all.insert(
        "profile_deep_link".into(),
        json!(format!("{}/@{}", st.public_url, c.username)),
    );
    all.insert("is_verified".into(), json!(false));
    all.insert("username".into(), json!(c.username));
    all.insert("follower_count".into(), json!(stats.follower_count));
    all.insert("following_count".into(), json!(stats.following_count));
    all.insert("likes_count".into(), json!(stats.likes_count));
    all.insert("video_count".into(), json!(stats.video_count));
    Ok(Data(json!({"user": pick(all, &fields)})))
}

/// Everything a Display video object can say about a post.
fn video_object(st: &AppState, username: &str, p: &Post) -> Map<String, Value> {
    let share = format!("{}/@{}/video/{}", st.public_url, username, p.id);
    let embed = format!("{}/embed/v2/{}", st.public_url, p.id);
    let desc = if p.description.is_empty() {
        &p.title
    } else {
        &p.description
    };
    let mut m = Map::new();
    m.insert("id".into(), json!(p.id));
    m.insert("create_time".into(), json!(p.created_at.div_euclid(1000)));
    m.insert(
        "cover_image_url".into(),
        json!(format!("{}/media/{}/cover", st.public_url, p.id)),
    );
    m.insert("share_url".into(), json!(share));
    m.insert("video_description".into(), json!(desc));
    m.insert("duration".into(), json!((p.duration_ms + 500) / 1000));
    m.insert("height".into(), json!(p.height));
    m.insert("width".into(), json!(p.width));
    m.insert("title".into(), json!(p.title));
    m.insert(
        "embed_html".into(),
        json!(format!(
            "<blockquote class=\"tiktok-embed\" cite=\"{share}\" data-video-id=\"{}\"><a href=\"{share}\">@{username}</a></blockquote>",
            p.id
        )),
    );
    m.insert("embed_link".into(), json!(embed));
    m.insert("like_count".into(), json!(p.like_count));
    m.insert("comment_count".into(), json!(p.comment_count));
    m.insert("share_count".into(), json!(p.share_count));
    m.insert("view_count".into(), json!(p.view_count));
    m
}

/// Body of `/v2/video/list/`.
#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
pub struct VideoListBody {
    /// Epoch ms: videos posted before this time.
    #[serde(default)]
    pub cursor: Option<i64>,
    #[serde(default)]
    pub max_count: Option<i64>,
}

/// List the token owner's public videos, newest first.
#[utoipa::path(post, path = "/v2/video/list/", tag = "Display API", params(FieldsParam),
    request_body = VideoListBody,
    responses((status = 200, description = "`{videos, cursor, has_more}`")),
    security(("bearer" = [])))]
pub async fn video_list(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<FieldsParam>,
    WireJson(body, _): WireJson<VideoListBody, Reading>,
) -> ApiResult<Data<Value>> {
    caller.require(&[scopes::VIDEO_LIST])?;
    limit(&st, &caller, "video_list").await?;
    let fields = select_fields(q.fields.as_deref(), VIDEO_FIELDS).map_err(rule)?;
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
    let has_more = posts.len() as i64 > max;
    posts.truncate(max as usize);
    let next = posts
        .last()
        .map(|p| p.created_at.div_euclid(1000) * 1000)
        .unwrap_or(body.cursor.unwrap_or(0));
    let videos: Vec<Value> = posts
        .iter()
        .map(|p| pick(video_object(&st, &c.username, p), &fields))
        .collect();
    Ok(Data(
        json!({"videos": videos, "cursor": next, "has_more": has_more}),
    ))
}

/// Body of `/v2/video/query/`.
#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
pub struct VideoQueryBody {
    #[serde(default)]
    pub filters: Option<VideoFilters>,
    /// Some clients send the field list here instead of the query string.
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub fields: Option<Value>,
}

#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
pub struct VideoFilters {
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub video_ids: Option<Vec<Value>>,
}

/// Refresh the token owner's videos by id (ids of others, private or unknown are omitted).
#[utoipa::path(post, path = "/v2/video/query/", tag = "Display API", params(FieldsParam),
    request_body = VideoQueryBody,
    responses((status = 200, description = "`{videos}` in the order of video_ids")),
    security(("bearer" = [])))]
pub async fn video_query(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<FieldsParam>,
    WireJson(body, _): WireJson<VideoQueryBody, Reading>,
) -> ApiResult<Data<Value>> {
    caller.require(&[scopes::VIDEO_LIST])?;
    limit(&st, &caller, "video_query").await?;
    // The query string wins; a body list (array or comma string) is the fallback.
    let body_fields = match &body.fields {
        Some(Value::Array(a)) => Some(
            a.iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(","),
        ),
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    let requested = q
        .fields
        .filter(|f| !split_fields(f).is_empty())
        .or(body_fields);
    let fields = select_fields(requested.as_deref(), VIDEO_FIELDS).map_err(rule)?;
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
        .map(|v| {
            crate::api::research::id_text(v)
                .ok_or_else(|| invalid("video_ids must be decimal id strings"))
        })
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
        if let Some(p) = found.iter().find(|p| &p.id == id) {
            if seen.insert(id.clone()) {
                videos.push(pick(video_object(&st, &c.username, p), &fields));
            }
        }
    }
    Ok(Data(json!({"videos": videos})))
}
