//! The SDK's login through the consent page, refresh without the user, and revoke.
use std::sync::Arc;

use reelbox_sdk::wire::ErrorCode;
use reelbox_sdk::{
    Action, AuthorizeUrl, Callback, Client, Credentials, MemoryTokenStore, OAuthClient,
    TokenHolder, Tokens,
};
use reelbox_testkit::oauth::consent;

use super::fast;
use crate::world;

#[tokio::test]
async fn login_refresh_and_revoke_without_the_user() {
    let w = world().await;
    let s = &w.s;
    let key = w.app["client_key"].as_str().unwrap();
    let secret = w.app["client_secret"].as_str().unwrap();
    let redirect = "http://127.0.0.1:53999/callback/";
    let auth = AuthorizeUrl::new(
        s.url("/v2/auth/authorize/"),
        key,
        &["user.info.basic", "video.publish", "video.upload"],
        redirect,
    );
    let (status, loc, _) =
        consent(s, &auth.url().unwrap(), "alice", "correct horse", "approve").await;
    assert_eq!(status, 302);
    let query = loc.split_once('?').unwrap().1;
    let Callback::Code { code, scopes } = Callback::parse(query, &auth.state).unwrap() else {
        panic!("denied: {loc}");
    };
    assert_eq!(scopes.len(), 3);
    // The wrong state is refused (CSRF).
    assert!(Callback::parse(query, "another").is_err());
    let oauth = OAuthClient::new(reqwest::Client::new(), &s.base, key, Some(secret.into()));
    let t = oauth
        .exchange_code(&code, redirect, Some(&auth.pkce.verifier))
        .await
        .unwrap();
    assert!(t.access_token.starts_with("act."));
    // A code is single use: the typed OAuth error says so. (Shown with a second consent: the
    // replay revokes what the first use of that code issued.)
    let (_, loc2, _) = consent(s, &auth.url().unwrap(), "alice", "correct horse", "approve").await;
    let Callback::Code { code: code2, .. } =
        Callback::parse(loc2.split_once('?').unwrap().1, &auth.state).unwrap()
    else {
        panic!("denied: {loc2}");
    };
    oauth
        .exchange_code(&code2, redirect, Some(&auth.pkce.verifier))
        .await
        .unwrap();
    let again = oauth
        .exchange_code(&code2, redirect, Some(&auth.pkce.verifier))
        .await
        .unwrap_err();
    assert!(
        matches!(&again, reelbox_sdk::Error::OAuth { error, .. } if error == "invalid_grant"),
        "{again}"
    );
    assert_eq!(again.action(), Action::Reconnect);

    // The holder refreshes an access token the server calls expired, and saves the new pair.
    let store = Arc::new(MemoryTokenStore::default());
    let holder = Arc::new(TokenHolder::new(
        oauth.clone(),
        Tokens::from_response(&t, reelbox_sdk::oauth::system_now_ms()),
        store.clone(),
    ));
    let client = fast(Client::new(&s.base, Credentials::Holder(holder.clone())));
    assert_eq!(
        client.creator_info().await.unwrap().creator_username,
        "alice"
    );
    assert!(
        store.last.lock().unwrap().is_none(),
        "no refresh while valid"
    );
    // Two hours and a minute: past the access token's lifetime on TikTok's current pages.
    s.advance_clock(2 * 3600 + 60).await;
    let info = client.creator_info().await.unwrap();
    assert_eq!(info.creator_username, "alice");
    let saved = store
        .last
        .lock()
        .unwrap()
        .clone()
        .expect("refreshed tokens saved");
    assert_ne!(saved.access_token, t.access_token);
    assert_ne!(saved.refresh_token, t.refresh_token, "rotated");
    assert_eq!(holder.tokens().await, saved);
    // Strict rotation: the next refresh must use the rotated token the holder saved (the first
    // one presented again would revoke the whole family).
    s.advance_clock(2 * 3600 + 60).await;
    assert_eq!(
        client.creator_info().await.unwrap().creator_username,
        "alice"
    );
    let second = store.last.lock().unwrap().clone().unwrap();
    assert_ne!(second.refresh_token, saved.refresh_token);
    let saved = second;
    // The old token is dead: a typed error with the platform's message and log_id.
    let stale = fast(Client::new(
        &s.base,
        Credentials::Token(t.access_token.clone()),
    ));
    let e = stale.creator_info().await.unwrap_err();
    let api = e.api().expect("API error");
    assert_eq!(api.kind(), Some(ErrorCode::AccessTokenInvalid));
    assert_eq!(api.http_status, 401);
    assert_eq!(api.log_id.len(), 34, "{api:?}");
    assert!(!api.message.is_empty());
    assert_eq!(e.action(), Action::Reconnect);

    // Shortly before expiry (by the holder's clock) the token is refreshed before it is used.
    let soon = Arc::new(
        TokenHolder::new(oauth.clone(), saved.clone(), store.clone())
            .with_clock(Arc::new(move || saved.expires_at_ms - 60_000)),
    );
    let fresh = soon.access_token().await.unwrap();
    assert_ne!(fresh, saved.access_token, "refreshed ahead of expiry");
    let saved = store.last.lock().unwrap().clone().unwrap();
    assert_eq!(saved.access_token, fresh);
    // Client credentials give a clt. token; revoke ends the grant.
    let clt = oauth.client_credentials().await.unwrap();
    assert!(clt.access_token.starts_with("clt."));
    oauth.revoke(&saved.access_token).await.unwrap();
    let e = client.creator_info().await.unwrap_err();
    assert!(
        matches!(&e, reelbox_sdk::Error::OAuth { .. }) || e.is(ErrorCode::AccessTokenInvalid),
        "revoked: {e}"
    );
}
