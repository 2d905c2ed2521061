//! Issuing and revoking a creator's tokens; shared by the token endpoint, the control API's
//! `POST /_reelbox/tokens` and the web pages.
use crate::config::Limits;
use crate::http::error::{ApiError, ApiResult};
use crate::service::invalid;
use crate::state::AppState;
use reelbox_core::{ids, secrets};
use reelbox_store::apps::App;
use reelbox_store::oauth::{Token, TokenKind};
use reelbox_wire::control::MintToken;
use reelbox_wire::oauth::TokenResponse;

/// Records (or re-activates) the app's grant for the creator and issues an access token (24 h)
/// and a refresh token (365 d), the first of token family `family_id`.
pub async fn issue_user_tokens(
    st: &AppState,
    app: &App,
    creator_id: &str,
    scopes: &[String],
    family_id: &str,
) -> Result<TokenResponse, reelbox_store::StoreError> {
    let now = st.now();
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
    let access_plain = ids::token(ids::ACCESS_TOKEN_PREFIX);
    let refresh_plain = ids::token(ids::REFRESH_TOKEN_PREFIX);
    let l = &st.cfg.limits;
    let (access, refresh) = token_pair(
        l,
        now,
        (&access_plain, &refresh_plain),
        Token {
            client_key: app.client_key.clone(),
            grant_id: Some(grant.id.clone()),
            creator_id: Some(creator_id.to_string()),
            scopes: scopes.to_vec(),
            family_id: Some(family_id.to_string()),
            ..unissued()
        },
    );
    st.store.insert_token(&access).await?;
    st.store.insert_token(&refresh).await?;
    Ok(TokenResponse {
        access_token: access_plain,
        expires_in: l.access_token_ttl_secs,
        open_id: grant.open_id,
        refresh_expires_in: l.refresh_token_ttl_secs,
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

/// A token with nothing of its own yet, to be filled in by [`token_pair`]'s caller.
fn unissued() -> Token {
    Token {
        hash: String::new(),
        kind: TokenKind::Access,
        client_key: String::new(),
        grant_id: None,
        creator_id: None,
        scopes: Vec::new(),
        expires_at: 0,
        revoked_at: None,
        parent_hash: None,
        used_at: None,
        created_at: 0,
        family_id: None,
    }
}

/// The access and refresh token of one consent: the same grant, scopes and family, stored as
/// SHA-256 of their plaintexts, each living as long as `[limits]` says from `now`.
fn token_pair(l: &Limits, now: i64, plain: (&str, &str), of: Token) -> (Token, Token) {
    let access = Token {
        hash: secrets::sha256_hex(plain.0),
        kind: TokenKind::Access,
        expires_at: now + l.access_token_ttl_secs * 1000,
        created_at: now,
        revoked_at: None,
        parent_hash: None,
        used_at: None,
        ..of
    };
    let refresh = Token {
        hash: secrets::sha256_hex(plain.1),
        kind: TokenKind::Refresh,
        expires_at: now + l.refresh_token_ttl_secs * 1000,
        ..access.clone()
    };
    (access, refresh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_consent_gives_two_tokens_of_one_family_with_the_configured_lifetimes() {
        let l = Limits {
            access_token_ttl_secs: 60,
            refresh_token_ttl_secs: 600,
            ..Limits::default()
        };
        let of = Token {
            client_key: "ck".into(),
            grant_id: Some("g".into()),
            scopes: vec!["video.list".into()],
            family_id: Some("f".into()),
            ..unissued()
        };
        let (access, refresh) = token_pair(&l, 1_000, ("act.a", "rft.r"), of);
        assert_eq!(
            (access.kind, refresh.kind),
            (TokenKind::Access, TokenKind::Refresh)
        );
        assert_eq!((access.expires_at, refresh.expires_at), (61_000, 601_000));
        assert_eq!(access.created_at, refresh.created_at);
        for t in [&access, &refresh] {
            assert_eq!(t.family_id.as_deref(), Some("f"));
            assert_eq!(t.grant_id.as_deref(), Some("g"));
            assert_eq!(t.scopes, vec!["video.list".to_string()]);
        }
    }

    #[test]
    fn only_the_hash_of_a_token_is_kept() {
        let (access, refresh) = token_pair(&Limits::default(), 0, ("act.a", "rft.r"), unissued());
        assert_eq!(access.hash, secrets::sha256_hex("act.a"));
        assert_eq!(refresh.hash, secrets::sha256_hex("rft.r"));
        assert_ne!(access.hash, "act.a");
    }
}
