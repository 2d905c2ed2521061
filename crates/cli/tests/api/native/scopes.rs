//! The native research endpoints need the research scope.
use serde_json::json;

use super::{err, native_world};

#[tokio::test]
async fn research_scope_is_required() {
    let (s, clt) = native_world(&["user.info.basic"]).await;
    for path in [
        "/v2/research/music/query/?fields=music_id",
        "/v2/research/music/trend/?fields=rank",
        "/v2/research/shop/product/query/?fields=product_id",
    ] {
        let v = s.call(&clt, path, Some(json!({"music_ids": [1]}))).await;
        assert_eq!(err(&v).1, "scope_not_authorized", "{path}: {}", v.1);
    }
}
