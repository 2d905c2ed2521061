//! Research API: video query with the query language and cached result sets, user info, comment
//! lists, followers and following. Client access tokens with `research.data.basic`; every served
//! request counts against the daily quota (the [`Research`] gate).
use axum::Extension;
use axum::extract::State;
use reelbox_core::compat::Leniency;
use reelbox_core::research::{
    self, DEFAULT_COUNT, MAX_COUNT, RawQuery, cursor_index, name_id, page_size,
};
use reelbox_store::lists::ListOwner;
use reelbox_store::read::{PageAt, ResearchVideo, Search};
use reelbox_wire::fields::Picked;
use reelbox_wire::research::{self as wire, CommentListBody, UsernameBody, VideoQueryBody};
use serde::{Deserialize, Serialize};

use crate::api::research::{id_text, invalid, keep_page};
use crate::http::compat::Compat;
use crate::http::context::CallSlot;
use crate::http::envelope::Data;
use crate::http::error::{ApiError, ApiResult};
use crate::http::fields::{Fields, FieldsParam};
use crate::http::gate::{FollowQuota, Research};
use crate::sandbox::faults;
use crate::state::AppState;

/// How long a result set can be paged: three days (TikTok promises no less than a day).
pub(crate) const SEARCH_TTL_MS: i64 = 72 * 3_600_000;

/// The Research Video Object of a stored video (its playlist is added by the video query, and
/// only when asked for).
pub(crate) fn video_object(v: &ResearchVideo) -> wire::ResearchVideo {
    let tags: Vec<String> = serde_json::from_str(&v.hashtags).unwrap_or_default();
    let mentions: Vec<String> = serde_json::from_str(&v.mentions).unwrap_or_default();
    let effects: Vec<String> = serde_json::from_str(&v.effect_ids).unwrap_or_default();
    let video_description = match (v.title.is_empty(), v.description.is_empty()) {
        (_, true) => v.title.clone(),
        (true, false) => v.description.clone(),
        (false, false) => format!("{} {}", v.title, v.description),
    };
    let mut video_tag = Vec::new();
    if v.is_aigc != 0 {
        video_tag.push(tag("AIGC"));
    }
    if v.brand_content_toggle != 0 {
        video_tag.push(tag("Branded"));
    }
    wire::ResearchVideo {
        id: v.id.clone(),
        video_description,
        create_time: v.created_at.div_euclid(1000),
        region_code: v.region_code.clone(),
        share_count: v.share_count,
        view_count: v.view_count,
        like_count: v.like_count,
        comment_count: v.comment_count,
        music_id: v.music_id.clone(),
        hashtag_info_list: tags
            .iter()
            .map(|t| wire::HashtagInfo {
                hashtag_id: name_id(t),
                hashtag_name: t.clone(),
                hashtag_description: String::new(),
            })
            .collect(),
        hashtag_names: tags,
        username: v.username.clone(),
        effect_ids: if effects.is_empty() {
            vec!["0".to_string()]
        } else {
            effects.clone()
        },
        playlist_id: None,
        is_stem_verified: false,
        favorites_count: v.favorite_count,
        favourites_count: v.favorite_count,
        video_duration: (v.duration_ms + 500) / 1000,
        sticker_info_list: Vec::new(),
        effect_info_list: effects
            .iter()
            .map(|e| wire::EffectInfo {
                effect_id: e.clone(),
                effect_name: format!("Effect {e}"),
                effect_photo_url: String::new(),
            })
            .collect(),
        video_mention_list: mentions,
        video_tag,
    }
}

fn tag(kind: &str) -> wire::VideoTag {
    wire::VideoTag {
        kind: kind.into(),
        number: 1,
    }
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
    request_body = VideoQueryBody,
    responses((status = 200, body = reelbox_wire::Envelope<wire::VideoQueryPage>)),
    security(("bearer" = [])))]
