//! `POST /v2/oauth/token/` and `POST /v2/oauth/revoke/`.
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use reelbox_core::{ids, oauth as rules, secrets};
use reelbox_store::apps::App;
use reelbox_store::oauth::{Token, TokenKind};
use reelbox_wire::oauth::{ClientTokenResponse, RevokeRequest, TokenRequest, TokenResponse};

use super::OAuthFailure;
use crate::state::AppState;

/// Parses the form body (or, leniently, JSON) of an OAuth request.
fn parse_body<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, OAuthFailure> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(T::default());
    }
    if let Ok(v) = serde_urlencoded::from_bytes::<T>(body) {
        // A JSON body also "parses" as a form with one odd key; prefer JSON when it looks like it.
        if !body.trim_ascii_start().starts_with(b"{") {
            return Ok(v);
        }
    }
    serde_json::from_slice(body).map_err(|_| {
        OAuthFailure::new(
            "invalid_request",
            "The request body must be application/x-www-form-urlencoded.",
        )
    })
}

/// The rate limiter's window for failed client authentications.
const TOKEN_FAILURES: &str = "oauth_token_failures";

/// Client authentication: `client_key` (or `client_id`) + `client_secret` in the body, or HTTP
/// Basic. The secret is compared by hash in constant time.
async fn authenticate_client(
    st: &AppState,
    headers: &HeaderMap,
    key: Option<&str>,
    id: Option<&str>,
    secret: Option<&str>,
) -> Result<App, OAuthFailure> {
    let mut key = key.or(id).map(str::to_string);
    let mut secret = secret.map(str::to_string);
    if let Some(basic) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
    {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(basic.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| {
                OAuthFailure::new("invalid_client", "Malformed HTTP Basic credentials.")
            })?;
        let (u, p) = decoded.split_once(':').ok_or_else(|| {
            OAuthFailure::new("invalid_client", "Malformed HTTP Basic credentials.")
        })?;
        let dec = |s: &str| {
            urlencoding::decode(s)
                .map(|c| c.into_owned())
                .unwrap_or_else(|_| s.to_string())
        };
        key = Some(dec(u));
        secret = Some(dec(p));
    }
    let key = key
        .filter(|k| !k.is_empty())
        .ok_or_else(|| OAuthFailure::new("invalid_request", "client_key is required."))?;
    let secret = secret.unwrap_or_default();
    let app = st
        .store
        .app(&key)
        .await?
        .map(std::sync::Arc::unwrap_or_clone);
    // Failed authentications are counted per known client_key only: an unknown key has no secret
    // to guess, and keying by known apps bounds the limiter's memory by the number of apps.
    let limit = st.cfg.limits.rate_token_failures;
    let throttled = match &app {
        Some(_) if limit > 0 => st.rate.exhausted(&key, TOKEN_FAILURES, limit, st.now()),
        _ => Ok(()),
    };
    if let Err(secs) = throttled {
        return Err(OAuthFailure {
            retry_after: Some(secs),
            ..OAuthFailure::new(
                "rate_limit_exceeded",
                "Too many failed client authentications for this client_key; retry later.",
            )
        });
    }
    match app {
        Some(app) if secrets::verify_sha256(&secret, &app.secret_hash) => Ok(app),
        Some(_) => {
            if limit > 0 {
                let _ = st.rate.check(&key, TOKEN_FAILURES, limit, st.now());
            }
            Err(OAuthFailure::new(
                "invalid_client",
                "Client authentication failed: wrong client_secret.",
            ))
        }
        None => Err(OAuthFailure::new(
            "invalid_client",
            "Client authentication failed: unknown client_key.",
        )),
    }
}

/// Exchange an authorization code, refresh a token, or get a client token (form-encoded).
#[utoipa::path(post, path = "/v2/oauth/token/", tag = "OAuth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = TokenResponse), (status = 400, body = reelbox_wire::oauth::OAuthError), (status = 401, body = reelbox_wire::oauth::OAuthError)))]
pub async fn token(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    match token_inner(&st, &headers, &body).await {
        Ok(r) => {
            let mut resp = r;
            resp.headers_mut()
                .insert("cache-control", "no-store".parse().expect("static"));
            resp
        }
        Err(e) => e.into_response(),
    }
}

