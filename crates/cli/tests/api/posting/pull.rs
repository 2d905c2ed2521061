//! PULL_FROM_URL: videos and photos fetched from a verified prefix, cancel of a slow pull, and pulls and
//! webhooks refused on private addresses unless the configuration allows them.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reelbox_testkit::local::local;
use reelbox_testkit::posting::{settle, status};
use reelbox_testkit::redact::redact;
use reelbox_testkit::{TestServer, World};
use serde_json::{Value, json};

use crate::world_local;

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
    // Let the worker start the download (the server answers after 3 s), then cancel it.
    tokio::time::sleep(Duration::from_millis(1000)).await;
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
    let counted = v["data"]["downloaded_bytes"].clone();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let v = status(&w, &slow).await;
    assert_eq!(
        v["data"]["status"], "FAILED",
        "the finished download does not undo the cancel"
    );
    assert_eq!(
        v["data"]["downloaded_bytes"], counted,
        "a cancelled pull stops counting"
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

/// A JPEG of `total` bytes (a real one, then padding), streamed in 64 KiB pieces without a
/// Content-Length, on a local server that counts the bytes it handed to the socket.
async fn oversized_photo_server(total: usize) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let served = Arc::new(AtomicUsize::new(0));
    let counter = served.clone();
    let jpeg = std::fs::read(reelbox_testkit::fixture("photo_1080x1350.jpg")).expect("fixture");
    let app = axum::Router::new().route(
        "/media/big.jpg",
        axum::routing::get(move || {
            let counter = counter.clone();
            let jpeg = jpeg.clone();
            async move {
                let pieces = futures::stream::unfold(0usize, move |sent| {
                    let counter = counter.clone();
                    let jpeg = jpeg.clone();
                    async move {
                        if sent >= total {
                            return None;
                        }
                        let n = (64 * 1024).min(total - sent);
                        let mut piece = vec![0u8; n];
                        if sent < jpeg.len() {
                            let k = n.min(jpeg.len() - sent);
                            piece[..k].copy_from_slice(&jpeg[sent..sent + k]);
                        }
                        counter.fetch_add(n, Ordering::Relaxed);
                        Some((Ok::<_, std::io::Error>(bytes::Bytes::from(piece)), sent + n))
                    }
                });
                axum::body::Body::from_stream(pieces)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    (base, served)
}

#[tokio::test]
async fn a_photo_pull_stops_at_the_photo_size_limit() {
    // 200 MB offered; the photo rule allows 20 MB.
    let (base, served) = oversized_photo_server(200_000_000).await;
    let w = World::new(
        crate::server().await,
        json!({"name": "Photos", "audited": true, "scopes": ["video.publish", "video.upload"],
               "redirect_uris": ["https://app.example.com/cb/"],
               "verified_url_prefixes": [format!("{base}/media/")]}),
        json!({"username": "bob", "password": "correct horse"}),
        &["video.publish", "video.upload"],
    )
    .await;
    let (st, v) = w.s.call(&w.token, "/v2/post/publish/content/init/", Some(json!({"post_info": {"privacy_level": "SELF_ONLY"},
        "source_info": {"source": "PULL_FROM_URL", "photo_cover_index": 0, "photo_images": [format!("{base}/media/big.jpg")]},
        "post_mode": "DIRECT_POST", "media_type": "PHOTO"}))).await;
    assert_eq!(st, 200, "{v}");
    let v = settle(&w, v["data"]["publish_id"].as_str().expect("id")).await;
    // The same answer the photo rule gives a file over 20 MB.
    assert_eq!(v["data"]["fail_reason"], "file_format_check_failed", "{v}");
    let n = served.load(std::sync::atomic::Ordering::Relaxed);
    // The limit, and what socket buffers took in before the download stopped.
    assert!(n < 60_000_000, "{n} bytes were served for a 20 MB photo");
}
