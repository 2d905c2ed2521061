//! Interception: unchanged clients with TikTok's production URLs, run against reelbox with the
//! environment `reelbox ca --env` prints (`clients`), and what the proxy and the TLS listener
//! refuse (`proxy`).
mod clients;
mod proxy;

use std::path::PathBuf;

use reelbox_testkit::oauth::consent;
use reelbox_testkit::{TestServer, World};

use crate::probe_exe;

pub const REDIRECT: &str = "https://app.example.com/callback/";

/// A server whose listen port intercepts TikTok's hosts, with the posting world.
pub async fn intercepting(adjust: impl FnOnce(&mut reelbox_server::Config)) -> World {
    let s = crate::server_with(|c| {
        c.intercept.enabled = true;
        adjust(c)
    })
    .await;
    World::posting(s).await
}

/// The proxy URL of a test server.
pub fn proxy_url(s: &TestServer) -> String {
    s.base.clone()
}

/// What `reelbox ca --env` prints for this server, as (name, value) pairs.
pub fn ca_env(s: &TestServer) -> Vec<(String, String)> {
    let out = std::process::Command::new(probe_exe())
        .args(["ca", "--env", "sh", "--proxy", &proxy_url(s), "--data-dir"])
        .arg(&s.dir)
        .output()
        .expect("reelbox ca runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("export "))
        .map(|l| {
            let (name, rest) = l.split_once("='").unwrap();
            let value = rest.split("'  #").next().unwrap();
            (name.to_string(), value.to_string())
        })
        .collect()
}

/// The CA certificate of a test server.
pub fn ca_pem(s: &TestServer) -> Vec<u8> {
    std::fs::read(s.dir.join("ca.pem")).expect("ca.pem")
}

/// An authorization code for alice from the world's app, through the consent page.
pub async fn code(w: &World) -> String {
    let url = format!(
        "{}?client_key={}&response_type=code&scope=user.info.basic,video.publish&redirect_uri={}&state=s1",
        w.s.url("/v2/auth/authorize/"),
        w.app["client_key"].as_str().unwrap(),
        url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>(),
    );
    let (status, loc, body) = consent(&w.s, &url, "alice", "correct horse", "approve").await;
    assert_eq!(status, 302, "{loc}{body}");
    assert!(
        loc.starts_with(REDIRECT),
        "the redirect is the app's: {loc}"
    );
    url::Url::parse(&loc)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code")
}

/// The app's settings of a client program: its credentials, a fresh code, and the video to post
/// (12 MB, two chunks of 6,000,000 bytes).
pub async fn app_env(w: &World) -> Vec<(String, String)> {
    let video: PathBuf = w.s.dir.join("upload.mp4");
    if !video.exists() {
        std::fs::write(&video, reelbox_testkit::media::padded_mp4(12_000_000)).unwrap();
    }
    vec![
        (
            "CLIENT_KEY".into(),
            w.app["client_key"].as_str().unwrap().into(),
        ),
        (
            "CLIENT_SECRET".into(),
            w.app["client_secret"].as_str().unwrap().into(),
        ),
        ("CODE".into(), code(w).await),
        ("REDIRECT_URI".into(), REDIRECT.into()),
        ("VIDEO".into(), video.display().to_string()),
    ]
}

/// The folder of the client programs.
pub fn clients_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/api/intercept/clients")
}
