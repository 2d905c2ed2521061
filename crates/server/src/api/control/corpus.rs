//! Control endpoints of the read side: seed a synthetic corpus, simulate engagement.
use axum::extract::State;
use reelbox_store::activity::Activity;
use reelbox_store::seed::{SeedReport, SeedSpec};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::auth::Admin;
use crate::http::envelope::Data;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Control, WireJson};
use crate::service::invalid;
use crate::state::AppState;

/// Body of `POST /_reelbox/seed`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SeedBody {
    #[serde(default = "d_creators")]
    pub creators: u64,
    #[serde(default = "d_videos")]
    pub videos: u64,
    #[serde(default = "d_days")]
    pub days: u64,
    #[serde(default)]
    pub seed: u64,
}
fn d_creators() -> u64 {
    100
}
fn d_videos() -> u64 {
    1000
}
fn d_days() -> u64 {
    30
}

/// Generate a deterministic synthetic corpus ending now (server time).
#[utoipa::path(post, path = "/_reelbox/seed", tag = "Control API", request_body = SeedBody,
    responses((status = 200, description = "What was generated"), super::BadRequest),
    security(("admin" = [])))]
pub async fn post_seed(
    State(st): State<AppState>,
    _: Admin,
    WireJson(b, _): WireJson<SeedBody, Control>,
) -> ApiResult<Data<Value>> {
    // Big corpora take minutes: `reelbox seed` is the tool for those.
    if b.videos > 200_000 || b.creators > 100_000 || b.creators == 0 || b.days == 0 || b.days > 3650
    {
        return Err(invalid(
            "creators 1..=100000, videos ≤ 200000 and days 1..=3650 through the API; use `reelbox seed` for more",
        ));
    }
    let spec = SeedSpec {
        creators: b.creators,
        videos: b.videos,
        days: b.days,
        seed: b.seed,
        end_ms: st.now(),
    };
    let rep: SeedReport = st.store.seed(&spec, &|_| {}).await?;
    Ok(Data(json!(rep)))
}

/// Body of `POST /_reelbox/activity`: counter increments for one post.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ActivityBody {
    pub post_id: String,
    #[serde(default)]
    pub views: i64,
    #[serde(default)]
    pub likes: i64,
    #[serde(default)]
    pub comments: i64,
    #[serde(default)]
    pub shares: i64,
    #[serde(default)]
    pub favorites: i64,
}

/// Simulate engagement on a post: counters and trend buckets move as with real activity.
#[utoipa::path(post, path = "/_reelbox/activity", tag = "Control API", request_body = ActivityBody,
    responses((status = 200, description = "The post's new counters"), super::BadRequest),
    security(("admin" = [])))]
pub async fn post_activity(
    State(st): State<AppState>,
    _: Admin,
    WireJson(b, _): WireJson<ActivityBody, Control>,
) -> ApiResult<Data<Value>> {
    let a = Activity {
        views: b.views,
        likes: b.likes,
        comments: b.comments,
        shares: b.shares,
        favorites: b.favorites,
    };
    if !st.store.add_activity(&b.post_id, &a, st.now()).await? {
        return Err(ApiError::not_found(format!("post {}", b.post_id)));
    }
    let p = st
        .store
        .post(&b.post_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("post {}", b.post_id)))?;
    Ok(Data(json!({
        "post_id": p.id,
        "view_count": p.view_count,
        "like_count": p.like_count,
        "comment_count": p.comment_count,
        "share_count": p.share_count,
        "favorite_count": p.favorite_count,
    })))
}
