//! The call log keeps what an app's integration did, not what anyone on the network sent: calls
//! no app can be named for stay out of it.
use std::path::Path;

use rand::distr::{Alphanumeric, SampleString};
use reelbox_testkit::TestServer;
use serde_json::{Value, json};

use crate::probe_exe;

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_bytes(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

async fn calls(s: &TestServer, key: &str) -> Vec<Value> {
    s.admin(
        reqwest::Method::GET,
        &format!("/_reelbox/calls?client_key={key}&limit=1000"),
        Value::Null,
    )
    .await["calls"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn anonymous_calls_do_not_grow_the_call_log() {
    // SQLite in the temp dir whatever the environment says: the data dir's size is the measure.
    let tmp = tempfile::tempdir().expect("temp dir");
    let s = TestServer::start_with(TestServer::config(tmp.path(), probe_exe())).await;
    let app = s
        .create_app(json!({"name": "Log", "scopes": ["user.info.basic"],
            "redirect_uris": ["https://app.example.com/callback/"]}))
        .await;
    let key = app["client_key"].as_str().expect("key").to_string();
    calls(&s, &key).await;
    let before = dir_bytes(tmp.path());
    // 200 unauthenticated calls with 30 KB paths of random text (nothing for compression to fold).
    for _ in 0..200 {
        let junk = Alphanumeric.sample_string(&mut rand::rng(), 30_000);
        let resp = s
            .http
            .get(s.url(&format!("/v2/research/video/query/{junk}")))
            .send()
            .await
            .expect("answered");
        assert!(resp.status().is_client_error(), "{}", resp.status());
    }
    calls(&s, &key).await;
    let grown = dir_bytes(tmp.path()).saturating_sub(before);
    assert!(
        grown < 1_000_000,
        "6 MB of anonymous paths grew the data dir by {grown} bytes"
    );
}
