//! Attacks on the OAuth server from its security review: each one refused in TikTok's form.
use reelbox_testkit::oauth::{consent, token_form};
use serde_json::{Value, json};

use super::{REDIRECT, invalid_refresh, oauth_error, query, refresh, urlencode};
use crate::world;

const VERIFIER: &str = "a-verifier-of-at-least-forty-three-characters-0123456789";

/// A code from a consent without PKCE.
async fn plain_code(w: &reelbox_testkit::World) -> String {
    let url = format!(
        "{}?client_key={}&response_type=code&scope=user.info.basic&redirect_uri={}&state=s",
        w.s.url("/v2/auth/authorize/"),
        w.app["client_key"].as_str().unwrap(),
        urlencode(REDIRECT)
    );
    let (status, loc, _) = consent(&w.s, &url, "alice", "correct horse", "approve").await;
    assert_eq!(status, 302, "{loc}");
    query(&loc)["code"].clone()
}

#[tokio::test]
async fn code_verifier_without_a_challenge_is_refused() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap();
    let secret = w.app["client_secret"].as_str().unwrap();
    let code = plain_code(&w).await;
    // RFC 9700 §2.1.1: a verifier for a code issued without a challenge is a downgrade.
    let (st, v) = token_form(
        &w.s,
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
            "code_verifier does not match the code_challenge."
        ),
        "{v}"
    );
}

#[tokio::test]
async fn out_of_range_loopback_port_is_a_clean_refusal() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap();
    for port in ["99999", "65536", "0", "000000000000000000000080"] {
        let redirect = format!("http://127.0.0.1:{port}/callback/");
        let r = w
            .s
            .http
            .get(w.s.url(&format!(
                "/v2/auth/authorize/?client_key={key}&response_type=code&scope=user.info.basic&redirect_uri={}&state=s",
                urlencode(&redirect)
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "port {port}");
        assert!(r.headers().get("location").is_none());
        let body = r.text().await.unwrap();
        assert!(body.contains("redirect_uri"), "port {port}: {body}");
    }
}

async fn exchange(w: &reelbox_testkit::World, key: &str, secret: &str, code: &str) -> (u16, Value) {
    token_form(
        &w.s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("code", code),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await
}

const USER_INFO: &str = "/v2/user/info/?fields=open_id";

async fn user_info(w: &reelbox_testkit::World, token: &str) -> u16 {
    let r =
        w.s.http
            .get(w.s.url(USER_INFO))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
    r.status().as_u16()
}

#[tokio::test]
async fn replayed_code_revokes_what_it_issued() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap();
    let secret = w.app["client_secret"].as_str().unwrap();
    let code = plain_code(&w).await;
    let (st, first) = exchange(&w, key, secret, &code).await;
    assert_eq!(st, 200, "{first}");
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(user_info(&w, access).await, 200);
    // RFC 6749 §4.1.2: a second use of a code revokes the tokens the first use issued.
    let (st, v) = exchange(&w, key, secret, &code).await;
    assert_eq!((st, v["error"].as_str().unwrap()), (400, "invalid_grant"));
    assert_eq!(user_info(&w, access).await, 401);
    let (st, v) = token_form(
        &w.s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", first["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!((st, v["error"].as_str().unwrap()), (400, "invalid_grant"));
    // The tokens of other authorizations of the same creator are untouched.
    assert_eq!(user_info(&w, &w.token).await, 200);
}

#[tokio::test]
async fn a_failed_exchange_by_another_client_leaves_the_code_usable() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap();
    let secret = w.app["client_secret"].as_str().unwrap();
    let other =
        w.s.create_app(
            json!({"name": "Other", "scopes": ["user.info.basic"], "redirect_uris": [REDIRECT]}),
        )
        .await;
    let code = plain_code(&w).await;
    // Wrong secret, and another app presenting the code: both refused, neither burns it.
    let (st, _) = exchange(&w, key, "wrong", &code).await;
    assert_eq!(st, 401);
    let (st, v) = exchange(
        &w,
        other["client_key"].as_str().unwrap(),
        other["client_secret"].as_str().unwrap(),
        &code,
    )
    .await;
    assert_eq!((st, v["error"].as_str().unwrap()), (400, "invalid_grant"));
    let (st, v) = exchange(&w, key, secret, &code).await;
    assert_eq!(st, 200, "{v}");
}

#[tokio::test]
async fn revoking_invalidates_outstanding_codes() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap();
    let secret = w.app["client_secret"].as_str().unwrap();
    let code = plain_code(&w).await;
    let r =
        w.s.http
            .post(w.s.url("/v2/oauth/revoke/"))
            .form(&[
                ("client_key", key),
                ("client_secret", secret),
                ("token", &w.token),
            ])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
    // The code from before the revoke neither works nor re-activates the grant.
    let (st, v) = exchange(&w, key, secret, &code).await;
    assert_eq!(
        oauth_error(st, &v),
        (400, "invalid_grant", "Authorization code is invalid."),
        "{v}"
    );
    assert_eq!(user_info(&w, &w.token).await, 401);
    // A new consent works as before.
    let code = plain_code(&w).await;
    let (st, v) = exchange(&w, key, secret, &code).await;
    assert_eq!(st, 200, "{v}");
}

