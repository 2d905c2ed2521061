//! Research API profile lists: a user's liked, pinned and reposted videos, and playlists. Only
//! public adult accounts are listed (liked videos only when that list is public too), and every
//! listed video passes the research visibility rule, so private and friends-only videos never
//! appear. Client access tokens with `research.data.basic`; served requests count against the
//! daily quota like the other research endpoints.
use axum::extract::{Query, State};
use reelbox_core::lists::{TimeCut, is_adult, time_cursor};
use reelbox_core::research::{DEFAULT_COUNT, MAX_COUNT, cursor_index, page_size, select_fields};
use reelbox_store::lists::{ListOwner, ListedVideo};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::videos::{UsernameBody, video_object};
use crate::api::research::{
    FieldsParam, id_num, id_text, invalid, pick, research_count, research_gate, rule,
};
use crate::http::auth::ClientCaller;
use crate::http::envelope::Data;
use crate::http::error::ApiResult;
use crate::http::extract::{Reading, WireJson};
use crate::state::AppState;

/// Fields of the videos on a profile list: the Research Video Object without `effect_ids`,
/// `playlist_id` and `voice_to_text` (both spellings of favourites).
pub const LIST_VIDEO_FIELDS: &[&str] = &[
    "id",
    "create_time",
    "username",
    "region_code",
    "video_description",
    "music_id",
    "like_count",
    "comment_count",
    "share_count",
    "view_count",
    "hashtag_names",
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

/// The most likes one page can hold when a single second holds more than `max_count` likes
/// (the page is that whole second; see [`reelbox_core::lists::cut_time_page`]).
const WHOLE_UNIT_CAP: i64 = 10_000;

const PRIVATE_USER: &str = "user does not exist or is private";

/// The account a profile list belongs to, when research may list it.
async fn list_owner(st: &AppState, username: Option<&str>) -> ApiResult<ListOwner> {
    let name = username
        .map(|u| u.trim().trim_start_matches('@'))
        .filter(|u| !u.is_empty())
        .ok_or_else(|| invalid("username is required"))?;
    match st.store.list_owner(name).await? {
        Some(o) if !o.private_account && is_adult(o.birth_date.as_deref(), st.now()) => Ok(o),
        _ => Err(invalid(PRIVATE_USER)),
    }
}

fn videos(rows: &[ListedVideo], fields: &[String]) -> Vec<Value> {
    rows.iter()
        .map(|r| pick(video_object(&r.video), fields))
        .collect()
}

/// Videos a public user liked, newest like first.
#[utoipa::path(post, path = "/v2/research/user/liked_videos/", tag = "Research API", params(FieldsParam),
    request_body(content = Value, description = "`{username, max_count, cursor (unix seconds or milliseconds)}`"),
    responses((status = 200, description = "`{user_liked_videos, cursor, has_more}`")),
    security(("bearer" = [])))]
pub async fn liked_videos(
    State(st): State<AppState>,
    caller: ClientCaller,
    Query(f): Query<FieldsParam>,
    WireJson(body, _): WireJson<UsernameBody, Reading>,
) -> ApiResult<Data<Value>> {
    research_gate(&st, &caller, "data").await?;
    let fields = select_fields(f.fields.as_deref(), LIST_VIDEO_FIELDS).map_err(rule)?;
    let limit = page_size(body.max_count, DEFAULT_COUNT, MAX_COUNT).map_err(rule)?;
    let at = time_cursor(body.cursor, st.now()).map_err(rule)?;
    let owner = list_owner(&st, body.username.as_deref()).await?;
    if !owner.liked_list_public {
        return Err(invalid("the user's liked videos list is private"));
    }
    let rows = st
        .store
        .liked_videos(&owner.id, i64::MIN, at.at_or_before_ms, limit + 1)
        .await?;
    let times: Vec<i64> = rows.iter().map(|r| r.listed_at).collect();
    let cut = reelbox_core::lists::cut_time_page(
        &times,
        limit as usize,
        at.unit,
        at.unit.of(at.at_or_before_ms),
    );
    let (page, next, has_more) = match cut {
        TimeCut::Last { keep, cursor } => (rows[..keep].to_vec(), cursor, false),
        TimeCut::More { keep, cursor } => (rows[..keep].to_vec(), cursor, true),
        TimeCut::WholeUnit { unit } => {
            let from = at.unit.start_ms(unit);
            let all = st
                .store
                .liked_videos(
                    &owner.id,
                    from,
                    at.unit.end_ms(unit).min(at.at_or_before_ms),
                    WHOLE_UNIT_CAP,
                )
                .await?;
            let older = st
                .store
                .liked_videos(&owner.id, i64::MIN, from - 1, 1)
                .await?;
            (all, unit - 1, !older.is_empty())
        }
    };
    let list = videos(&page, &fields);
    research_count(&st, &caller, "data", list.len());
    Ok(Data(
        json!({"user_liked_videos": list, "cursor": next, "has_more": has_more}),
    ))
}

/// Body of the pinned-videos request.
#[derive(Debug, Deserialize, Default)]
pub struct PinnedBody {
    #[serde(default)]
    pub username: Option<String>,
}

/// The videos a public user pinned to the top of their profile, in pin order.
#[utoipa::path(post, path = "/v2/research/user/pinned_videos/", tag = "Research API", params(FieldsParam),
    request_body(content = Value, description = "`{username}`"),
    responses((status = 200, description = "`{pinned_videos_list}`")),
    security(("bearer" = [])))]
