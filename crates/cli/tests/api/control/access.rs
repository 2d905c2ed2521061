//! The control API needs the admin token, and /openapi.json documents every route.
use serde_json::{Value, json};

#[tokio::test]
async fn control_api_needs_the_admin_token_and_the_openapi_covers_routes() {
    let s = crate::server().await;
    let r = s
        .http
        .post(s.url("/_reelbox/apps"))
        .bearer_auth("wrong")
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "access_token_invalid");
    let doc = s.openapi().await;
    for p in [
        "/v2/oauth/token/",
        "/v2/oauth/revoke/",
        "/v2/auth/authorize/",
        "/v2/post/publish/creator_info/query/",
        "/v2/post/publish/video/init/",
        "/v2/post/publish/inbox/video/init/",
        "/v2/post/publish/content/init/",
        "/v2/post/publish/status/fetch/",
        "/v2/post/publish/cancel/",
        "/upload/video/",
        "/_reelbox/apps",
        "/_reelbox/creators",
        "/_reelbox/tokens",
        "/_reelbox/clock",
        "/healthz",
    ] {
        assert!(doc["paths"].get(p).is_some(), "openapi lacks {p}");
    }
    // Bad app input.
    let r = s
        .http
        .post(s.url("/_reelbox/apps"))
        .bearer_auth(&s.admin_token)
        .json(&json!({"name": "x", "redirect_uris": ["http://example.com/cb/"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = s
        .http
        .post(s.url("/_reelbox/apps"))
        .bearer_auth(&s.admin_token)
        .json(&json!({"name": "x", "scopes": ["video.delete"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}
