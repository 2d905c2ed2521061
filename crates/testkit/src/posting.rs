//! The Content Posting calls a client makes: chunk PUTs to the upload URL, status/fetch, waiting
//! for processing to end, and inbox drafts and posts made through the real API.
use std::time::Duration;

use serde_json::{Value, json};

use crate::{TestServer, World, fixture};

/// PUTs `bytes[first..=last]` of a `total`-byte video to `url`: (HTTP status, the answer's
/// Content-Range).
pub async fn put(
    s: &TestServer,
    url: &str,
    bytes: &[u8],
    first: usize,
    last: usize,
    total: usize,
) -> (u16, String) {
    let r = s
        .http
        .put(url)
        .header("content-type", "video/mp4")
        .header("content-range", format!("bytes {first}-{last}/{total}"))
        .body(bytes[first..=last].to_vec())
        .send()
        .await
        .unwrap();
    let cr = r
        .headers()
        .get("content-range")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (r.status().as_u16(), cr)
}

/// The status/fetch answer for publish `id` (asserts HTTP 200).
pub async fn status(w: &World, id: &str) -> Value {
    let (st, v) =
        w.s.call(
            &w.token,
            "/v2/post/publish/status/fetch/",
            Some(json!({"publish_id": id})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    v
}

/// Polls until the status leaves the processing states (bounded).
/// Waits (watching through the control API, which has no rate limit) until the publish leaves the
/// processing states, then answers its status/fetch.
pub async fn settle(w: &World, id: &str) -> Value {
    let key = w.app["client_key"].as_str().unwrap();
    for _ in 0..600 {
        let list =
            w.s.admin(
                reqwest::Method::GET,
                &format!("/_reelbox/publishes?client_key={key}&limit=1000"),
                Value::Null,
            )
            .await;
        let s = list["publishes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["publish_id"] == id)
            .map(|p| p["status"].as_str().unwrap_or("").to_string());
        if let Some(s) = s
            && s != "PROCESSING_UPLOAD"
            && s != "PROCESSING_DOWNLOAD"
        {
            return status(w, id).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("publish {id} did not settle");
}

/// Uploads `bytes` in one chunk to `w`'s creator's inbox (through the real API) and waits for the
/// publish to settle: its id and the final status answer.
pub async fn upload_to_inbox(w: &World, bytes: &[u8]) -> (String, Value) {
    let n = bytes.len();
    let (st, v) = w.s.call(&w.token, "/v2/post/publish/inbox/video/init/", Some(json!({"source_info": {"source": "FILE_UPLOAD", "video_size": n, "chunk_size": n, "total_chunk_count": 1}}))).await;
    assert_eq!(st, 200, "{v}");
    let id = v["data"]["publish_id"].as_str().unwrap().to_string();
    let (code, _) = put(
        &w.s,
        v["data"]["upload_url"].as_str().unwrap(),
        bytes,
        0,
        n - 1,
        n,
    )
    .await;
    assert_eq!(code, 201);
    let v = settle(w, &id).await;
    (id, v)
}

/// Uploads the fixture `file` to `w`'s creator's inbox (through the real API) and waits for it.
pub async fn inbox_draft(w: &World, file: &str) -> String {
    let bytes = std::fs::read(fixture(file)).unwrap();
    let (id, v) = upload_to_inbox(w, &bytes).await;
    assert_eq!(v["data"]["status"], "SEND_TO_USER_INBOX", "{v}");
    id
}

/// A post by alice with `privacy` (an inbox draft posted through the control API).
pub async fn alice_post(w: &World, privacy: &str, title: &str) -> String {
    let id = inbox_draft(w, "h264_720x1280_30fps.mp4").await;
    let v =
        w.s.admin(
            reqwest::Method::POST,
            &format!("/_reelbox/inbox/alice/{id}/post"),
            json!({"title": title, "privacy_level": privacy}),
        )
        .await;
    v["post_id"].as_str().unwrap().to_string()
}
