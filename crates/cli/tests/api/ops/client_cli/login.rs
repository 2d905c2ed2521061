//! `reelbox login` through the consent page and the loopback listener, and refresh of an expired stored login.
use std::process::Stdio;

use reelbox_testkit::oauth::consent;
use reelbox_testkit::redact::redact;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

use super::{import_login, reelbox, run};
use crate::world;

#[tokio::test]
async fn login_through_the_consent_page_then_creator_info() {
    let w = world().await;
    let s = &w.s;
    let cfg = tempfile::tempdir().unwrap();
    let mut c = reelbox(cfg.path());
    c.args([
        "login",
        "--client-key",
        w.app["client_key"].as_str().unwrap(),
        "--client-secret",
        w.app["client_secret"].as_str().unwrap(),
        "--base-url",
        &s.base,
        "--account",
        "alice",
        "--no-browser",
        "--timeout-secs",
        "60",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let l = lines
            .next_line()
            .await
            .unwrap()
            .expect("the URL is printed");
        if l.starts_with("http") {
            break l;
        }
    };
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    assert!(
        url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A"),
        "{url}"
    );
    let (status, loc, _) = consent(s, &url, "alice", "correct horse", "approve").await;
    assert_eq!(status, 302);
    assert!(loc.starts_with("http://127.0.0.1:"), "{loc}");
    // The browser follows the redirect to the loopback listener.
    let page = reqwest::get(&loc).await.unwrap();
    assert_eq!(page.status(), 200);
    let out = child.wait_with_output().await.unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["account"], "alice");
    assert!(v["scope"].as_str().unwrap().contains("video.publish"));
    assert!(v.get("access_token").is_none(), "tokens stay in the file");
    let file = cfg.path().join("accounts/alice.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "tokens are private");
    }
    let stored: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert!(
        stored["tokens"]["access_token"]
            .as_str()
            .unwrap()
            .starts_with("act.")
    );
    // The stored login works.
    let mut c = reelbox(cfg.path());
    c.args(["creator-info", "--account", "alice"]);
    let (code, out, err) = run(c).await;
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    insta::assert_json_snapshot!("cli_creator_info", redact(v));
}

#[tokio::test]
async fn an_expired_stored_login_is_refreshed_without_the_user() {
    let w = world().await;
    let s = &w.s;
    let cfg = tempfile::tempdir().unwrap();
    import_login(s, cfg.path(), &w.app, "alice", "main").await;
    let before: Value =
        serde_json::from_slice(&std::fs::read(cfg.path().join("accounts/main.json")).unwrap())
            .unwrap();
    s.advance_clock(25 * 3600).await;
    let mut c = reelbox(cfg.path());
    c.args(["creator-info", "--account", "main"]);
    let (code, out, err) = run(c).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"creator_username\": \"alice\""), "{out}");
    let after: Value =
        serde_json::from_slice(&std::fs::read(cfg.path().join("accounts/main.json")).unwrap())
            .unwrap();
    assert_ne!(
        before["tokens"]["access_token"],
        after["tokens"]["access_token"]
    );
    assert_ne!(
        before["tokens"]["refresh_token"],
        Value::Null,
        "a refresh token was kept"
    );
    // The old token no longer works; the CLI says what to do.
    let mut c = reelbox(cfg.path());
    c.args(["creator-info", "--base-url", &s.base, "--token"])
        .arg(before["tokens"]["access_token"].as_str().unwrap());
    let (code, _, err) = run(c).await;
    assert_eq!(code, 1);
    assert!(err.contains("access_token_invalid"), "{err}");
    assert!(err.contains("reelbox login"), "{err}");
}
