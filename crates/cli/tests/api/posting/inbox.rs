//! Inbox uploads (`/v2/post/publish/inbox/video/init/`): the draft waits for the creator, who posts it.
use reelbox_testkit::fixture;
use reelbox_testkit::local::wait_for_hook;
use reelbox_testkit::posting::{put, settle, status};
use serde_json::{Value, json};

use crate::world_local;

#[tokio::test]
async fn inbox_upload_then_the_creator_posts_it() {
    let (w, l) = world_local(true, false).await;
    let bytes = std::fs::read(fixture("h264_720x1280_30fps.mp4")).unwrap();
    let n = bytes.len();
    let (st, v) = w.s.call(&w.token, "/v2/post/publish/inbox/video/init/", Some(json!({"source_info": {"source": "FILE_UPLOAD", "video_size": n, "chunk_size": n, "total_chunk_count": 1}}))).await;
    assert_eq!(st, 200);
    let id = v["data"]["publish_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("v_inbox_file~v2."));
    put(
        &w.s,
        v["data"]["upload_url"].as_str().unwrap(),
        &bytes,
        0,
        n - 1,
        n,
    )
    .await;
    let v = settle(&w, &id).await;
    assert_eq!(v["data"]["status"], "SEND_TO_USER_INBOX");
    let hook = wait_for_hook(&l, "post.publish.inbox_delivered").await;
    assert!(hook["content"].as_str().unwrap().contains("INBOX_SHARE"));
    let inbox =
        w.s.admin(reqwest::Method::GET, "/_reelbox/inbox/bob", Value::Null)
            .await;
    assert_eq!(inbox["drafts"][0]["publish_id"], id);
    // Branded content cannot be private: refused, draft kept.
    let r =
        w.s.http
            .post(w.s.url(&format!("/_reelbox/inbox/bob/{id}/post")))
            .bearer_auth(&w.s.admin_token)
            .json(&json!({"privacy_level": "SELF_ONLY", "brand_content_toggle": true}))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 400);
    let posted =
        w.s.admin(
            reqwest::Method::POST,
            &format!("/_reelbox/inbox/bob/{id}/post"),
            json!({"title": "from the inbox", "privacy_level": "MUTUAL_FOLLOW_FRIENDS"}),
        )
        .await;
    assert!(posted["post_id"].as_str().unwrap().len() == 19);
    let v = status(&w, &id).await;
    assert_eq!(v["data"]["status"], "PUBLISH_COMPLETE");
    assert_eq!(
        v["data"]["publicaly_available_post_id"],
        json!([]),
        "friends-only is not public"
    );
    let inbox =
        w.s.admin(reqwest::Method::GET, "/_reelbox/inbox/bob", Value::Null)
            .await;
    assert_eq!(inbox["drafts"].as_array().unwrap().len(), 0);
}
