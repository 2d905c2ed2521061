//! The app's side of an integration, on 127.0.0.1: media files to pull (under `/media/`) and the
//! webhook receiver (`/hook`) that verifies each event's signature with the app's secret.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::{TestServer, World, fixture};

/// A local HTTP server: media under /media/, webhook receiver at /hook that verifies signatures.
pub struct Local {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Every event received: (event name, body, whether its signature verified).
    pub hooks: Arc<Mutex<Vec<(String, Value, bool)>>>,
}

/// Starts the local server; webhook signatures are checked with the secret `secret` holds when
/// each event arrives.
pub async fn local(secret: Arc<Mutex<String>>) -> Local {
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

/// Waits (bounded) for the first `event` received, asserts its signature verified, returns its
/// body.
pub async fn wait_for_hook(l: &Local, event: &str) -> Value {
    for _ in 0..200 {
        if let Some((_, v, ok)) = l.hooks.lock().unwrap().iter().find(|(e, _, _)| e == event) {
            assert!(ok, "signature of {event} verifies");
            return v.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {event} webhook");
}

/// A world on `s` whose app ("Poster", audited or not) has its webhook and a verified URL prefix
/// on a new local server, and whose creator bob (private account or not, videos up to 10 s) has
/// given it the posting scopes. The receiver checks signatures with the app's secret.
pub async fn world_local(s: TestServer, audited: bool, private: bool) -> (World, Local) {
    let secret = Arc::new(Mutex::new(String::new()));
    let l = local(secret.clone()).await;
    let w = World::new(
        s,
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
