//! The in-process server every behaviour test starts: its own temporary data dir (a real SQLite
//! file, media on disk) or the PostgreSQL database and S3 bucket the environment names, an
//! ephemeral port on 127.0.0.1, and the calls that speak to it over HTTP.
use std::path::{Path, PathBuf};

use reelbox_server::{Config, Handle};
use serde_json::{Value, json};

use crate::backend::{fresh_bucket, fresh_database};

/// The admin token of test servers (the server refuses one shorter than 32 characters).
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789abcdef";

/// A running in-process server, the admin token of its control API, and an HTTP client that does
/// not follow redirects.
pub struct TestServer {
    pub base: String,
    pub admin_token: String,
    pub http: reqwest::Client,
    pub handle: Option<Handle>,
    pub dir: PathBuf,
    /// Keeps the temporary directory alive (None when the caller owns the directory).
    _tmp: Option<tempfile::TempDir>,
    cfg: Config,
}

impl TestServer {
    /// A config for tests: ephemeral port, `dir` as data dir, 127.0.0.1 reachable for pulls and
    /// webhooks over plain http, `probe_exe` running the media probe, renditions off.
    pub fn config(dir: &Path, probe_exe: &Path) -> Config {
        let mut cfg = Config {
            listen: "127.0.0.1:0".parse().expect("literal"),
            data_dir: dir.to_path_buf(),
            admin_token: Some(ADMIN_TOKEN.into()),
            ..Config::default()
        };
        cfg.probe.exe = Some(probe_exe.to_path_buf());
        cfg.network.allow_http = true;
        cfg.network.allow_private = vec!["127.0.0.1/32".into()];
        cfg.webhooks.first_retry_secs = 1;
        // Encoding renditions of every test post would cost the suite minutes of CPU; the tests
        // of renditions turn them on.
        cfg.renditions.enabled = false;
        cfg
    }

    /// A server on the backend the environment names: SQLite in the temp dir by default, or a
    /// fresh PostgreSQL database of its own when `REELBOX_TEST_DATABASE_URL` points at a server.
    pub async fn start(probe_exe: &Path) -> TestServer {
        Self::start_adjusted(probe_exe, |_| {}).await
    }

    /// [`TestServer::start`] with the configuration `adjust`ed first (a limit set small, say).
    pub async fn start_adjusted(probe_exe: &Path, adjust: impl FnOnce(&mut Config)) -> TestServer {
        let tmp = tempfile::tempdir().expect("temp dir");
        let mut cfg = Self::config(tmp.path(), probe_exe);
        cfg.database_url = fresh_database().await;
        cfg.storage = fresh_bucket().await;
        adjust(&mut cfg);
        let mut s = Self::start_with(cfg).await;
        s._tmp = Some(tmp);
        s
    }

    pub async fn start_with(cfg: Config) -> TestServer {
        let (handle, started) = reelbox_server::start(cfg.clone())
            .await
            .expect("server starts");
        TestServer {
            base: format!("http://{}", started.addr),
            admin_token: cfg.admin_token.clone().unwrap_or_default(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            handle: Some(handle),
            dir: cfg.data_dir.clone(),
            _tmp: None,
            cfg,
        }
    }

    /// Stops the server gracefully and starts it again on the same data dir (new port).
    pub async fn restart(&mut self) {
        if let Some(h) = self.handle.take() {
            h.stop().await.expect("server stops");
        }
        let (handle, started) = reelbox_server::start(self.cfg.clone())
            .await
            .expect("server restarts");
        self.base = format!("http://{}", started.addr);
        self.handle = Some(handle);
    }

    /// The bytes of a stored object, read through the server's blob store (disk or S3).
    pub async fn object(&self, key: &str) -> Vec<u8> {
        use futures_util::StreamExt;
        let st = &self.handle.as_ref().expect("running").state;
        let mut s = st.blobs.read(key, None).await.expect("object exists");
        let mut out = Vec::new();
        while let Some(b) = s.next().await {
            out.extend_from_slice(&b.expect("read"));
        }
        out
    }

    /// The server's OpenAPI document (`/openapi.json`).
    pub async fn openapi(&self) -> Value {
        self.http
            .get(self.url("/openapi.json"))
            .send()
            .await
            .expect("openapi")
            .json()
            .await
            .expect("openapi is JSON")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A control API call; panics unless it answers `ok`.
    pub async fn admin(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let mut req = self
            .http
            .request(method, self.url(path))
            .bearer_auth(&self.admin_token);
        if !body.is_null() {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("control call");
        let v: Value = resp.json().await.expect("JSON");
        assert_eq!(v["error"]["code"], "ok", "control call {path} failed: {v}");
        v.get("data").cloned().unwrap_or(v)
    }

    pub async fn create_app(&self, body: Value) -> Value {
        self.admin(reqwest::Method::POST, "/_reelbox/apps", body)
            .await
    }

    pub async fn create_creator(&self, body: Value) -> Value {
        self.admin(reqwest::Method::POST, "/_reelbox/creators", body)
            .await
    }

    /// Tokens for `username` from `client_key` (the flat token-endpoint body).
    pub async fn mint(&self, client_key: &str, username: &str, scopes: &[&str]) -> Value {
        let resp = self
            .http
            .post(self.url("/_reelbox/tokens"))
            .bearer_auth(&self.admin_token)
            .json(&json!({"client_key": client_key, "username": username, "scopes": scopes}))
            .send()
            .await
            .expect("mint");
        resp.json().await.expect("JSON")
    }

    pub async fn advance_clock(&self, secs: i64) -> Value {
        self.admin(
            reqwest::Method::POST,
            "/_reelbox/clock",
            json!({"advance_seconds": secs}),
        )
        .await
    }

    /// A v2 call with a bearer token: (HTTP status, JSON body).
    pub async fn call(&self, token: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self.http.post(self.url(path)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("call");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn stop(mut self) {
        if let Some(h) = self.handle.take() {
            h.stop().await.expect("server stops");
        }
    }
}
