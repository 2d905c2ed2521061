//! The native research endpoints need the research scope.
use serde_json::json;

use super::{err, native_world};

#[tokio::test]
async fn research_scope_is_required() {
    let (s, clt) = native_world(&["user.info.basic"]).await;
    for path in [
        "/reelbox/v1/music/query/?fields=music_id",
        "/reelbox/v1/music/trend/?fields=rank",
        "/reelbox/v1/shop/product/query/?fields=product_id",
    ] {
        let v = s.call(&clt, path, Some(json!({"music_ids": [1]}))).await;
        assert_eq!(err(&v).1, "scope_not_authorized", "{path}: {}", v.1);
    }
}

/// reelbox's own data endpoints live under `/reelbox/v1/`, where no TikTok endpoint can land;
/// TikTok's namespace answers them as unknown paths.
#[tokio::test]
async fn reelbox_data_endpoints_live_in_a_namespace_of_their_own() {
    let (s, clt) = native_world(&["research.data.basic"]).await;
    let (st, v) = s
        .call(
            &clt,
            "/v2/research/hashtag/query/?fields=hashtag_name",
            Some(json!({})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (404, Some("invalid_params")),
        "{v}"
    );
    let doc = s.openapi().await;
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/reelbox/v1/hashtag/query/",
        "/reelbox/v1/hashtag/trend/",
        "/reelbox/v1/music/query/",
        "/reelbox/v1/music/trend/",
        "/reelbox/v1/shop/product/query/",
    ] {
        assert_eq!(
            paths[p]["post"]["tags"],
            json!(["reelbox research extensions"]),
            "{p}"
        );
    }
    for (p, ops) in paths {
        let own = ops["post"]["tags"] == json!(["reelbox research extensions"]);
        assert_eq!(own, p.starts_with("/reelbox/v1/"), "{p}");
    }
}
