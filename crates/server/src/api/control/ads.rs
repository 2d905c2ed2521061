//! Control endpoint that sets up what the Commercial Content API reads: ads with their
//! advertisers.
use axum::extract::State;
use reelbox_wire::Envelope;
use reelbox_wire::adlib::{AdIn, AdView};

use crate::http::auth::Admin;
use crate::http::envelope::Data;
use crate::http::error::ApiResult;
use crate::http::extract::{Control, WireJson};
use crate::service::adlib;
use crate::state::AppState;

/// Create an ad; its advertiser is created by its first ad (later ads name its
/// `business_id`).
#[utoipa::path(post, path = "/_reelbox/ads", tag = "Control API", request_body = AdIn,
    responses((status = 200, body = Envelope<AdView>), super::BadRequest),
    security(("admin" = [])))]
pub async fn post_ad(
    State(st): State<AppState>,
    _: Admin,
    WireJson(b, _): WireJson<AdIn, Control>,
) -> ApiResult<Data<AdView>> {
    Ok(Data(adlib::create_ad(&st, b).await?))
}
