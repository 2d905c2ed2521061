//! Injected faults: each fails the next matching call as configured, is logged, and expires.
use std::time::{Duration, Instant};

use reelbox_testkit::local::wait_for_hook;
use reelbox_testkit::media::padded_mp4;
use reelbox_testkit::posting::{put, settle, status};
use serde_json::{Value, json};

use super::{CI, INIT, fault, post_small, small_file};
use crate::{world, world_local};

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
async fn plain_faults_are_observed_and_expire() {
    let (w, l) = world_local(true, false).await;
    // Latency without an error.
    fault(&w, json!({"endpoint": "creator_info", "latency_ms": 300})).await;
    let t = Instant::now();
    let (st, _) = w.s.call(&w.token, CI, None).await;
    assert_eq!(st, 200);
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "the answer was held back"
    );
    // Any documented code with its status, on one endpoint only, for N calls.
    fault(
        &w,
        json!({"endpoint": "video/init", "error_code": "spam_risk_too_many_posts", "times": 2}),
    )
    .await;
    let (_, src) = small_file();
    for _ in 0..2 {
        let (st, v) =
            w.s.call(
                &w.token,
                INIT,
                Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": src})),
            )
            .await;
        assert_eq!(
            (st, v["error"]["code"].as_str().unwrap()),
            (403, "spam_risk_too_many_posts")
        );
    }
    // A fault that expires on the server clock.
    fault(&w, json!({"endpoint": "status", "error_code": "internal_error", "times": 100, "ttl_seconds": 60})).await;
    let (st, _) =
        w.s.call(
            &w.token,
            "/v2/post/publish/status/fetch/",
            Some(json!({"publish_id": "x"})),
        )
        .await;
    assert_eq!(st, 500);
    w.s.advance_clock(61).await;
    let (st, v) =
        w.s.call(
            &w.token,
            "/v2/post/publish/status/fetch/",
            Some(json!({"publish_id": "x"})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (400, "invalid_publish_id"),
        "the fault expired"
    );
    let list =
        w.s.admin(reqwest::Method::GET, "/_reelbox/faults", Value::Null)
            .await;
    assert_eq!(list["faults"].as_array().unwrap().len(), 0);
    // An upload chunk dropped midway, then sent again.
    let total = 10_000_000usize;
    let bytes = padded_mp4(total);
    let (_, v) = w.s.call(&w.token, INIT, Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": {"source": "FILE_UPLOAD", "video_size": total, "chunk_size": 5_000_000, "total_chunk_count": 2}}))).await;
    let id = v["data"]["publish_id"].as_str().unwrap().to_string();
    let url = v["data"]["upload_url"].as_str().unwrap().to_string();
    fault(&w, json!({"endpoint": "upload", "drop_connection": true})).await;
    let first =
        w.s.http
            .put(&url)
            .header("content-range", "bytes 0-4999999/10000000")
            .body(bytes[..5_000_000].to_vec())
            .send()
            .await;
    assert!(
        first.map(|r| r.status().as_u16() != 206).unwrap_or(true),
        "the dropped chunk was not accepted"
    );
    assert_eq!(status(&w, &id).await["data"]["uploaded_bytes"], 0);
    assert_eq!(put(&w.s, &url, &bytes, 0, 4_999_999, total).await.0, 206);
    assert_eq!(
        put(&w.s, &url, &bytes, 5_000_000, total - 1, total).await.0,
        201
    );
    assert_eq!(settle(&w, &id).await["data"]["status"], "PUBLISH_COMPLETE");
    // Processing fails with a chosen fail_reason.
    fault(
        &w,
        json!({"endpoint": "processing", "error_code": "spam_risk_text"}),
    )
    .await;
    w.s.advance_clock(61).await;
    let id = post_small(&w, "SELF_ONLY").await;
    let v = settle(&w, &id).await;
    assert_eq!(v["data"]["fail_reason"], "spam_risk_text");
    // Webhook deliveries fail for a while, then the retry gets through.
    fault(&w, json!({"endpoint": "webhook", "times": 1})).await;
    w.s.advance_clock(61).await;
    let id = post_small(&w, "PUBLIC_TO_EVERYONE").await;
    settle(&w, &id).await;
    let log_of = |v: &Value| v["deliveries"].as_array().unwrap().clone();
    let mut retried = false;
    for _ in 0..100 {
        w.s.advance_clock(20).await; // the retry is due on the server clock
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
        if log_of(&log)
            .iter()
            .any(|d| d["attempts"].as_i64().unwrap_or(0) >= 2 && d["status"] == "delivered")
        {
            retried = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(retried, "a failed delivery was retried and delivered");
    wait_for_hook(&l, "post.publish.complete").await;
    // Injected calls are marked in the call log.
    let calls =
        w.s.admin(
            reqwest::Method::GET,
            &format!(
                "/_reelbox/calls?client_key={}&limit=1000",
                w.app["client_key"].as_str().unwrap()
            ),
            Value::Null,
        )
        .await;
    assert!(
        calls["calls"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["injected"] == true)
            .count()
            >= 4
    );
    // Refused: unknown scenario or code.
    let r =
        w.s.http
            .post(w.s.url("/_reelbox/faults"))
            .bearer_auth(&w.s.admin_token)
            .json(&json!({"endpoint": "video/init", "error_code": "nope"}))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 400);
    let r =
        w.s.http
            .post(w.s.url("/_reelbox/faults"))
            .bearer_auth(&w.s.admin_token)
            .json(&json!({"scenario": "nope"}))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 400);
}
