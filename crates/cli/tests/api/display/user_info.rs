//! `/v2/user/info/`: the fields each scope unlocks, and the error when a scope is missing.
use reelbox_testkit::read::{SCOPES, get, read_world, shape, user_token};
use serde_json::json;

use crate::server;

#[tokio::test]
async fn display_user_info_fields_and_scopes() {
    let r = read_world(server().await).await;
    let tok = user_token(&r.s, &r.client_key, "user1_0", SCOPES).await;
    let (st, v) = get(&r.s, &tok, "/v2/user/info/?fields=open_id,union_id,avatar_url,display_name,username,bio_description,is_verified,follower_count,following_count,likes_count,video_count,fps").await;
    assert_eq!(st, 200, "{v}");
    let u = &v["data"]["user"];
    assert_eq!(u["username"], "user1_0");
    assert!(u.get("fps").is_none());
    assert!(u["video_count"].as_i64().unwrap() > 0);
    insta::assert_json_snapshot!("display_user_info", shape(v));

    // Spaces after commas, url-encoded commas.
    let (st, v) = get(
        &r.s,
        &tok,
        "/v2/user/info/?fields=open_id%2C%20display_name",
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(v["data"]["user"].as_object().unwrap().len(), 2);

    let basic = user_token(&r.s, &r.client_key, "user1_0", &["user.info.basic"]).await;
    let (st, v) = get(
        &r.s,
        &basic,
        "/v2/user/info/?fields=display_name,follower_count",
    )
    .await;
    assert_eq!(st, 400);
    assert_eq!(v["error"]["code"], "scope_permission_missed");
    assert_eq!(
        v["error"]["message"],
        "field follower_count requires scope user.info.stats"
    );
    insta::assert_json_snapshot!("display_user_info_scope_missed", shape(v));

    let (st, v) = get(&r.s, &basic, "/v2/user/info/").await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (400, Some("invalid_params"))
    );
    assert_eq!(v["data"], json!({}));
    let (st, v) = get(&r.s, &basic, "/v2/user/info/?fields=fps").await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (400, Some("invalid_params"))
    );

    let list_only = user_token(&r.s, &r.client_key, "user1_0", &["video.list"]).await;
    let (st, v) = get(&r.s, &list_only, "/v2/user/info/?fields=open_id").await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (401, Some("scope_not_authorized"))
    );
}
