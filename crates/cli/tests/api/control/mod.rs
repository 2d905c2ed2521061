//! Sandbox tooling through the control API (`/_reelbox/...`): injected faults and scenarios as a client
//! observes them, the movable clock, the guideline report of a careful and of a careless client, the
//! call log, the control API's own access rule, and a test suite's tools (reset, snapshots, seed
//! files, deterministic mode).
mod access;
mod app_clocks;
mod bodies;
mod calls;
mod clock;
mod deterministic;
mod faults;
mod live;
mod moderation;
mod openapi;
mod report;
mod reset;
mod scenarios;
mod seed_file;
mod settings;
mod snapshot;
mod workbench;

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

/// Rows of every table of the server's database, by table (read through its store).
async fn row_counts(s: &reelbox_testkit::TestServer) -> Vec<(String, u64)> {
    let st = &s.handle.as_ref().expect("running").state;
    st.store
        .table_sums()
        .await
        .expect("table sums")
        .into_iter()
        .map(|t| (t.table, t.rows))
        .collect()
}

/// Every blob the server's store lists (media, covers, uploads, partial files).
async fn blob_keys(s: &reelbox_testkit::TestServer) -> Vec<String> {
    use futures::TryStreamExt;
    let st = &s.handle.as_ref().expect("running").state;
    let mut keys: Vec<String> = st
        .blobs
        .list()
        .map_ok(|e| e.key)
        .try_collect()
        .await
        .expect("listing");
    keys.sort();
    keys
}

/// Waits until the publish is complete (the worker processed its media).
async fn wait_complete(w: &World, publish_id: &str) -> Value {
    for _ in 0..600 {
        let (_, v) =
            w.s.call(
                &w.token,
                "/v2/post/publish/status/fetch/",
                Some(json!({"publish_id": publish_id})),
            )
            .await;
        if v["data"]["status"] == "PUBLISH_COMPLETE" || v["data"]["status"] == "FAILED" {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("publish {publish_id} did not complete");
}
