//! Typed errors, and the backoff on 429.
use reelbox_sdk::wire::ErrorCode;
use reelbox_sdk::wire::posting::{PrivacyLevel, VideoPostInfo};
use reelbox_sdk::{Action, Client, Credentials};
use serde_json::{Value, json};

use super::fast;
use crate::world;

#[tokio::test]
async fn typed_errors_and_rate_limit_backoff() {
    let w = world().await;
    let s = &w.s;
    s.admin(
        reqwest::Method::PATCH,
        "/_reelbox/creators/alice",
        json!({"privacy_level_options": ["SELF_ONLY"]}),
    )
    .await;
    let client = fast(Client::new(&s.base, Credentials::Token(w.token.clone())));
    let e = client
        .video_init(&reelbox_sdk::wire::posting::VideoInitRequest {
            post_info: Some(VideoPostInfo {
                privacy_level: Some(PrivacyLevel::PublicToEveryone),
                ..Default::default()
            }),
            source_info: reelbox_sdk::wire::posting::VideoSourceInfo {
                source: reelbox_sdk::wire::posting::Source::FileUpload,
                video_size: Some(1000),
                chunk_size: Some(1000),
                total_chunk_count: Some(1),
                video_url: None,
            },
        })
        .await
        .unwrap_err();
    let api = e.api().unwrap();
    assert_eq!(
        (api.code.as_str(), api.http_status),
        ("privacy_level_option_mismatch", 403)
    );
    assert_eq!(e.action(), Action::AskUser);
    // status of an unknown publish.
    let e = client.status("v_pub_file~v2-1.1").await.unwrap_err();
    assert!(e.is(ErrorCode::InvalidPublishId), "{e}");
    // A 429 is waited out and retried: the call succeeds and the fault was consumed.
    s.admin(
        reqwest::Method::POST,
        "/_reelbox/faults",
        json!({"endpoint": "creator_info", "error_code": "rate_limit_exceeded", "http_status": 429, "times": 2}),
    )
    .await;
    let info = client.creator_info().await.unwrap();
    assert_eq!(info.privacy_level_options, vec![PrivacyLevel::SelfOnly]);
    let faults = s
        .admin(reqwest::Method::GET, "/_reelbox/faults", Value::Null)
        .await;
    assert_eq!(
        faults["faults"].as_array().map(|a| a.len()).unwrap_or(0),
        0,
        "both injected 429s were met: {faults}"
    );
    // Without retries left, the 429 surfaces typed.
    s.admin(
        reqwest::Method::POST,
        "/_reelbox/faults",
        json!({"endpoint": "creator_info", "error_code": "rate_limit_exceeded", "http_status": 429, "times": 9}),
    )
    .await;
    let mut c = client.clone();
    c.backoff.retries = 1;
    let e = c.creator_info().await.unwrap_err();
    assert!(e.is(ErrorCode::RateLimitExceeded), "{e}");
    assert_eq!(e.action(), Action::Retry);
}
