//! Bearer tokens on the v2 routes: missing, unknown, out-of-scope, expired; refresh tokens expire too.
use reelbox_testkit::oauth::token_form;
use reelbox_testkit::redact::redact;
use serde_json::Value;

use crate::world;

#[tokio::test]
async fn bearer_tokens_expire_and_refresh_tokens_too() {
    let w = world().await;
    let s = &w.s;
    let key = w.app["client_key"].as_str().unwrap();
    let secret = w.app["client_secret"].as_str().unwrap();
    let ci = "/v2/post/publish/creator_info/query/";
    // Missing, unknown, wrong scope.
    let r = s.http.post(s.url(ci)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    insta::assert_json_snapshot!("missing_token", redact(v));
    let (st, v) = s.call("act.unknown", ci, None).await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (401, "access_token_invalid")
    );
    let narrow = s.mint(key, "alice", &["user.info.basic"]).await;
    let (st, v) = s
        .call(narrow["access_token"].as_str().unwrap(), ci, None)
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (401, "scope_not_authorized")
    );
    insta::assert_json_snapshot!("scope_not_authorized", redact(v));
    // Client tokens are not user tokens.
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("grant_type", "client_credentials"),
        ],
    )
    .await;
    assert_eq!(st, 200);
    assert!(v["access_token"].as_str().unwrap().starts_with("clt."));
    assert_eq!(v["expires_in"], 7200);
    let (st, _) = s.call(v["access_token"].as_str().unwrap(), ci, None).await;
    assert_eq!(st, 401);
    // HTTP Basic client authentication works as well as body credentials.
    let r = s
        .http
        .post(s.url("/v2/oauth/token/"))
        .basic_auth(key, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // 25 hours later the access token is expired; the refresh token still works.
    s.advance_clock(25 * 3600).await;
    let (st, v) = s.call(&w.token, ci, None).await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (401, "access_token_invalid")
    );
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", &w.refresh),
        ],
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let rotated = v["refresh_token"].as_str().unwrap().to_string();
    assert!(
        v["refresh_expires_in"].as_i64().unwrap() < 31_536_000,
        "counted from the first issuance"
    );
    // The old refresh token stays usable until its successor is used.
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", &rotated),
        ],
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let latest = v["refresh_token"].as_str().unwrap().to_string();
    // 366 days on, the refresh token has expired.
    s.advance_clock(366 * 86_400).await;
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", &latest),
        ],
    )
    .await;
    assert_eq!(
        (st, v["error_description"].as_str().unwrap()),
        (400, "Refresh token is expired.")
    );
    // Once its successor was used the first token is spent; presenting it is a replay (which
    // revokes the family, so this comes after the expiry check on the latest token).
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", &w.refresh),
        ],
    )
    .await;
    assert_eq!((st, v["error"].as_str().unwrap()), (400, "invalid_grant"));
}
