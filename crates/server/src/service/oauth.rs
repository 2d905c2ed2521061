//! The token endpoint's use cases: client authentication, the authorization-code exchange, the
//! refresh (rotation and replay detection per the app's profile) and client tokens. Failures are
//! in TikTok's OAuth form; leniencies the request relies on are noted and judged here.
use base64::Engine;
use reelbox_core::compat::Leniency;
use reelbox_core::{ids, oauth as rules, secrets};
use reelbox_store::apps::App;
use reelbox_store::oauth::{Token, TokenKind};
use reelbox_wire::oauth::{ClientTokenResponse, TokenRequest, TokenResponse};

use crate::http::context::CallSlot;
use crate::http::oauth_error::OAuthFailure;
use crate::service::compat::Compat;
use crate::state::AppState;

/// The rate limiter's window for failed client authentications.
const TOKEN_FAILURES: &str = "oauth_token_failures";

/// Where a request's client credentials came from.
pub struct ClientCredentials<'a> {
    pub client_key: Option<&'a str>,
    pub client_id: Option<&'a str>,
    pub client_secret: Option<&'a str>,
    /// The `Authorization` header, for HTTP Basic.
    pub authorization: Option<&'a str>,
}

/// Client authentication: `client_key` + `client_secret` in the body (TikTok's way), or leniently
/// `client_id` or HTTP Basic. The secret is compared by hash in constant time; failures are
/// throttled per known client_key. On success the call log knows the app, and the leniencies
/// noted so far are judged by its profile.
pub async fn authenticate_client(
    st: &AppState,
    slot: &CallSlot,
    c: ClientCredentials<'_>,
) -> Result<(App, Compat), OAuthFailure> {
    let mut key = c.client_key.map(str::to_string);
    if key.is_none() && c.client_id.is_some() {
        key = c.client_id.map(str::to_string);
        slot.note_lenient(Leniency::ClientIdForClientKey);
    }
    let mut secret = c.client_secret.map(str::to_string);
    if let Some(basic) = c.authorization.and_then(|v| {
        v.strip_prefix("Basic ")
            .or_else(|| v.strip_prefix("basic "))
    }) {
        let (u, p) = basic_credentials(basic)?;
        slot.note_lenient(Leniency::BasicClientAuth);
        key = Some(u);
        secret = Some(p);
    }
    let key = key
        .filter(|k| !k.is_empty())
        .ok_or_else(|| OAuthFailure::new("invalid_request", "Client key is missed in request."))?;
    // TikTok's answer to a request without the secret (doc/client-access-token-management).
    let secret = secret.filter(|s| !s.is_empty()).ok_or_else(|| {
        OAuthFailure::new("invalid_request", "Client secret is missed in request.")
    })?;
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
        Some(app) if secrets::verify_sha256(&secret, &app.secret_hash) => {
            slot.set(&app.client_key, None, None);
            let compat = Compat::of(st, &app);
            compat.judge_noted(slot)?;
            Ok((app, compat))
        }
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

/// The user and password of an HTTP Basic header, URL-decoded (RFC 6749 §2.3.1).
fn basic_credentials(encoded: &str) -> Result<(String, String), OAuthFailure> {
    let malformed = || OAuthFailure::new("invalid_client", "Malformed HTTP Basic credentials.");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(malformed)?;
    let (u, p) = decoded.split_once(':').ok_or_else(malformed)?;
    let dec = |s: &str| {
        urlencoding::decode(s)
            .map(|c| c.into_owned())
            .unwrap_or_else(|_| s.to_string())
    };
    Ok((dec(u), dec(p)))
}

/// `grant_type=authorization_code`.
pub async fn exchange_code(
    st: &AppState,
    slot: &CallSlot,
    app: &App,
    compat: &Compat,
    req: &TokenRequest,
) -> Result<TokenResponse, OAuthFailure> {
    let now = st.now_for(&app.client_key);
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
        .ok_or_else(|| OAuthFailure::new("invalid_grant", "Authorization code is invalid."))?;
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
    let sent_redirect = req.redirect_uri.as_deref().unwrap_or("");
    // A QR code had no authorize request: QR clients send no redirect_uri (spec §2.5).
    let qr_without_redirect =
        sent_redirect.is_empty() && st.store.is_qr_code(&rec.code_hash).await?;
    if sent_redirect != rec.redirect_uri && !qr_without_redirect {
        return Err(OAuthFailure::new(
            "invalid_grant",
            "redirect_uri does not match the one used to authorize.",
        ));
    }
    let verifier = req.code_verifier.as_deref().unwrap_or("");
    match &rec.code_challenge {
        Some(_) if verifier.is_empty() => {
            return Err(OAuthFailure::new(
                "invalid_request",
                "code_verifier is required for this code.",
            ));
        }
        Some(challenge) => match rules::pkce_match(challenge, verifier) {
            rules::PkceMatch::Hex => {}
            rules::PkceMatch::Base64Url => compat.allow(slot, Leniency::PkceBase64Url)?,
            rules::PkceMatch::No => {
                return Err(OAuthFailure::new(
                    "invalid_grant",
                    "code_verifier does not match the code_challenge.",
                ));
            }
        },
        // RFC 9700 §2.1.1: a verifier for a code issued without a challenge means someone
        // stripped the challenge from the authorization request (a PKCE downgrade).
        None if !verifier.is_empty() => {
            return Err(OAuthFailure::new(
                "invalid_grant",
                "code_verifier does not match the code_challenge.",
            ));
        }
        None => {}
    }
    crate::service::tokens::issue_user_tokens(st, app, &rec.creator_id, &rec.scopes, &family)
        .await
        .map_err(OAuthFailure::from)
}

/// `grant_type=refresh_token`: a new access token and a new refresh token in place of the one
/// sent. Under strict rotation (TikTok's current pages) the one sent stops working at once; a
/// superseded token presented again revokes its whole family (RFC 9700 §4.14).
pub async fn refresh(
    st: &AppState,
    app: &App,
    compat: &Compat,
    req: &TokenRequest,
) -> Result<TokenResponse, OAuthFailure> {
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
    // The token's creator may run ahead of the app (per-creator clocks).
    let now = st.now_for_creator(&app.client_key, old.creator_id.as_deref());
    let state = rules::RefreshState {
        revoked: old.revoked_at.is_some(),
        used: old.used_at.is_some(),
        successor_used: st.store.successor_used(&hash).await?,
    };
    if rules::refresh_decision(compat.profile.rotation, state)
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
    let grant = grant
        .filter(|g| g.revoked_at.is_none())
        .ok_or_else(|| OAuthFailure::new("invalid_grant", "The authorization was revoked."))?;
    let access_ttl = crate::service::tokens::lifetimes(st, compat).access_secs;
    let access_plain = ids::token(ids::ACCESS_TOKEN_PREFIX);
    let refresh_plain = ids::token(ids::REFRESH_TOKEN_PREFIX);
    let access = Token {
        hash: secrets::sha256_hex(&access_plain),
        kind: TokenKind::Access,
        client_key: app.client_key.clone(),
        grant_id: Some(grant.id.clone()),
        creator_id: Some(grant.creator_id.clone()),
        scopes: old.scopes.clone(),
        expires_at: now + access_ttl * 1000,
        revoked_at: None,
        parent_hash: None,
        used_at: None,
        created_at: now,
        family_id: old.family_id.clone(),
    };
    // The refresh token's lifetime counts from the authorization, not from this refresh: both
    // generations of TikTok's pages say so ("365 days after the initial issuance"; "Both fields
    // return the remaining lifetime").
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
    Ok(TokenResponse {
        access_token: access_plain,
        expires_in: access_ttl,
        open_id: grant.open_id.clone(),
        refresh_expires_in: ((old.expires_at - now) / 1000).max(0),
        refresh_token: refresh_plain,
        scope: old.scopes.join(","),
        token_type: "Bearer".into(),
    })
}

/// `grant_type=client_credentials`: a client token for the app's own calls (research).
pub async fn client_token(st: &AppState, app: &App) -> Result<ClientTokenResponse, OAuthFailure> {
    let now = st.now_for(&app.client_key);
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
    Ok(ClientTokenResponse {
        access_token: plain,
        expires_in: st.cfg.limits.client_token_ttl_secs,
        token_type: "Bearer".into(),
    })
}