pub async fn video_query(
    State(st): State<AppState>,
    Extension(slot): Extension<CallSlot>,
    call: Research<VideoQueryBody>,
) -> ApiResult<Data<wire::VideoQueryPage>> {
    let (caller, body) = (&call.caller, &call.body);
    if body
        .query
        .as_ref()
        .is_some_and(research::has_numeric_values)
    {
        Compat::of_key(&st, &caller.client_key)
            .await?
            .allow(&slot, Leniency::NumericFieldValues)?;
    }
    let fields = Fields::<wire::ResearchVideo>::parse(call.fields.as_deref())?;
    let limit = page_size(body.max_count, DEFAULT_COUNT, MAX_COUNT)?;
    let cursor = cursor_index(body.cursor)?;
    let now = st.now();
    let random = body.is_random.unwrap_or(false);
    if cursor > 0 && faults::research_scenario(&st, "research_invalid_cursor", &caller.client_key) {
        slot.mark_injected();
        return Err(invalid("Invalid count or cursor"));
    }
    if let Some(id) = body.search_id.as_deref().filter(|s| !s.is_empty())
        && faults::research_scenario(&st, "research_search_id_expires", &caller.client_key)
    {
        slot.mark_injected();
        st.store.expire_search(id, &caller.client_key).await?;
    }
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
            )?;
            (q, s)
        }
        None => {
            let q = research::validate_query(
                body.query.as_ref(),
                body.start_date.as_deref(),
                body.end_date.as_deref(),
            )?;
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
                // Videos newer than the research lag are not searchable yet.
                snapshot_at: now
                    - Compat::of_key(&st, &caller.client_key)
                        .await?
                        .research_lag_ms(&st),
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
    let mut has_more = keep_page(&mut rows, limit) && !random;
    if rows.len() > 1
        && !random
        && faults::research_scenario(&st, "research_short_pages", &caller.client_key)
    {
        // The rest of the page stays in the result set: the cursor leads to it next.
        slot.mark_injected();
        rows.truncate(rows.len().div_ceil(2));
        has_more = true;
    }
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
    let playlists = if fields.has("playlist_id") {
        let ids: Vec<String> = rows.iter().map(|v| v.id.clone()).collect();
        st.store.playlists_of_posts(&ids).await?
    } else {
        Default::default()
    };
    let videos = rows
        .iter()
        .map(|v| {
            let mut video = video_object(v);
            video.playlist_id = playlists.get(&v.id).cloned();
            fields.pick(&video)
        })
        .collect();
    Ok(call.answer(wire::VideoQueryPage {
        cursor: next,
        has_more,
        search_id: search.id,
        videos,
    }))
}

/// The account behind `username` (with or without `@`), when research may show it: public
/// adults only.
pub(crate) async fn public_owner(st: &AppState, username: Option<&str>) -> ApiResult<ListOwner> {
    let name = username
        .map(|u| u.trim().trim_start_matches('@'))
        .filter(|u| !u.is_empty())
        .ok_or_else(|| invalid("username is required"))?;
    st.store
        .list_owner(name)
        .await?
        .filter(|o| {
            !o.private_account && reelbox_core::lists::is_adult(o.birth_date.as_deref(), st.now())
        })
        .ok_or_else(|| invalid(PRIVATE_USER))
}

pub(crate) const PRIVATE_USER: &str = "user does not exist or is private";

/// A public adult's whole profile. The birth date lives with the profile-list columns; the
/// profile then comes by id, from the lookup cache when it is warm.
async fn public_creator(
    st: &AppState,
    username: Option<&str>,
) -> ApiResult<reelbox_store::creators::Creator> {
    let owner = public_owner(st, username).await?;
    st.store
        .creator(&owner.id)
        .await?
        .map(std::sync::Arc::unwrap_or_clone)
        .ok_or_else(|| invalid(PRIVATE_USER))
}

/// Query a public user's profile.
#[utoipa::path(post, path = "/v2/research/user/info/", tag = "Research API", params(FieldsParam),
    request_body = UsernameBody,
    responses((status = 200, description = "The User Info Object, not nested", body = reelbox_wire::Envelope<wire::ResearchUser>)),
    security(("bearer" = [])))]
