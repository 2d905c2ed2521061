//! `POST /_reelbox/tokens`: tokens for a creator without the consent page.
use crate::http::auth::Admin;
use crate::http::error::ApiResult;
use crate::http::extract::{Control, WireJson};
use crate::service::tokens::mint_token;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use reelbox_wire::control::MintToken;
use reelbox_wire::oauth::TokenResponse;

/// Mint tokens for a creator without the consent page. Answers exactly like `/v2/oauth/token/`.
#[utoipa::path(post, path = "/_reelbox/tokens", tag = "Control API", request_body = MintToken, responses((status = 200, body = TokenResponse), super::BadRequest), security(("admin" = [])))]
pub async fn post_token(
    State(st): State<AppState>,
    _: Admin,
    WireJson(req, _): WireJson<MintToken, Control>,
) -> ApiResult<Json<TokenResponse>> {
    Ok(Json(mint_token(&st, req).await?))
}
