//! The authorization-code flow: a real OAuth 2.0 library (PKCE, refresh) and the TikTok-style
//! exchange by hand, with every refusal of the token endpoint.
use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge, RedirectUrl,
    RefreshToken, Scope, TokenResponse, TokenUrl,
};
use reelbox_testkit::World;
use reelbox_testkit::oauth::{consent, token_form};
use reelbox_testkit::redact::redact;
use serde_json::{Value, json};
use sha2::Digest;

use super::{REDIRECT, oauth_error, query, urlencode};
use crate::world;

#[tokio::test]
async fn oauth2_library_runs_the_whole_flow() {
    let w = world().await;
    let s = &w.s;
    let key = w.app["client_key"].as_str().unwrap();
    let secret = w.app["client_secret"].as_str().unwrap();
    let client = BasicClient::new(ClientId::new(key.into()))
        .set_client_secret(ClientSecret::new(secret.into()))
        .set_auth_uri(AuthUrl::new(s.url("/v2/auth/authorize/")).unwrap())
        .set_token_uri(TokenUrl::new(s.url("/v2/oauth/token/")).unwrap())
        .set_redirect_uri(RedirectUrl::new("http://127.0.0.1:53111/callback/".into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("video.publish".into()))
        .add_scope(Scope::new("user.info.basic".into()))
        .set_pkce_challenge(challenge)
        .url();
    let (status, loc, _) = consent(s, auth_url.as_str(), "alice", "correct horse", "approve").await;
    assert_eq!(status, 302);
    let q = query(&loc);
    assert!(
        loc.starts_with("http://127.0.0.1:53111/callback/?"),
        "{loc}"
    );
    assert_eq!(q["state"], *csrf.secret());
    assert_eq!(q["scopes"], "video.publish,user.info.basic");
    let http = oauth2::reqwest::Client::builder()
        .redirect(oauth2::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let tok = client
        .exchange_code(AuthorizationCode::new(q["code"].clone()))
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");
    let access = tok.access_token().secret().clone();
    assert!(access.starts_with("act."));
    // TikTok's current pages: access tokens live two hours.
    assert_eq!(tok.expires_in().unwrap().as_secs(), 7_200);
    let (st, v) = s
        .call(&access, "/v2/post/publish/creator_info/query/", None)
        .await;
    assert_eq!((st, v["error"]["code"].as_str().unwrap()), (200, "ok"));
    // Two hours and a minute later the access token is refused: refresh it.
    s.advance_clock(2 * 3600 + 60).await;
    let (st, _) = s
        .call(&access, "/v2/post/publish/creator_info/query/", None)
        .await;
    assert_eq!(st, 401);
    // Refresh through the library, then revoke by hand (TikTok's revoke is not RFC 7009's path).
    let refreshed = client
        .exchange_refresh_token(&RefreshToken::new(
            tok.refresh_token().unwrap().secret().clone(),
        ))
        .request_async(&http)
        .await
        .expect("refresh");
    let access2 = refreshed.access_token().secret().clone();
    assert_ne!(access2, access);
    // Rotated: the answer carries the refresh token to keep.
    assert_ne!(
        refreshed.refresh_token().unwrap().secret(),
        tok.refresh_token().unwrap().secret()
    );
    let (st, _) = s
        .call(&access2, "/v2/post/publish/creator_info/query/", None)
        .await;
    assert_eq!(st, 200);
    let r = s
        .http
        .post(s.url("/v2/oauth/revoke/"))
        .form(&[
            ("client_key", key),
            ("client_secret", secret),
            ("token", access2.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({}));
    for t in [&access, &access2] {
        let (st, v) = s
            .call(t, "/v2/post/publish/creator_info/query/", None)
            .await;
        assert_eq!(
            (st, v["error"]["code"].as_str().unwrap()),
            (401, "access_token_invalid"),
            "revoked tokens are refused"
        );
    }
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", refreshed.refresh_token().unwrap().secret()),
        ],
    )
    .await;
    assert_eq!((st, v["error"].as_str().unwrap()), (400, "invalid_grant"));
}

/// The TikTok way: `client_key`, a hex PKCE challenge, comma-separated scopes, form posts.
async fn tiktok_code(w: &World, verifier: &str, redirect: &str) -> String {
    let challenge = hex::encode(sha2::Sha256::digest(verifier.as_bytes()));
    let url = format!(
        "{}?client_key={}&response_type=code&scope=user.info.basic,video.publish&redirect_uri={}&state=Xyz123&code_challenge={challenge}&code_challenge_method=S256&disable_auto_auth=0",
        w.s.url("/v2/auth/authorize/"),
        w.app["client_key"].as_str().unwrap(),
        urlencode(redirect)
    );
    let (status, loc, _) = consent(&w.s, &url, "alice", "correct horse", "approve").await;
    assert_eq!(status, 302, "{loc}");
    let q = query(&loc);
    assert_eq!(q["state"], "Xyz123");
    q["code"].clone()
}

const VERIFIER: &str = "a-verifier-of-at-least-forty-three-characters-0123456789";

#[tokio::test]
async fn tiktok_style_exchange_and_every_refusal() {
    let w = world().await;
    let s = &w.s;
    let key = w.app["client_key"].as_str().unwrap();
    let secret = w.app["client_secret"].as_str().unwrap();
    let code = tiktok_code(&w, VERIFIER, REDIRECT).await;

    // Wrong secret, unknown client, wrong verifier, redirect mismatch: all refused, the code
    // consumed only by a request that authenticates.
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", "wrong"),
            ("code", &code),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!((st, v["error"].as_str().unwrap()), (401, "invalid_client"));
    insta::assert_json_snapshot!("token_wrong_secret", redact(v));
    let (st, v) = token_form(
        s,
        &[
            ("client_key", "nope"),
            ("client_secret", secret),
            ("code", &code),
            ("grant_type", "authorization_code"),
        ],
    )
    .await;
    assert_eq!((st, v["error"].as_str().unwrap()), (401, "invalid_client"));
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("code", &code),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(st, 200, "{v}");
    insta::assert_json_snapshot!("token_ok", redact(v.clone()));
    assert_eq!(v["scope"], "user.info.basic,video.publish");
    // Reused code.
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("code", &code),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(
        oauth_error(st, &v),
        (
            400,
            "invalid_grant",
            "Authorization code has already been used."
        )
    );

    let code = tiktok_code(&w, VERIFIER, REDIRECT).await;
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("code", &code),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT),
            (
                "code_verifier",
                "another-verifier-another-verifier-another-verifier",
            ),
        ],
    )
    .await;
    assert_eq!((st, v["error"].as_str().unwrap()), (400, "invalid_grant"));
    // The wrong verifier burned the code: the right one no longer helps (documented).
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("code", &code),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(
        (st, v["error"].as_str().unwrap()),
        (400, "invalid_grant"),
        "{v}"
    );
    let code = tiktok_code(&w, VERIFIER, REDIRECT).await;
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("code", &code),
            ("grant_type", "authorization_code"),
            ("redirect_uri", "https://app.example.com/other/"),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!((st, v["error"].as_str().unwrap()), (400, "invalid_grant"));
    // Expired code: ten minutes and one second later.
    let code = tiktok_code(&w, VERIFIER, REDIRECT).await;
    s.advance_clock(601).await;
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("code", &code),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(
        (st, v["error_description"].as_str().unwrap()),
        (400, "Authorization code is expired.")
    );
    // Unsupported grant, missing grant.
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("grant_type", "password"),
        ],
    )
    .await;
    assert_eq!(
        (st, v["error"].as_str().unwrap()),
        (400, "unsupported_grant_type")
    );
    let (st, v) = token_form(s, &[("client_key", key), ("client_secret", secret)]).await;
    assert_eq!((st, v["error"].as_str().unwrap()), (400, "invalid_request"));
}
