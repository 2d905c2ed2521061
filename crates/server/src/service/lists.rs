//! What the research profile-list endpoints read, as the operator sets it up: likes, reposts,
//! pins, playlists, and who may be listed.
use reelbox_core::lists::parse_birth_date;
use reelbox_store::StoreError;
use reelbox_store::creators::Creator;
use reelbox_wire::control::{
    LikeView, ListActivityBody, ListPrivacyBody, ListPrivacyView, PinsBody, PinsView, PlaylistBody,
    PlaylistView, RepostView,
};

use crate::http::error::{ApiError, ApiResult};
use crate::service::invalid;
use crate::state::AppState;

/// TikTok lets an account pin three videos.
const MAX_PINS: usize = 3;

/// An id as research answers it: a number.
pub(crate) fn id_num(s: &str) -> Option<u64> {
    s.parse().ok()
}

pub(crate) async fn creator(st: &AppState, username: &str) -> ApiResult<Creator> {
    st.store
        .creator_by_username(username)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("creator {username}")))
}

/// The posts `ids` exist and belong to `owner`.
async fn own_posts(st: &AppState, owner: &Creator, ids: &[String]) -> ApiResult<()> {
    for id in ids {
        match st.store.post(id).await? {
            Some(p) if p.creator_id == owner.id => {}
            Some(_) => {
                return Err(invalid(format!(
                    "post {id} does not belong to {}",
                    owner.username
                )));
            }
            None => return Err(ApiError::not_found(format!("post {id}"))),
        }
    }
    Ok(())
}

/// Likes a post as a creator (or takes the like back); the post's counter moves with it.
pub async fn like(st: &AppState, b: ListActivityBody) -> ApiResult<LikeView> {
    let c = creator(st, &b.username).await?;
    if st.store.post(&b.post_id).await?.is_none() {
        return Err(ApiError::not_found(format!("post {}", b.post_id)));
    }
    let at = b.at.unwrap_or_else(|| st.now());
    st.store.set_like(&b.post_id, &c.id, !b.undo, at).await?;
    let p = st
        .store
        .post(&b.post_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("post {}", b.post_id)))?;
    Ok(LikeView {
        like_count: p.like_count,
        liked: !b.undo,
        post_id: p.id,
        username: c.username,
    })
}

/// Reposts a post as a creator (or takes the repost back).
pub async fn repost(st: &AppState, b: ListActivityBody) -> ApiResult<RepostView> {
    let c = creator(st, &b.username).await?;
    if st.store.post(&b.post_id).await?.is_none() {
        return Err(ApiError::not_found(format!("post {}", b.post_id)));
    }
    let at = b.at.unwrap_or_else(|| st.now());
    let changed = st.store.set_repost(&c.id, &b.post_id, !b.undo, at).await?;
    Ok(RepostView {
        changed,
        post_id: b.post_id,
        reposted: !b.undo,
        username: c.username,
    })
}

/// Replaces a creator's pinned videos.
pub async fn set_pins(st: &AppState, b: PinsBody) -> ApiResult<PinsView> {
    if b.post_ids.len() > MAX_PINS {
        return Err(invalid("at most 3 videos can be pinned"));
    }
    let c = creator(st, &b.username).await?;
    own_posts(st, &c, &b.post_ids).await?;
    st.store
        .set_pins(&c.id, &b.post_ids, st.now())
        .await
        .map_err(|e| match e {
            StoreError::Conflict => invalid("a video is pinned twice"),
            e => e.into(),
        })?;
    Ok(PinsView {
        post_ids: b.post_ids,
        username: c.username,
    })
}

/// Creates a playlist of a creator's videos.
pub async fn create_playlist(st: &AppState, b: PlaylistBody) -> ApiResult<PlaylistView> {
    let name = b.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(invalid("name should be 1 to 100 characters"));
    }
    let c = creator(st, &b.username).await?;
    own_posts(st, &c, &b.post_ids).await?;
    let id = reelbox_core::ids::post_id(st.now()).to_string();
    st.store
        .create_playlist(&id, &c.id, name, &b.post_ids, st.now())
        .await
        .map_err(|e| match e {
            StoreError::Conflict => invalid("a video is already in a playlist"),
            e => e.into(),
        })?;
    Ok(PlaylistView {
        name: name.to_string(),
        playlist_id: id_num(&id),
        post_ids: b.post_ids,
    })
}

/// Sets what decides whether research may list a creator's videos.
pub async fn set_list_privacy(
    st: &AppState,
    username: &str,
    b: ListPrivacyBody,
) -> ApiResult<ListPrivacyView> {
    let c = creator(st, username).await?;
    let birth = match b.birth_date.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(d) if parse_birth_date(d).is_some() => Some(Some(d)),
        Some(_) => return Err(invalid("birth_date should be YYYY-MM-DD")),
    };
    st.store
        .set_list_privacy(&c.id, birth, b.liked_list_public)
        .await?;
    let o = st
        .store
        .list_owner(&c.username)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("creator {username}")))?;
    Ok(ListPrivacyView {
        birth_date: o.birth_date,
        liked_list_public: o.liked_list_public,
        username: o.username,
    })
}
