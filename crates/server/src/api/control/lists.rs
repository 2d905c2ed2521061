//! Control endpoints that set up what the research profile-list and shop endpoints read: likes,
//! reposts, pins, playlists, who may be listed, and shops with products and reviews.
use axum::extract::{Path, State};
use reelbox_wire::Envelope;
use reelbox_wire::control::{
    LikeView, ListActivityBody, ListPrivacyBody, ListPrivacyView, PinsBody, PinsView, PlaylistBody,
    PlaylistView, RepostView, ShopIn, ShopView,
};

use crate::http::auth::Admin;
use crate::http::envelope::Data;
use crate::http::error::ApiResult;
use crate::http::extract::{Control, WireJson};
use crate::service::{lists, shops};
use crate::state::AppState;

/// Like a post as a creator (or take the like back): the like row and the post's counter move
/// as with a like on the web pages.
#[utoipa::path(post, path = "/_reelbox/likes", tag = "Control API", request_body = ListActivityBody,
    responses((status = 200, body = Envelope<LikeView>), super::BadRequest),
    security(("admin" = [])))]
pub async fn post_like(
    State(st): State<AppState>,
    _: Admin,
    WireJson(b, _): WireJson<ListActivityBody, Control>,
) -> ApiResult<Data<LikeView>> {
    Ok(Data(lists::like(&st, b).await?))
}

/// Repost a post as a creator (or take the repost back).
#[utoipa::path(post, path = "/_reelbox/reposts", tag = "Control API", request_body = ListActivityBody,
    responses((status = 200, body = Envelope<RepostView>), super::BadRequest),
    security(("admin" = [])))]
pub async fn post_repost(
    State(st): State<AppState>,
    _: Admin,
    WireJson(b, _): WireJson<ListActivityBody, Control>,
) -> ApiResult<Data<RepostView>> {
    Ok(Data(lists::repost(&st, b).await?))
}

/// Replace a creator's pinned videos.
#[utoipa::path(put, path = "/_reelbox/pins", tag = "Control API", request_body = PinsBody,
    responses((status = 200, body = Envelope<PinsView>), super::BadRequest),
    security(("admin" = [])))]
pub async fn put_pins(
    State(st): State<AppState>,
    _: Admin,
    WireJson(b, _): WireJson<PinsBody, Control>,
) -> ApiResult<Data<PinsView>> {
    Ok(Data(lists::set_pins(&st, b).await?))
}

/// Create a playlist of a creator's videos.
#[utoipa::path(post, path = "/_reelbox/playlists", tag = "Control API", request_body = PlaylistBody,
    responses((status = 200, body = Envelope<PlaylistView>), super::BadRequest),
    security(("admin" = [])))]
pub async fn post_playlist(
    State(st): State<AppState>,
    _: Admin,
    WireJson(b, _): WireJson<PlaylistBody, Control>,
) -> ApiResult<Data<PlaylistView>> {
    Ok(Data(lists::create_playlist(&st, b).await?))
}

/// Set what decides whether research may list a creator's videos: birth date (adults only) and
/// whether the liked-videos list is public.
#[utoipa::path(patch, path = "/_reelbox/creators/{username}/lists", tag = "Control API",
    params(("username" = String, Path)), request_body = ListPrivacyBody,
    responses((status = 200, body = Envelope<ListPrivacyView>), super::BadRequest),
    security(("admin" = [])))]
pub async fn patch_list_privacy(
    State(st): State<AppState>,
    _: Admin,
    Path(username): Path<String>,
    WireJson(b, _): WireJson<ListPrivacyBody, Control>,
) -> ApiResult<Data<ListPrivacyView>> {
    Ok(Data(lists::set_list_privacy(&st, &username, b).await?))
}

/// Create a shop with products, star counts and reviews (for the research TikTok Shop
/// endpoints).
#[utoipa::path(post, path = "/_reelbox/shops", tag = "Control API", request_body = ShopIn,
    responses((status = 200, body = Envelope<ShopView>), super::BadRequest),
    security(("admin" = [])))]
pub async fn post_shop(
    State(st): State<AppState>,
    _: Admin,
    WireJson(b, _): WireJson<ShopIn, Control>,
) -> ApiResult<Data<ShopView>> {
    Ok(Data(shops::create_shop(&st, b).await?))
}
