//! `POST /v2/oauth/get_qrcode/` and `POST /v2/oauth/check_qrcode/` (Login Kit with QR code):
//! form bodies, flat OAuth answers.
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use reelbox_wire::qr::{
    CheckQrcodeRequest, CheckQrcodeResponse, GetQrcodeRequest, GetQrcodeResponse,
};

use super::token::parse_body;
use crate::http::context::CallSlot;
use crate::service::qr;
use crate::state::AppState;

fn no_store(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert("cache-control", "no-store".parse().expect("static"));
    resp
}

/// Start a QR-code login: the URL to render as a QR code and the token to poll with.
#[utoipa::path(post, path = "/v2/oauth/get_qrcode/", tag = "OAuth",
    request_body(content = GetQrcodeRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = GetQrcodeResponse), (status = 400, body = reelbox_wire::oauth::OAuthError), (status = 401, body = reelbox_wire::oauth::OAuthError), (status = 429, body = reelbox_wire::oauth::OAuthError)))]
pub async fn get_qrcode(
    State(st): State<AppState>,
    Extension(slot): Extension<CallSlot>,
    body: axum::body::Bytes,
) -> Response {
    let run = async {
        let req: GetQrcodeRequest = parse_body(&slot, &body)?;
        Ok::<_, super::OAuthFailure>(Json(qr::get_qrcode(&st, &slot, &req).await?).into_response())
    };
    no_store(run.await.unwrap_or_else(IntoResponse::into_response))
}

/// Poll a QR-code login: `new`, `scanned`, `confirmed` (once, with the code), `expired`,
/// `utilised`.
#[utoipa::path(post, path = "/v2/oauth/check_qrcode/", tag = "OAuth",
    request_body(content = CheckQrcodeRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = CheckQrcodeResponse), (status = 400, body = reelbox_wire::oauth::OAuthError), (status = 401, body = reelbox_wire::oauth::OAuthError), (status = 429, body = reelbox_wire::oauth::OAuthError)))]
pub async fn check_qrcode(
    State(st): State<AppState>,
    Extension(slot): Extension<CallSlot>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let run = async {
        let req: CheckQrcodeRequest = parse_body(&slot, &body)?;
        let authorization = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        Ok::<_, super::OAuthFailure>(
            Json(qr::check_qrcode(&st, &slot, authorization, &req).await?).into_response(),
        )
    };
    no_store(run.await.unwrap_or_else(IntoResponse::into_response))
}