async fn token_inner(
    st: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, OAuthFailure> {
    let req: TokenRequest = parse_body(body)?;
    let grant_type = req.grant_type.clone().unwrap_or_default();
    if grant_type.is_empty() {
        return Err(OAuthFailure::new(
            "invalid_request",
            "grant_type is required.",
        ));
    }
    let app = authenticate_client(
        st,
        headers,
        req.client_key.as_deref(),
        req.client_id.as_deref(),
        req.client_secret.as_deref(),
    )
    .await?;
    let now = st.now();
    match grant_type.as_str() {
        "authorization_code" => {
            let code = req.code.as_deref().unwrap_or("").trim();
            if code.is_empty() {
                return Err(OAuthFailure::new("invalid_request", "code is required."));
            }
            // Clients URL-decode codes themselves; accept an encoded one too.
            let code = urlencoding::decode(code)
                .map(|c| c.into_owned())
                .unwrap_or_else(|_| code.to_string());
            let family = ids::row_id();
            let rec = st
                .store
                .consume_auth_code(&secrets::sha256_hex(&code), &app.client_key, &family, now)
                .await?
                .ok_or_else(|| {
                    OAuthFailure::new("invalid_grant", "Authorization code is invalid.")
                })?;
            // Checked before anything else: a code presented by another client is not consumed.
            if rec.client_key != app.client_key {
                return Err(OAuthFailure::new(
                    "invalid_grant",
                    "Authorization code was issued to another client.",
                ));
            }
            if rec.revoked_at.is_some() {
                return Err(OAuthFailure::new(
                    "invalid_grant",
                    "Authorization code is invalid.",
                ));
            }
            if rec.used_at.is_some() {
                // RFC 6749 §4.1.2: a replayed code may have been stolen; revoke what it issued.
                if let Some(f) = &rec.family_id {
                    st.store.revoke_family(f, now).await?;
                }
                return Err(OAuthFailure::new(
                    "invalid_grant",
                    "Authorization code has already been used.",
                ));
            }
            if now >= rec.expires_at {
                return Err(OAuthFailure::new(
                    "invalid_grant",
                    "Authorization code is expired.",
                ));
            }
            if req.redirect_uri.as_deref().unwrap_or("") != rec.redirect_uri {
                return Err(OAuthFailure::new(
                    "invalid_grant",
                    "redirect_uri does not match the one used to authorize.",
                ));
            }
            let verifier = req.code_verifier.as_deref().unwrap_or("");
            let pkce_ok = match &rec.code_challenge {
                Some(challenge) => rules::pkce_matches(challenge, verifier),
                // RFC 9700 §2.1.1: a verifier for a code issued without a challenge means someone
                // stripped the challenge from the authorization request (a PKCE downgrade).
                None => verifier.is_empty(),
            };
            if rec.code_challenge.is_some() && verifier.is_empty() {
                return Err(OAuthFailure::new(
                    "invalid_request",
                    "code_verifier is required for this code.",
                ));
            }
            if !pkce_ok {
                return Err(OAuthFailure::new(
                    "invalid_grant",
                    "code_verifier does not match the code_challenge.",
                ));
            }
            let resp = crate::service::tokens::issue_user_tokens(
                st,
                &app,
                &rec.creator_id,
                &rec.scopes,
                &family,
            )
            .await
            .map_err(OAuthFailure::from)?;
            Ok(Json(resp).into_response())
        }
        "refresh_token" => {
            let presented = req.refresh_token.as_deref().unwrap_or("").trim();
            if presented.is_empty() {
                return Err(OAuthFailure::new(
                    "invalid_request",
                    "refresh_token is required.",
                ));
            }
            let hash = secrets::sha256_hex(presented);
            let old = st
                .store
                .token(&hash)
                .await?
                .filter(|t| t.kind == TokenKind::Refresh && t.client_key == app.client_key)
                .ok_or_else(|| OAuthFailure::new("invalid_grant", "Refresh token is invalid."))?;
            let state = rules::RefreshState {
                revoked: old.revoked_at.is_some(),
                used: old.used_at.is_some(),
                successor_used: st.store.successor_used(&hash).await?,
            };
            // Grace today (the spec's "old token works until the new one is first used"); a
            // policy value away from strict rotation.
            if rules::refresh_decision(rules::Rotation::default(), state)
                == rules::RefreshDecision::RevokeFamily
            {
                if let Some(f) = &old.family_id {
                    st.store.revoke_family(f, now).await?;
                }
                // Answered as an unknown token: a replay learns nothing.
                return Err(OAuthFailure::new(
                    "invalid_grant",
                    "Refresh token is invalid.",
                ));
            }
            if now >= old.expires_at {
                return Err(OAuthFailure::new(
                    "invalid_grant",
                    "Refresh token is expired.",
                ));
            }
            let grant = match &old.grant_id {
                Some(g) => st.store.grant(g).await?,
                None => None,
            };
            let grant = grant.filter(|g| g.revoked_at.is_none()).ok_or_else(|| {
                OAuthFailure::new("invalid_grant", "The authorization was revoked.")
            })?;
            let access_plain = ids::token(ids::ACCESS_TOKEN_PREFIX);
            let refresh_plain = ids::token(ids::REFRESH_TOKEN_PREFIX);
            let access = Token {
                hash: secrets::sha256_hex(&access_plain),
                kind: TokenKind::Access,
                client_key: app.client_key.clone(),
                grant_id: Some(grant.id.clone()),
                creator_id: Some(grant.creator_id.clone()),
                scopes: old.scopes.clone(),
                expires_at: now + st.cfg.limits.access_token_ttl_secs * 1000,
                revoked_at: None,
                parent_hash: None,
                used_at: None,
                created_at: now,
                family_id: old.family_id.clone(),
            };
            // The refresh token lives 365 days from the initial issuance, not from this refresh.
            let refresh = Token {
                hash: secrets::sha256_hex(&refresh_plain),
                kind: TokenKind::Refresh,
                expires_at: old.expires_at,
                parent_hash: Some(old.hash.clone()),
                ..access.clone()
            };
            st.store
                .rotate_refresh(&old, &access, &refresh, now)
                .await?;
            Ok(Json(TokenResponse {
                access_token: access_plain,
                expires_in: st.cfg.limits.access_token_ttl_secs,
                open_id: grant.open_id.clone(),
                refresh_expires_in: ((old.expires_at - now) / 1000).max(0),
                refresh_token: refresh_plain,
                scope: old.scopes.join(","),
                token_type: "Bearer".into(),
            })
            .into_response())
        }
        "client_credentials" => {
            let plain = ids::token(ids::CLIENT_TOKEN_PREFIX);
            st.store
                .insert_token(&Token {
                    hash: secrets::sha256_hex(&plain),
                    kind: TokenKind::Client,
                    client_key: app.client_key.clone(),
                    grant_id: None,
                    creator_id: None,
                    scopes: app.scopes.clone(),
                    expires_at: now + st.cfg.limits.client_token_ttl_secs * 1000,
                    revoked_at: None,
                    parent_hash: None,
                    used_at: None,
                    created_at: now,
                    family_id: None,
                })
                .await?;
            Ok(Json(ClientTokenResponse {
                access_token: plain,
                expires_in: st.cfg.limits.client_token_ttl_secs,
                token_type: "Bearer".into(),
            })
            .into_response())
        }
        other => Err(OAuthFailure::new(
            "unsupported_grant_type",
            format!("grant_type {other} is not supported."),
        )),
    }
}

/// Revoke a creator's authorization (form-encoded).
#[utoipa::path(post, path = "/v2/oauth/revoke/", tag = "OAuth",
    request_body(content = RevokeRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "{}"), (status = 400, body = reelbox_wire::oauth::OAuthError), (status = 401, body = reelbox_wire::oauth::OAuthError)))]
pub async fn revoke(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let run = async {
        let req: RevokeRequest = parse_body(&body)?;
        let app = authenticate_client(
            &st,
            &headers,
            req.client_key.as_deref(),
            req.client_id.as_deref(),
            req.client_secret.as_deref(),
        )
        .await?;
        let token = req.token.as_deref().unwrap_or("").trim().to_string();
        if token.is_empty() {
            return Err(OAuthFailure::new("invalid_request", "token is required."));
        }
        // RFC 7009: an unknown token is not an error; the client's goal is reached.
        if let Some(t) = st.store.token(&secrets::sha256_hex(&token)).await? {
            if t.client_key == app.client_key {
                match &t.grant_id {
                    Some(grant_id) => crate::service::tokens::revoke_grant(&st, grant_id, 5)
                        .await
                        .map_err(OAuthFailure::from)?,
                    None => st.store.revoke_token(&t.hash, st.now()).await?,
                }
            }
        }
        Ok(Json(serde_json::json!({})).into_response())
    };
    match run.await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}
