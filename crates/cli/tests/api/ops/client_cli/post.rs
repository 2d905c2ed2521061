//! `reelbox post`: chunks through an injected failure, inbox and photos, and every refusal.
use reelbox_testkit::fixture;
use reelbox_testkit::media::padded_mp4;
use reelbox_testkit::redact::redact;
use serde_json::{Value, json};

use super::{publishes, reelbox, run};
use crate::{world, world_local};

#[tokio::test]
async fn post_a_multi_chunk_video_through_a_failed_chunk() {
    let w = world().await;
    let s = &w.s;
    let cfg = tempfile::tempdir().unwrap();
    let bytes = padded_mp4(16_000_000);
    let file = cfg.path().join("clip.mp4");
    std::fs::write(&file, &bytes).unwrap();
    s.admin(
        reqwest::Method::POST,
        "/_reelbox/faults",
        json!({"endpoint": "upload", "error_code": "internal_error", "http_status": 500, "times": 1}),
    )
    .await;
    let mut c = reelbox(cfg.path());
    c.arg("post")
        .arg(&file)
        .args([
            "--title",
            "from the terminal #cli",
            "--privacy",
            "SELF_ONLY",
            "--aigc",
            "--chunk-size",
            "5000000",
            "--json",
            "--base-url",
            &s.base,
        ])
        .env("REELBOX_TOKEN", &w.token);
    let (code, out, err) = run(c).await;
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"]["status"], "PUBLISH_COMPLETE", "{v}");
    assert_eq!(v["status"]["uploaded_bytes"], 16_000_000);
    let id = v["publish_id"].as_str().unwrap();
    let list = publishes(s, "username=alice").await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["settings"]["is_aigc"], true);
    assert_eq!(
        list[0]["settings"]["disable_duet"], true,
        "duets stay off unless asked"
    );
    let stored = s
        .object(&format!("media/{}", id.replace(['~', '.'], "_")))
        .await;
    assert!(stored == bytes, "stored file equals the local file");
    // The same command again does not post twice.
    let mut c = reelbox(cfg.path());
    c.arg("post")
        .arg(&file)
        .args([
            "--title",
            "from the terminal #cli",
            "--privacy",
            "SELF_ONLY",
            "--aigc",
        ])
        .args(["--chunk-size", "5000000", "--json", "--base-url", &s.base])
        .env("REELBOX_TOKEN", &w.token);
    let (code, out, err) = run(c).await;
    assert_eq!(code, 0, "{err}");
    let v2: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v2["publish_id"], v["publish_id"]);
    assert_eq!(v2["resumed"], true);
    assert_eq!(publishes(s, "username=alice").await.len(), 1);
    // `status` shows it.
    let mut c = reelbox(cfg.path());
    c.args([
        "status",
        id,
        "--wait",
        "--base-url",
        &s.base,
        "--token",
        &w.token,
    ]);
    let (code, out, err) = run(c).await;
    assert_eq!(code, 0, "{err}");
    let st: Value = serde_json::from_str(&out).unwrap();
    insta::assert_json_snapshot!("cli_status_complete", redact(st));
}

#[tokio::test]
async fn post_to_the_inbox_and_photos() {
    let (w, l) = world_local(true, false).await;
    let s = &w.s;
    let cfg = tempfile::tempdir().unwrap();
    let mut c = reelbox(cfg.path());
    c.arg("post").arg(fixture("h264_720x1280_30fps.mp4")).args([
        "--inbox",
        "--json",
        "--base-url",
        &s.base,
        "--token",
        &w.token,
    ]);
    let (code, out, err) = run(c).await;
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"]["status"], "SEND_TO_USER_INBOX", "{v}");
    let mut c = reelbox(cfg.path());
    c.arg("post")
        .arg(format!("{}/media/a.jpg", l.base))
        .arg(format!("{}/media/b.webp", l.base))
        .args([
            "--title",
            "two photos",
            "--description",
            "#sun",
            "--privacy",
            "PUBLIC_TO_EVERYONE",
            "--cover-index",
            "1",
            "--base-url",
            &s.base,
            "--token",
            &w.token,
        ]);
    let (code, out, err) = run(c).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Posted: p_pub_url~"), "{out}");
    // Local photos cannot be pulled: the CLI says what to do instead.
    let mut c = reelbox(cfg.path());
    c.arg("post").arg(fixture("photo_1080x1350.jpg")).args([
        "--privacy",
        "SELF_ONLY",
        "--base-url",
        &s.base,
        "--token",
        &w.token,
    ]);
    let (code, _, err) = run(c).await;
    assert_eq!(code, 1);
    assert!(err.contains("verified URL prefix"), "{err}");
}

