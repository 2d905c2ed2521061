//! Compatibility profiles: the token lifetimes and rotation of TikTok's current pages
//! (`tiktok-2026-11`, the default) and of its older ones (`tiktok-2024`), chosen per app.
use reelbox_testkit::oauth::token_form;
use reelbox_testkit::redact::redact;
use serde_json::{Value, json};

use super::{invalid_refresh, oauth_error, refresh};
use crate::world;

const CREATOR_INFO: &str = "/v2/post/publish/creator_info/query/";
/// Two hours and a minute: past the current access token, well within the older one.
const TWO_HOURS_ONE_MINUTE: i64 = 2 * 3600 + 60;

/// Sets the app's compat choice through the control API; answers the app view.
pub(crate) async fn choose(s: &reelbox_testkit::TestServer, key: &str, compat: Value) -> Value {
    s.admin(
        reqwest::Method::PATCH,
        &format!("/_reelbox/apps/{key}"),
        json!({ "compat": compat }),
    )
    .await
}

#[tokio::test]
async fn the_current_profile_issues_two_hour_tokens_and_180_day_refresh_tokens() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap();
    let app =
        w.s.admin(
            reqwest::Method::GET,
            &format!("/_reelbox/apps/{key}"),
            Value::Null,
        )
        .await;
    assert_eq!(
        app["compat"],
        json!({"profile": "tiktok-2026-11", "docs_as_of": "2026-11", "strict": false,
               "chosen": {"profile": null, "strict": null}})
    );
    let (st, r) = refresh(&w, &w.refresh).await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["expires_in"], 7_200);
    // The remaining lifetime of a refresh token issued 180 days before it ends.
    let left = r["refresh_expires_in"].as_i64().unwrap();
    assert!((180 * 86_400 - 5..=180 * 86_400).contains(&left), "{left}");
    let token = r["access_token"].as_str().unwrap();
    w.s.advance_clock(TWO_HOURS_ONE_MINUTE).await;
    let (st, v) = w.s.call(token, CREATOR_INFO, None).await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (401, "access_token_invalid"),
        "{v}"
    );
    // The refresh token still works, and counts down from its first issuance.
    let (st, r2) = refresh(&w, r["refresh_token"].as_str().unwrap()).await;
    assert_eq!(st, 200, "{r2}");
    assert!(r2["refresh_expires_in"].as_i64().unwrap() <= left - TWO_HOURS_ONE_MINUTE);
}

#[tokio::test]
async fn the_older_profile_keeps_24_hour_tokens_and_365_day_refresh_tokens() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap();
    let app = choose(&w.s, key, json!({"profile": "tiktok-2024"})).await;
    assert_eq!(app["compat"]["profile"], "tiktok-2024");
    assert_eq!(app["compat"]["chosen"]["profile"], "tiktok-2024");
    let t =
        w.s.mint(key, "alice", &["user.info.basic", "video.publish"])
            .await;
    assert_eq!(
        (t["expires_in"].as_i64(), t["refresh_expires_in"].as_i64()),
        (Some(86_400), Some(31_536_000))
    );
    w.s.advance_clock(TWO_HOURS_ONE_MINUTE).await;
    let (st, v) =
        w.s.call(t["access_token"].as_str().unwrap(), CREATOR_INFO, None)
            .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (200, "ok"),
        "{v}"
    );
}

#[tokio::test]
async fn an_unknown_profile_is_refused_with_the_known_ones() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap();
    let r =
        w.s.http
            .patch(w.s.url(&format!("/_reelbox/apps/{key}")))
            .bearer_auth(&w.s.admin_token)
            .json(&json!({"compat": {"profile": "tiktok-1999"}}))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "invalid_param");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("tiktok-2026-11, tiktok-2024"),
        "{v}"
    );
}

