//! The research daily quota, counted per app and reset at midnight UTC.
use reelbox_testkit::oauth::client_token;
use reelbox_testkit::read::{read_world, shape};
use serde_json::json;

use crate::server_with;

#[tokio::test]
async fn research_daily_quota_resets_at_midnight_utc() {
    let mut r = read_world(server_with(|c| c.limits.research_daily_requests = 3).await).await;
    let body = json!({"username": "user1_0"});
    for _ in 0..3 {
        let (code, v) =
            r.s.call(
                &r.clt,
                "/v2/research/user/info/?fields=display_name",
                Some(body.clone()),
            )
            .await;
        assert_eq!(code, 200, "{v}");
    }
    let (code, v) =
        r.s.call(
            &r.clt,
            "/v2/research/user/info/?fields=display_name",
            Some(body.clone()),
        )
        .await;
    assert_eq!(code, 429);
    assert_eq!(v["error"]["code"], "daily_quota_limit_exceeded");
    insta::assert_json_snapshot!("research_quota_exceeded", shape(v));
    r.s.advance_clock(86_400).await;
    // Client tokens live two hours.
    r.clt = client_token(&r.s, &r.client_key, &r.client_secret).await;
    let (code, _) =
        r.s.call(
            &r.clt,
            "/v2/research/user/info/?fields=display_name",
            Some(body),
        )
        .await;
    assert_eq!(code, 200);
}