#[tokio::test]
async fn replayed_refresh_token_revokes_its_family() {
    let w = world().await;
    let (st, r2) = refresh(&w, &w.refresh).await;
    assert_eq!(st, 200, "{r2}");
    let (st, r3) = refresh(&w, r2["refresh_token"].as_str().unwrap()).await;
    assert_eq!(st, 200, "{r3}");
    // The first token again, after its successor was used: a replay.
    let (st, v) = refresh(&w, &w.refresh).await;
    invalid_refresh(st, &v);
    let (st, v) = refresh(&w, r3["refresh_token"].as_str().unwrap()).await;
    invalid_refresh(st, &v);
    assert_eq!(
        user_info(&w, r3["access_token"].as_str().unwrap()).await,
        401
    );
}

#[tokio::test]
async fn a_retried_refresh_leaves_one_chain() {
    let w = world().await;
    // The older pages' rotation: within the grace a lost answer can be retried; the retry's
    // chain is the only one left.
    let key = w.app["client_key"].as_str().unwrap().to_string();
    super::profiles::choose(&w.s, &key, json!({"profile": "tiktok-2024"})).await;
    let t =
        w.s.mint(&key, "alice", &["user.info.basic", "video.publish"])
            .await;
    let w = reelbox_testkit::World {
        refresh: t["refresh_token"].as_str().unwrap().to_string(),
        ..w
    };
    let (st, lost) = refresh(&w, &w.refresh).await;
    assert_eq!(st, 200, "{lost}");
    let (st, kept) = refresh(&w, &w.refresh).await;
    assert_eq!(st, 200, "{kept}");
    let (st, v) = refresh(&w, lost["refresh_token"].as_str().unwrap()).await;
    invalid_refresh(st, &v);
    // Presenting the abandoned sibling was a replay: the family is gone.
    let (st, v) = refresh(&w, kept["refresh_token"].as_str().unwrap()).await;
    invalid_refresh(st, &v);
}

#[tokio::test]
async fn narrower_reconsent_leaves_no_broader_token() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap();
    let ci = "/v2/post/publish/creator_info/query/";
    let broad =
        w.s.mint(key, "alice", &["user.info.basic", "video.publish"])
            .await;
    let (st, _) =
        w.s.call(broad["access_token"].as_str().unwrap(), ci, None)
            .await;
    assert_eq!(st, 200);
    let narrow = w.s.mint(key, "alice", &["user.info.basic"]).await;
    // The older, broader chain no longer carries the scope the creator took back.
    let (st, v) =
        w.s.call(broad["access_token"].as_str().unwrap(), ci, None)
            .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (401, "scope_not_authorized")
    );
    let (st, v) = refresh(&w, broad["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (st, v["scope"].as_str().unwrap()),
        (200, "user.info.basic"),
        "{v}"
    );
    assert_eq!(
        user_info(&w, narrow["access_token"].as_str().unwrap()).await,
        200
    );
    // A re-consent with no scope in common with an older token revokes it.
    let other = w.s.mint(key, "alice", &["video.publish"]).await;
    assert_eq!(
        user_info(&w, narrow["access_token"].as_str().unwrap()).await,
        401
    );
    let (st, _) =
        w.s.call(other["access_token"].as_str().unwrap(), ci, None)
            .await;
    assert_eq!(st, 200);
}

#[tokio::test]
async fn client_secret_guesses_are_throttled_per_client_key() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap();
    let secret = w.app["client_secret"].as_str().unwrap();
    let form = |secret: &'static str| {
        vec![
            ("client_key", key.to_string()),
            ("client_secret", secret.to_string()),
            ("grant_type", "client_credentials".to_string()),
        ]
    };
    // limits.rate_token_failures: 10 failed authentications per client_key per minute.
    for _ in 0..10 {
        let r =
            w.s.http
                .post(w.s.url("/v2/oauth/token/"))
                .form(&form("guess"))
                .send()
                .await
                .unwrap();
        assert_eq!(r.status(), 401);
    }
    // Then even the right secret waits: a guess that happens to be right must not get through.
    let good = [
        ("client_key", key),
        ("client_secret", secret),
        ("grant_type", "client_credentials"),
    ];
    let r =
        w.s.http
            .post(w.s.url("/v2/oauth/token/"))
            .form(&good)
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "rate_limit_exceeded", "{v}");
    insta::assert_json_snapshot!(
        "token_secret_guesses_throttled",
        reelbox_testkit::redact::redact(v)
    );
    // Another app is not affected; a minute later the app gets in again.
    let other =
        w.s.create_app(
            json!({"name": "Other", "scopes": ["user.info.basic"], "redirect_uris": [REDIRECT]}),
        )
        .await;
    let t = reelbox_testkit::oauth::client_token(
        &w.s,
        other["client_key"].as_str().unwrap(),
        other["client_secret"].as_str().unwrap(),
    )
    .await;
    assert!(t.starts_with("clt."));
    w.s.advance_clock(61).await;
    let r =
        w.s.http
            .post(w.s.url("/v2/oauth/token/"))
            .form(&good)
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
}
