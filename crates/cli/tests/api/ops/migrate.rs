//! `reelbox migrate` moves an embedded installation (SQLite, media on disk) to PostgreSQL and S3.
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

#[tokio::test]
async fn migrate_moves_an_embedded_installation_to_postgres_and_s3() {
    let (Some(db), Some(storage)) = (
        reelbox_testkit::fresh_database().await,
        reelbox_testkit::fresh_bucket().await,
    ) else {
        eprintln!(
            "migrate test: needs REELBOX_TEST_DATABASE_URL and REELBOX_TEST_S3_ENDPOINT (the PostgreSQL + S3 pass)"
        );
        return;
    };
    // An embedded installation with a published video, tokens and a call log.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = reelbox_testkit::TestServer::config(dir.path(), crate::probe_exe());
    cfg.database_url = None;
    cfg.storage = None;
    let s = reelbox_testkit::TestServer::start_with(cfg.clone()).await;
    let app = s.create_app(json!({"name": "Moving", "audited": true, "scopes": ["video.publish"], "redirect_uris": ["https://a.example/cb/"]})).await;
    s.create_creator(json!({"username": "mover"})).await;
    let tok = s
        .mint(
            app["client_key"].as_str().unwrap(),
            "mover",
            &["video.publish"],
        )
        .await;
    let token = tok["access_token"].as_str().unwrap().to_string();
    let bytes = std::fs::read(reelbox_testkit::fixture("h264_720x1280_30fps.mp4")).unwrap();
    let n = bytes.len();
    let (_, v) = s.call(&token, "/v2/post/publish/video/init/", Some(json!({"post_info": {"privacy_level": "SELF_ONLY", "title": "moved #home"}, "source_info": {"source": "FILE_UPLOAD", "video_size": n, "chunk_size": n, "total_chunk_count": 1}}))).await;
    let id = v["data"]["publish_id"].as_str().unwrap().to_string();
    let url = v["data"]["upload_url"].as_str().unwrap().to_string();
    let r = s
        .http
        .put(&url)
        .header("content-range", format!("bytes 0-{}/{n}", n - 1))
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    for _ in 0..200 {
        let (_, v) = s
            .call(
                &token,
                "/v2/post/publish/status/fetch/",
                Some(json!({"publish_id": id})),
            )
            .await;
        if v["data"]["status"] == "PUBLISH_COMPLETE" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    s.stop().await;
    // Migrate.
    let out = Command::new(crate::probe_exe())
        .args([
            "migrate",
            "--from",
            &format!("sqlite://{}", dir.path().join("reelbox.db").display()),
            "--to",
            &db,
            "--to-storage",
            &storage,
            "--data-dir",
            dir.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["verified"], true);
    let rows = |t: &str| {
        report["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["table"] == t)
            .unwrap()["rows_target"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(
        (
            rows("apps"),
            rows("creators"),
            rows("publishes"),
            rows("posts")
        ),
        (1, 1, 1, 1)
    );
    assert!(rows("tokens") >= 2 && rows("api_call_segments") >= 1);
    assert!(
        report["objects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["bytes"] == n && o["verified"] == true)
    );
    // The same platform now runs on PostgreSQL + S3: tokens, publishes and media are all there.
    let mut cfg2 = reelbox_testkit::TestServer::config(dir.path(), crate::probe_exe());
    cfg2.database_url = Some(db);
    cfg2.storage = Some(storage);
    cfg2.secret_key = Some(
        std::fs::read_to_string(dir.path().join("master-key"))
            .unwrap()
            .trim()
            .to_string(),
    );
    let s2 = reelbox_testkit::TestServer::start_with(cfg2).await;
    let (st, v) = s2
        .call(
            &token,
            "/v2/post/publish/status/fetch/",
            Some(json!({"publish_id": id})),
        )
        .await;
    assert_eq!(
        (st, v["data"]["status"].as_str().unwrap()),
        (200, "PUBLISH_COMPLETE")
    );
    assert_eq!(
        s2.object(&format!("media/{}", id.replace(['~', '.'], "_")))
            .await,
        bytes
    );
    let r = s2
        .http
        .post(s2.url("/v2/oauth/token/"))
        .form(&[
            ("client_key", app["client_key"].as_str().unwrap()),
            ("client_secret", app["client_secret"].as_str().unwrap()),
            ("grant_type", "client_credentials"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the client secret still verifies");
    s2.stop().await;
}
