//! Web-safe renditions in headless Chromium: an HEVC `.mov` from a phone and a VP9 `.webm` are
//! posted, the `render` job makes H.264/AAC MP4s (the source size capped at 1080p, and 480p) with
//! their `moov` first, and the watch page and the Display API's `embed_link` play them
//! (`readyState` ≥ 3, `currentTime` advancing), where Chromium cannot play the HEVC original.
use std::time::Duration;

use reelbox_testkit::World;
use reelbox_testkit::posting::{put, settle};
use serde_json::{Value, json};

use super::browser::{Chrome, eval, wait_ready};

/// A public Direct Post of the fixture `file` by alice; its post id.
async fn post_fixture(w: &World, file: &str) -> String {
    let bytes = std::fs::read(reelbox_testkit::fixture(file)).unwrap();
    let n = bytes.len();
    let (st, v) = w
        .s
        .call(
            &w.token,
            "/v2/post/publish/video/init/",
            Some(json!({"post_info": {"title": file, "privacy_level": "PUBLIC_TO_EVERYONE"},
                        "source_info": {"source": "FILE_UPLOAD", "video_size": n, "chunk_size": n, "total_chunk_count": 1}})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let id = v["data"]["publish_id"].as_str().unwrap().to_string();
    let url = v["data"]["upload_url"].as_str().unwrap();
    assert_eq!(put(&w.s, url, &bytes, 0, n - 1, n).await.0, 201);
    let s = settle(w, &id).await;
    assert_eq!(s["data"]["status"], "PUBLISH_COMPLETE", "{s}");
    s["data"]["publicaly_available_post_id"][0]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| s["data"]["publicaly_available_post_id"][0].to_string())
}

/// Waits (bounded) until the rendition with short side `side` is served; its bytes.
async fn rendition(w: &World, post_id: &str, side: u32) -> Vec<u8> {
    for _ in 0..1200 {
        let r =
            w.s.http
                .get(w.s.url(&format!("/media/{post_id}/rendition/{side}")))
                .send()
                .await
                .unwrap();
        if r.status() == 200 {
            assert_eq!(r.headers()["content-type"], "video/mp4");
            return r.bytes().await.unwrap().to_vec();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the {side} rendition of {post_id} was never made");
}

/// Plays the `<video>` of the page at `path` muted; what the element says once it has played a
/// little (or the error it met).
async fn play(chrome: &Chrome, url: &str, js_video: &str) -> Value {
    let page = chrome.page(url).await;
    wait_ready(&page).await;
    let js = format!(
        "(async () => {{ const v = {js_video}; v.muted = true; try {{ await v.play(); }} catch (e) {{ return {{error: String(e), readyState: v.readyState, currentTime: v.currentTime}}; }} \
         const t0 = v.currentTime; \
         await new Promise(r => {{ const c = () => (v.error || (v.currentTime > t0 + 0.3 && v.readyState >= 3)) ? r() : setTimeout(c, 50); c(); }}); \
         v.pause(); return {{readyState: v.readyState, currentTime: v.currentTime, t0: t0, src: v.currentSrc, error: v.error ? v.error.code : null}}; }})()"
    );
    tokio::time::timeout(Duration::from_secs(60), eval(&page, &js))
        .await
        .expect("the player settles within 60 s")
}

fn plays(v: &Value) -> bool {
    v["error"].is_null()
        && v["readyState"].as_i64().unwrap_or(0) >= 3
        && v["currentTime"].as_f64().unwrap_or(0.0) > v["t0"].as_f64().unwrap_or(0.0)
}

#[tokio::test]
async fn hevc_and_vp9_uploads_play_in_chromium_from_their_renditions() {
    let s = crate::server_with(|c| c.renditions.enabled = true).await;
    let w = World::posting(s).await;
    let hevc = post_fixture(&w, "hevc_720x1280_30fps.mov").await;
    let vp9 = post_fixture(&w, "vp9_720x1280_30fps.webm").await;
    for post in [&hevc, &vp9] {
        for side in [720, 480] {
            let mp4 = rendition(&w, post, side).await;
            let moov = mp4.windows(4).position(|b| b == b"moov").unwrap();
            let mdat = mp4.windows(4).position(|b| b == b"mdat").unwrap();
            assert!(moov < mdat, "the moov atom comes first");
        }
        // The 720×1280 source is not enlarged: no 1080 rendition.
        let r =
            w.s.http
                .get(w.s.url(&format!("/media/{post}/rendition/1080")))
                .send()
                .await
                .unwrap();
        assert_eq!(r.status(), 404);
    }
    let chrome = Chrome::start().await;
    for post in [&hevc, &vp9] {
        let watched = play(
            &chrome,
            &w.s.url(&format!("/@alice/video/{post}")),
            "document.getElementById('player')",
        )
        .await;
        assert!(plays(&watched), "{post}: {watched}");
        assert!(
            watched["src"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/media/{post}/rendition/720")),
            "{watched}"
        );
    }
    // The HEVC original itself does not play in this Chromium: the renditions are what makes
    // the post watchable.
    let original = play(
        &chrome,
        &w.s.url(&format!("/@alice/video/{hevc}")),
        &format!(
            "(() => {{ const v = document.createElement('video'); v.src = '/media/{hevc}/video'; document.body.append(v); return v; }})()"
        ),
    )
    .await;
    assert!(!plays(&original), "{original}");
    // The Display API's embed_link opens the embed page, which plays the rendition too.
    let key = w.app["client_key"].as_str().unwrap();
    w.s.admin(
        reqwest::Method::PATCH,
        &format!("/_reelbox/apps/{key}"),
        json!({"scopes": ["user.info.basic", "video.list", "video.publish", "video.upload"]}),
    )
    .await;
    let reader =
        w.s.mint(key, "alice", &["user.info.basic", "video.list"])
            .await;
    let (st, v) =
        w.s.call(
            reader["access_token"].as_str().unwrap(),
            "/v2/video/query/?fields=id,embed_link",
            Some(json!({"filters": {"video_ids": [hevc]}})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let embed = v["data"]["videos"][0]["embed_link"].as_str().unwrap();
    assert!(embed.ends_with(&format!("/embed/v2/{hevc}")), "{embed}");
    let embedded = play(&chrome, embed, "document.getElementById('player')").await;
    assert!(plays(&embedded), "{embedded}");
    chrome.close().await;
}