#[tokio::test]
async fn strict_rotation_refuses_the_previous_refresh_token_at_once() {
    let w = world().await;
    let (st, r2) = refresh(&w, &w.refresh).await;
    assert_eq!(st, 200, "{r2}");
    // TikTok: "The previous refresh token stops working once a new one is issued." Presenting it
    // is a replay: the family goes, the token just issued included.
    let (st, v) = refresh(&w, &w.refresh).await;
    invalid_refresh(st, &v);
    let (st, v) = refresh(&w, r2["refresh_token"].as_str().unwrap()).await;
    invalid_refresh(st, &v);
    let (st, _) =
        w.s.call(r2["access_token"].as_str().unwrap(), CREATOR_INFO, None)
            .await;
    assert_eq!(st, 401);
}

#[tokio::test]
async fn the_older_profile_lets_a_lost_refresh_answer_be_retried() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap();
    choose(&w.s, key, json!({"profile": "tiktok-2024"})).await;
    let t =
        w.s.mint(key, "alice", &["user.info.basic", "video.publish"])
            .await;
    let first = t["refresh_token"].as_str().unwrap();
    let (st, lost) = refresh(&w, first).await;
    assert_eq!(st, 200, "{lost}");
    // Until its successor is used, the previous token still works.
    let (st, kept) = refresh(&w, first).await;
    assert_eq!(st, 200, "{kept}");
    let (st, next) = refresh(&w, kept["refresh_token"].as_str().unwrap()).await;
    assert_eq!(st, 200, "{next}");
    let (st, v) = refresh(&w, first).await;
    invalid_refresh(st, &v);
}

/// Row 6 of TikTok's current pages: a token request without `client_secret`.
#[tokio::test]
async fn a_missing_client_secret_is_answered_as_tiktok_does() {
    let w = world().await;
    let (st, v) = token_form(
        &w.s,
        &[
            ("client_key", w.app["client_key"].as_str().unwrap()),
            ("grant_type", "client_credentials"),
        ],
    )
    .await;
    assert_eq!(
        oauth_error(st, &v),
        (
            400,
            "invalid_request",
            "Client secret is missed in request."
        )
    );
    insta::assert_json_snapshot!("token_without_client_secret", redact(v));
}

/// Rows 5 and 13: creator_info needs `video.publish`; unknown paths and wrong methods answer in
/// the form and spelling of the product asked.
#[tokio::test]
async fn scopes_methods_and_unknown_paths_answer_in_each_products_form() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap();
    let upload_only = w.s.mint(key, "alice", &["video.upload"]).await;
    let (st, v) =
        w.s.call(
            upload_only["access_token"].as_str().unwrap(),
            CREATOR_INFO,
            None,
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (401, "scope_not_authorized"),
        "{v}"
    );
    let (s, token) = (&w.s, w.token.as_str());
    let get = |path: &'static str| async move {
        let r = s
            .http
            .get(s.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json::<Value>().await.unwrap())
    };
    let (st, v) = get("/v2/oauth/token/").await;
    assert_eq!(
        (st, v["error"].as_str().unwrap()),
        (405, "invalid_request"),
        "{v}"
    );
    assert!(v["log_id"].is_string() && v["error_description"].is_string());
    insta::assert_json_snapshot!("oauth_token_wrong_method", redact(v));
    let (st, v) = get("/v2/research/video/query/").await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (405, "invalid_params"),
        "{v}"
    );
    let (st, v) = w.s.call(&w.token, "/v2/post/publish/nothing/", None).await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (404, "invalid_param"),
        "{v}"
    );
    insta::assert_json_snapshot!("posting_unknown_path", redact(v));
    let (st, v) = w.s.call(&w.token, "/v2/research/nothing/", None).await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (404, "invalid_params"),
        "{v}"
    );
    let (st, v) = w.s.call(&w.token, "/v2/oauth/nothing/", None).await;
    assert_eq!(
        (st, v["error"].as_str().unwrap()),
        (404, "invalid_request"),
        "{v}"
    );
    // reelbox's own API keeps its not_found.
    let r =
        w.s.http
            .get(w.s.url("/_reelbox/nothing"))
            .bearer_auth(&w.s.admin_token)
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "not_found");
}
