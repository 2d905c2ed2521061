//! Wire shapes as snapshots: the init and status answers of every kind of post, the token answers,
//! and the error envelope for malformed and oversized bodies.
use reelbox_testkit::posting::{settle, status};
use reelbox_testkit::redact::redact;
use serde_json::{Value, json};

use crate::{world, world_local};

#[tokio::test]
async fn wire_shapes_of_the_other_answers() {
    let (w, l) = world_local(true, false).await;
    let file = json!({"source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000, "total_chunk_count": 1});
    let (_, v) =
        w.s.call(
            &w.token,
            "/v2/post/publish/inbox/video/init/",
            Some(json!({"source_info": file})),
        )
        .await;
    insta::assert_json_snapshot!("inbox_init", redact(v.clone()));
    let v = status(&w, v["data"]["publish_id"].as_str().unwrap()).await;
    insta::assert_json_snapshot!("status_processing_upload", redact(v));
    let (_, v) = w.s.call(&w.token, "/v2/post/publish/content/init/", Some(json!({"post_info": {"title": "t"}, "post_mode": "MEDIA_UPLOAD", "media_type": "PHOTO",
        "source_info": {"source": "PULL_FROM_URL", "photo_cover_index": 0, "photo_images": [format!("{}/media/a.jpg", l.base)]}}))).await;
    insta::assert_json_snapshot!("photo_init", redact(v.clone()));
    let v = settle(&w, v["data"]["publish_id"].as_str().unwrap()).await;
    insta::assert_json_snapshot!("status_photo_inbox", redact(v));
    let (_, v) = w.s.call(&w.token, "/v2/post/publish/video/init/", Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": {"source": "PULL_FROM_URL", "video_url": format!("{}/media/redirect.mp4", l.base)}}))).await;
    insta::assert_json_snapshot!("pull_init", redact(v.clone()));
    let v = settle(&w, v["data"]["publish_id"].as_str().unwrap()).await;
    insta::assert_json_snapshot!("status_failed", redact(v));
    let (st, v) =
        w.s.call(
            &w.token,
            "/v2/post/publish/status/fetch/",
            Some(json!({"publish_id": "nope"})),
        )
        .await;
    assert_eq!(st, 400);
    insta::assert_json_snapshot!("status_invalid_publish_id", redact(v));
    // Token endpoint answers: refresh and client credentials.
    let key = w.app["client_key"].as_str().unwrap();
    let secret = w.app["client_secret"].as_str().unwrap();
    let r =
        w.s.http
            .post(w.s.url("/v2/oauth/token/"))
            .form(&[
                ("client_key", key),
                ("client_secret", secret),
                ("grant_type", "refresh_token"),
                ("refresh_token", w.refresh.as_str()),
            ])
            .send()
            .await
            .unwrap();
    let mut v: Value = r.json().await.unwrap();
    v["refresh_expires_in"] = json!("[seconds]");
    insta::assert_json_snapshot!("token_refresh", redact(v));
    let r =
        w.s.http
            .post(w.s.url("/v2/oauth/token/"))
            .form(&[
                ("client_key", key),
                ("client_secret", secret),
                ("grant_type", "client_credentials"),
            ])
            .send()
            .await
            .unwrap();
    insta::assert_json_snapshot!("token_client_credentials", redact(r.json().await.unwrap()));
}

#[tokio::test]
async fn malformed_and_oversized_bodies_get_the_envelope() {
    let w = world().await;
    let s = &w.s;
    let init = "/v2/post/publish/video/init/";
    let r = s
        .http
        .post(s.url(init))
        .bearer_auth(&w.token)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "invalid_param");
    insta::assert_json_snapshot!("malformed_json", redact(v));
    let (st, v) = s
        .call(
            &w.token,
            init,
            Some(json!({"source_info": {"source": "FILE_UPLOAD", "video_size": "big"}})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (400, "invalid_param"),
        "mistyped value"
    );
    let (st, v) = s
        .call(
            &w.token,
            init,
            Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (400, "invalid_param"),
        "missing source_info"
    );
    let big = format!("{{\"x\":\"{}\"}}", "a".repeat(2 * 1024 * 1024));
    let r = s
        .http
        .post(s.url(init))
        .bearer_auth(&w.token)
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "invalid_param");
    // Nothing was created by the rejected requests.
    let list = s
        .admin(reqwest::Method::GET, "/_reelbox/publishes", Value::Null)
        .await;
    assert_eq!(list["publishes"].as_array().unwrap().len(), 0);
    // Unknown route (TikTok's code list has no not_found: the posting spelling of a bad
    // request) and no trailing slash.
    let (st, v) = s.call(&w.token, "/v2/post/publish/nothing/", None).await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (404, "invalid_param")
    );
    let (st, _) = s
        .call(&w.token, "/v2/post/publish/creator_info/query", None)
        .await;
    assert_eq!(
        st, 200,
        "the path without its trailing slash is served, not redirected"
    );
}