pub async fn user_info(
    State(st): State<AppState>,
    call: Research<UsernameBody>,
) -> ApiResult<Data<Picked<wire::ResearchUser>>> {
    let fields = Fields::<wire::ResearchUser>::parse(call.fields.as_deref())?;
    let c = public_creator(&st, call.body.username.as_deref()).await?;
    let s = st.store.creator_stats(&c.id).await?;
    let avatar_url = if c.avatar_url.is_empty() {
        format!("{}/@{}/avatar", st.public_url, c.username)
    } else {
        c.avatar_url.clone()
    };
    let user = wire::ResearchUser {
        display_name: c.nickname,
        bio_description: c.bio,
        avatar_url,
        is_verified: false,
        follower_count: s.follower_count,
        following_count: s.following_count,
        likes_count: s.likes_count,
        video_count: s.video_count,
        bio_url: format!("{}/@{}", st.public_url, c.username),
        username: c.username,
    };
    Ok(call.answer(fields.pick(&user)))
}

/// Comments of a video, or replies to a comment.
#[utoipa::path(post, path = "/v2/research/video/comment/list/", tag = "Research API", params(FieldsParam),
    request_body = CommentListBody,
    responses((status = 200, body = reelbox_wire::Envelope<wire::CommentPage>)),
    security(("bearer" = [])))]
pub async fn comment_list(
    State(st): State<AppState>,
    call: Research<CommentListBody>,
) -> ApiResult<Data<wire::CommentPage>> {
    let body = &call.body;
    let fields = Fields::<wire::Comment>::parse(call.fields.as_deref())?;
    let limit = page_size(body.max_count, 10, 100)?;
    let cursor = cursor_index(body.cursor)?;
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
    let has_more = keep_page(&mut rows, limit);
    let comments: Vec<_> = rows
        .iter()
        .map(|c| {
            fields.pick(&wire::Comment {
                id: c.id.clone(),
                video_id: c.post_id.clone(),
                text: c.text.clone(),
                like_count: c.like_count,
                reply_count: c.reply_count,
                parent_comment_id: c.parent_id.clone().unwrap_or_else(|| c.post_id.clone()),
                create_time: c.created_at.div_euclid(1000),
            })
        })
        .collect();
    let cursor = cursor + comments.len() as i64;
    Ok(call.answer(wire::CommentPage {
        comments,
        cursor,
        has_more,
    }))
}

/// A page of a follower list: (accounts, next cursor, has_more).
async fn follow_page(
    st: &AppState,
    body: &UsernameBody,
    followers: bool,
) -> ApiResult<(Vec<wire::Follower>, i64, bool)> {
    let limit = page_size(body.max_count, 20, 100)?;
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
    let has_more = keep_page(&mut rows, limit);
    let next = rows
        .last()
        .map(|r| r.created_at.div_euclid(1000) - 1)
        .unwrap_or(at.div_euclid(1000));
    let list = rows
        .into_iter()
        .map(|r| wire::Follower {
            display_name: r.nickname,
            username: r.username,
        })
        .collect();
    Ok((list, next, has_more))
}

/// A public user's followers, newest first.
#[utoipa::path(post, path = "/v2/research/user/followers/", tag = "Research API",
    request_body(content = UsernameBody, description = "`cursor` in unix seconds"),
    responses((status = 200, body = reelbox_wire::Envelope<wire::FollowersPage>)),
    security(("bearer" = [])))]
pub async fn followers(
    State(st): State<AppState>,
    call: Research<UsernameBody, FollowQuota>,
) -> ApiResult<Data<wire::FollowersPage>> {
    let (user_followers, cursor, has_more) = follow_page(&st, &call.body, true).await?;
    Ok(call.answer(wire::FollowersPage {
        cursor,
        has_more,
        user_followers,
    }))
}

/// The accounts a public user follows, newest first.
#[utoipa::path(post, path = "/v2/research/user/following/", tag = "Research API",
    request_body(content = UsernameBody, description = "`cursor` in unix seconds"),
    responses((status = 200, body = reelbox_wire::Envelope<wire::FollowingPage>)),
    security(("bearer" = [])))]
pub async fn following(
    State(st): State<AppState>,
    call: Research<UsernameBody, FollowQuota>,
) -> ApiResult<Data<wire::FollowingPage>> {
    let (user_following, cursor, has_more) = follow_page(&st, &call.body, false).await?;
    Ok(call.answer(wire::FollowingPage {
        cursor,
        has_more,
        user_following,
    }))
}
