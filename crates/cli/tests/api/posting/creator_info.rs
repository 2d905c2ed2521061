//! `/v2/post/publish/creator_info/query/`: the options a creator allows, and banned creators.
use reelbox_testkit::redact::redact;
use serde_json::json;

use crate::world;

#[tokio::test]
async fn creator_info_answers_the_creators_options() {
    let w = world().await;
    let (st, v) =
        w.s.call(&w.token, "/v2/post/publish/creator_info/query/", None)
            .await;
    assert_eq!(st, 200);
    insta::assert_json_snapshot!("creator_info", redact(v));
    // Banned creators: HTTP 200 with the code, as TikTok does.
    w.s.admin(
        reqwest::Method::PATCH,
        "/_reelbox/creators/alice",
        json!({"banned_from_posting": true}),
    )
    .await;
    let (st, v) =
        w.s.call(
            &w.token,
            "/v2/post/publish/creator_info/query/",
            Some(json!({})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (200, "spam_risk_user_banned_from_posting")
    );
}
