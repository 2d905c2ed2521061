//! Issuing and revoking a creator's tokens; shared by the token endpoint, the control API's
//! `POST /_reelbox/tokens` and the web pages.
use crate::http::error::{ApiError, ApiResult};
use crate::service::compat::Compat;
use crate::service::invalid;
use crate::state::AppState;
use reelbox_core::{ids, secrets};
use reelbox_store::apps::App;
use reelbox_store::oauth::{Token, TokenKind};
use reelbox_wire::control::MintToken;
use reelbox_wire::oauth::TokenResponse;

/// How long a user's tokens live: the app's profile says (2 h and 180 d on TikTok's current
/// pages, 24 h and 365 d on the older ones) unless the operator set `limits.*_token_ttl_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetimes {
    pub access_secs: i64,
    pub refresh_secs: i64,
}

pub fn lifetimes(st: &AppState, compat: &Compat) -> Lifetimes {
    let l = &st.cfg.limits;
    Lifetimes {
        access_secs: l
            .access_token_ttl_secs
            .unwrap_or(compat.profile.access_token_ttl_secs),
        refresh_secs: l
            .refresh_token_ttl_secs
            .unwrap_or(compat.profile.refresh_token_ttl_secs),
    }
}

/// Records (or re-activates) the app's grant for the creator and issues an access token and a
/// refresh token (lifetimes per the app's profile), the first of token family `family_id`.
pub async fn issue_user_tokens(
    st: &AppState,
    app: &App,
    creator_id: &str,
    scopes: &[String],
    family_id: &str,
) -> Result<TokenResponse, reelbox_store::StoreError> {
    issue_user_tokens_as(
        st,
        app,
        creator_id,
        scopes,
        family_id,
        &FixedTokens::default(),
    )
    .await
}

/// Token values and remaining lifetimes chosen rather than made (a seed file's); each `None`
/// is made as usual.
#[derive(Debug, Clone, Default)]
pub struct FixedTokens {
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    pub access_secs: Option<i64>,
    pub refresh_secs: Option<i64>,
}

/// [`issue_user_tokens`] with what `fixed` chooses.
pub async fn issue_user_tokens_as(
    st: &AppState,
    app: &App,
    creator_id: &str,
    scopes: &[String],
    family_id: &str,
    fixed: &FixedTokens,
) -> Result<TokenResponse, reelbox_store::StoreError> {
    let now = st.now_for_creator(&app.client_key, Some(creator_id));
    let grant = st
        .store
        .upsert_grant(
            &ids::row_id(),
            &app.client_key,
            creator_id,
            &ids::open_id(),
            scopes,
            now,
        )
        .await?;
    // The grant now holds `scopes` only: older chains with more must not outlive the consent.
    st.store.narrow_grant_tokens(&grant.id, scopes, now).await?;
    let access_plain = fixed
        .access_token
        .clone()
        .unwrap_or_else(|| ids::token(ids::ACCESS_TOKEN_PREFIX));
    let refresh_plain = fixed
        .refresh_token
        .clone()
        .unwrap_or_else(|| ids::token(ids::REFRESH_TOKEN_PREFIX));
    let mut l = lifetimes(st, &Compat::of(st, app));
    l.access_secs = fixed.access_secs.unwrap_or(l.access_secs);
    l.refresh_secs = fixed.refresh_secs.unwrap_or(l.refresh_secs);
    let access = Token {
        hash: secrets::sha256_hex(&access_plain),
        kind: TokenKind::Access,
        client_key: app.client_key.clone(),
        grant_id: Some(grant.id.clone()),
        creator_id: Some(creator_id.to_string()),
        scopes: scopes.to_vec(),
        expires_at: now + l.access_secs * 1000,
        revoked_at: None,
        parent_hash: None,
        used_at: None,
        created_at: now,
        family_id: Some(family_id.to_string()),
    };
    let refresh = Token {
        hash: secrets::sha256_hex(&refresh_plain),
        kind: TokenKind::Refresh,
        expires_at: now + l.refresh_secs * 1000,
        ..access.clone()
    };
    st.store.insert_token(&access).await?;
    st.store.insert_token(&refresh).await?;
    Ok(TokenResponse {
        access_token: access_plain,
        expires_in: l.access_secs,
        open_id: grant.open_id,
        refresh_expires_in: l.refresh_secs,
        refresh_token: refresh_plain,
        scope: scopes.join(","),
        token_type: "Bearer".into(),
    })
}

/// Revokes a grant with all its tokens, fails publishes still in flight with `auth_removed`, and
/// tells the app with `authorization.removed` (`reason`: 1 user disconnected, 5 developer revoke).
pub async fn revoke_grant(
    st: &AppState,
    grant_id: &str,
    reason: i64,
) -> Result<(), reelbox_store::StoreError> {
    let Some(grant) = st.store.grant(grant_id).await? else {
        return Ok(());
    };
    if grant.revoked_at.is_some() {
        return Ok(());
    }
    // The event is written with the revocation (a transactional outbox): never one without the other.
    let outbox = crate::service::events::prepare(
        st,
        &grant.client_key,
        &grant.open_id,
        reelbox_wire::webhook::events::AUTHORIZATION_REMOVED,
        serde_json::json!({ "reason": reason }),
    )
    .await?;
    if !st.store.revoke_grant(grant_id, st.now(), &outbox).await? {
        return Ok(());
    }
    if !outbox.is_empty() {
        st.work.notify_one();
    }
    crate::service::publishes::fail_in_flight_for_grant(st, &grant.client_key, &grant.creator_id)
        .await?;
    Ok(())
}

/// A consent given without the web page: the same grant and tokens the token endpoint issues.
pub async fn mint_token(st: &AppState, req: MintToken) -> ApiResult<TokenResponse> {
    let app = st
        .store
        .app(&req.client_key)
        .await?
        .ok_or_else(|| ApiError::not_found("app"))?;
    let creator = match (&req.username, &req.creator_id) {
        (Some(u), _) => {
            st.store
                .creator_by_username(u.trim_start_matches('@'))
                .await?
        }
        (None, Some(id)) => st
            .store
            .creator(id)
            .await?
            .map(std::sync::Arc::unwrap_or_clone),
        (None, None) => return Err(invalid("username or creator_id is required")),
    }
    .ok_or_else(|| ApiError::not_found("creator"))?;
    let scopes_: Vec<String> = if req.scopes.is_empty() {
        app.scopes.clone()
    } else {
        req.scopes.clone()
    };
    if let Some(s) = scopes_.iter().find(|s| !app.scopes.contains(s)) {
        return Err(invalid(format!("the app does not have scope {s}")));
    }
    Ok(
        crate::service::tokens::issue_user_tokens(st, &app, &creator.id, &scopes_, &ids::row_id())
            .await?,
    )
}
