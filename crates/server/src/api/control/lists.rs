//! Control endpoints that set up what the research profile-list and shop endpoints read: likes,
//! reposts, pins, playlists, who may be listed, and shops with products and reviews.
use axum::extract::{Path, State};
use reelbox_core::lists::parse_birth_date;
use reelbox_store::StoreError;
use reelbox_store::creators::Creator;
use reelbox_store::tts::{NewProduct, NewShop, Review};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::auth::Admin;
use crate::http::envelope::Data;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Control, WireJson};
use crate::service::invalid;
use crate::state::AppState;

/// TikTok lets an account pin three videos.
const MAX_PINS: usize = 3;

async fn creator(st: &AppState, username: &str) -> ApiResult<Creator> {
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

/// Body of `POST /_reelbox/likes` and `POST /_reelbox/reposts`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ListActivityBody {
    /// Who likes or reposts.
    pub username: String,
    pub post_id: String,
    /// When (epoch ms; default: the server's now).
    #[serde(default)]
    pub at: Option<i64>,
    /// Take the like or repost back instead.
    #[serde(default)]
    pub undo: bool,
}

/// Like a post as a creator (or take the like back): the like row and the post's counter move
/// as with a like on the web pages.
#[utoipa::path(post, path = "/_reelbox/likes", tag = "Control API", request_body = ListActivityBody,
    responses((status = 200, description = "`{username, post_id, liked, like_count}`"), super::BadRequest),
    security(("admin" = [])))]
pub async fn post_like(
    State(st): State<AppState>,
    _: Admin,
    WireJson(b, _): WireJson<ListActivityBody, Control>,
) -> ApiResult<Data<Value>> {
    let c = creator(&st, &b.username).await?;
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
    Ok(Data(json!({
        "username": c.username,
        "post_id": p.id,
        "liked": !b.undo,
        "like_count": p.like_count,
    })))
}

/// Repost a post as a creator (or take the repost back).
#[utoipa::path(post, path = "/_reelbox/reposts", tag = "Control API", request_body = ListActivityBody,
    responses((status = 200, description = "`{username, post_id, reposted, changed}`"), super::BadRequest),
    security(("admin" = [])))]
pub async fn post_repost(
    State(st): State<AppState>,
    _: Admin,
    WireJson(b, _): WireJson<ListActivityBody, Control>,
) -> ApiResult<Data<Value>> {
    let c = creator(&st, &b.username).await?;
    if st.store.post(&b.post_id).await?.is_none() {
        return Err(ApiError::not_found(format!("post {}", b.post_id)));
    }
    let at = b.at.unwrap_or_else(|| st.now());
    let changed = st.store.set_repost(&c.id, &b.post_id, !b.undo, at).await?;
    Ok(Data(json!({
        "username": c.username,
        "post_id": b.post_id,
        "reposted": !b.undo,
        "changed": changed,
    })))
}

/// Body of `PUT /_reelbox/pins`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PinsBody {
    pub username: String,
    /// The creator's own posts, in pin order (at most 3; empty unpins all).
    pub post_ids: Vec<String>,
}

/// Replace a creator's pinned videos.
#[utoipa::path(put, path = "/_reelbox/pins", tag = "Control API", request_body = PinsBody,
    responses((status = 200, description = "`{username, post_ids}`"), super::BadRequest),
    security(("admin" = [])))]
pub async fn put_pins(
    State(st): State<AppState>,
    _: Admin,
    WireJson(b, _): WireJson<PinsBody, Control>,
) -> ApiResult<Data<Value>> {
    if b.post_ids.len() > MAX_PINS {
        return Err(invalid("at most 3 videos can be pinned"));
    }
    let c = creator(&st, &b.username).await?;
    own_posts(&st, &c, &b.post_ids).await?;
    st.store
        .set_pins(&c.id, &b.post_ids, st.now())
        .await
        .map_err(|e| match e {
            StoreError::Conflict => invalid("a video is pinned twice"),
            e => e.into(),
        })?;
    Ok(Data(
        json!({"username": c.username, "post_ids": b.post_ids}),
    ))
}

/// Body of `POST /_reelbox/playlists`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PlaylistBody {
    pub username: String,
    pub name: String,
    /// The creator's own posts, in playlist order; a post is in one playlist at most.
    #[serde(default)]
    pub post_ids: Vec<String>,
}

/// Create a playlist of a creator's videos.
#[utoipa::path(post, path = "/_reelbox/playlists", tag = "Control API", request_body = PlaylistBody,
    responses((status = 200, description = "`{playlist_id, name, post_ids}`"), super::BadRequest),
    security(("admin" = [])))]
pub async fn post_playlist(
    State(st): State<AppState>,
    _: Admin,
    WireJson(b, _): WireJson<PlaylistBody, Control>,
) -> ApiResult<Data<Value>> {
    let name = b.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(invalid("name should be 1 to 100 characters"));
    }
    let c = creator(&st, &b.username).await?;
    own_posts(&st, &c, &b.post_ids).await?;
    let id = reelbox_core::ids::post_id(st.now()).to_string();
    st.store
        .create_playlist(&id, &c.id, name, &b.post_ids, st.now())
        .await
        .map_err(|e| match e {
            StoreError::Conflict => invalid("a video is already in a playlist"),
            e => e.into(),
        })?;
    Ok(Data(json!({
        "playlist_id": crate::api::research::id_num(&id),
        "name": name,
        "post_ids": b.post_ids,
    })))
}

/// Body of `PATCH /_reelbox/creators/{username}/lists`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ListPrivacyBody {
    /// `YYYY-MM-DD`; `""` clears it (no declared date reads as adult).
    #[serde(default)]
    pub birth_date: Option<String>,
    #[serde(default)]
    pub liked_list_public: Option<bool>,
}

