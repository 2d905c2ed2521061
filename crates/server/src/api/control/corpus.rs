//! Control endpoints of the read side: seed a synthetic corpus, simulate engagement.
use axum::extract::State;
use reelbox_wire::Envelope;
use reelbox_wire::control::{ActivityBody, ActivityView, SeedBody, SeedView};

use crate::http::auth::Admin;
use crate::http::envelope::Data;
use crate::http::error::ApiResult;
use crate::http::extract::{Control, WireJson};
use crate::service::corpus::{add_activity, seed};
use crate::state::AppState;

/// Generate a deterministic synthetic corpus ending now (server time).
#[utoipa::path(post, path = "/_reelbox/seed", tag = "Control API", request_body = SeedBody,
    responses((status = 200, description = "What was generated", body = Envelope<SeedView>), super::BadRequest),
    security(("admin" = [])))]
pub async fn post_seed(
    State(st): State<AppState>,
    _: Admin,
    WireJson(b, _): WireJson<SeedBody, Control>,
) -> ApiResult<Data<SeedView>> {
    Ok(Data(seed(&st, b).await?))
}

/// Simulate engagement on a post: counters and trend buckets move as with real activity.
#[utoipa::path(post, path = "/_reelbox/activity", tag = "Control API", request_body = ActivityBody,
    responses((status = 200, description = "The post's new counters", body = Envelope<ActivityView>), super::BadRequest),
    security(("admin" = [])))]
pub async fn post_activity(
    State(st): State<AppState>,
    _: Admin,
    WireJson(b, _): WireJson<ActivityBody, Control>,
) -> ApiResult<Data<ActivityView>> {
    Ok(Data(add_activity(&st, b).await?))
}
