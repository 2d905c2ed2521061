//! `reelbox doctor` says what is wrong and how to fix it.
use serde_json::{Value, json};

use super::{import_login, reelbox, run};
use crate::world;

#[tokio::test]
async fn doctor_says_what_is_wrong_and_how_to_fix_it() {
    let w = world().await;
    let s = &w.s;
    let cfg = tempfile::tempdir().unwrap();
    import_login(s, cfg.path(), &w.app, "alice", "alice").await;
    let key = w.app["client_key"].as_str().unwrap();
    let mut c = reelbox(cfg.path());
    c.args([
        "doctor",
        "--client-key",
        key,
        "--base-url",
        &s.base,
        "--json",
    ])
    .env("REELBOX_ADMIN_TOKEN", &s.admin_token);
    let (code, out, err) = run(c).await;
    assert_eq!(code, 0, "{out}{err}");
    let checks: Vec<Value> = serde_json::from_str(&out).unwrap();
    let result = |name: &str| -> Vec<String> {
        checks
            .iter()
            .filter(|c| c["check"] == name)
            .map(|c| c["result"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(result("api"), ["ok"]);
    assert_eq!(result("clock"), ["ok"]);
    assert_eq!(result("redirect_uri"), ["ok"]);
    assert_eq!(result("login"), ["ok"]);
    assert_eq!(result("creator_info"), ["ok"]);
    assert_eq!(result("audit"), ["ok"]);
    assert_eq!(result("pull_from_url"), ["warn"], "no verified prefixes");
    // An app without the loopback redirect URI, unaudited: the fix is named.
    let bad = s
        .create_app(json!({"name": "Web only", "scopes": ["video.publish"], "redirect_uris": ["https://app.example.com/cb/"]}))
        .await;
    let mut c = reelbox(cfg.path());
    c.args([
        "doctor",
        "--client-key",
        bad["client_key"].as_str().unwrap(),
        "--base-url",
        &s.base,
    ])
    .env("REELBOX_ADMIN_TOKEN", &s.admin_token);
    let (code, out, _) = run(c).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("[fail] redirect_uri"), "{out}");
    assert!(out.contains("add http://127.0.0.1:*/callback/"), "{out}");
    assert!(out.contains("[warn] audit"), "{out}");
    assert!(out.contains("[skip] login"), "{out}");
}
