//! Sandbox tooling: faults and scenarios observed by a client, the movable clock, and the
//! guideline report of a careful and of a careless client.
use std::time::{Duration, Instant};

use reelbox_testkit::fixture;
use serde_json::{Value, json};

use crate::posting::{padded_mp4, put, settle, status, wait_for_hook, world_local};
use crate::{World, redact};

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
    assert_eq!(sc["scenarios"].as_array().unwrap().len(), 8);

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

#[tokio::test]
async fn the_clock_moves_everything_and_freezes() {
    let w = crate::world().await;
    let before =
        w.s.admin(reqwest::Method::GET, "/_reelbox/clock", Value::Null)
            .await;
    let frozen =
        w.s.admin(
            reqwest::Method::POST,
            "/_reelbox/clock",
            json!({"freeze": true}),
        )
        .await;
    assert_eq!(frozen["frozen"], true);
    tokio::time::sleep(Duration::from_millis(30)).await;
    let again =
        w.s.admin(reqwest::Method::GET, "/_reelbox/clock", Value::Null)
            .await;
    assert_eq!(again["now"], frozen["now"], "a frozen clock stands still");
    let moved = w.s.advance_clock(25 * 3600).await;
    assert_eq!(
        moved["now"].as_i64().unwrap() - frozen["now"].as_i64().unwrap(),
        25 * 3600 * 1000
    );
    assert!(moved["now"].as_i64().unwrap() > before["now"].as_i64().unwrap());
    let (st, _) = w.s.call(&w.token, CI, None).await;
    assert_eq!(st, 401, "25 h later the access token has expired");
    let r =
        w.s.http
            .post(w.s.url("/_reelbox/clock"))
            .bearer_auth(&w.s.admin_token)
            .json(&json!({"advance_seconds": -5}))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 400, "time never moves backwards");
}

async fn report(w: &World) -> Value {
    w.s.admin(
        reqwest::Method::GET,
        &format!(
            "/_reelbox/report?client_key={}",
            w.app["client_key"].as_str().unwrap()
        ),
        Value::Null,
    )
    .await
}

fn verdict<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["report"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

#[tokio::test]
async fn a_careful_client_gets_a_clean_report() {
    let (w, _l) = world_local(true, false).await;
    for _ in 0..2 {
        let (st, v) = w.s.call(&w.token, CI, None).await;
        assert_eq!(st, 200);
        let privacy = v["data"]["privacy_level_options"][0]
            .as_str()
            .unwrap()
            .to_string();
        let id = post_small(&w, &privacy).await;
        loop {
            w.s.advance_clock(3).await; // polls spaced out, as a client with backoff does
            let v = status(&w, &id).await;
            if v["data"]["status"] != "PROCESSING_UPLOAD" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        w.s.advance_clock(61).await;
    }
    let r = report(&w).await;
    assert_eq!(r["report"]["fail"], 0, "{r:#}");
    assert!(r["report"]["pass"].as_u64().unwrap() >= 8);
    assert_eq!(verdict(&r, "creator_info_first")["verdict"], "pass");
    assert_eq!(r["report"]["audit_checklist"].as_array().unwrap().len(), 8);
}

#[tokio::test]
async fn a_careless_client_gets_each_finding_with_evidence() {
    let w = crate::world().await;
    let (_, src) = small_file();
    // Skips creator_info, posts branded content as SELF_ONLY.
    let (st, v) = w.s.call(&w.token, INIT, Some(json!({"post_info": {"privacy_level": "SELF_ONLY", "brand_content_toggle": true}, "source_info": src}))).await;
    assert_eq!(st, 400);
    let first_log = v["error"]["log_id"].as_str().unwrap().to_string();
    // Hammers after 429.
    for _ in 0..10 {
        w.s.call(
            &w.token,
            INIT,
            Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": src})),
        )
        .await;
    }
    // Lets its token expire.
    w.s.advance_clock(25 * 3600).await;
    let (st, _) = w.s.call(&w.token, CI, None).await;
    assert_eq!(st, 401);
    let r = report(&w).await;
    for id in [
        "creator_info_first",
        "disclosure_consistent",
        "rate_limits_honoured",
        "tokens_refreshed",
    ] {
        assert_eq!(verdict(&r, id)["verdict"], "fail", "{id}: {r:#}");
        assert!(!verdict(&r, id)["evidence"].as_array().unwrap().is_empty());
    }
    let ev = &verdict(&r, "disclosure_consistent")["evidence"][0];
    assert_eq!(ev["log_id"], first_log, "the evidence names the call");
    let mut shape = r.clone();
    shape["generated_at"] = json!("[time]");
    for c in shape["report"]["checks"].as_array_mut().unwrap() {
        for e in c["evidence"].as_array_mut().unwrap() {
            e["time"] = json!("[time]");
        }
    }
    insta::assert_json_snapshot!("careless_report", redact(shape), {".report.checks[].evidence[].log_id" => "[log_id]"});
}

#[tokio::test]
async fn the_call_log_keeps_calls_for_the_retention_period() {
    let w = crate::world().await;
    let key = w.app["client_key"].as_str().unwrap().to_string();
    w.s.call(&w.token, CI, None).await;
    let calls = |v: Value| v["calls"].as_array().unwrap().len();
    assert_eq!(
        calls(
            w.s.admin(
                reqwest::Method::GET,
                &format!("/_reelbox/calls?client_key={key}"),
                Value::Null
            )
            .await
        ),
        1
    );
    w.s.advance_clock(31 * 86_400).await;
    let mut gone = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if calls(
            w.s.admin(
                reqwest::Method::GET,
                &format!("/_reelbox/calls?client_key={key}"),
                Value::Null,
            )
            .await,
        ) == 0
        {
            gone = true;
            break;
        }
    }
    assert!(gone, "calls older than 30 days are pruned");
}

#[tokio::test]
async fn the_sdk_as_a_client_gets_a_clean_report() {
    use reelbox_sdk::wire::posting::VideoPostInfo;
    use reelbox_sdk::{Client, Credentials, Journal, Media, Publisher, VideoTarget};
    let (w, _l) = world_local(true, false).await;
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(&w.s.base, Credentials::Token(w.token.clone()));
    let publisher = Publisher::new(client.clone(), Journal::new(dir.path().join("journal")));
    for i in 0..2 {
        // As the guidelines ask: creator info first, privacy chosen from its options.
        let info = client.creator_info().await.unwrap();
        let media = Media::File {
            path: fixture("h264_720x1280_30fps.mp4"),
            target: VideoTarget::Direct(VideoPostInfo {
                title: Some(format!("clip {i}")),
                privacy_level: Some(info.privacy_level_options[0]),
                ..Default::default()
            }),
        };
        let (_, status) = publisher
            .publish(
                &format!("clip-{i}"),
                &media,
                None,
                Some(Duration::from_secs(60)),
            )
            .await
            .unwrap();
        assert_eq!(status.status.as_str(), "PUBLISH_COMPLETE");
    }
    let r = report(&w).await;
    assert_eq!(r["report"]["fail"], 0, "{r:#}");
    assert_eq!(verdict(&r, "creator_info_first")["verdict"], "pass");
    assert_eq!(verdict(&r, "privacy_from_options")["verdict"], "pass");
}
