//! `POST /v2/oauth/token/` and `POST /v2/oauth/revoke/`.
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use reelbox_core::compat::Leniency;
use reelbox_core::secrets;
use reelbox_wire::oauth::{RevokeRequest, TokenRequest, TokenResponse};

use super::OAuthFailure;
use crate::http::context::CallSlot;
use crate::service::oauth::{self, ClientCredentials};
use crate::state::AppState;

/// Parses the form body (or, leniently, JSON) of an OAuth request.
pub(super) fn parse_body<T: serde::de::DeserializeOwned + Default>(
    slot: &CallSlot,
    body: &[u8],
) -> Result<T, OAuthFailure> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(T::default());
    }
    if let Ok(v) = serde_urlencoded::from_bytes::<T>(body) {
        // A JSON body also "parses" as a form with one odd key; prefer JSON when it looks like it.
        if !body.trim_ascii_start().starts_with(b"{") {
            return Ok(v);
        }
    }
    let v = serde_json::from_slice(body).map_err(|_| {
        OAuthFailure::new(
            "invalid_request",
            "The request body must be application/x-www-form-urlencoded.",
        )
    })?;
    slot.note_lenient(Leniency::TokenJsonBody);
    Ok(v)
}

fn credentials<'a>(
    headers: &'a HeaderMap,
    client_key: &'a Option<String>,
    client_id: &'a Option<String>,
    client_secret: &'a Option<String>,
) -> ClientCredentials<'a> {
    ClientCredentials {
        client_key: client_key.as_deref(),
        client_id: client_id.as_deref(),
        client_secret: client_secret.as_deref(),
        authorization: headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok()),
    }
}

/// Exchange an authorization code, refresh a token, or get a client token (form-encoded).
#[utoipa::path(post, path = "/v2/oauth/token/", tag = "OAuth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = TokenResponse), (status = 400, body = reelbox_wire::oauth::OAuthError), (status = 401, body = reelbox_wire::oauth::OAuthError)))]
pub async fn token(
    State(st): State<AppState>,
    Extension(slot): Extension<CallSlot>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let run = async {
        let req: TokenRequest = parse_body(&slot, &body)?;
        let grant_type = req.grant_type.clone().unwrap_or_default();
        if grant_type.is_empty() {
            return Err(OAuthFailure::new(
                "invalid_request",
                "grant_type is required.",
            ));
        }
        let creds = credentials(
            &headers,
            &req.client_key,
            &req.client_id,
            &req.client_secret,
        );
        let (app, compat) = oauth::authenticate_client(&st, &slot, creds).await?;
        Ok(match grant_type.as_str() {
            "authorization_code" => {
                Json(oauth::exchange_code(&st, &slot, &app, &compat, &req).await?).into_response()
            }
            "refresh_token" => {
                Json(oauth::refresh(&st, &app, &compat, &req).await?).into_response()
            }
            "client_credentials" => Json(oauth::client_token(&st, &app).await?).into_response(),
            other => {
                return Err(OAuthFailure::new(
                    "unsupported_grant_type",
                    format!("grant_type {other} is not supported."),
                ));
            }
        })
    };
    let mut resp = run.await.unwrap_or_else(IntoResponse::into_response);
    resp.headers_mut()
        .insert("cache-control", "no-store".parse().expect("static"));
    resp
}

/// Revoke a creator's authorization (form-encoded).
#[utoipa::path(post, path = "/v2/oauth/revoke/", tag = "OAuth",
    request_body(content = RevokeRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "{}"), (status = 400, body = reelbox_wire::oauth::OAuthError), (status = 401, body = reelbox_wire::oauth::OAuthError)))]
pub async fn revoke(
    State(st): State<AppState>,
    Extension(slot): Extension<CallSlot>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let run = async {
        let req: RevokeRequest = parse_body(&slot, &body)?;
        let creds = credentials(
            &headers,
            &req.client_key,
            &req.client_id,
            &req.client_secret,
        );
        let (app, _) = oauth::authenticate_client(&st, &slot, creds).await?;
        let token = req.token.as_deref().unwrap_or("").trim().to_string();
        if token.is_empty() {
            return Err(OAuthFailure::new("invalid_request", "token is required."));
        }
        // RFC 7009: an unknown token is not an error; the client's goal is reached.
        if let Some(t) = st.store.token(&secrets::sha256_hex(&token)).await?
            && t.client_key == app.client_key
        {
            match &t.grant_id {
                Some(grant_id) => crate::service::tokens::revoke_grant(&st, grant_id, 5)
                    .await
                    .map_err(OAuthFailure::from)?,
                None => st.store.revoke_token(&t.hash, st.now()).await?,
            }
        }
        Ok(Json(serde_json::json!({})).into_response())
    };
    match run.await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}
