//! Research API: video query with the query language and cached result sets, user info, comment
//! lists, followers and following. Client access tokens with `research.data.basic`; every served
//! request counts against the daily quota.
use axum::extract::{Query, State};
use reelbox_core::research::{
    self, DEFAULT_COUNT, MAX_COUNT, RawQuery, VideoQueryBody, cursor_index, name_id, page_size,
    select_fields,
};
use reelbox_store::read::{PageAt, ResearchVideo, Search};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::api::research::{
    FieldsParam, id_num, id_text, invalid, pick, research_count, research_gate, rule,
};
use crate::http::auth::ClientCaller;
use crate::http::envelope::Data;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Reading, WireJson};
use crate::state::AppState;

/// Research Video Object fields (both spellings of favourites).
pub const VIDEO_FIELDS: &[&str] = &[
    "id",
    "video_description",
    "create_time",
    "region_code",
    "share_count",
    "view_count",
    "like_count",
    "comment_count",
    "music_id",
    "hashtag_names",
    "username",
    "effect_ids",
    "playlist_id",
    "voice_to_text",
    "is_stem_verified",
    "favorites_count",
    "favourites_count",
    "video_duration",
    "hashtag_info_list",
    "sticker_info_list",
    "effect_info_list",
    "video_mention_list",
    "video_label",
    "video_tag",
];

/// How long a result set can be paged: three days (TikTok promises no less than a day).
const SEARCH_TTL_MS: i64 = 72 * 3_600_000;

pub(crate) fn video_object(v: &ResearchVideo) -> Map<String, Value> {
    let tags: Vec<String> = serde_json::from_str(&v.hashtags).unwrap_or_default();
    let mentions: Vec<String> = serde_json::from_str(&v.mentions).unwrap_or_default();
    let effects: Vec<String> = serde_json::from_str(&v.effect_ids).unwrap_or_default();
    let desc = match (v.title.is_empty(), v.description.is_empty()) {
        (_, true) => v.title.clone(),
        (true, false) => v.description.clone(),
        (false, false) => format!("{} {}", v.title, v.description),
    };
    let mut m = Map::new();
    m.insert("id".into(), id_num(&v.id));
    m.insert("video_description".into(), json!(desc));
    m.insert("create_time".into(), json!(v.created_at.div_euclid(1000)));
    m.insert("region_code".into(), json!(v.region_code));
    m.insert("share_count".into(), json!(v.share_count));
    m.insert("view_count".into(), json!(v.view_count));
    m.insert("like_count".into(), json!(v.like_count));
    m.insert("comment_count".into(), json!(v.comment_count));
    if let Some(mid) = &v.music_id {
        m.insert("music_id".into(), id_num(mid));
    }
    m.insert("hashtag_names".into(), json!(tags));
    m.insert("username".into(), json!(v.username));
    m.insert(
        "effect_ids".into(),
        json!(if effects.is_empty() {
            vec!["0".to_string()]
        } else {
            effects.clone()
        }),
    );
    m.insert("is_stem_verified".into(), json!(false));
    m.insert("favorites_count".into(), json!(v.favorite_count));
    m.insert("favourites_count".into(), json!(v.favorite_count));
    m.insert("video_duration".into(), json!((v.duration_ms + 500) / 1000));
    m.insert(
        "hashtag_info_list".into(),
        json!(tags.iter().map(|t| json!({"hashtag_id": name_id(t), "hashtag_name": t, "hashtag_description": ""})).collect::<Vec<_>>()),
    );
    m.insert("sticker_info_list".into(), json!([]));
    m.insert(
        "effect_info_list".into(),
        json!(effects.iter().map(|e| json!({"effect_id": e, "effect_name": format!("Effect {e}"), "effect_photo_url": ""})).collect::<Vec<_>>()),
    );
    m.insert("video_mention_list".into(), json!(mentions));
    let mut tags_out = Vec::new();
    if v.is_aigc != 0 {
        tags_out.push(json!({"type": "AIGC", "number": 1}));
    }
    if v.brand_content_toggle != 0 {
        tags_out.push(json!({"type": "Branded", "number": 1}));
    }
    m.insert("video_tag".into(), json!(tags_out));
    m
}

/// What a result set remembers of the request that created it.
#[derive(Debug, Serialize, Deserialize)]
struct StoredQuery {
    query: RawQuery,
    start_date: String,
    end_date: String,
}

