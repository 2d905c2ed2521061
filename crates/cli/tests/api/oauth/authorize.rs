//! `/v2/auth/authorize/`: bad requests refused, and sandbox apps that authorize only their test users.
use reelbox_testkit::oauth::consent;
use serde_json::json;

use super::{REDIRECT, query, urlencode};
use crate::world;

#[tokio::test]
async fn authorize_refuses_bad_requests() {
    let w = world().await;
    let s = &w.s;
    let key = w.app["client_key"].as_str().unwrap();
    // Redirect URI not registered: a page, never a redirect.
    let r = s.http.get(s.url(&format!("/v2/auth/authorize/?client_key={key}&response_type=code&scope=video.publish&redirect_uri=https%3A%2F%2Fevil.example%2F&state=s"))).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
    // A scope the app does not have: back to the app with invalid_scope.
    let r = s.http.get(s.url(&format!("/v2/auth/authorize/?client_key={key}&response_type=code&scope=research.data.basic&redirect_uri={}&state=s", urlencode(REDIRECT)))).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let q = query(r.headers()["location"].to_str().unwrap());
    assert_eq!(
        (q["error"].as_str(), q["state"].as_str()),
        ("invalid_scope", "s")
    );
    // Unknown client.
    let r = s.http.get(s.url("/v2/auth/authorize/?client_key=nope&response_type=code&scope=video.publish&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback%2F")).send().await.unwrap();
    assert_eq!(r.status(), 400);
    // Deny, and a wrong password.
    let url = format!(
        "{}?client_key={key}&response_type=code&scope=video.publish&redirect_uri={}&state=st1",
        s.url("/v2/auth/authorize/"),
        urlencode(REDIRECT)
    );
    let (status, loc, _) = consent(s, &url, "alice", "correct horse", "deny").await;
    assert_eq!(status, 302);
    let q = query(&loc);
    assert_eq!(
        (q["error"].as_str(), q["state"].as_str()),
        ("access_denied", "st1")
    );
    let (status, _, body) = consent(s, &url, "alice", "wrong password", "approve").await;
    assert_eq!(status, 401);
    assert!(body.contains("Wrong username or password"));
    // A form without the CSRF cookie.
    let r = s
        .http
        .post(s.url("/v2/auth/authorize/"))
        .form(&[("client_key", key), ("csrf", "x"), ("decision", "approve")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn sandbox_apps_authorize_only_test_users() {
    let w = crate::world_with(
        json!({"name": "Sandboxed", "scopes": ["video.upload"], "redirect_uris": [REDIRECT]}),
        json!({"username": "alice", "password": "correct horse"}),
        &["video.upload"],
    )
    .await;
    let s = &w.s;
    let key = w.app["client_key"].as_str().unwrap();
    let url = format!(
        "{}?client_key={key}&response_type=code&scope=video.upload&redirect_uri={}&state=z",
        s.url("/v2/auth/authorize/"),
        urlencode(REDIRECT)
    );
    let (_, loc, _) = consent(s, &url, "alice", "correct horse", "approve").await;
    assert_eq!(query(&loc)["error"], "access_denied", "not a test user");
    s.admin(
        reqwest::Method::PATCH,
        &format!("/_reelbox/apps/{key}"),
        json!({"test_users": ["alice"]}),
    )
    .await;
    let (_, loc, _) = consent(s, &url, "alice", "correct horse", "approve").await;
    assert!(query(&loc).contains_key("code"), "{loc}");
}
