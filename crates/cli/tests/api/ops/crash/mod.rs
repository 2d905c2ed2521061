//! Crash safety: `reelbox serve` runs as a child process and is killed with SIGKILL at random
//! points (seeded; the seed is printed, `REELBOX_CRASH_SEED` replays it), then restarted on the
//! same data dir. Clients resume from what the server reports. Afterwards: every acknowledged
//! chunk is there, every stored file is byte-identical to its source, every publish ended once
//! (one post per Direct Post), every webhook event arrived at least once, no job is left, and
//! the SQLite file passes `PRAGMA integrity_check`.
//!
//! `REELBOX_CRASH_ROUNDS` (default 1) sets the number of kills; docs/reliability.md gives the
//! command of the full run. With REELBOX_TEST_DATABASE_URL / REELBOX_TEST_S3_ENDPOINT the node
//! runs on a fresh PostgreSQL database and bucket instead.
//!
//! This module is the harness (the node, the webhook receiver, the resuming clients and the final
//! checks); each file below is one thing that must survive a kill.
mod leases;
mod processing;
mod uploads;
mod webhooks;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post;
use rand::rngs::StdRng;
use rand::{Rng, RngCore};
use reelbox_core::chunks::ChunkPlan;
use reelbox_store::sqlx;
use reelbox_testkit::fixture;
use reelbox_testkit::process::{Node, NodeOptions};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const ADMIN: &str = "crash-admin-token-0123456789abcdef";

const CHUNK: u64 = 5_000_000;

