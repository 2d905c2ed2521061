//! The unchanged programs: each exchanges a code for tokens, reads creator_info, uploads a
//! video in two chunks to the upload URL init names and polls status until PUBLISH_COMPLETE,
//! all against `https://open.tiktokapis.com`, told about reelbox only by the environment.
use std::time::Duration;

use reelbox_testkit::World;
use serde_json::Value;

use super::{app_env, ca_env, clients_dir, intercepting};

/// Runs `program` with the app's settings and `reelbox ca --env`'s, and checks that it posted
/// through the upload host and that the call log names the host it believed it called.
async fn runs_unchanged(w: &World, mut program: tokio::process::Command) {
    for (k, v) in ca_env(&w.s).into_iter().chain(app_env(w).await) {
        program.env(k, v);
    }
    program.env_remove("http_proxy").env_remove("HTTP_PROXY");
    let out = tokio::time::timeout(Duration::from_secs(60), program.kill_on_drop(true).output())
        .await
        .expect("the program finishes")
        .expect("the program starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("upload_url https://open-upload.tiktokapis.com/upload/video/"),
        "{stdout}"
    );
    assert!(stdout.contains("PUBLISH_COMPLETE"), "{stdout}");
    let key = w.app["client_key"].as_str().unwrap();
    let calls =
        w.s.admin(
            reqwest::Method::GET,
            &format!("/_reelbox/calls?client_key={key}"),
            Value::Null,
        )
        .await;
    let init = calls["calls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["endpoint"] == "/v2/post/publish/video/init/")
        .expect("init in the call log");
    assert_eq!(init["intercepted_host"], "open.tiktokapis.com", "{init}");
}

#[tokio::test]
async fn python_requests_runs_unchanged() {
    let w = intercepting(|_| {}).await;
    let mut p = tokio::process::Command::new("python3");
    p.arg(clients_dir().join("client.py"));
    runs_unchanged(&w, p).await;
}

/// The Node clients' folder, its packages installed (`npm ci`, once).
fn node_clients() -> std::path::PathBuf {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    let dir = clients_dir();
    INSTALLED.call_once(|| {
        if !dir.join("node_modules/undici").exists() || !dir.join("node_modules/axios").exists() {
            let ok = std::process::Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&dir)
                .status()
                .expect("npm runs");
            assert!(ok.success(), "npm ci in {}", dir.display());
        }
    });
    dir
}

#[tokio::test]
async fn node_builtin_fetch_runs_unchanged() {
    // Node 20's fetch ignores HTTPS_PROXY; undici's EnvHttpProxyAgent, loaded by the preload
    // `reelbox ca --env` names in NODE_OPTIONS, sends it through the proxy.
    let dir = node_clients();
    let w = intercepting(|_| {}).await;
    let mut p = tokio::process::Command::new("node");
    p.arg(dir.join("client.mjs")).current_dir(&dir);
    runs_unchanged(&w, p).await;
}

#[tokio::test]
async fn node_axios_runs_unchanged() {
    let dir = node_clients();
    let w = intercepting(|_| {}).await;
    let mut p = tokio::process::Command::new("node");
    p.arg(dir.join("client-axios.mjs")).current_dir(&dir);
    runs_unchanged(&w, p).await;
}

#[tokio::test]
async fn curl_runs_unchanged() {
    let w = intercepting(|_| {}).await;
    let p = tokio::process::Command::new(clients_dir().join("client.sh"));
    runs_unchanged(&w, p).await;
}

#[tokio::test]
async fn rust_reqwest_runs_unchanged() {
    let w = intercepting(|_| {}).await;
    // This test binary again, running only `reqwest_program` with the program's environment.
    let mut p = tokio::process::Command::new(std::env::current_exe().unwrap());
    p.args([
        "intercept::clients::reqwest_program",
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    runs_unchanged(&w, p).await;
}

/// A Rust client as found in the field: `reqwest::Client::new()` (proxy from the environment,
/// the platform's roots, which `SSL_CERT_FILE` names) and TikTok's URLs. Run by
/// `rust_reqwest_runs_unchanged`; does nothing without its environment.
#[tokio::test]
#[ignore = "the program rust_reqwest_runs_unchanged runs"]
async fn reqwest_program() {
    let Ok(client_key) = std::env::var("CLIENT_KEY") else {
        return;
    };
    let env = |k: &str| std::env::var(k).unwrap();
    let http = reqwest::Client::new();
    let token: Value = http
        .post("https://open.tiktokapis.com/v2/oauth/token/")
        .form(&[
            ("client_key", client_key.as_str()),
            ("client_secret", &env("CLIENT_SECRET")),
            ("code", &env("CODE")),
            ("grant_type", "authorization_code"),
            ("redirect_uri", &env("REDIRECT_URI")),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let post = |url: &'static str, body: Value| {
        http.post(url)
            .header("authorization", &bearer)
            .json(&body)
            .send()
    };
    let info: Value = post(
        "https://open.tiktokapis.com/v2/post/publish/creator_info/query/",
        Value::Null,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(info["error"]["code"], "ok", "{info}");
    let video = std::fs::read(env("VIDEO")).unwrap();
    let chunk = 6_000_000;
    let init: Value = post(
        "https://open.tiktokapis.com/v2/post/publish/video/init/",
        serde_json::json!({
            "post_info": {"title": "from reqwest", "privacy_level": info["data"]["privacy_level_options"][0]},
            "source_info": {"source": "FILE_UPLOAD", "video_size": video.len(), "chunk_size": chunk, "total_chunk_count": 2}}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(init["error"]["code"], "ok", "{init}");
    let url = init["data"]["upload_url"].as_str().unwrap();
    println!("upload_url {}", url.split('?').next().unwrap());
    for (start, end) in [(0, chunk), (chunk, video.len())] {
        let r = http
            .put(url)
            .header("content-type", "video/mp4")
            .header(
                "content-range",
                format!("bytes {start}-{}/{}", end - 1, video.len()),
            )
            .body(video[start..end].to_vec())
            .send()
            .await
            .unwrap();
        assert!([201, 206].contains(&r.status().as_u16()), "{r:?}");
    }
    let id = init["data"]["publish_id"].clone();
    for _ in 0..40 {
        let s: Value = post(
            "https://open.tiktokapis.com/v2/post/publish/status/fetch/",
            serde_json::json!({ "publish_id": id }),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        if s["data"]["status"] == "PUBLISH_COMPLETE" {
            println!("PUBLISH_COMPLETE");
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("no PUBLISH_COMPLETE");
}