/// Set what decides whether research may list a creator's videos: birth date (adults only) and
/// whether the liked-videos list is public.
#[utoipa::path(patch, path = "/_reelbox/creators/{username}/lists", tag = "Control API",
    params(("username" = String, Path)), request_body = ListPrivacyBody,
    responses((status = 200, description = "`{username, birth_date, liked_list_public}`"), super::BadRequest),
    security(("admin" = [])))]
pub async fn patch_list_privacy(
    State(st): State<AppState>,
    _: Admin,
    Path(username): Path<String>,
    WireJson(b, _): WireJson<ListPrivacyBody, Control>,
) -> ApiResult<Data<Value>> {
    let c = creator(&st, &username).await?;
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
    Ok(Data(json!({
        "username": o.username,
        "birth_date": o.birth_date,
        "liked_list_public": o.liked_list_public,
    })))
}

/// A review of `POST /_reelbox/shops`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReviewIn {
    pub display_name: String,
    /// 1 to 5 stars.
    pub rating: i64,
    pub text: String,
    #[serde(default)]
    pub like_count: i64,
    /// Epoch ms (default: the server's now).
    #[serde(default)]
    pub create_time: Option<i64>,
}

/// A product of `POST /_reelbox/shops`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ProductIn {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Minor units (2079 = 20.79).
    pub price: i64,
    pub currency: String,
    #[serde(default)]
    pub sold_count: i64,
    /// 0.0 to 5.0, one decimal kept.
    #[serde(default)]
    pub rating: f64,
    /// Reviews with 1..5 stars (default: the reviews given, counted).
    #[serde(default)]
    pub star_counts: Option<[i64; 5]>,
    #[serde(default = "d_region")]
    pub region_code: String,
    #[serde(default)]
    pub reviews: Vec<ReviewIn>,
}

fn d_region() -> String {
    "GB".into()
}

/// Body of `POST /_reelbox/shops`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ShopIn {
    pub name: String,
    /// 0.0 to 5.0, one decimal kept.
    #[serde(default)]
    pub rating: f64,
    /// 0 to 100.
    #[serde(default)]
    pub performance_value: i64,
    #[serde(default)]
    pub products: Vec<ProductIn>,
}

fn tenths(r: f64, what: &str) -> ApiResult<i64> {
    if !(0.0..=5.0).contains(&r) {
        return Err(invalid(format!("{what} should be between 0 and 5")));
    }
    Ok((r * 10.0).round() as i64)
}

/// Create a shop with products, star counts and reviews (for the research TikTok Shop
/// endpoints).
#[utoipa::path(post, path = "/_reelbox/shops", tag = "Control API", request_body = ShopIn,
    responses((status = 200, description = "`{shop_id, product_ids}`"), super::BadRequest),
    security(("admin" = [])))]
pub async fn post_shop(
    State(st): State<AppState>,
    _: Admin,
    WireJson(b, _): WireJson<ShopIn, Control>,
) -> ApiResult<Data<Value>> {
    let now = st.now();
    let name = b.name.trim();
    if name.is_empty() {
        return Err(invalid("name is required"));
    }
    if !(0..=100).contains(&b.performance_value) {
        return Err(invalid("performance_value should be between 0 and 100"));
    }
    let shop = NewShop {
        id: reelbox_core::ids::post_id(now).to_string(),
        name: name.to_string(),
        rating_x10: tenths(b.rating, "rating")?,
        performance_value: b.performance_value,
        created_at: now,
    };
    let mut products = Vec::with_capacity(b.products.len());
    for p in b.products {
        let cur = p.currency.trim().to_ascii_uppercase();
        if cur.len() != 3 || !cur.bytes().all(|c| c.is_ascii_uppercase()) {
            return Err(invalid("currency should be an ISO 4217 code"));
        }
        if p.price < 0 || p.sold_count < 0 {
            return Err(invalid("price and sold_count cannot be negative"));
        }
        let id = reelbox_core::ids::post_id(now).to_string();
        let mut reviews = Vec::with_capacity(p.reviews.len());
        let mut counted = [0i64; 5];
        for (seq, r) in p.reviews.into_iter().enumerate() {
            if !(1..=5).contains(&r.rating) {
                return Err(invalid("review rating should be 1 to 5"));
            }
            counted[(r.rating - 1) as usize] += 1;
            reviews.push(Review {
                product_id: id.clone(),
                seq: seq as i64,
                display_name: r.display_name,
                rating: r.rating,
                text: r.text,
                like_count: r.like_count.max(0),
                created_at: r.create_time.unwrap_or(now),
            });
        }
        let star_counts = p.star_counts.unwrap_or(counted);
        if star_counts.iter().any(|c| *c < 0) {
            return Err(invalid("star_counts cannot be negative"));
        }
        products.push(NewProduct {
            id,
            title: p.title,
            description: p.description,
            price: p.price,
            currency: cur,
            sold_count: p.sold_count,
            rating_x10: tenths(p.rating, "rating")?,
            star_counts,
            region_code: p.region_code,
            reviews,
        });
    }
    st.store
        .create_shop(&shop, &products)
        .await
        .map_err(|e| match e {
            StoreError::Conflict => invalid("the shop or a product already exists"),
            e => e.into(),
        })?;
    Ok(Data(json!({
        "shop_id": crate::api::research::id_num(&shop.id),
        "product_ids": products.iter().map(|p| crate::api::research::id_num(&p.id)).collect::<Vec<_>>(),
    })))
}
