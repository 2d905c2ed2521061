//! Per-app clocks: two apps on one server whose clocks are moved apart — each app's tokens, caps
//! and clock view follow its own time, and neither sees the other's.
use reelbox_testkit::media::padded_mp4;
use reelbox_testkit::oauth::token_form;
use reelbox_testkit::posting::put;
use reelbox_testkit::redact::redact;
use serde_json::{Value, json};
use tokio::process::Command;

use super::{CI, INIT};

const FILE: &str =
    r#"{"source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000, "total_chunk_count": 1}"#;

async fn init(s: &reelbox_testkit::TestServer, token: &str) -> (u16, String) {
    let file: Value = serde_json::from_str(FILE).unwrap();
    let (st, v) = s
        .call(
            token,
            INIT,
            Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": file})),
        )
        .await;
    (st, v["error"]["code"].as_str().unwrap_or_default().into())
}

async fn app_clock(s: &reelbox_testkit::TestServer, key: &str) -> Value {
    s.admin(
        reqwest::Method::GET,
        &format!("/_reelbox/clock?client_key={key}"),
        Value::Null,
    )
    .await
}

#[tokio::test]
async fn two_apps_clocks_move_apart_with_their_tokens_and_caps() {
    let a = crate::world().await;
    let s = &a.s;
    let key_a = a.app["client_key"].as_str().unwrap().to_string();
    let b_app = s
        .create_app(json!({"name": "Other suite", "audited": true, "scopes": ["user.info.basic", "video.publish", "video.upload"]}))
        .await;
    let key_b = b_app["client_key"].as_str().unwrap().to_string();
    s.create_creator(json!({"username": "bea", "password": "correct horse"}))
        .await;
    let b = s
        .mint(
            &key_b,
            "bea",
            &["user.info.basic", "video.publish", "video.upload"],
        )
        .await;
    let token_b = b["access_token"].as_str().unwrap().to_string();
    for who in ["alice", "bea"] {
        s.admin(
            reqwest::Method::PATCH,
            &format!("/_reelbox/creators/{who}"),
            json!({"daily_post_cap": 1}),
        )
        .await;
    }
    // Both creators reach their daily cap.
    for t in [&a.token, &token_b] {
        assert_eq!(init(s, t).await, (200, "ok".into()));
        assert_eq!(init(s, t).await, (403, "spam_risk_too_many_posts".into()));
    }

    // App A's clock moves 25 hours, through the command line.
    let out = Command::new(crate::probe_exe())
        .args([
            "clock", "advance", "25h", "--app", &key_a, "--server", &s.base,
        ])
        .env("REELBOX_ADMIN_TOKEN", &s.admin_token)
        .env("REELBOX_LOG", "warn")
        .output()
        .await
        .expect("reelbox runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let moved: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(moved["client_key"], key_a.as_str());
    assert_eq!(moved["app_offset_ms"], 25 * 3600 * 1000);
    let (ca, cb) = (app_clock(s, &key_a).await, app_clock(s, &key_b).await);
    let apart = ca["now"].as_i64().unwrap() - cb["now"].as_i64().unwrap();
    assert!(
        (25 * 3600 * 1000 - 60_000..25 * 3600 * 1000 + 60_000).contains(&apart),
        "A runs 25 h ahead of B: {apart} ms"
    );
    assert_eq!(cb["app_offset_ms"], 0);
    let shared = s
        .admin(reqwest::Method::GET, "/_reelbox/clock", Value::Null)
        .await;
    assert_eq!(shared["offset_ms"], 0, "the shared clock stays: {shared}");
    assert!(shared.get("client_key").is_none());

    // A's access token has expired on A's clock; B's still works and B's cap still holds.
    let (st, v) = s.call(&a.token, CI, None).await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (401, "access_token_invalid")
    );
    assert_eq!(
        init(s, &token_b).await,
        (403, "spam_risk_too_many_posts".into())
    );
    let (st, v) = s.call(&token_b, CI, None).await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (200, "spam_risk_too_many_posts")
    );

    // A refreshes (its refresh token lives on) and posts again: its day has passed.
    let secret_a = a.app["client_secret"].as_str().unwrap();
    let (st, r) = token_form(
        s,
        &[
            ("client_key", &key_a),
            ("client_secret", secret_a),
            ("grant_type", "refresh_token"),
            ("refresh_token", &a.refresh),
        ],
    )
    .await;
    assert_eq!(st, 200, "{r}");
    let fresh = r["access_token"].as_str().unwrap();
    assert_eq!(init(s, fresh).await, (200, "ok".into()));
    assert_eq!(
        init(s, fresh).await,
        (403, "spam_risk_too_many_posts".into())
    );

    // B's clock moves 25 hours too, over HTTP: now B's token expires and B's cap resets.
    let v = s
        .admin(
            reqwest::Method::POST,
            "/_reelbox/clock",
            json!({"advance_seconds": 25 * 3600, "client_key": key_b}),
        )
        .await;
    assert_eq!(v["app_offset_ms"], 25 * 3600 * 1000);
    let (st, _) = s.call(&token_b, CI, None).await;
    assert_eq!(st, 401);
    let b2 = s
        .mint(
            &key_b,
            "bea",
            &["user.info.basic", "video.publish", "video.upload"],
        )
        .await;
    assert_eq!(
        init(s, b2["access_token"].as_str().unwrap()).await,
        (200, "ok".into())
    );
    // A new token of A, minted on A's clock, lives its full day there.
    assert_eq!(s.call(fresh, CI, None).await.0, 200);

    // Back on the shared clock: A's refreshed token (issued 25 h ahead) is still valid.
    let v = s
        .admin(
            reqwest::Method::POST,
            "/_reelbox/clock",
            json!({"reset": true, "client_key": key_a}),
        )
        .await;
    assert_eq!(v["app_offset_ms"], 0);
    assert_eq!(s.call(fresh, CI, None).await.0, 200);

    // Mistakes answer 400 in the control envelope.
    for (name, body) in [
        (
            "unknown_app",
            json!({"advance_seconds": 60, "client_key": "no_such_app"}),
        ),
        ("freeze", json!({"freeze": true, "client_key": key_b})),
        (
            "backwards",
            json!({"advance_seconds": -1, "client_key": key_b}),
        ),
    ] {
        let r = s
            .http
            .post(s.url("/_reelbox/clock"))
            .bearer_auth(&s.admin_token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{body}");
        let v: Value = r.json().await.unwrap();
        insta::assert_json_snapshot!(format!("app_clock_refused_{name}"), redact(v));
    }
}

