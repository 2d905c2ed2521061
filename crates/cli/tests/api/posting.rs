//! The Content Posting API end to end: real media through the chunked upload, pulls from a local
//! HTTP server, processing, posts, inbox drafts, webhooks signed and verified, and the rules.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use reelbox_testkit::{TestServer, fixture};
use serde_json::{Value, json};

use crate::{World, redact, world, world_with};

/// A valid MP4 padded with a trailing `free` box to `size` bytes (so it needs several chunks).
pub(crate) fn padded_mp4(size: usize) -> Vec<u8> {
    let mut v = std::fs::read(fixture("h264_720x1280_30fps.mp4")).unwrap();
    let pad = size - v.len();
    v.extend_from_slice(&(pad as u32).to_be_bytes());
    v.extend_from_slice(b"free");
    v.resize(size, 0);
    v
}

pub(crate) async fn put(
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

pub(crate) async fn status(w: &World, id: &str) -> Value {
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
pub(crate) async fn settle(w: &World, id: &str) -> Value {
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
        if let Some(s) = s {
            if s != "PROCESSING_UPLOAD" && s != "PROCESSING_DOWNLOAD" {
                return status(w, id).await;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("publish {id} did not settle");
}

/// A local HTTP server: media under /media/, webhook receiver at /hook that verifies signatures.
pub(crate) struct Local {
    pub(crate) base: String,
    pub(crate) hooks: Arc<Mutex<Vec<(String, Value, bool)>>>,
}

async fn local(secret: Arc<Mutex<String>>) -> Local {
    let hooks: Arc<Mutex<Vec<(String, Value, bool)>>> = Arc::default();
    let h = hooks.clone();
    let app = Router::new()
        .route(
            "/media/video.mp4",
            get(|| async { std::fs::read(fixture("h264_720x1280_30fps.mp4")).unwrap() }),
        )
        .route(
            "/media/a.jpg",
            get(|| async { std::fs::read(fixture("photo_1080x1350.jpg")).unwrap() }),
        )
        .route(
            "/media/b.webp",
            get(|| async { std::fs::read(fixture("photo_1080x1920.webp")).unwrap() }),
        )
        .route(
            "/media/huge.jpg",
            get(|| async { std::fs::read(fixture("photo_4000x3000.jpg")).unwrap() }),
        )
        .route(
            "/media/slow.mp4",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(3)).await;
                std::fs::read(fixture("h264_720x1280_30fps.mp4")).unwrap()
            }),
        )
        .route(
            "/media/redirect.mp4",
            get(|| async { axum::response::Redirect::temporary("/media/video.mp4") }),
        )
        .route(
            "/hook",
            post(move |headers: axum::http::HeaderMap, body: bytes::Bytes| {
                let h = h.clone();
                let secret = secret.clone();
                async move {
                    let sig = headers
                        .get("tiktok-signature")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    let ok = reelbox_core::secrets::verify_webhook_signature(
                        &secret.lock().unwrap(),
                        &sig,
                        &body,
                    );
                    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    h.lock()
                        .unwrap()
                        .push((v["event"].as_str().unwrap_or("").to_string(), v, ok));
                    "ok"
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Local { base, hooks }
}

pub(crate) async fn wait_for_hook(l: &Local, event: &str) -> Value {
    for _ in 0..200 {
        if let Some((_, v, ok)) = l.hooks.lock().unwrap().iter().find(|(e, _, _)| e == event) {
            assert!(ok, "signature of {event} verifies");
            return v.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {event} webhook");
}

/// A world whose app has a webhook and verified prefix on the local server.
pub(crate) async fn world_local(audited: bool, private: bool) -> (World, Local) {
    let secret = Arc::new(Mutex::new(String::new()));
    let l = local(secret.clone()).await;
    let w = world_with(
        json!({"name": "Poster", "audited": audited, "scopes": ["video.publish", "video.upload"],
               "redirect_uris": ["https://app.example.com/cb/"], "verified_url_prefixes": [format!("{}/media/", l.base)],
               "webhook_url": format!("{}/hook", l.base)}),
        json!({"username": "bob", "password": "correct horse", "private_account": private, "max_video_post_duration_sec": 10}),
        &["video.publish", "video.upload"],
    )
    .await;
    *secret.lock().unwrap() = w.app["client_secret"].as_str().unwrap().to_string();
    (w, l)
}

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

#[tokio::test]
async fn direct_post_file_upload_in_chunks() {
    let (w, l) = world_local(true, false).await;
    let s = &w.s;
    let total = 12_000_000usize;
    let bytes = padded_mp4(total);
    let (st, v) = s
        .call(&w.token, "/v2/post/publish/video/init/", Some(json!({
            "post_info": {"title": "a #cat video for @friend #FYP", "privacy_level": "PUBLIC_TO_EVERYONE", "disable_comment": true, "video_cover_timestamp_ms": 500, "is_aigc": true},
            "source_info": {"source": "FILE_UPLOAD", "video_size": total, "chunk_size": 5_000_000, "total_chunk_count": 2}})))
        .await;
    assert_eq!(st, 200, "{v}");
    insta::assert_json_snapshot!("video_init", redact(v.clone()));
    let id = v["data"]["publish_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("v_pub_file~v2-1."));
    let url = v["data"]["upload_url"].as_str().unwrap().to_string();
    assert!(url.len() <= 256);
    // Out of order: the second chunk first.
    assert_eq!(
        put(s, &url, &bytes, 5_000_000, total - 1, total).await.0,
        416
    );
    // The first chunk, then the same chunk again (already acknowledged: 416).
    assert_eq!(
        put(s, &url, &bytes, 0, 4_999_999, total).await,
        (206, "bytes 0-4999999/12000000".into())
    );
    let v = status(&w, &id).await;
    assert_eq!(
        (
            v["data"]["status"].as_str().unwrap(),
            v["data"]["uploaded_bytes"].as_i64().unwrap()
        ),
        ("PROCESSING_UPLOAD", 5_000_000)
    );
    assert_eq!(put(s, &url, &bytes, 0, 4_999_999, total).await.0, 416);
    // Wrong total and a lying Content-Length.
    assert_eq!(
        put(s, &url, &bytes, 5_000_000, total - 1, total + 1)
            .await
            .0,
        416
    );
    let r = s
        .http
        .put(&url)
        .header(
            "content-range",
            format!("bytes 5000000-{}/{total}", total - 1),
        )
        .body(vec![0u8; 10])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "body shorter than the range");
    // A wrong token is no upload URL.
    let bad = url.replace("upload_token=", "upload_token=x");
    assert_eq!(
        put(s, &bad, &bytes, 5_000_000, total - 1, total).await.0,
        404
    );
    assert_eq!(
        put(s, &url, &bytes, 5_000_000, total - 1, total).await,
        (201, "bytes 0-11999999/12000000".into())
    );
    let v = settle(&w, &id).await;
    assert_eq!(v["data"]["status"], "PUBLISH_COMPLETE", "{v}");
    insta::assert_json_snapshot!("status_complete", redact(v.clone()));
    let post_id = v["data"]["publicaly_available_post_id"][0]
        .as_u64()
        .unwrap();
    assert_eq!(post_id.to_string().len(), 19);
    // The stored file is byte-identical.
    let stored =
        w.s.object(&format!("media/{}", id.replace(['~', '.'], "_")))
            .await;
    assert!(stored == bytes, "stored file equals the upload");
    // The post carries the chosen settings.
    let list = s
        .admin(
            reqwest::Method::GET,
            "/_reelbox/publishes?username=bob",
            Value::Null,
        )
        .await;
    let p = &list["publishes"][0];
    assert_eq!(p["post_id"], post_id.to_string());
    assert_eq!(p["settings"]["disable_comment"], true);
    assert_eq!(p["settings"]["is_aigc"], true);
    assert_eq!(p["settings"]["privacy_level"], "PUBLIC_TO_EVERYONE");
    let done = wait_for_hook(&l, "post.publish.complete").await;
    let content: Value = serde_json::from_str(done["content"].as_str().unwrap()).unwrap();
    assert_eq!(
        content,
        json!({"publish_id": id, "publish_type": "DIRECT_PUBLISH"})
    );
    let public = wait_for_hook(&l, "post.publish.publicly_available").await;
    let content: Value = serde_json::from_str(public["content"].as_str().unwrap()).unwrap();
    assert_eq!(content["post_id"], post_id.to_string());
    // The delivery log shows them.
    let log = s
        .admin(
            reqwest::Method::GET,
            &format!(
                "/_reelbox/webhooks?client_key={}",
                w.app["client_key"].as_str().unwrap()
            ),
            Value::Null,
        )
        .await;
    assert!(
        log["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["status"] == "delivered")
    );
}

#[tokio::test]
async fn bad_media_fails_with_the_exact_reason() {
    let (w, _l) = world_local(true, false).await;
    for (file, reason) in [
        ("h264_10fps.mp4", "frame_rate_check_failed"),
        ("h264_200x200.mp4", "picture_size_check_failed"),
        ("h264_long_12s.mp4", "duration_check_failed"),
        ("not_a_video.mp4", "file_format_check_failed"),
        ("truncated.mp4", "file_format_check_failed"),
    ] {
        w.s.advance_clock(61).await; // stay under the init rate limit
        let bytes = std::fs::read(fixture(file)).unwrap();
        let n = bytes.len();
        let (st, v) = w.s.call(&w.token, "/v2/post/publish/video/init/", Some(json!({
            "post_info": {"privacy_level": "SELF_ONLY"},
            "source_info": {"source": "FILE_UPLOAD", "video_size": n, "chunk_size": n, "total_chunk_count": 1}}))).await;
        assert_eq!(st, 200, "{v}");
        let id = v["data"]["publish_id"].as_str().unwrap().to_string();
        assert_eq!(
            put(
                &w.s,
                v["data"]["upload_url"].as_str().unwrap(),
                &bytes,
                0,
                n - 1,
                n
            )
            .await
            .0,
            201
        );
        let v = settle(&w, &id).await;
        assert_eq!(
            (
                file,
                v["data"]["status"].as_str().unwrap(),
                v["data"]["fail_reason"].as_str().unwrap_or("-")
            ),
            (file, "FAILED", reason),
            "{v}"
        );
    }
    for file in ["hevc_720x1280_30fps.mov", "vp9_720x1280_30fps.webm"] {
        w.s.advance_clock(61).await;
        let bytes = std::fs::read(fixture(file)).unwrap();
        let n = bytes.len();
        let (_, v) = w.s.call(&w.token, "/v2/post/publish/video/init/", Some(json!({
            "post_info": {"privacy_level": "SELF_ONLY"},
            "source_info": {"source": "FILE_UPLOAD", "video_size": n, "chunk_size": n, "total_chunk_count": 1}}))).await;
        let id = v["data"]["publish_id"].as_str().unwrap().to_string();
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
        assert_eq!(v["data"]["status"], "PUBLISH_COMPLETE", "{file}: {v}");
        assert_eq!(
            v["data"]["publicaly_available_post_id"],
            json!([]),
            "SELF_ONLY posts are not public"
        );
    }
}

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

#[tokio::test]
async fn pull_from_url_photos_and_cancel() {
    let (w, l) = world_local(true, false).await;
    let s = &w.s;
    // Video pulled from a verified prefix.
    let (st, v) = s.call(&w.token, "/v2/post/publish/video/init/", Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": {"source": "PULL_FROM_URL", "video_url": format!("{}/media/video.mp4", l.base)}}))).await;
    assert_eq!(st, 200, "{v}");
    assert!(v["data"].get("upload_url").is_none());
    let id = v["data"]["publish_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("v_pub_url~v2."));
    let v = settle(&w, &id).await;
    assert_eq!(v["data"]["status"], "PUBLISH_COMPLETE", "{v}");
    assert!(v["data"]["downloaded_bytes"].as_i64().unwrap() > 100_000);
    assert!(v["data"].get("uploaded_bytes").is_none());
    // Unverified prefix.
    let (st, v) = s.call(&w.token, "/v2/post/publish/video/init/", Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": {"source": "PULL_FROM_URL", "video_url": "https://elsewhere.example/v.mp4"}}))).await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (403, "url_ownership_unverified")
    );
    // A redirect is a failed pull.
    let (_, v) = s.call(&w.token, "/v2/post/publish/video/init/", Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": {"source": "PULL_FROM_URL", "video_url": format!("{}/media/redirect.mp4", l.base)}}))).await;
    let v = settle(&w, v["data"]["publish_id"].as_str().unwrap()).await;
    assert_eq!(v["data"]["fail_reason"], "video_pull_failed");
    // Photos: two images, a cover.
    let (st, v) = s.call(&w.token, "/v2/post/publish/content/init/", Some(json!({"post_info": {"title": "two photos", "description": "#sun", "privacy_level": "PUBLIC_TO_EVERYONE"},
        "source_info": {"source": "PULL_FROM_URL", "photo_cover_index": 1, "photo_images": [format!("{}/media/a.jpg", l.base), format!("{}/media/b.webp", l.base)]},
        "post_mode": "DIRECT_POST", "media_type": "PHOTO"}))).await;
    assert_eq!(st, 200, "{v}");
    let pid = v["data"]["publish_id"].as_str().unwrap().to_string();
    assert!(pid.starts_with("p_pub_url~v2."));
    let v = settle(&w, &pid).await;
    assert_eq!(v["data"]["status"], "PUBLISH_COMPLETE", "{v}");
    // A too-large photo.
    let (_, v) = s.call(&w.token, "/v2/post/publish/content/init/", Some(json!({"post_info": {"privacy_level": "SELF_ONLY"},
        "source_info": {"source": "PULL_FROM_URL", "photo_cover_index": 0, "photo_images": [format!("{}/media/huge.jpg", l.base)]},
        "post_mode": "DIRECT_POST", "media_type": "PHOTO"}))).await;
    let v = settle(&w, v["data"]["publish_id"].as_str().unwrap()).await;
    assert_eq!(v["data"]["fail_reason"], "picture_size_check_failed");
    // Cancel a slow download; a finished publish is not cancellable.
    let (_, v) = s.call(&w.token, "/v2/post/publish/video/init/", Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": {"source": "PULL_FROM_URL", "video_url": format!("{}/media/slow.mp4", l.base)}}))).await;
    let slow = v["data"]["publish_id"].as_str().unwrap().to_string();
    let (st, v) = s
        .call(
            &w.token,
            "/v2/post/publish/cancel/",
            Some(json!({"publish_id": slow})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert!(v.get("data").is_none(), "cancel answers without data");
    insta::assert_json_snapshot!("cancel_ok", redact(v));
    let v = status(&w, &slow).await;
    assert_eq!(
        (
            v["data"]["status"].as_str().unwrap(),
            v["data"]["fail_reason"].as_str().unwrap()
        ),
        ("FAILED", "publish_cancelled")
    );
    tokio::time::sleep(Duration::from_secs(4)).await;
    let v = status(&w, &slow).await;
    assert_eq!(
        v["data"]["status"], "FAILED",
        "the finished download does not undo the cancel"
    );
    let (st, v) = s
        .call(
            &w.token,
            "/v2/post/publish/cancel/",
            Some(json!({"publish_id": id})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (400, "publish_not_cancellable")
    );
}

#[tokio::test]
async fn posting_rules_answer_their_codes() {
    let w = world().await;
    let s = &w.s;
    let init = "/v2/post/publish/video/init/";
    let file = json!({"source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000, "total_chunk_count": 1});
    let code = |v: &Value| v["error"]["code"].as_str().unwrap().to_string();
    let (st, v) = s
        .call(
            &w.token,
            init,
            Some(
                json!({"post_info": {"privacy_level": "FOLLOWER_OF_CREATOR"}, "source_info": file}),
            ),
        )
        .await;
    assert_eq!(
        (st, code(&v)),
        (403, "privacy_level_option_mismatch".into())
    );
    insta::assert_json_snapshot!("privacy_mismatch", redact(v));
    let (st, v) = s
        .call(
            &w.token,
            init,
            Some(json!({"post_info": {"privacy_level": "EVERYONE"}, "source_info": file})),
        )
        .await;
    assert_eq!((st, code(&v)), (400, "invalid_param".into()));
    let (st, v) = s.call(&w.token, init, Some(json!({"post_info": {"privacy_level": "SELF_ONLY", "brand_content_toggle": true}, "source_info": file}))).await;
    assert_eq!((st, code(&v)), (400, "invalid_param".into()));
    let (st, v) = s.call(&w.token, init, Some(json!({"post_info": {"privacy_level": "SELF_ONLY", "title": "x".repeat(2201)}, "source_info": file}))).await;
    assert_eq!((st, code(&v)), (400, "invalid_param".into()));
    let (st, v) = s.call(&w.token, init, Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": {"source": "FILE_UPLOAD", "video_size": 50_000_123, "chunk_size": 10_000_000, "total_chunk_count": 6}}))).await;
    assert_eq!(
        (st, code(&v)),
        (400, "invalid_param".into()),
        "ceil is not the rule"
    );
    // Status of someone else's or an unknown publish.
    let (st, v) = s
        .call(
            &w.token,
            "/v2/post/publish/status/fetch/",
            Some(json!({"publish_id": "v_pub_file~v2-1.1"})),
        )
        .await;
    assert_eq!((st, code(&v)), (400, "invalid_publish_id".into()));
    // Rate limit: 6 inits per minute (five more after the accepted ones above is enough to hit it).
    let mut last = (0, Value::Null);
    for _ in 0..7 {
        last = s
            .call(
                &w.token,
                init,
                Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": file})),
            )
            .await;
    }
    assert_eq!((last.0, code(&last.1)), (429, "rate_limit_exceeded".into()));
    insta::assert_json_snapshot!("rate_limited", redact(last.1));
}

#[tokio::test]
async fn unaudited_apps_caps_and_ownership() {
    // Unaudited app, public account: refused; private account: forced to SELF_ONLY.
    let (w, _l) = world_local(false, false).await;
    let file = json!({"source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000, "total_chunk_count": 1});
    let (st, v) =
        w.s.call(
            &w.token,
            "/v2/post/publish/video/init/",
            Some(
                json!({"post_info": {"privacy_level": "PUBLIC_TO_EVERYONE"}, "source_info": file}),
            ),
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (403, "unaudited_client_can_only_post_to_private_accounts")
    );
    w.s.admin(
        reqwest::Method::PATCH,
        "/_reelbox/creators/bob",
        json!({"private_account": true, "daily_post_cap": 2}),
    )
    .await;
    // Asked before the posts, creator_info has nothing to object to (and its counts are now
    // held in memory: the posts below must still show at once).
    let (st, v) =
        w.s.call(&w.token, "/v2/post/publish/creator_info/query/", None)
            .await;
    assert_eq!((st, v["error"]["code"].as_str().unwrap()), (200, "ok"));
    for _ in 0..2 {
        let (st, v) = w.s.call(&w.token, "/v2/post/publish/video/init/", Some(json!({"post_info": {"privacy_level": "FOLLOWER_OF_CREATOR"}, "source_info": file}))).await;
        assert_eq!(st, 200, "{v}");
    }
    let list =
        w.s.admin(
            reqwest::Method::GET,
            "/_reelbox/publishes?username=bob",
            Value::Null,
        )
        .await;
    assert_eq!(
        list["publishes"][0]["settings"]["privacy_level"],
        "SELF_ONLY"
    );
    // The daily cap (2 for bob) is reached; creator_info says so with HTTP 200.
    let (st, v) =
        w.s.call(
            &w.token,
            "/v2/post/publish/video/init/",
            Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": file})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (403, "spam_risk_too_many_posts")
    );
    let (st, v) =
        w.s.call(&w.token, "/v2/post/publish/creator_info/query/", None)
            .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (200, "spam_risk_too_many_posts")
    );
    // A day later the cap has reset.
    w.s.advance_clock(24 * 3600 + 1).await;
    let fresh =
        w.s.mint(
            w.app["client_key"].as_str().unwrap(),
            "bob",
            &["video.publish", "video.upload"],
        )
        .await;
    let t = fresh["access_token"].as_str().unwrap();
    let (st, v) =
        w.s.call(t, "/v2/post/publish/creator_info/query/", None)
            .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (200, "ok"),
        "the counts of a day ago are not reused"
    );
    let (st, _) =
        w.s.call(
            t,
            "/v2/post/publish/video/init/",
            Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": file})),
        )
        .await;
    assert_eq!(st, 200);
    // Inbox: at most 5 pending shares.
    for i in 0..6 {
        let (st, v) =
            w.s.call(
                t,
                "/v2/post/publish/inbox/video/init/",
                Some(json!({"source_info": file})),
            )
            .await;
        if i < 5 {
            assert_eq!(st, 200, "{v}");
        } else {
            assert_eq!(
                (st, v["error"]["code"].as_str().unwrap()),
                (403, "spam_risk_too_many_pending_share")
            );
        }
        // Stay under the init rate limit.
        if i == 2 {
            w.s.advance_clock(61).await;
        }
    }
    // Another creator's token cannot read bob's publish.
    w.s.create_creator(json!({"username": "carol"})).await;
    let other =
        w.s.mint(
            w.app["client_key"].as_str().unwrap(),
            "carol",
            &["video.publish"],
        )
        .await;
    let id = list["publishes"][0]["publish_id"].as_str().unwrap();
    let (st, v) =
        w.s.call(
            other["access_token"].as_str().unwrap(),
            "/v2/post/publish/status/fetch/",
            Some(json!({"publish_id": id})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (400, "token_not_authorized_for_specified_publish_id")
    );
}

#[tokio::test]
async fn revoking_fails_uploads_in_flight_and_tells_the_app() {
    let (w, l) = world_local(true, false).await;
    let file = json!({"source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000, "total_chunk_count": 1});
    let (_, v) =
        w.s.call(
            &w.token,
            "/v2/post/publish/video/init/",
            Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": file})),
        )
        .await;
    let id = v["data"]["publish_id"].as_str().unwrap().to_string();
    let url = v["data"]["upload_url"].as_str().unwrap().to_string();
    let r =
        w.s.http
            .post(w.s.url("/v2/oauth/revoke/"))
            .form(&[
                ("client_key", w.app["client_key"].as_str().unwrap()),
                ("client_secret", w.app["client_secret"].as_str().unwrap()),
                ("token", w.token.as_str()),
            ])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
    let removed = wait_for_hook(&l, "authorization.removed").await;
    assert_eq!(removed["content"], "{\"reason\":5}");
    let failed = wait_for_hook(&l, "post.publish.failed").await;
    assert!(failed["content"].as_str().unwrap().contains("auth_removed"));
    assert_eq!(
        put(&w.s, &url, &[0u8; 1000], 0, 999, 1000).await.0,
        404,
        "the upload URL of a failed publish is gone"
    );
    let list =
        w.s.admin(
            reqwest::Method::GET,
            "/_reelbox/publishes?username=bob",
            Value::Null,
        )
        .await;
    assert_eq!(list["publishes"][0]["publish_id"], id);
    assert_eq!(list["publishes"][0]["fail_reason"], "auth_removed");
}

#[tokio::test]
async fn upload_urls_expire() {
    let w = world().await;
    let file = json!({"source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000, "total_chunk_count": 1});
    let (_, v) =
        w.s.call(
            &w.token,
            "/v2/post/publish/video/init/",
            Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": file})),
        )
        .await;
    w.s.advance_clock(3601).await;
    assert_eq!(
        put(
            &w.s,
            v["data"]["upload_url"].as_str().unwrap(),
            &[0u8; 1000],
            0,
            999,
            1000
        )
        .await
        .0,
        403
    );
}

#[tokio::test]
async fn injected_faults_fail_the_next_call_and_are_logged() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap();
    w.s.admin(
        reqwest::Method::POST,
        "/_reelbox/faults",
        json!({"endpoint": "creator_info", "error_code": "internal_error", "times": 1}),
    )
    .await;
    let (st, v) =
        w.s.call(&w.token, "/v2/post/publish/creator_info/query/", None)
            .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (500, "internal_error")
    );
    let (st, _) =
        w.s.call(&w.token, "/v2/post/publish/creator_info/query/", None)
            .await;
    assert_eq!(st, 200, "only the next call");
    let calls =
        w.s.admin(
            reqwest::Method::GET,
            &format!("/_reelbox/calls?client_key={key}"),
            Value::Null,
        )
        .await;
    let calls = calls["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1]["injected"], true);
    assert_eq!(calls[0]["injected"], false);
}

#[tokio::test]
async fn a_restart_between_chunks_loses_nothing_acknowledged() {
    let (mut w, _l) = world_local(true, false).await;
    let total = 11_000_000usize;
    let bytes = padded_mp4(total);
    let (_, v) = w.s.call(&w.token, "/v2/post/publish/video/init/", Some(json!({
        "post_info": {"privacy_level": "SELF_ONLY"},
        "source_info": {"source": "FILE_UPLOAD", "video_size": total, "chunk_size": 5_000_000, "total_chunk_count": 2}}))).await;
    let id = v["data"]["publish_id"].as_str().unwrap().to_string();
    let url = v["data"]["upload_url"].as_str().unwrap().to_string();
    assert_eq!(put(&w.s, &url, &bytes, 0, 4_999_999, total).await.0, 206);
    w.s.restart().await;
    // The upload URL names the old port; the path and query are what identify the upload.
    let url = format!("{}{}", w.s.base, &url[url.find("/upload/").unwrap()..]);
    let v = status(&w, &id).await;
    assert_eq!(
        v["data"]["uploaded_bytes"], 5_000_000,
        "the resume point survived the restart"
    );
    assert_eq!(
        put(&w.s, &url, &bytes, 5_000_000, total - 1, total).await.0,
        201
    );
    let v = settle(&w, &id).await;
    assert_eq!(v["data"]["status"], "PUBLISH_COMPLETE", "{v}");
    let stored =
        w.s.object(&format!("media/{}", id.replace(['~', '.'], "_")))
            .await;
    assert!(stored == bytes);
}

#[tokio::test]
async fn unaudited_apps_reach_the_active_user_cap() {
    let s = crate::server().await;
    let app = s.create_app(json!({"name": "Small", "scopes": ["video.publish"], "redirect_uris": ["https://a.example/cb/"]})).await;
    let key = app["client_key"].as_str().unwrap();
    let file = json!({"source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000, "total_chunk_count": 1});
    let mut tokens = Vec::new();
    for i in 0..6 {
        let u = format!("user{i}");
        s.create_creator(json!({"username": u, "private_account": true}))
            .await;
        tokens.push(
            s.mint(key, &u, &["video.publish"]).await["access_token"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    for t in &tokens[..5] {
        let (st, v) = s
            .call(
                t,
                "/v2/post/publish/video/init/",
                Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": file})),
            )
            .await;
        assert_eq!(st, 200, "{v}");
    }
    let (st, v) = s
        .call(&tokens[5], "/v2/post/publish/creator_info/query/", None)
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (200, "reached_active_user_cap")
    );
    let (st, v) = s
        .call(
            &tokens[5],
            "/v2/post/publish/video/init/",
            Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": file})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (403, "reached_active_user_cap")
    );
    insta::assert_json_snapshot!("active_user_cap", redact(v));
    // A creator already active keeps posting.
    let (st, _) = s
        .call(
            &tokens[0],
            "/v2/post/publish/video/init/",
            Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": file})),
        )
        .await;
    assert_eq!(st, 200);
}

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
async fn pulls_and_webhooks_never_reach_private_addresses_unless_allowed() {
    // A server with the default network policy: https only, no loopback/private ranges.
    let tmp = tempfile::tempdir().unwrap();
    let mut cfg = reelbox_testkit::TestServer::config(tmp.path(), crate::probe_exe());
    cfg.network.allow_private = vec![];
    let secret = Arc::new(Mutex::new(String::new()));
    let l = local(secret.clone()).await;
    let s = TestServer::start_with(cfg).await;
    let app = s
        .create_app(json!({"name": "Nosy", "audited": true, "scopes": ["video.publish"], "redirect_uris": ["https://a.example/cb/"],
            "verified_url_prefixes": [format!("{}/media/", l.base), "http://169.254.169.254/", "http://10.0.0.1/"], "webhook_url": format!("{}/hook", l.base)}))
        .await;
    s.create_creator(json!({"username": "nosy"})).await;
    let t = s
        .mint(
            app["client_key"].as_str().unwrap(),
            "nosy",
            &["video.publish"],
        )
        .await;
    let token = t["access_token"].as_str().unwrap().to_string();
    let w = World {
        s,
        app,
        token,
        refresh: String::new(),
    };
    for url in [
        format!("{}/media/video.mp4", l.base),
        "http://169.254.169.254/latest/meta-data".into(),
        "http://10.0.0.1/x.mp4".into(),
    ] {
        let (st, v) = w.s.call(&w.token, "/v2/post/publish/video/init/", Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": {"source": "PULL_FROM_URL", "video_url": url}}))).await;
        assert_eq!(st, 200, "{v}");
        let v = settle(&w, v["data"]["publish_id"].as_str().unwrap()).await;
        assert_eq!(
            v["data"]["fail_reason"], "video_pull_failed",
            "{url} must not be fetched"
        );
        w.s.advance_clock(61).await;
    }
    // The failure webhooks to the loopback receiver are refused too.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        l.hooks.lock().unwrap().is_empty(),
        "no delivery reached 127.0.0.1"
    );
    let log =
        w.s.admin(
            reqwest::Method::GET,
            &format!(
                "/_reelbox/webhooks?client_key={}",
                w.app["client_key"].as_str().unwrap()
            ),
            Value::Null,
        )
        .await;
    let d = &log["deliveries"][0];
    assert_ne!(d["status"], "delivered");
    assert!(
        d["last_error"].as_str().unwrap_or("").contains("not"),
        "{d}"
    );
}
