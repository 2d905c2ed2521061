//! Sandbox tooling through the control API (`/_reelbox/...`): injected faults and scenarios as a client
//! observes them, the movable clock, the guideline report of a careful and of a careless client, the
//! call log, and the control API's own access rule.
mod access;
mod bodies;
mod calls;
mod clock;
mod faults;
mod moderation;
mod openapi;
mod report;
mod scenarios;
mod settings;

use reelbox_testkit::posting::put;
use reelbox_testkit::{World, fixture};
use serde_json::{Value, json};

const INIT: &str = "/v2/post/publish/video/init/";

const CI: &str = "/v2/post/publish/creator_info/query/";

fn small_file() -> (Vec<u8>, Value) {
    let bytes = std::fs::read(fixture("h264_720x1280_30fps.mp4")).unwrap();
    let n = bytes.len();
    (
        bytes,
        json!({"source": "FILE_UPLOAD", "video_size": n, "chunk_size": n, "total_chunk_count": 1}),
    )
}

async fn fault(w: &World, body: Value) -> Value {
    w.s.admin(reqwest::Method::POST, "/_reelbox/faults", body)
        .await
}

/// Init + one-chunk upload of the small fixture; returns the publish id.
async fn post_small(w: &World, privacy: &str) -> String {
    let (bytes, src) = small_file();
    let (st, v) =
        w.s.call(
            &w.token,
            INIT,
            Some(json!({"post_info": {"privacy_level": privacy}, "source_info": src})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let n = bytes.len();
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
    v["data"]["publish_id"].as_str().unwrap().to_string()
}