/// Query videos.
#[utoipa::path(post, path = "/v2/research/video/query/", tag = "Research API", params(FieldsParam),
    request_body(content = Value, description = "`{query: {and, or, not}, start_date, end_date, max_count, cursor, search_id, is_random}`"),
    responses((status = 200, description = "`{videos, cursor, has_more, search_id}`")),
    security(("bearer" = [])))]
pub async fn video_query(
    State(st): State<AppState>,
    caller: ClientCaller,
    Query(f): Query<FieldsParam>,
    WireJson(body, _): WireJson<VideoQueryBody, Reading>,
) -> ApiResult<Data<Value>> {
    research_gate(&st, &caller, "data").await?;
    let fields = select_fields(f.fields.as_deref(), VIDEO_FIELDS).map_err(rule)?;
    let limit = page_size(body.max_count, DEFAULT_COUNT, MAX_COUNT).map_err(rule)?;
    let cursor = cursor_index(body.cursor).map_err(rule)?;
    let now = st.now();
    let random = body.is_random.unwrap_or(false);
    // A given search_id replays its stored query; the body's query is then ignored.
    let search = match body.search_id.as_deref().filter(|s| !s.is_empty()) {
        Some(id) => Some(
            st.store
                .search(id, &caller.client_key, now - SEARCH_TTL_MS)
                .await?
                .ok_or_else(|| invalid("Invalid search_id"))?,
        ),
        None => None,
    };
    let (q, mut search) = match search {
        Some(s) => {
            let stored: StoredQuery = serde_json::from_str(&s.query).map_err(ApiError::internal)?;
            let q = research::validate_query(
                Some(&stored.query),
                Some(&stored.start_date),
                Some(&stored.end_date),
            )
            .map_err(rule)?;
            (q, s)
        }
        None => {
            let q = research::validate_query(
                body.query.as_ref(),
                body.start_date.as_deref(),
                body.end_date.as_deref(),
            )
            .map_err(rule)?;
            let stored = StoredQuery {
                query: body.query.clone().unwrap_or_default(),
                start_date: body.start_date.clone().unwrap_or_default(),
                end_date: body.end_date.clone().unwrap_or_default(),
            };
            let s = Search {
                id: reelbox_core::ids::post_id(now).to_string(),
                client_key: caller.client_key.clone(),
                query: serde_json::to_string(&stored).map_err(ApiError::internal)?,
                max_id: st.store.max_post_id().await?,
                snapshot_at: now,
                pages: "{}".into(),
                created_at: now,
            };
            (q, s)
        }
    };
    // A new result set is stored once its first page is known, in one write with that page's
    // end: the single SQLite writer then takes one statement per new search, not two
    // transactions.
    let new_search = body.search_id.as_deref().is_none_or(str::is_empty);
    let pages: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&search.pages).unwrap_or_default();
    let at = PageAt {
        max_id: Some(search.max_id.clone()),
        snapshot_at: Some(search.snapshot_at),
        after_id: pages.get(&cursor.to_string()).cloned(),
        offset: cursor,
    };
    let mut rows = st.store.research_videos(&q, &at, limit + 1, random).await?;
    let has_more = !random && rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    if rows.is_empty() && cursor > 0 && body.search_id.is_some() {
        return Err(invalid("Invalid count or cursor"));
    }
    let next = cursor + rows.len() as i64;
    let page_end = rows.last().filter(|_| has_more);
    if new_search {
        if let Some(last) = page_end {
            search.pages = serde_json::json!({ next.to_string(): last.id }).to_string();
        }
        st.store.insert_search(&search).await?;
    } else if let Some(last) = page_end {
        st.store
            .record_search_page(&search.id, next, &last.id)
            .await?;
    }
    // Read only when asked for: one lookup for the page, not a join in every query plan.
    let playlists = if fields.iter().any(|f| f == "playlist_id") {
        let ids: Vec<String> = rows.iter().map(|v| v.id.clone()).collect();
        st.store.playlists_of_posts(&ids).await?
    } else {
        Default::default()
    };
    let videos: Vec<Value> = rows
        .iter()
        .map(|v| {
            let mut m = video_object(v);
            if let Some(pl) = playlists.get(&v.id) {
                m.insert("playlist_id".into(), id_num(pl));
            }
            pick(m, &fields)
        })
        .collect();
    research_count(&st, &caller, "data", videos.len());
    Ok(Data(json!({
        "videos": videos,
        "cursor": next,
        "has_more": has_more,
        "search_id": search.id,
    })))
}