pub async fn pinned_videos(
    State(st): State<AppState>,
    caller: ClientCaller,
    Query(f): Query<FieldsParam>,
    WireJson(body, _): WireJson<PinnedBody, Reading>,
) -> ApiResult<Data<Value>> {
    research_gate(&st, &caller, "data").await?;
    let fields = select_fields(f.fields.as_deref(), LIST_VIDEO_FIELDS).map_err(rule)?;
    let owner = list_owner(&st, body.username.as_deref()).await?;
    let rows = st.store.pinned_videos(&owner.id).await?;
    let list = videos(&rows, &fields);
    research_count(&st, &caller, "data", list.len());
    Ok(Data(json!({"pinned_videos_list": list})))
}

/// Videos a public user reposted, newest repost first, paged by index.
#[utoipa::path(post, path = "/v2/research/user/reposted_videos/", tag = "Research API", params(FieldsParam),
    request_body(content = Value, description = "`{username, max_count, cursor (index)}`"),
    responses((status = 200, description = "`{user_reposted_videos, cursor, has_more}`")),
    security(("bearer" = [])))]
pub async fn reposted_videos(
    State(st): State<AppState>,
    caller: ClientCaller,
    Query(f): Query<FieldsParam>,
    WireJson(body, _): WireJson<UsernameBody, Reading>,
) -> ApiResult<Data<Value>> {
    research_gate(&st, &caller, "data").await?;
    let fields = select_fields(f.fields.as_deref(), LIST_VIDEO_FIELDS).map_err(rule)?;
    let limit = page_size(body.max_count, DEFAULT_COUNT, MAX_COUNT).map_err(rule)?;
    let cursor = cursor_index(body.cursor).map_err(rule)?;
    let owner = list_owner(&st, body.username.as_deref()).await?;
    let mut rows = st
        .store
        .reposted_videos(&owner.id, cursor, limit + 1)
        .await?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let list = videos(&rows, &fields);
    research_count(&st, &caller, "data", list.len());
    Ok(Data(json!({
        "user_reposted_videos": list,
        "cursor": cursor + rows.len() as i64,
        "has_more": has_more,
    })))
}

const PLAYLIST_FIELDS: &[&str] = &[
    "playlist_id",
    "playlist_name",
    "playlist_item_total",
    "playlist_last_updated",
    "playlist_video_ids",
];

/// Body of the playlist request.
#[derive(Debug, Deserialize, Default)]
pub struct PlaylistBody {
    #[serde(default)]
    pub playlist_id: Option<Value>,
    #[serde(default)]
    pub max_count: Option<i64>,
    #[serde(default)]
    pub cursor: Option<i64>,
}

/// A playlist of a public user: name, size, last update and a page of its video ids.
#[utoipa::path(post, path = "/v2/research/playlist/info/", tag = "Research API", params(FieldsParam),
    request_body(content = Value, description = "`{playlist_id, max_count, cursor (index)}`"),
    responses((status = 200, description = "`{playlist_id, playlist_name, playlist_item_total, playlist_last_updated, playlist_video_ids, cursor, has_more}`")),
    security(("bearer" = [])))]
pub async fn playlist_info(
    State(st): State<AppState>,
    caller: ClientCaller,
    Query(f): Query<FieldsParam>,
    WireJson(body, _): WireJson<PlaylistBody, Reading>,
) -> ApiResult<Data<Value>> {
    research_gate(&st, &caller, "data").await?;
    let fields = select_fields(f.fields.as_deref(), PLAYLIST_FIELDS).map_err(rule)?;
    let limit = page_size(body.max_count, DEFAULT_COUNT, MAX_COUNT).map_err(rule)?;
    let cursor = cursor_index(body.cursor).map_err(rule)?;
    let id = match body.playlist_id.as_ref().filter(|v| !v.is_null()) {
        None => return Err(invalid("playlist_id is required")),
        Some(v) => id_text(v).ok_or_else(|| invalid("Invalid playlist_id"))?,
    };
    let pl = st
        .store
        .playlist(&id)
        .await?
        .filter(|p| !p.owner.private_account && is_adult(p.owner.birth_date.as_deref(), st.now()))
        .ok_or_else(|| invalid("playlist does not exist or is private"))?;
    let (ids, total) = st.store.playlist_videos(&pl.id, cursor, limit).await?;
    let next = cursor + ids.len() as i64;
    let mut m = Map::new();
    m.insert("playlist_id".into(), id_num(&pl.id));
    m.insert("playlist_name".into(), json!(pl.name));
    m.insert("playlist_item_total".into(), json!(total));
    m.insert(
        "playlist_last_updated".into(),
        json!(pl.updated_at.div_euclid(1000)),
    );
    m.insert(
        "playlist_video_ids".into(),
        json!(ids.iter().map(|i| id_num(i)).collect::<Vec<_>>()),
    );
    let mut out = match pick(m, &fields) {
        Value::Object(o) => o,
        _ => Map::new(),
    };
    out.insert("cursor".into(), json!(next));
    out.insert("has_more".into(), json!(next < total));
    research_count(&st, &caller, "data", 1);
    Ok(Data(Value::Object(out)))
}