/// A second app (its creator `bea`) on `s`: its client key and an access token that posts.
async fn second_app(s: &reelbox_testkit::TestServer) -> (String, String) {
    let app = s
        .create_app(json!({"name": "Other suite", "audited": true, "scopes": ["user.info.basic", "video.publish", "video.upload"]}))
        .await;
    let key = app["client_key"].as_str().unwrap().to_string();
    s.create_creator(json!({"username": "bea", "password": "correct horse"}))
        .await;
    let t = s
        .mint(
            &key,
            "bea",
            &["user.info.basic", "video.publish", "video.upload"],
        )
        .await;
    (key, t["access_token"].as_str().unwrap().to_string())
}

/// A publish's status as the control API lists it (no rate limit to mind while polling).
async fn state_of(s: &reelbox_testkit::TestServer, key: &str, id: &str) -> String {
    let list = s
        .admin(
            reqwest::Method::GET,
            &format!("/_reelbox/publishes?client_key={key}&limit=1000"),
            Value::Null,
        )
        .await;
    list["publishes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["publish_id"] == id)
        .map(|p| p["status"].as_str().unwrap_or("").to_string())
        .unwrap_or_default()
}

/// Waits (bounded) until the publish leaves the processing states; answers its status.
async fn settled(s: &reelbox_testkit::TestServer, key: &str, id: &str) -> String {
    for _ in 0..600 {
        let st = state_of(s, key, id).await;
        if !st.starts_with("PROCESSING_") {
            return st;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("publish {id} did not settle");
}

async fn move_app_clock(s: &reelbox_testkit::TestServer, key: &str, secs: i64) {
    let v = s
        .admin(
            reqwest::Method::POST,
            "/_reelbox/clock",
            json!({"advance_seconds": secs, "client_key": key}),
        )
        .await;
    assert_eq!(v["client_key"], key, "{v}");
}

/// Init of a two-chunk upload and its first chunk: the publish id and the upload URL.
async fn half_upload(
    s: &reelbox_testkit::TestServer,
    token: &str,
    bytes: &[u8],
) -> (String, String) {
    let total = bytes.len();
    let (st, v) = s
        .call(
            token,
            INIT,
            Some(json!({"post_info": {"privacy_level": "SELF_ONLY"},
                "source_info": {"source": "FILE_UPLOAD", "video_size": total, "chunk_size": 5_500_000, "total_chunk_count": 2}})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let url = v["data"]["upload_url"].as_str().unwrap().to_string();
    assert_eq!(put(s, &url, bytes, 0, 5_499_999, total).await.0, 206);
    (v["data"]["publish_id"].as_str().unwrap().to_string(), url)
}

#[tokio::test]
async fn an_upload_url_expires_when_only_its_apps_clock_moves() {
    let a = crate::world().await;
    let s = &a.s;
    let key_a = a.app["client_key"].as_str().unwrap().to_string();
    let (key_b, token_b) = second_app(s).await;
    let total = 11_000_000usize;
    let bytes = padded_mp4(total);
    let (id_a, url_a) = half_upload(s, &a.token, &bytes).await;
    let (id_b, url_b) = half_upload(s, &token_b, &bytes).await;

    // A's clock passes the URL's hour; the shared clock and B's stay.
    move_app_clock(s, &key_a, 3601).await;
    // The abandoned-upload job runs on A's clock: A's upload fails as an expired one does.
    assert_eq!(settled(s, &key_a, &id_a).await, "FAILED");
    let (st, v) = s
        .call(
            &a.token,
            "/v2/post/publish/status/fetch/",
            Some(json!({"publish_id": id_a})),
        )
        .await;
    assert_eq!(
        (st, v["data"]["fail_reason"].as_str()),
        (200, Some("file_format_check_failed")),
        "{v}"
    );
    // A's last chunk is refused as an expired URL; B's is taken and B's upload completes.
    let r = s
        .http
        .put(&url_a)
        .header("Content-Type", "video/mp4")
        .header(
            "Content-Range",
            format!("bytes 5500000-{}/{total}", total - 1),
        )
        .body(bytes[5_500_000..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.unwrap();
    insta::assert_json_snapshot!("app_clock_upload_url_expired", redact(v));
    assert_eq!(state_of(s, &key_b, &id_b).await, "PROCESSING_UPLOAD");
    assert_eq!(
        put(s, &url_b, &bytes, 5_500_000, total - 1, total).await.0,
        201
    );
    assert_ne!(state_of(s, &key_b, &id_b).await, "FAILED");
}

#[tokio::test]
async fn a_held_job_runs_when_its_apps_clock_passes_and_not_before() {
    let a = crate::world().await;
    let s = &a.s;
    let key_a = a.app["client_key"].as_str().unwrap().to_string();
    let (key_b, token_b) = second_app(s).await;
    let bytes = std::fs::read(reelbox_testkit::fixture("h264_720x1280_30fps.mp4")).unwrap();
    let n = bytes.len();
    let mut ids = Vec::new();
    for (key, token) in [(&key_a, &a.token), (&key_b, &token_b)] {
        s.admin(
            reqwest::Method::POST,
            "/_reelbox/faults",
            json!({"scenario": "processing_stuck", "hold_seconds": 600, "client_key": key}),
        )
        .await;
        let (st, v) = s
            .call(
                token,
                INIT,
                Some(json!({"post_info": {"privacy_level": "SELF_ONLY"},
                    "source_info": {"source": "FILE_UPLOAD", "video_size": n, "chunk_size": n, "total_chunk_count": 1}})),
            )
            .await;
        assert_eq!(st, 200, "{v}");
        let url = v["data"]["upload_url"].as_str().unwrap();
        assert_eq!(put(s, url, &bytes, 0, n - 1, n).await.0, 201);
        ids.push(v["data"]["publish_id"].as_str().unwrap().to_string());
    }
    // Both processing jobs are held by their scenario (the hold is taken once the job ran).
    for (key, id) in [(&key_a, &ids[0]), (&key_b, &ids[1])] {
        let mut held = false;
        for _ in 0..200 {
            let v = s
                .admin(reqwest::Method::GET, "/_reelbox/faults", Value::Null)
                .await;
            if !v.to_string().contains(key.as_str()) {
                held = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(held, "the scenario of {key} was taken");
        assert_eq!(state_of(s, key, id).await, "PROCESSING_UPLOAD");
    }

    // A's clock passes the hold: A's job runs; B's stays held on B's clock.
    move_app_clock(s, &key_a, 601).await;
    assert_eq!(settled(s, &key_a, &ids[0]).await, "PUBLISH_COMPLETE");
    assert_eq!(state_of(s, &key_b, &ids[1]).await, "PROCESSING_UPLOAD");
    move_app_clock(s, &key_b, 601).await;
    assert_eq!(settled(s, &key_b, &ids[1]).await, "PUBLISH_COMPLETE");
}

#[tokio::test]
async fn a_creators_clock_moves_their_tokens_and_caps_alone() {
    let a = crate::world().await;
    let s = &a.s;
    let key = a.app["client_key"].as_str().unwrap().to_string();
    s.create_creator(json!({"username": "carl", "password": "correct horse"}))
        .await;
    let c = s
        .mint(
            &key,
            "carl",
            &["user.info.basic", "video.publish", "video.upload"],
        )
        .await;
    let token_c = c["access_token"].as_str().unwrap().to_string();
    for who in ["alice", "carl"] {
        s.admin(
            reqwest::Method::PATCH,
            &format!("/_reelbox/creators/{who}"),
            json!({"daily_post_cap": 1}),
        )
        .await;
    }
    for t in [&a.token, &token_c] {
        assert_eq!(init(s, t).await, (200, "ok".into()));
        assert_eq!(init(s, t).await, (403, "spam_risk_too_many_posts".into()));
    }

    // Alice's clock moves 25 hours, through the command line; the app's stays.
    let out = Command::new(crate::probe_exe())
        .args([
            "clock",
            "advance",
            "25h",
            "--creator",
            "alice",
            "--server",
            &s.base,
        ])
        .env("REELBOX_ADMIN_TOKEN", &s.admin_token)
        .env("REELBOX_LOG", "warn")
        .output()
        .await
        .expect("reelbox runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let moved: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(moved["creator_offset_ms"], 25 * 3600 * 1000, "{moved}");
    assert_eq!(app_clock(s, &key).await["app_offset_ms"], 0);
    // Asked by open_id, the same creator's clock.
    let minted = s
        .mint(
            &key,
            "alice",
            &["user.info.basic", "video.publish", "video.upload"],
        )
        .await;
    let open_id = minted["open_id"].as_str().expect("open_id").to_string();
    let by_open_id = s
        .admin(
            reqwest::Method::GET,
            &format!("/_reelbox/clock?creator={open_id}"),
            Value::Null,
        )
        .await;
    assert_eq!(by_open_id["creator_id"], moved["creator_id"]);
    assert_eq!(by_open_id["creator_offset_ms"], 25 * 3600 * 1000);

    // Alice's access token expired on her clock; Carl's works and his cap still holds.
    let (st, v) = s.call(&a.token, CI, None).await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (401, "access_token_invalid")
    );
    assert_eq!(
        init(s, &token_c).await,
        (403, "spam_risk_too_many_posts".into())
    );
    // Alice refreshes and posts again: her day has passed.
    let (st, r) = token_form(
        s,
        &[
            ("client_key", &key),
            ("client_secret", a.app["client_secret"].as_str().unwrap()),
            ("grant_type", "refresh_token"),
            ("refresh_token", &a.refresh),
        ],
    )
    .await;
    assert_eq!(st, 200, "{r}");
    let fresh = r["access_token"].as_str().unwrap();
    assert_eq!(init(s, fresh).await, (200, "ok".into()));
    assert_eq!(
        init(s, fresh).await,
        (403, "spam_risk_too_many_posts".into())
    );

    // An unknown creator answers 400 in the control envelope.
    let r = s
        .http
        .post(s.url("/_reelbox/clock"))
        .bearer_auth(&s.admin_token)
        .json(&json!({"advance_seconds": 60, "creator": "nobody_here"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    insta::assert_json_snapshot!("creator_clock_refused_unknown", redact(v));
}
