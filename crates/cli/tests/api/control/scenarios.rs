//! Scenarios: the sequences of failures integrators meet, on calls, uploads and webhooks.
use std::time::Duration;

use reelbox_testkit::local::wait_for_hook;
use reelbox_testkit::media::padded_mp4;
use reelbox_testkit::posting::{put, settle, status};
use serde_json::{Value, json};

use super::{CI, INIT, fault, post_small};
use crate::world_local;

#[tokio::test]
async fn scenarios_reproduce_what_integrators_meet() {
    let (w, l) = world_local(true, false).await;
    let sc =
        w.s.admin(
            reqwest::Method::GET,
            "/_reelbox/faults/scenarios",
            Value::Null,
        )
        .await;
    assert_eq!(sc["scenarios"].as_array().unwrap().len(), 14);

    // processing_stuck: held until the clock passes the hold.
    fault(
        &w,
        json!({"scenario": "processing_stuck", "hold_seconds": 600}),
    )
    .await;
    let id = post_small(&w, "SELF_ONLY").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(status(&w, &id).await["data"]["status"], "PROCESSING_UPLOAD");
    w.s.advance_clock(601).await;
    assert_eq!(settle(&w, &id).await["data"]["status"], "PUBLISH_COMPLETE");

    // late_failure: accepted, then frame_rate_check_failed.
    fault(&w, json!({"scenario": "late_failure"})).await;
    let id = post_small(&w, "SELF_ONLY").await;
    assert_eq!(
        settle(&w, &id).await["data"]["fail_reason"],
        "frame_rate_check_failed"
    );

    // delayed_public_id: complete with [], the id and webhook minutes later.
    fault(
        &w,
        json!({"scenario": "delayed_public_id", "hold_seconds": 300}),
    )
    .await;
    let id = post_small(&w, "PUBLIC_TO_EVERYONE").await;
    let v = settle(&w, &id).await;
    assert_eq!(
        (
            v["data"]["status"].as_str().unwrap(),
            v["data"]["publicaly_available_post_id"].clone()
        ),
        ("PUBLISH_COMPLETE", json!([]))
    );
    w.s.advance_clock(301).await;
    let hook = wait_for_hook(&l, "post.publish.publicly_available").await;
    assert!(hook["content"].as_str().unwrap().contains(&id));
    assert_eq!(
        status(&w, &id).await["data"]["publicaly_available_post_id"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // token_expires_while_polling: the next poll after one fails until a refresh.
    w.s.advance_clock(61).await;
    fault(&w, json!({"scenario": "token_expires_while_polling"})).await;
    assert_eq!(status(&w, &id).await["data"]["status"], "PUBLISH_COMPLETE");
    let (st, v) =
        w.s.call(
            &w.token,
            "/v2/post/publish/status/fetch/",
            Some(json!({"publish_id": id})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (401, "access_token_invalid")
    );
    let r =
        w.s.http
            .post(w.s.url("/v2/oauth/token/"))
            .form(&[
                ("client_key", w.app["client_key"].as_str().unwrap()),
                ("client_secret", w.app["client_secret"].as_str().unwrap()),
                ("grant_type", "refresh_token"),
                ("refresh_token", w.refresh.as_str()),
            ])
            .send()
            .await
            .unwrap();
    let fresh: Value = r.json().await.unwrap();
    let (st, _) =
        w.s.call(
            fresh["access_token"].as_str().unwrap(),
            "/v2/post/publish/status/fetch/",
            Some(json!({"publish_id": id})),
        )
        .await;
    assert_eq!(st, 200);
}

#[tokio::test]
async fn upload_and_webhook_scenarios() {
    let (w, l) = world_local(true, false).await;
    let total = 10_000_000usize;
    let bytes = padded_mp4(total);
    let two_chunks = json!({"post_info": {"privacy_level": "PUBLIC_TO_EVERYONE"}, "source_info": {"source": "FILE_UPLOAD", "video_size": total, "chunk_size": 5_000_000, "total_chunk_count": 2}});
    // upload_url_expiry: the second chunk meets a 403.
    fault(&w, json!({"scenario": "upload_url_expiry"})).await;
    let (_, v) = w.s.call(&w.token, INIT, Some(two_chunks.clone())).await;
    let url = v["data"]["upload_url"].as_str().unwrap().to_string();
    assert_eq!(put(&w.s, &url, &bytes, 0, 4_999_999, total).await.0, 206);
    assert_eq!(
        put(&w.s, &url, &bytes, 5_000_000, total - 1, total).await.0,
        403
    );
    // duplicate and out-of-order webhooks.
    fault(&w, json!({"scenario": "duplicate_webhooks", "times": 10})).await;
    fault(
        &w,
        json!({"scenario": "out_of_order_webhooks", "hold_seconds": 2}),
    )
    .await;
    let (_, v) = w.s.call(&w.token, INIT, Some(two_chunks.clone())).await;
    let id = v["data"]["publish_id"].as_str().unwrap().to_string();
    let url = v["data"]["upload_url"].as_str().unwrap().to_string();
    put(&w.s, &url, &bytes, 0, 4_999_999, total).await;
    put(&w.s, &url, &bytes, 5_000_000, total - 1, total).await;
    settle(&w, &id).await;
    wait_for_hook(&l, "post.publish.complete").await;
    let hooks = l.hooks.lock().unwrap().clone();
    let order: Vec<&str> = hooks.iter().map(|(e, _, _)| e.as_str()).collect();
    let first_public = order
        .iter()
        .position(|e| *e == "post.publish.publicly_available")
        .unwrap();
    let first_complete = order
        .iter()
        .position(|e| *e == "post.publish.complete")
        .unwrap();
    assert!(
        first_public < first_complete,
        "later event first: {order:?}"
    );
    assert_eq!(
        order
            .iter()
            .filter(|e| **e == "post.publish.publicly_available")
            .count(),
        2,
        "delivered twice: {order:?}"
    );
    w.s.admin(reqwest::Method::DELETE, "/_reelbox/faults", Value::Null)
        .await;
    // revoke_midway: the creator revokes after the first chunk.
    w.s.advance_clock(61).await;
    fault(&w, json!({"scenario": "revoke_midway"})).await;
    let (_, v) = w.s.call(&w.token, INIT, Some(two_chunks)).await;
    let id = v["data"]["publish_id"].as_str().unwrap().to_string();
    let url = v["data"]["upload_url"].as_str().unwrap().to_string();
    assert_eq!(put(&w.s, &url, &bytes, 0, 4_999_999, total).await.0, 206);
    let removed = wait_for_hook(&l, "authorization.removed").await;
    assert_eq!(removed["content"], "{\"reason\":1}");
    let list =
        w.s.admin(
            reqwest::Method::GET,
            "/_reelbox/publishes?username=bob",
            Value::Null,
        )
        .await;
    let p = list["publishes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["publish_id"] == id)
        .unwrap()
        .clone();
    assert_eq!(p["fail_reason"], "auth_removed");
    let (st, _) = w.s.call(&w.token, CI, None).await;
    assert_eq!(st, 401, "the token died with the grant");
}