/// Research User Info fields.
const USER_FIELDS: &[&str] = &[
    "display_name",
    "bio_description",
    "avatar_url",
    "is_verified",
    "follower_count",
    "following_count",
    "likes_count",
    "video_count",
    "bio_url",
    "username",
];

#[derive(Debug, Deserialize, Default)]
pub struct UsernameBody {
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub max_count: Option<i64>,
    #[serde(default)]
    pub cursor: Option<i64>,
}

async fn public_creator(
    st: &AppState,
    username: Option<&str>,
) -> ApiResult<reelbox_store::creators::Creator> {
    let name = username
        .map(|u| u.trim().trim_start_matches('@'))
        .filter(|u| !u.is_empty())
        .ok_or_else(|| invalid("username is required"))?;
    let hidden = || invalid("user does not exist or is private");
    // Research lists public adults only (the birth date lives with the profile-list columns);
    // the whole profile then comes by id, from the lookup cache when it is warm.
    let owner = st
        .store
        .list_owner(name)
        .await?
        .filter(|o| {
            !o.private_account && reelbox_core::lists::is_adult(o.birth_date.as_deref(), st.now())
        })
        .ok_or_else(hidden)?;
    st.store
        .creator(&owner.id)
        .await?
        .map(std::sync::Arc::unwrap_or_clone)
        .ok_or_else(hidden)
}

/// Query a public user's profile.
#[utoipa::path(post, path = "/v2/research/user/info/", tag = "Research API", params(FieldsParam),
    request_body(content = Value, description = "`{username}`"),
    responses((status = 200, description = "User Info Object (not nested)")),
    security(("bearer" = [])))]
pub async fn user_info(
    State(st): State<AppState>,
    caller: ClientCaller,
    Query(f): Query<FieldsParam>,
    WireJson(body, _): WireJson<UsernameBody, Reading>,
) -> ApiResult<Data<Value>> {
    research_gate(&st, &caller, "data").await?;
    let fields = select_fields(f.fields.as_deref(), USER_FIELDS).map_err(rule)?;
    let c = public_creator(&st, body.username.as_deref()).await?;
    let s = st.store.creator_stats(&c.id).await?;
    let avatar = if c.avatar_url.is_empty() {
        format!("{}/@{}/avatar", st.public_url, c.username)
    } else {
        c.avatar_url.clone()
    };
    let mut m = Map::new();
    m.insert("display_name".into(), json!(c.nickname));
    m.insert("bio_description".into(), json!(c.bio));
    m.insert("avatar_url".into(), json!(avatar));
    m.insert("is_verified".into(), json!(false));
    m.insert("follower_count".into(), json!(s.follower_count));
    m.insert("following_count".into(), json!(s.following_count));
    m.insert("likes_count".into(), json!(s.likes_count));
    m.insert("video_count".into(), json!(s.video_count));
    m.insert(
        "bio_url".into(),
        json!(format!("{}/@{}", st.public_url, c.username)),
    );
    m.insert("username".into(), json!(c.username));
    research_count(&st, &caller, "data", 1);
    Ok(Data(pick(m, &fields)))
}

const COMMENT_FIELDS: &[&str] = &[
    "id",
    "video_id",
    "text",
    "like_count",
    "reply_count",
    "parent_comment_id",
    "create_time",
];

#[derive(Debug, Deserialize, Default)]
pub struct CommentListBody {
    #[serde(default)]
    pub video_id: Option<Value>,
    #[serde(default)]
    pub comment_id: Option<Value>,
    #[serde(default)]
    pub max_count: Option<i64>,
    #[serde(default)]
    pub cursor: Option<i64>,
}

/// Comments of a video, or replies to a comment.
#[utoipa::path(post, path = "/v2/research/video/comment/list/", tag = "Research API", params(FieldsParam),
    request_body(content = Value, description = "`{video_id | comment_id, max_count, cursor}`"),
    responses((status = 200, description = "`{comments, cursor, has_more}`")),
    security(("bearer" = [])))]