#[tokio::test]
async fn post_refuses_what_the_creator_does_not_allow() {
    let (w, _l) = world_local(true, true).await; // bob: private, videos up to 10 s
    let s = &w.s;
    let cfg = tempfile::tempdir().unwrap();
    let short = fixture("h264_720x1280_30fps.mp4");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["--privacy".into(), "PUBLIC_TO_EVERYONE".into()],
            "may not post with privacy PUBLIC_TO_EVERYONE",
        ),
        (vec![], "--privacy is required"),
        (
            vec![
                "--privacy".into(),
                "SELF_ONLY".into(),
                "--brand-content".into(),
            ],
            "branded content cannot be private",
        ),
        (
            vec![
                "--privacy".into(),
                "SELF_ONLY".into(),
                "--allow-duet".into(),
            ],
            "does not allow Duets",
        ),
        (vec!["--privacy".into(), "EVERYONE".into()], "unknown level"),
    ];
    for (args, expect) in cases {
        let mut c = reelbox(cfg.path());
        c.arg("post")
            .arg(&short)
            .args(["--title", "t", "--base-url", &s.base, "--token", &w.token])
            .args(&args);
        let (code, _, err) = run(c).await;
        assert_eq!(code, 1, "{args:?}");
        assert!(err.contains(expect), "{args:?}: {err}");
    }
    // Longer than the creator may post.
    let mut c = reelbox(cfg.path());
    c.arg("post").arg(fixture("h264_long_12s.mp4")).args([
        "--privacy",
        "SELF_ONLY",
        "--base-url",
        &s.base,
        "--token",
        &w.token,
    ]);
    let (code, _, err) = run(c).await;
    assert_eq!(code, 1);
    assert!(err.contains("may post at most 10 s"), "{err}");
    // Comments turned off by the creator must be off in the post too.
    s.admin(
        reqwest::Method::PATCH,
        "/_reelbox/creators/bob",
        json!({"comment_disabled": true}),
    )
    .await;
    let mut c = reelbox(cfg.path());
    c.arg("post").arg(&short).args([
        "--privacy",
        "SELF_ONLY",
        "--base-url",
        &s.base,
        "--token",
        &w.token,
    ]);
    let (code, _, err) = run(c).await;
    assert_eq!(code, 1);
    assert!(err.contains("--disable-comment"), "{err}");
    // A creator at the daily cap.
    s.admin(
        reqwest::Method::PATCH,
        "/_reelbox/creators/bob",
        json!({"banned_from_posting": true}),
    )
    .await;
    let mut c = reelbox(cfg.path());
    c.arg("post").arg(&short).args([
        "--privacy",
        "SELF_ONLY",
        "--disable-comment",
        "--base-url",
        &s.base,
        "--token",
        &w.token,
    ]);
    let (code, _, err) = run(c).await;
    assert_eq!(code, 1);
    assert!(err.contains("spam_risk_user_banned_from_posting"), "{err}");
    // None of it reached the platform.
    assert!(publishes(s, "username=bob").await.is_empty());
    // A missing file is named.
    let mut c = reelbox(cfg.path());
    c.args([
        "post",
        "nope.mp4",
        "--privacy",
        "SELF_ONLY",
        "--token",
        "act.x",
    ]);
    let (code, _, err) = run(c).await;
    assert_eq!(code, 1);
    assert!(err.contains("nope.mp4: no such file"), "{err}");
}