fn rounds() -> usize {
    std::env::var("REELBOX_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1)
}

/// The run's seed: `REELBOX_CRASH_SEED`, else from the time; printed so a failure can be replayed.
fn seed(test: &str) -> u64 {
    let s = std::env::var("REELBOX_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("{test}: REELBOX_CRASH_SEED={s}");
    s
}

/// A valid MP4 (the fixture) followed by a `free` box of seeded random bytes: `size` bytes that
/// probe as the fixture's video, different for every upload.
fn video(size: usize, rng: &mut StdRng) -> Vec<u8> {
    let mut v = std::fs::read(fixture("h264_720x1280_30fps.mp4")).unwrap();
    let pad = size - v.len();
    v.extend_from_slice(&(pad as u32).to_be_bytes());
    v.extend_from_slice(b"free");
    let start = v.len();
    v.resize(size, 0);
    rng.fill_bytes(&mut v[start..]);
    v
}

fn sha(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// A webhook receiver that checks signatures and counts deliveries by (event, publish_id).
/// While `hold` is set, requests are kept waiting (deliveries in flight).
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<(String, String, bool)>>>,
    hold: Arc<AtomicBool>,
    secret: Arc<Mutex<String>>,
}

async fn receiver() -> Receiver {
    let got: Arc<Mutex<Vec<(String, String, bool)>>> = Arc::default();
    let hold = Arc::new(AtomicBool::new(false));
    let secret: Arc<Mutex<String>> = Arc::default();
    let (g, h, sec) = (got.clone(), hold.clone(), secret.clone());
    let app = Router::new().route(
        "/hook",
        post(move |headers: axum::http::HeaderMap, body: bytes::Bytes| {
            let (g, h, sec) = (g.clone(), h.clone(), sec.clone());
            async move {
                let sig = headers
                    .get("tiktok-signature")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                let ok = reelbox_core::secrets::verify_webhook_signature(
                    &sec.lock().unwrap(),
                    &sig,
                    &body,
                );
                let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let content: Value = serde_json::from_str(v["content"].as_str().unwrap_or("null"))
                    .unwrap_or_default();
                g.lock().unwrap().push((
                    v["event"].as_str().unwrap_or("").to_string(),
                    content["publish_id"].as_str().unwrap_or("").to_string(),
                    ok,
                ));
                while h.load(Ordering::SeqCst) {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver {
        url,
        got,
        hold,
        secret,
    }
}

impl Receiver {
    fn count(&self, event: &str, publish_id: &str) -> usize {
        let got = self.got.lock().unwrap();
        got.iter()
            .filter(|(e, p, _)| e == event && p == publish_id)
            .count()
    }

    fn all_signed(&self) -> bool {
        self.got.lock().unwrap().iter().all(|(_, _, ok)| *ok)
    }

    fn total(&self) -> usize {
        self.got.lock().unwrap().len()
    }
}

/// A node with caps and rate limits raised for 100 concurrent publishes, an audited app whose
/// webhook is `rx`, and `creators` creators with tokens.
struct Platform {
    node: Node,
    http: reqwest::Client,
    key: String,
    tokens: Vec<String>,
    rx: Receiver,
    _dir: tempfile::TempDir,
}

async fn platform(creators: usize) -> Platform {
    let dir = tempfile::tempdir().unwrap();
    let mut o = NodeOptions::new(dir.path());
    o.admin_token = ADMIN.into();
    o.database_url = reelbox_testkit::fresh_database().await;
    o.storage = reelbox_testkit::fresh_bucket().await;
    o.config_toml = Some(
        "[limits]\ndaily_post_cap = 100000\npending_share_cap = 100000\nrate_init = 100000\n\
         rate_status = 100000\nrate_creator_info = 100000\nmax_connections_per_address = 0\n\
         [network]\nallow_http = true\nallow_private = [\"127.0.0.1/32\"]\n\
         [webhooks]\nfirst_retry_secs = 1\ntimeout_secs = 30\n\
         [jobs]\nlease_secs = 2\n"
            .into(),
    );
    let node = Node::start(crate::probe_exe(), o).await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let rx = receiver().await;
    let app = admin(&http, &node, reqwest::Method::POST, "/_reelbox/apps", json!({"name": "Crash", "audited": true,
        "scopes": ["video.publish", "video.upload"], "redirect_uris": ["https://a.example/cb/"], "webhook_url": rx.url})).await;
    *rx.secret.lock().unwrap() = app["client_secret"].as_str().unwrap().to_string();
    let key = app["client_key"].as_str().unwrap().to_string();
    let mut tokens = Vec::new();
    for i in 0..creators {
        let u = format!("crash_user{i}");
        admin(
            &http,
            &node,
            reqwest::Method::POST,
            "/_reelbox/creators",
            json!({"username": u}),
        )
        .await;
        let t = admin(
            &http,
            &node,
            reqwest::Method::POST,
            "/_reelbox/tokens",
            json!({"client_key": key, "username": u, "scopes": ["video.publish", "video.upload"]}),
        )
        .await;
        tokens.push(t["access_token"].as_str().unwrap().to_string());
    }
    Platform {
        node,
        http,
        key,
        tokens,
        rx,
        _dir: dir,
    }
}

async fn admin(
    http: &reqwest::Client,
    node: &Node,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> Value {
    let mut r = http
        .request(method, format!("{}{path}", node.base))
        .bearer_auth(ADMIN);
    if !body.is_null() {
        r = r.json(&body);
    }
    let v: Value = r.send().await.unwrap().json().await.unwrap();
    // The token endpoint answers with the flat OAuth body, the rest with the envelope.
    assert!(
        v.get("error").is_none() || v["error"]["code"] == "ok",
        "{path}: {v}"
    );
    v.get("data").cloned().unwrap_or(v)
}

impl Platform {
    /// Kills the node with SIGKILL and starts it again on the same data dir. On SQLite the new
    /// process frees the dead one's job leases at start; on PostgreSQL (which several nodes may
    /// share) they lapse after `jobs.lease_secs`, 2 s here, and the restarted node takes them.
    async fn crash_and_restart(&mut self) {
        self.node.kill();
        self.node.restart().await;
    }

    /// Every publish of the app, by id.
    async fn publishes(&self) -> HashMap<String, Value> {
        let v = admin(
            &self.http,
            &self.node,
            reqwest::Method::GET,
            &format!("/_reelbox/publishes?client_key={}&limit=1000", self.key),
            Value::Null,
        )
        .await;
        v["publishes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["publish_id"].as_str().unwrap().to_string(), p.clone()))
            .collect()
    }

    /// Waits until every publish in `ids` has left processing; returns their statuses.
    async fn settled(&self, ids: &[String]) -> HashMap<String, String> {
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            let all = self.publishes().await;
            let st: HashMap<String, String> = ids
                .iter()
                .map(|id| {
                    let s = all
                        .get(id)
                        .map(|p| p["status"].as_str().unwrap().to_string());
                    (id.clone(), s.unwrap_or_else(|| "MISSING".into()))
                })
                .collect();
            if st.values().all(|s| !s.starts_with("PROCESSING")) {
                return st;
            }
            assert!(
                Instant::now() < deadline,
                "publishes stuck in processing: {:?}",
                st.iter()
                    .filter(|(_, s)| s.starts_with("PROCESSING"))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits until each (event, publish_id) has arrived at least once.
    async fn events_arrive(&self, expected: &[(String, String)]) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let missing: Vec<_> = expected
                .iter()
                .filter(|(e, p)| self.rx.count(e, p) == 0)
                .collect();
            if missing.is_empty() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "webhook events never delivered: {missing:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            self.rx.all_signed(),
            "every delivery carries a valid signature"
        );
    }

    /// Waits for the job queue to drain (none stuck), stops the node with SIGKILL and checks the
    /// database at rest: integrity, one post per Direct Post, every chunk recorded, every webhook
    /// delivered.
    async fn final_checks(&mut self, uploads: &[&Upload]) {
        let url = self.node.database_url();
        // The queue drains: a receiver has an event a moment before the node records it, and a
        // publish is complete a moment before its job is.
        let store = reelbox_store::Store::open(&url).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            // Jobs due later are not stuck: an upload whose init answer a kill lost is abandoned
            // by its client, and its expiry job waits for the upload URL's hour.
            let now = reelbox_core::clock::system_now_ms();
            let (left,): (i64,) = sqlx::query_as(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM jobs WHERE done_at IS NULL AND run_at <= $1",
            )
            .bind(now)
            .fetch_one(&store.pool)
            .await
            .unwrap();
            if left == 0 {
                break;
            }
            assert!(Instant::now() < deadline, "{left} jobs never finished");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        store.close().await;
        self.node.kill();
        let store = reelbox_store::Store::open(&url).await.unwrap();
        if store.backend == reelbox_store::Backend::Sqlite {
            let rows: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check")
                .fetch_all(&mut *store.writer.acquire().await.unwrap())
                .await
                .unwrap();
            assert_eq!(rows, vec![("ok".to_string(),)], "PRAGMA integrity_check");
        }
        let posts: Vec<(String, i64)> = sqlx::query_as(
            "SELECT publish_id, CAST(COUNT(*) AS BIGINT) FROM posts WHERE publish_id IS NOT NULL GROUP BY publish_id",
        )
        .fetch_all(&store.pool)
        .await
        .unwrap();
        let posts: HashMap<String, i64> = posts.into_iter().collect();
        let chunks: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT publish_id, CAST(COUNT(*) AS BIGINT), CAST(SUM(length) AS BIGINT) FROM upload_chunks GROUP BY publish_id",
        )
        .fetch_all(&store.pool)
        .await
        .unwrap();
        let chunks: HashMap<String, (i64, i64)> =
            chunks.into_iter().map(|(p, n, b)| (p, (n, b))).collect();
        for u in uploads {
            let id = u.publish_id.as_deref().unwrap();
            let want = if u.inbox { 0 } else { 1 };
            assert_eq!(
                posts.get(id).copied().unwrap_or(0),
                want,
                "posts of {id} (one per Direct Post, none for an inbox share)"
            );
            assert_eq!(
                chunks.get(id).copied(),
                Some((u.plan.count as i64, u.bytes.len() as i64)),
                "chunks recorded for {id}"
            );
        }
        let deliveries: Vec<(String, i64)> = sqlx::query_as(
            "SELECT status, CAST(COUNT(*) AS BIGINT) FROM webhook_deliveries GROUP BY status",
        )
        .fetch_all(&store.pool)
        .await
        .unwrap();
        assert!(
            deliveries.iter().all(|(s, _)| s == "delivered"),
            "every webhook delivered: {deliveries:?}"
        );
        store.close().await;
    }
}

/// One client's upload and what the server has acknowledged to it.
struct Upload {
    i: usize,
    token: String,
    bytes: Vec<u8>,
    plan: ChunkPlan,
    inbox: bool,
    privacy: &'static str,
    publish_id: Option<String>,
    upload_path: Option<String>,
    /// Bytes the server acknowledged with a 2xx (a chunk boundary).
    acked: u64,
    done: bool,
}

impl Upload {
    fn new(i: usize, token: &str, size: usize, rng: &mut StdRng) -> Upload {
        let bytes = video(size, rng);
        let plan = ChunkPlan::for_file(
            size as u64,
            CHUNK,
            &reelbox_core::chunks::ChunkLimits::default(),
        )
        .unwrap();
        Upload {
            i,
            token: token.to_string(),
            bytes,
            plan,
            inbox: i % 4 == 3,
            privacy: if i % 4 == 2 {
                "PUBLIC_TO_EVERYONE"
            } else {
                "SELF_ONLY"
            },
            publish_id: None,
            upload_path: None,
            acked: 0,
            done: false,
        }
    }

    /// The webhook events this publish must produce.
    fn events(&self) -> Vec<(String, String)> {
        let id = self.publish_id.clone().unwrap();
        if self.inbox {
            return vec![("post.publish.inbox_delivered".into(), id)];
        }
        let mut v = vec![("post.publish.complete".to_string(), id.clone())];
        if self.privacy == "PUBLIC_TO_EVERYONE" {
            v.push(("post.publish.publicly_available".into(), id));
        }
        v
    }
}

#[derive(Default)]
struct Tally {
    chunks_acked: AtomicUsize,
    bytes_acked: AtomicU64,
    refused_416: AtomicUsize,
    /// Resumes where the server had more than the client saw acknowledged (the answer was lost).
    ahead: AtomicUsize,
    resumes: AtomicUsize,
}

/// Drives one upload until it is complete or the node dies (`Err`). Resumes from status/fetch.
async fn drive(
    http: &reqwest::Client,
    base: &str,
    u: &mut Upload,
    killed: &AtomicBool,
    t: &Tally,
) -> Result<(), ()> {
    // A request that fails while the node is alive is retried; once it is killed, give up.
    macro_rules! alive {
        ($e:expr) => {
            match $e {
                Ok(r) => r,
                Err(e) => {
                    if killed.load(Ordering::SeqCst) {
                        return Err(());
                    }
                    panic!("upload {}: request failed with the node alive: {e}", u.i);
                }
            }
        };
    }
    if u.publish_id.is_none() {
        let source = json!({"source": "FILE_UPLOAD", "video_size": u.plan.video_size,
            "chunk_size": u.plan.chunk_size, "total_chunk_count": u.plan.count});
        let (path, body) = if u.inbox {
            (
                "/v2/post/publish/inbox/video/init/",
                json!({"source_info": source}),
            )
        } else {
            (
                "/v2/post/publish/video/init/",
                json!({"source_info": source,
                "post_info": {"privacy_level": u.privacy, "title": format!("crash {} #crash", u.i)}}),
            )
        };
        let r = alive!(
            http.post(format!("{base}{path}"))
                .bearer_auth(&u.token)
                .json(&body)
                .send()
                .await
        );
        let v: Value = alive!(r.json().await);
        assert_eq!(v["error"]["code"], "ok", "init {}: {v}", u.i);
        let url = v["data"]["upload_url"].as_str().unwrap();
        u.upload_path = Some(url[url.find("/upload/").unwrap()..].to_string());
        u.publish_id = Some(v["data"]["publish_id"].as_str().unwrap().to_string());
    } else {
        // Resume from what the server reports.
        t.resumes.fetch_add(1, Ordering::Relaxed);
        let r = alive!(
            http.post(format!("{base}/v2/post/publish/status/fetch/"))
                .bearer_auth(&u.token)
                .json(&json!({"publish_id": u.publish_id}))
                .send()
                .await
        );
        let v: Value = alive!(r.json().await);
        assert_eq!(v["error"]["code"], "ok", "status {}: {v}", u.i);
        let has = v["data"]["uploaded_bytes"].as_u64().unwrap();
        assert!(
            has >= u.acked,
            "upload {} lost acknowledged bytes: server has {has}, {} were acknowledged",
            u.i,
            u.acked
        );
        assert!(
            has == u.plan.video_size || u.plan.chunk_at(has).is_some(),
            "upload {}: {has} is no chunk boundary",
            u.i
        );
        if has > u.acked {
            t.ahead.fetch_add(1, Ordering::Relaxed);
        }
        if has < u.plan.video_size {
            assert_eq!(v["data"]["status"], "PROCESSING_UPLOAD", "{}: {v}", u.i);
        }
        u.acked = has;
    }
    let url = format!("{base}{}", u.upload_path.as_deref().unwrap());
    let total = u.plan.video_size;
    while u.acked < total {
        let idx = u.plan.chunk_at(u.acked).unwrap();
        let (first, len) = (u.acked, u.plan.chunk_len(idx));
        let last = first + len - 1;
        let r = alive!(
            http.put(&url)
                .header("content-type", "video/mp4")
                .header("content-range", format!("bytes {first}-{last}/{total}"))
                .body(u.bytes[first as usize..=last as usize].to_vec())
                .send()
                .await
        );
        let status = r.status().as_u16();
        let range = r
            .headers()
            .get("content-range")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        // `bytes 0-N/T` → N+1; `bytes */T` → 0.
        let reported = range
            .strip_prefix("bytes 0-")
            .and_then(|r| r.split('/').next())
            .and_then(|n| n.parse::<u64>().ok())
            .map(|n| n + 1)
            .unwrap_or(0);
        match status {
            201 | 206 => {
                assert_eq!(reported, last + 1, "upload {}: {status} {range}", u.i);
                u.acked = last + 1;
                t.chunks_acked.fetch_add(1, Ordering::Relaxed);
                t.bytes_acked.fetch_add(len, Ordering::Relaxed);
                assert_eq!(status == 201, u.acked == total);
            }
            416 => {
                t.refused_416.fetch_add(1, Ordering::Relaxed);
                assert!(
                    reported >= u.acked,
                    "upload {}: server reports {reported} < acknowledged {}",
                    u.i,
                    u.acked
                );
                u.acked = reported;
            }
            429 => tokio::time::sleep(Duration::from_millis(200)).await,
            other => {
                let body = r.text().await.unwrap_or_default();
                if killed.load(Ordering::SeqCst) && other >= 500 {
                    return Err(());
                }
                panic!(
                    "upload {}: chunk {first}-{last} answered {other}: {body}",
                    u.i
                );
            }
        }
    }
    u.done = true;
    Ok(())
}

/// Uploads `n` single-chunk videos to completion (no kill) and returns them.
async fn upload_all(p: &Platform, n: usize, from: usize, rng: &mut StdRng) -> Vec<Upload> {
    let killed = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Tally::default());
    let mut tasks = Vec::new();
    for i in from..from + n {
        let size = rng.random_range(200_000..1_500_000);
        let mut u = Upload::new(i, &p.tokens[i % p.tokens.len()], size, rng);
        let (http, base, killed, tally) = (
            p.http.clone(),
            p.node.base.clone(),
            killed.clone(),
            tally.clone(),
        );
        tasks.push(tokio::spawn(async move {
            drive(&http, &base, &mut u, &killed, &tally).await.unwrap();
            u
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}
