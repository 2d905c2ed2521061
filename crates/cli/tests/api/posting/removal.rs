//! A post removed after it was public: gone from the watch page and the Display API, and the app
//! that posted it told with the event its profile spells.
use reelbox_testkit::local::wait_for_hook;
use reelbox_testkit::media::padded_mp4;
use reelbox_testkit::posting::{put, settle};
use serde_json::{Value, json};

use crate::world_local;

#[tokio::test]
async fn a_removed_public_post_is_gone_and_its_app_is_told() {
    let (w, l) = world_local(true, false).await;
    let s = &w.s;
    let total = 1_000_000usize;
    let (st, v) = s
        .call(&w.token, "/v2/post/publish/video/init/", Some(json!({
            "post_info": {"title": "soon gone", "privacy_level": "PUBLIC_TO_EVERYONE"},
            "source_info": {"source": "FILE_UPLOAD", "video_size": total, "chunk_size": total, "total_chunk_count": 1}})))
        .await;
    assert_eq!(st, 200, "{v}");
    let id = v["data"]["publish_id"].as_str().unwrap().to_string();
    let url = v["data"]["upload_url"].as_str().unwrap();
    assert_eq!(
        put(s, url, &padded_mp4(total), 0, total - 1, total).await.0,
        201
    );
    assert_eq!(settle(&w, &id).await["data"]["status"], "PUBLISH_COMPLETE");
    let public = wait_for_hook(&l, "post.publish.publicly_available").await;
    let content: Value = serde_json::from_str(public["content"].as_str().unwrap()).unwrap();
    let post_id = content["post_id"].as_str().unwrap().to_string();
    let query = |token: String, post_id: String| async move {
        let (st, v) = s
            .call(
                &token,
                "/v2/video/query/?fields=id,title",
                Some(json!({"filters": {"video_ids": [post_id]}})),
            )
            .await;
        assert_eq!(st, 200, "{v}");
        v["data"]["videos"].as_array().unwrap().len()
    };
    let key = w.app["client_key"].as_str().unwrap();
    let scopes = [
        "user.info.basic",
        "video.list",
        "video.publish",
        "video.upload",
    ];
    s.admin(
        reqwest::Method::PATCH,
        &format!("/_reelbox/apps/{key}"),
        json!({"scopes": scopes}),
    )
    .await;
    let reader = s.mint(key, "bob", &["user.info.basic", "video.list"]).await;
    let reader = reader["access_token"].as_str().unwrap().to_string();
    assert_eq!(query(reader.clone(), post_id.clone()).await, 1);
    let watch = s.url(&format!("/@bob/video/{post_id}"));
    assert_eq!(s.http.get(&watch).send().await.unwrap().status(), 200);

    let gone = s
        .admin(
            reqwest::Method::DELETE,
            &format!("/_reelbox/videos/{post_id}"),
            Value::Null,
        )
        .await;
    assert_eq!(gone["video_id"], post_id);
    // TikTok's table prints "publicaly": the current profile sends that spelling.
    let hook = wait_for_hook(&l, "post.publish.no_longer_publicaly_available").await;
    let content: Value = serde_json::from_str(hook["content"].as_str().unwrap()).unwrap();
    assert_eq!(
        content,
        json!({"publish_id": id, "post_id": post_id, "publish_type": "DIRECT_PUBLISH"})
    );
    assert_eq!(query(reader, post_id.clone()).await, 0);
    assert_eq!(s.http.get(&watch).send().await.unwrap().status(), 404);
    // Removing it again finds nothing.
    let r = s
        .http
        .delete(s.url(&format!("/_reelbox/videos/{post_id}")))
        .bearer_auth(&s.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}
