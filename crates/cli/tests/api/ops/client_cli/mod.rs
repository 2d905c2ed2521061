//! The client commands run as processes against a real server: `login` through the consent page
//! and the loopback listener, `post` (chunks with an injected failure, inbox, photos, every
//! refusal), refresh of an expired stored login, and `schedule` (caps over virtual days; killed and
//! restarted without posting twice).
//!
//! The helpers here run the `reelbox` binary with a config dir of its own and store logins in it.
mod doctor;
mod export;
mod login;
mod post;
mod research;
mod schedule;

use std::path::Path;
use std::process::Stdio;

use reelbox_testkit::TestServer;
use serde_json::Value;
use tokio::process::Command;

fn reelbox(cfg: &Path) -> Command {
    let mut c = Command::new(crate::probe_exe());
    c.env("REELBOX_CONFIG_DIR", cfg)
        .env("REELBOX_LOG", "warn")
        .env_remove("REELBOX_TOKEN")
        .env_remove("REELBOX_BASE_URL")
        .env_remove("REELBOX_ADMIN_TOKEN")
        .env_remove("REELBOX_CLIENT_SECRET")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    c
}

/// Runs to the end: (exit code, stdout, stderr).
async fn run(mut c: Command) -> (i32, String, String) {
    let out = c.output().await.expect("reelbox runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn publishes(s: &TestServer, query: &str) -> Vec<Value> {
    s.admin(
        reqwest::Method::GET,
        &format!("/_reelbox/publishes?limit=1000&{query}"),
        Value::Null,
    )
    .await["publishes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Stores a minted login as `reelbox login --tokens-file -` does.
async fn import_login(s: &TestServer, cfg: &Path, app: &Value, username: &str, account: &str) {
    let key = app["client_key"].as_str().unwrap();
    let t = s
        .mint(
            key,
            username,
            &["user.info.basic", "video.publish", "video.upload"],
        )
        .await;
    let f = cfg.join(format!("{account}-tokens.json"));
    std::fs::write(&f, t.to_string()).unwrap();
    let mut c = reelbox(cfg);
    c.args([
        "login",
        "--client-key",
        key,
        "--client-secret",
        app["client_secret"].as_str().unwrap(),
        "--base-url",
        &s.base,
        "--account",
        account,
        "--tokens-file",
        f.to_str().unwrap(),
    ]);
    let (code, _, err) = run(c).await;
    assert_eq!(code, 0, "{err}");
}