pub async fn comment_list(
    State(st): State<AppState>,
    caller: ClientCaller,
    Query(f): Query<FieldsParam>,
    WireJson(body, _): WireJson<CommentListBody, Reading>,
) -> ApiResult<Data<Value>> {
    research_gate(&st, &caller, "data").await?;
    let fields = select_fields(f.fields.as_deref(), COMMENT_FIELDS).map_err(rule)?;
    let limit = page_size(body.max_count, 10, 100).map_err(rule)?;
    let cursor = cursor_index(body.cursor).map_err(rule)?;
    let vid = body.video_id.as_ref().filter(|v| !v.is_null());
    let cid = body.comment_id.as_ref().filter(|v| !v.is_null());
    let (video, parent) = match (vid, cid) {
        (Some(v), None) => (
            Some(id_text(v).ok_or_else(|| invalid("Invalid video_id"))?),
            None,
        ),
        (None, Some(c)) => (
            None,
            Some(id_text(c).ok_or_else(|| invalid("Invalid comment_id"))?),
        ),
        _ => {
            return Err(invalid(
                "Exactly one of video_id and comment_id is required",
            ));
        }
    };
    let mut rows = st
        .store
        .research_comments(video.as_deref(), parent.as_deref(), cursor, limit + 1)
        .await?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let comments: Vec<Value> = rows
        .iter()
        .map(|c| {
            let mut m = Map::new();
            m.insert("id".into(), id_num(&c.id));
            m.insert("video_id".into(), id_num(&c.post_id));
            m.insert("text".into(), json!(c.text));
            m.insert("like_count".into(), json!(c.like_count));
            m.insert("reply_count".into(), json!(c.reply_count));
            m.insert(
                "parent_comment_id".into(),
                id_num(c.parent_id.as_deref().unwrap_or(&c.post_id)),
            );
            m.insert("create_time".into(), json!(c.created_at.div_euclid(1000)));
            pick(m, &fields)
        })
        .collect();
    research_count(&st, &caller, "data", comments.len());
    Ok(Data(
        json!({"comments": comments, "cursor": cursor + comments.len() as i64, "has_more": has_more}),
    ))
}

async fn follow_page(
    st: &AppState,
    caller: &ClientCaller,
    body: UsernameBody,
    followers: bool,
) -> ApiResult<Data<Value>> {
    research_gate(st, caller, "follow").await?;
    let limit = page_size(body.max_count, 20, 100).map_err(rule)?;
    let c = public_creator(st, body.username.as_deref()).await?;
    let at = match body.cursor {
        None | Some(0) => st.now(),
        Some(s) if s > 0 => s.saturating_mul(1000) + 999,
        Some(_) => return Err(invalid("Invalid count or cursor")),
    };
    let mut rows = st
        .store
        .follow_list(&c.id, followers, at, limit + 1)
        .await?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = rows
        .last()
        .map(|r| r.created_at.div_euclid(1000) - 1)
        .unwrap_or(at.div_euclid(1000));
    let list: Vec<Value> = rows
        .iter()
        .map(|r| json!({"display_name": r.nickname, "username": r.username}))
        .collect();
    research_count(st, caller, "follow", list.len());
    let key = if followers {
        "user_followers"
    } else {
        "user_following"
    };
    Ok(Data(
        json!({key: list, "cursor": next, "has_more": has_more}),
    ))
}

/// A public user's followers, newest first.
#[utoipa::path(post, path = "/v2/research/user/followers/", tag = "Research API",
    request_body(content = Value, description = "`{username, max_count, cursor (unix seconds)}`"),
    responses((status = 200, description = "`{user_followers, cursor, has_more}`")),
    security(("bearer" = [])))]
pub async fn followers(
    State(st): State<AppState>,
    caller: ClientCaller,
    WireJson(body, _): WireJson<UsernameBody, Reading>,
) -> ApiResult<Data<Value>> {
    follow_page(&st, &caller, body, true).await
}

/// The accounts a public user follows, newest first.
#[utoipa::path(post, path = "/v2/research/user/following/", tag = "Research API",
    request_body(content = Value, description = "`{username, max_count, cursor (unix seconds)}`"),
    responses((status = 200, description = "`{user_following, cursor, has_more}`")),
    security(("bearer" = [])))]
pub async fn following(
    State(st): State<AppState>,
    caller: ClientCaller,
    WireJson(body, _): WireJson<UsernameBody, Reading>,
) -> ApiResult<Data<Value>> {
    follow_page(&st, &caller, body, false).await
}
