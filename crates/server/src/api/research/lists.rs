//! Research API profile lists: a user's liked, pinned and reposted videos, and playlists. Only
//! public adult accounts are listed (liked videos only when that list is public too), and every
//! listed video passes the research visibility rule, so private and friends-only videos never
//! appear. Client access tokens with `research.data.basic`; served requests count against the
//! daily quota like the other research endpoints.
use axum::extract::State;
use reelbox_core::lists::{TimeCut, is_adult, time_cursor};
use reelbox_core::research::{DEFAULT_COUNT, MAX_COUNT, cursor_index, page_size};
use reelbox_store::lists::ListedVideo;
use reelbox_wire::fields::Picked;
use reelbox_wire::research::{
    self as wire, LIST_VIDEO_FIELDS, PinnedBody, PlaylistBody, UsernameBody,
};

use super::videos::{public_owner, video_object};
use crate::api::research::{invalid, keep_page, required_id};
use crate::http::envelope::Data;
use crate::http::error::ApiResult;
use crate::http::fields::{Fields, FieldsParam};
use crate::http::gate::Research;
use crate::state::AppState;

/// The most likes one page can hold when a single second holds more than `max_count` likes
/// (the page is that whole second; see [`reelbox_core::lists::cut_time_page`]).
const WHOLE_UNIT_CAP: i64 = 10_000;

/// The fields a profile list's videos may carry.
fn list_fields(query: Option<&str>) -> ApiResult<Fields<wire::ResearchVideo>> {
    Fields::among(query, None, LIST_VIDEO_FIELDS)
}

fn videos(
    rows: &[ListedVideo],
    fields: &Fields<wire::ResearchVideo>,
) -> Vec<Picked<wire::ResearchVideo>> {
    rows.iter()
        .map(|r| fields.pick(&video_object(&r.video)))
        .collect()
}

/// Videos a public user liked, newest like first.
#[utoipa::path(post, path = "/v2/research/user/liked_videos/", tag = "Research API", params(FieldsParam),
    request_body(content = UsernameBody, description = "`cursor` in unix seconds or milliseconds"),
    responses((status = 200, body = reelbox_wire::Envelope<wire::LikedVideosPage>)),
    security(("bearer" = [])))]
pub async fn liked_videos(
    State(st): State<AppState>,
    call: Research<UsernameBody>,
) -> ApiResult<Data<wire::LikedVideosPage>> {
    let body = &call.body;
    let fields = list_fields(call.fields.as_deref())?;
    let limit = page_size(body.max_count, DEFAULT_COUNT, MAX_COUNT)?;
    let at = time_cursor(body.cursor, st.now())?;
    let owner = public_owner(&st, body.username.as_deref()).await?;
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
    let (page, cursor, has_more) = match cut {
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
    let user_liked_videos = videos(&page, &fields);
    Ok(call.answer(wire::LikedVideosPage {
        cursor,
        has_more,
        user_liked_videos,
    }))
}

/// The videos a public user pinned to the top of their profile, in pin order.
#[utoipa::path(post, path = "/v2/research/user/pinned_videos/", tag = "Research API", params(FieldsParam),
    request_body = PinnedBody,
    responses((status = 200, body = reelbox_wire::Envelope<wire::PinnedVideos>)),
    security(("bearer" = [])))]
pub async fn pinned_videos(
    State(st): State<AppState>,
    call: Research<PinnedBody>,
) -> ApiResult<Data<wire::PinnedVideos>> {
    let fields = list_fields(call.fields.as_deref())?;
    let owner = public_owner(&st, call.body.username.as_deref()).await?;
    let rows = st.store.pinned_videos(&owner.id).await?;
    let pinned_videos_list = videos(&rows, &fields);
    Ok(call.answer(wire::PinnedVideos { pinned_videos_list }))
}

/// Videos a public user reposted, newest repost first, paged by index.
#[utoipa::path(post, path = "/v2/research/user/reposted_videos/", tag = "Research API", params(FieldsParam),
    request_body(content = UsernameBody, description = "`cursor` is an index"),
    responses((status = 200, body = reelbox_wire::Envelope<wire::RepostedVideosPage>)),
    security(("bearer" = [])))]
pub async fn reposted_videos(
    State(st): State<AppState>,
    call: Research<UsernameBody>,
) -> ApiResult<Data<wire::RepostedVideosPage>> {
    let body = &call.body;
    let fields = list_fields(call.fields.as_deref())?;
    let limit = page_size(body.max_count, DEFAULT_COUNT, MAX_COUNT)?;
    let cursor = cursor_index(body.cursor)?;
    let owner = public_owner(&st, body.username.as_deref()).await?;
    let mut rows = st
        .store
        .reposted_videos(&owner.id, cursor, limit + 1)
        .await?;
    let has_more = keep_page(&mut rows, limit);
    let user_reposted_videos = videos(&rows, &fields);
    Ok(call.answer(wire::RepostedVideosPage {
        cursor: cursor + rows.len() as i64,
        has_more,
        reposted_videos: user_reposted_videos.clone(),
        user_reposted_videos,
    }))
}

/// A playlist of a public user: name, size, last update and a page of its video ids.
#[utoipa::path(post, path = "/v2/research/playlist/info/", tag = "Research API", params(FieldsParam),
    request_body(content = PlaylistBody, description = "`cursor` is an index"),
    responses((status = 200, body = reelbox_wire::Envelope<wire::PlaylistPage>)),
    security(("bearer" = [])))]
pub async fn playlist_info(
    State(st): State<AppState>,
    call: Research<PlaylistBody>,
) -> ApiResult<Data<wire::PlaylistPage>> {
    let body = &call.body;
    // TikTok's parameter table has no `fields`, and its own example (`?fields=playlist_id`)
    // answers the whole object: every field, whatever is asked.
    let fields = Fields::<wire::Playlist>::all();
    let limit = page_size(body.max_count, DEFAULT_COUNT, MAX_COUNT)?;
    let cursor = cursor_index(body.cursor)?;
    let id = required_id(body.playlist_id.as_ref(), "playlist_id")?;
    let pl = st
        .store
        .playlist(&id)
        .await?
        .filter(|p| !p.owner.private_account && is_adult(p.owner.birth_date.as_deref(), st.now()))
        .ok_or_else(|| invalid("playlist does not exist or is private"))?;
    let (ids, total) = st.store.playlist_videos(&pl.id, cursor, limit).await?;
    let next = cursor + ids.len() as i64;
    let playlist = fields.pick(&wire::Playlist {
        playlist_id: pl.id,
        playlist_name: pl.name,
        playlist_item_total: total,
        playlist_last_updated: pl.updated_at.div_euclid(1000),
        playlist_video_ids: ids,
    });
    Ok(call.answer(wire::PlaylistPage {
        cursor: next,
        has_more: next < total,
        playlist,
    }))
}
