//! Per-app clocks: two apps on one server whose clocks are moved apart — each app's tokens, caps
//! and clock view follow its own time, and neither sees the other's.
use reelbox_testkit::oauth::token_form;
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
