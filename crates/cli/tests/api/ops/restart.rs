//! A graceful restart keeps apps, creators and tokens.
use reelbox_testkit::oauth::token_form;
use serde_json::Value;

use crate::world;

#[tokio::test]
async fn restart_keeps_apps_creators_and_tokens() {
    let mut w = world().await;
    let key = w.app["client_key"].as_str().unwrap().to_string();
    w.s.restart().await;
    let (st, v) =
        w.s.call(&w.token, "/v2/post/publish/creator_info/query/", None)
            .await;
    assert_eq!(
        (st, v["data"]["creator_username"].as_str().unwrap()),
        (200, "alice")
    );
    let app =
        w.s.admin(
            reqwest::Method::GET,
            &format!("/_reelbox/apps/{key}"),
            Value::Null,
        )
        .await;
    assert_eq!(app["name"], "Scheduler");
    let (st, _) = token_form(
        &w.s,
        &[
            ("client_key", &key),
            ("client_secret", w.app["client_secret"].as_str().unwrap()),
            ("grant_type", "refresh_token"),
            ("refresh_token", &w.refresh),
        ],
    )
    .await;
    assert_eq!(st, 200);
    w.s.stop().await;
}
