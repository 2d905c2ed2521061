//! Who is calling: a user access token (`act.`), a client token (`clt.`), or the operator's admin
//! token. Tokens are looked up by their SHA-256; expiry is read from the shared clock.
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use reelbox_core::secrets;
use reelbox_store::oauth::TokenKind;
use reelbox_wire::ErrorCode;

use crate::http::compat::judge_noted_for;
use crate::http::context::CallSlot;
use crate::http::error::ApiError;
use crate::state::AppState;

/// A creator's access token, resolved to its app, creator and granted scopes.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token_hash: String,
    pub client_key: String,
    pub creator_id: String,
    pub grant_id: String,
    pub open_id: String,
    pub scopes: Vec<String>,
    /// When the token expires (epoch ms).
    pub expires_at: i64,
}

impl Caller {
    /// 401 `scope_not_authorized` unless one of `any_of` was granted.
    pub fn require(&self, any_of: &[&str]) -> Result<(), ApiError> {
        if any_of.iter().any(|s| self.scopes.iter().any(|g| g == s)) {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorCode::ScopeNotAuthorized,
                format!(
                    "The user did not authorize the scope required for completing this request ({}).",
                    any_of.join(" or ")
                ),
            ))
        }
    }
}

/// The bearer credential of a request: header name and the word "bearer" are case-insensitive.
pub fn bearer(parts: &Parts) -> Option<&str> {
    bearer_of(&parts.headers)
}

/// The bearer token of these headers.
pub fn bearer_of(headers: &axum::http::HeaderMap) -> Option<&str> {
    let v = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .trim();
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The bearer token of a request, looked up by its SHA-256: its hash and record, when it is a
/// token of `kind` that was not revoked (expiry is the caller's to judge).
async fn presented_token(
    parts: &Parts,
    st: &AppState,
    kind: TokenKind,
) -> Result<(String, std::sync::Arc<reelbox_store::oauth::Token>), ApiError> {
    let token = bearer(parts).ok_or_else(ApiError::token_invalid)?;
    let hash = secrets::sha256_hex(token);
    let t = st
        .store
        .token(&hash)
        .await?
        .ok_or_else(ApiError::token_invalid)?;
    if t.kind != kind || t.revoked_at.is_some() {
        return Err(ApiError::token_invalid());
    }
    Ok((hash, t))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let (hash, t) = presented_token(parts, st, TokenKind::Access).await?;
        let now = st.now_for_creator(&t.client_key, t.creator_id.as_deref());
        if now >= t.expires_at {
            // Recorded so the guideline report can tell "let its token expire" from a bad token.
            if let Some(slot) = parts.extensions.get::<CallSlot>() {
                slot.set(&t.client_key, t.creator_id.as_deref(), Some(&hash));
                slot.summarize("expired".into());
            }
            return Err(ApiError::new(
                ErrorCode::AccessTokenInvalid,
                "The access token has expired.",
            ));
        }
        let (Some(grant_id), Some(creator_id)) = (t.grant_id.clone(), t.creator_id.clone()) else {
            return Err(ApiError::token_invalid());
        };
        let grant = st
            .store
            .grant(&grant_id)
            .await?
            .ok_or_else(ApiError::token_invalid)?;
        if grant.revoked_at.is_some() {
            return Err(ApiError::token_invalid());
        }
        let slot = parts.extensions.get::<CallSlot>();
        if let Some(slot) = slot {
            slot.set(&t.client_key, Some(&creator_id), Some(&hash));
        }
        judge_noted_for(st, slot, &t.client_key, parts.uri.path()).await?;
        Ok(Caller {
            token_hash: hash,
            client_key: t.client_key.clone(),
            creator_id,
            grant_id,
            open_id: grant.open_id.clone(),
            scopes: t.scopes.clone(),
            expires_at: t.expires_at,
        })
    }
}

/// An app's client token (`clt.`) from the client_credentials grant.
#[derive(Debug, Clone)]
pub struct ClientCaller {
    pub token_hash: String,
    pub client_key: String,
    pub scopes: Vec<String>,
}

impl FromRequestParts<AppState> for ClientCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let (hash, t) = presented_token(parts, st, TokenKind::Client).await?;
        if st.now_for(&t.client_key) >= t.expires_at {
            return Err(ApiError::token_invalid());
        }
        let slot = parts.extensions.get::<CallSlot>();
        if let Some(slot) = slot {
            slot.set(&t.client_key, None, Some(&hash));
        }
        judge_noted_for(st, slot, &t.client_key, parts.uri.path()).await?;
        Ok(ClientCaller {
            token_hash: hash,
            client_key: t.client_key.clone(),
            scopes: t.scopes.clone(),
        })
    }
}

/// Wrong admin tokens one client address may present per minute before it must wait.
pub const ADMIN_FAILURES_PER_MINUTE: u32 = 20;

/// The operator, holding the admin token of the control API.
#[derive(Debug, Clone, Copy)]
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        // Wrong tokens are counted per client address; past the limit that address waits, even
        // with the right token (so guessing cannot go on in the background).
        let client = format!(
            "admin:{}",
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_default()
        );
        let now = st.now();
        if st.rate.is_over(
            &client,
            "admin_token_failures",
            ADMIN_FAILURES_PER_MINUTE,
            now,
        ) {
            return Err(ApiError::new(
                ErrorCode::RateLimitExceeded,
                "Too many wrong admin tokens from this address; wait a minute.",
            ));
        }
        let token = bearer(parts).ok_or_else(|| {
            ApiError::new(
                ErrorCode::AccessTokenInvalid,
                "The control API needs the admin token as a Bearer token.",
            )
        })?;
        if secrets::verify_sha256(token, &st.admin_token_hash) {
            Ok(Admin)
        } else {
            let _ = st.rate.check(
                &client,
                "admin_token_failures",
                ADMIN_FAILURES_PER_MINUTE,
                now,
            );
            Err(ApiError::new(
                ErrorCode::AccessTokenInvalid,
                "The admin token is not valid.",
            ))
        }
    }
}
