//! `reelbox-load`: a bounded load generator for reelbox, and the bare axum "hello" server it is
//! compared with. Loopback targets only; every run stops by itself after its duration.
//!
//! Each connection is one HTTP/1.1 keep-alive connection driven in a closed loop (the next
//! request leaves when the answer to the previous one has been read), so `--connections` is the
//! exact number of sockets open against the server. Latency is measured per request from send
//! to the last body byte, into one HdrHistogram per endpoint and connection, merged at the end.
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use clap::{Parser, Subcommand, ValueEnum};
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

#[derive(Parser)]
#[command(
    name = "reelbox-load",
    version,
    about = "Bounded load generator for reelbox (loopback only)"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve a bare axum handler that answers "Hello, World!" to every request: the reference.
    Hello {
        #[arg(long, default_value = "127.0.0.1:18501")]
        listen: SocketAddr,
    },
    /// Set up users on a running reelbox (control API), then drive it for a fixed time.
    Run(RunArgs),
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Scenario {
    /// Only `creator_info/query` (the comparison with the hello reference).
    CreatorInfo,
    /// creator_info, video init + chunk upload, status polls, research queries, watch pages.
    Mix,
}

#[derive(clap::Args)]
struct RunArgs {
    /// Base URL of the server; must be a loopback address.
    #[arg(long)]
    target: String,
    #[arg(long, value_enum, default_value = "mix")]
    scenario: Scenario,
    /// Open connections, each one driving requests back to back.
    #[arg(long, default_value_t = 1000)]
    connections: usize,
    /// Seconds each round lasts.
    #[arg(long, default_value_t = 120)]
    duration: u64,
    /// Rounds with fresh connections; server RSS and fds are read after each.
    #[arg(long, default_value_t = 1)]
    rounds: u32,
    /// The control API's bearer token.
    #[arg(long, env = "REELBOX_ADMIN_TOKEN")]
    admin_token: Option<String>,
    /// The server's process id: RSS and open file descriptors are read from /proc.
    #[arg(long)]
    pid: Option<u32>,
    /// The target is the hello reference: no setup, creator_info's request is sent as is.
    #[arg(long)]
    bare: bool,
    /// Videos in the seeded corpus (research queries and watch pages read it).
    #[arg(long, default_value_t = 2000)]
    seed_videos: u64,
    /// Size of each uploaded video (one chunk).
    #[arg(long, default_value_t = 65_536)]
    upload_bytes: usize,
    /// Also write the figures as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// A name for this run in the printed table.
    #[arg(long, default_value = "")]
    label: String,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // 1,000 client sockets plus the setup's: lift the soft limit to the hard one.
    let nofile = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(0);
    let rt = tokio::runtime::Runtime::new()?;
    match cli.cmd {
        Cmd::Hello { listen } => rt.block_on(hello(listen)),
        Cmd::Run(a) => {
            if (a.connections as u64) + 64 > nofile {
                bail!(
                    "{} connections need more file descriptors than the limit of {nofile}",
                    a.connections
                );
            }
            rt.block_on(run(a))
        }
    }
}

async fn hello(listen: SocketAddr) -> anyhow::Result<()> {
    let app = axum::Router::new().fallback(|| async { "Hello, World!" });
    let listener = tokio::net::TcpListener::bind(listen).await?;
    eprintln!("hello reference on http://{}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// The endpoints of the mix, in table order.
const ENDPOINTS: [&str; 6] = [
    "creator_info",
    "video_init",
    "upload_chunk",
    "status_fetch",
    "research_query",
    "watch_page",
];
const CREATOR_INFO: usize = 0;
const VIDEO_INIT: usize = 1;
const UPLOAD: usize = 2;
const STATUS: usize = 3;
const RESEARCH: usize = 4;
const WATCH: usize = 5;

/// Share of each operation in the mix (video_init is always followed by its chunk upload).
const MIX_WEIGHTS: [(usize, u32); 5] = [
    (CREATOR_INFO, 30),
    (STATUS, 25),
    (WATCH, 20),
    (RESEARCH, 15),
    (VIDEO_INIT, 10),
];

/// What one connection acts as: its own app, creator and tokens, so per-token and per-app
/// limits apply to each connection separately, as they would to independent integrators.
#[derive(Clone, Default)]
struct User {
    access_token: String,
    client_token: String,
}

struct Shared {
    addr: SocketAddr,
    host: String,
    scenario: Scenario,
    /// (username, post id) of public seeded posts.
    watch: Vec<(String, String)>,
    research_body: Vec<Bytes>,
    upload: Bytes,
}

struct Stat {
    hist: Histogram<u64>,
    errors: u64,
    samples: Vec<String>,
}

impl Stat {
    fn new() -> Stat {
        Stat {
            hist: Histogram::new_with_bounds(1, 120_000_000, 3).expect("valid bounds"),
            errors: 0,
            samples: Vec::new(),
        }
    }
    fn error(&mut self, what: String) {
        self.errors += 1;
        if self.samples.len() < 3 {
            self.samples.push(what);
        }
    }
}

fn check_loopback(target: &str) -> anyhow::Result<(SocketAddr, String)> {
    let u = url::Url::parse(target).context("--target is not a URL")?;
    if u.scheme() != "http" {
        bail!("--target must be http://");
    }
    let host = u.host_str().unwrap_or_default().to_string();
    let port = u.port_or_known_default().unwrap_or(80);
    let ip: std::net::IpAddr = match host.trim_matches(|c| c == '[' || c == ']') {
        "localhost" => "127.0.0.1".parse()?,
        h => h
            .parse()
            .context("--target must name a loopback IP address")?,
    };
    if !ip.is_loopback() {
        bail!("--target must be on the loopback range (127.0.0.0/8 or ::1); {ip} is not");
    }
    Ok((SocketAddr::new(ip, port), format!("{host}:{port}")))
}

/// (VmRSS in KiB, open file descriptors) of a process.
fn proc_stats(pid: Option<u32>) -> Option<(u64, usize)> {
    let pid = pid?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count();
    Some((rss, fds))
}

async fn run(a: RunArgs) -> anyhow::Result<()> {
    let (addr, host) = check_loopback(&a.target)?;
    let base = a.target.trim_end_matches('/').to_string();
    let http = reqwest::Client::new();
    let started = Instant::now();
    let (users, watch, research_body) = if a.bare {
        (vec![User::default(); a.connections], Vec::new(), Vec::new())
    } else {
        let admin = a
            .admin_token
            .clone()
            .context("--admin-token (or REELBOX_ADMIN_TOKEN) is needed to set up users")?;
        setup(&http, &base, &admin, &a).await?
    };
    if !a.bare {
        eprintln!(
            "setup: {} users{} in {:.1} s",
            users.len(),
            if a.scenario == Scenario::Mix {
                format!(
                    ", {} seeded videos, {} public posts to watch",
                    a.seed_videos,
                    watch.len()
                )
            } else {
                String::new()
            },
            started.elapsed().as_secs_f64()
        );
    }
    let mut upload = vec![0u8; a.upload_bytes.max(1)];
    rand::rng().fill(&mut upload[..]);
    let shared = Arc::new(Shared {
        addr,
        host,
        scenario: a.scenario,
        watch,
        research_body,
        upload: Bytes::from(upload),
    });
    let users = Arc::new(users);
    let mut report = json!({"label": a.label, "connections": a.connections, "duration_s": a.duration, "rounds": []});
    let before = proc_stats(a.pid);
    for round in 1..=a.rounds {
        let r = one_round(&shared, &users, &a, round, before).await?;
        if let Some(rs) = report["rounds"].as_array_mut() {
            rs.push(r);
        }
    }
    if let Some(p) = &a.json {
        std::fs::write(p, serde_json::to_string_pretty(&report)?)?;
    }
    Ok(())
}

async fn one_round(
    shared: &Arc<Shared>,
    users: &Arc<Vec<User>>,
    a: &RunArgs,
    round: u32,
    first_before: Option<(u64, usize)>,
) -> anyhow::Result<Value> {
    let before = proc_stats(a.pid);
    // Peak RSS and fds while the load runs.
    let peak = Arc::new(std::sync::Mutex::new((0u64, 0usize)));
    let sampling = {
        let peak = peak.clone();
        let pid = a.pid;
        tokio::spawn(async move {
            loop {
                if let Some((r, f)) = proc_stats(pid) {
                    let mut p = peak.lock().unwrap_or_else(|e| e.into_inner());
                    p.0 = p.0.max(r);
                    p.1 = p.1.max(f);
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        })
    };
    let t0 = Instant::now();
    let deadline = t0 + Duration::from_secs(a.duration);
    let mut tasks = Vec::with_capacity(a.connections);
    for i in 0..a.connections {
        let shared = shared.clone();
        let users = users.clone();
        tasks.push(tokio::spawn(async move {
            drive(
                &shared,
                &users[i % users.len()],
                deadline,
                (round as u64) << 32 | i as u64,
            )
            .await
        }));
    }
    let mut stats: Vec<Stat> = ENDPOINTS.iter().map(|_| Stat::new()).collect();
    for t in tasks {
        let s = t.await?;
        for (acc, s) in stats.iter_mut().zip(s) {
            acc.hist.add(&s.hist).ok();
            acc.errors += s.errors;
            for x in s.samples {
                if acc.samples.len() < 3 && !acc.samples.contains(&x) {
                    acc.samples.push(x);
                }
            }
        }
    }
    let elapsed = t0.elapsed().as_secs_f64();
    sampling.abort();
    let during = *peak.lock().unwrap_or_else(|e| e.into_inner());
    // Every client socket is closed by now; give the server a moment to see the FINs.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = proc_stats(a.pid);

    println!();
    println!(
        "== {}{}: {} connections, {:.0} s, round {round}/{}",
        a.label,
        match a.scenario {
            Scenario::CreatorInfo => " creator_info",
            Scenario::Mix => " mix",
        },
        a.connections,
        elapsed,
        a.rounds
    );
    println!(
        "{:<16} {:>10} {:>8} {:>10} {:>9} {:>9} {:>9}",
        "endpoint", "requests", "errors", "req/s", "p50 ms", "p99 ms", "max ms"
    );
    let mut all = Stat::new();
    let mut rows = serde_json::Map::new();
    for (name, s) in ENDPOINTS.iter().zip(&stats) {
        if s.hist.is_empty() {
            continue;
        }
        all.hist.add(&s.hist).ok();
        all.errors += s.errors;
        rows.insert(name.to_string(), row(name, s, elapsed));
    }
    rows.insert("all".into(), row("all", &all, elapsed));
    let error_rate = all.errors as f64 / all.hist.len().max(1) as f64;
    println!("error rate: {:.4} %", error_rate * 100.0);
    for (name, s) in ENDPOINTS.iter().zip(&stats) {
        for x in &s.samples {
            println!("  {name} error: {x}");
        }
    }
    let mut out =
        json!({"round": round, "seconds": elapsed, "endpoints": rows, "error_rate": error_rate});
    if let (Some(b), Some(af)) = (before, after) {
        let mib = |k: u64| k as f64 / 1024.0;
        println!(
            "server RSS: before {:.1} MiB, peak {:.1} MiB, after {:.1} MiB (first round's before: {:.1} MiB)",
            mib(b.0),
            mib(during.0),
            mib(af.0),
            mib(first_before.map(|x| x.0).unwrap_or(b.0))
        );
        println!(
            "server open fds: before {}, peak {}, after the connections closed {}",
            b.1, during.1, af.1
        );
        out["server"] = json!({
            "rss_before_kib": b.0, "rss_peak_kib": during.0, "rss_after_kib": af.0,
            "fds_before": b.1, "fds_peak": during.1, "fds_after": af.1,
        });
    }
    Ok(out)
}

fn row(name: &str, s: &Stat, elapsed: f64) -> Value {
    let ms = |q: f64| s.hist.value_at_quantile(q) as f64 / 1000.0;
    let n = s.hist.len();
    let rps = n as f64 / elapsed;
    println!(
        "{:<16} {:>10} {:>8} {:>10.0} {:>9.2} {:>9.2} {:>9.1}",
        name,
        n,
        s.errors,
        rps,
        ms(0.5),
        ms(0.99),
        s.hist.max() as f64 / 1000.0
    );
    json!({"requests": n, "errors": s.errors, "rps": rps, "p50_ms": ms(0.5), "p99_ms": ms(0.99), "max_ms": s.hist.max() as f64 / 1000.0})
}

async fn connect(addr: SocketAddr) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// One request on the connection: (status, body), or why it failed.
async fn send(
    conn: &mut Option<SendRequest<Full<Bytes>>>,
    shared: &Shared,
    req: http::Request<Full<Bytes>>,
) -> Result<(u16, Bytes), String> {
    if conn.as_ref().is_none_or(|c| c.is_closed()) {
        *conn = Some(
            connect(shared.addr)
                .await
                .map_err(|e| format!("connect: {e}"))?,
        );
    }
    let c = conn.as_mut().ok_or("no connection")?;
    let r = async {
        c.ready().await?;
        let resp = c.send_request(req).await?;
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await?.to_bytes();
        Ok::<_, hyper::Error>((status, body))
    }
    .await;
    r.map_err(|e| {
        *conn = None;
        format!("transport: {e}")
    })
}

fn request(
    shared: &Shared,
    method: &str,
    path: &str,
    token: &str,
    body: Bytes,
) -> http::Request<Full<Bytes>> {
    let mut b = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", &shared.host);
    if !token.is_empty() {
        b = b.header("authorization", format!("Bearer {token}"));
    }
    if !body.is_empty() {
        b = b.header("content-type", "application/json");
    }
    b.body(Full::new(body)).expect("valid request parts")
}

/// The closed loop of one connection until the deadline.
async fn drive(shared: &Shared, user: &User, deadline: Instant, seed: u64) -> Vec<Stat> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut stats: Vec<Stat> = ENDPOINTS.iter().map(|_| Stat::new()).collect();
    let mut conn = connect(shared.addr).await.ok();
    let mut publishes: VecDeque<String> = VecDeque::new();
    let total: u32 = MIX_WEIGHTS.iter().map(|w| w.1).sum();
    while Instant::now() < deadline {
        let op = match shared.scenario {
            Scenario::CreatorInfo => CREATOR_INFO,
            Scenario::Mix => {
                let mut x = rng.random_range(0..total);
                let mut pick = CREATOR_INFO;
                for (op, w) in MIX_WEIGHTS {
                    if x < w {
                        pick = op;
                        break;
                    }
                    x -= w;
                }
                // A status poll needs a publish of this connection's own.
                if pick == STATUS && publishes.is_empty() {
                    VIDEO_INIT
                } else {
                    pick
                }
            }
        };
        let (req, expect) = match op {
            CREATOR_INFO => (
                request(
                    shared,
                    "POST",
                    "/v2/post/publish/creator_info/query/",
                    if user.access_token.is_empty() {
                        "bare"
                    } else {
                        &user.access_token
                    },
                    Bytes::new(),
                ),
                200,
            ),
            STATUS => {
                let id = &publishes[rng.random_range(0..publishes.len())];
                (
                    request(
                        shared,
                        "POST",
                        "/v2/post/publish/status/fetch/",
                        &user.access_token,
                        Bytes::from(json!({"publish_id": id}).to_string()),
                    ),
                    200,
                )
            }
            WATCH => {
                let (u, id) = &shared.watch[rng.random_range(0..shared.watch.len())];
                (
                    request(
                        shared,
                        "GET",
                        &format!("/@{u}/video/{id}"),
                        "",
                        Bytes::new(),
                    ),
                    200,
                )
            }
            RESEARCH => {
                let body =
                    shared.research_body[rng.random_range(0..shared.research_body.len())].clone();
                (
                    request(
                        shared,
                        "POST",
                        "/v2/research/video/query/?fields=id,username,create_time,view_count,like_count,hashtag_names",
                        &user.client_token,
                        body,
                    ),
                    200,
                )
            }
            _ => {
                let n = shared.upload.len();
                let body = json!({"post_info": {"title": "load", "privacy_level": "SELF_ONLY"},
                    "source_info": {"source": "FILE_UPLOAD", "video_size": n, "chunk_size": n, "total_chunk_count": 1}});
                (
                    request(
                        shared,
                        "POST",
                        "/v2/post/publish/video/init/",
                        &user.access_token,
                        Bytes::from(body.to_string()),
                    ),
                    200,
                )
            }
        };
        let t = Instant::now();
        let r = send(&mut conn, shared, req).await;
        let us = t.elapsed().as_micros() as u64;
        let s = &mut stats[op];
        s.hist.saturating_record(us.max(1));
        let body = match r {
            Ok((st, body)) if st == expect => body,
            Ok((st, body)) => {
                s.error(format!(
                    "HTTP {st}: {}",
                    String::from_utf8_lossy(&body[..body.len().min(160)])
                ));
                continue;
            }
            Err(e) => {
                s.error(e);
                continue;
            }
        };
        if op == VIDEO_INIT {
            let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let (Some(id), Some(url)) = (
                v["data"]["publish_id"].as_str(),
                v["data"]["upload_url"].as_str(),
            ) else {
                s.error(format!("init without publish_id/upload_url: {v}"));
                continue;
            };
            publishes.push_back(id.to_string());
            if publishes.len() > 16 {
                publishes.pop_front();
            }
            let path = url.find("/upload/").map(|i| &url[i..]).unwrap_or(url);
            let n = shared.upload.len();
            let req = http::Request::builder()
                .method("PUT")
                .uri(path)
                .header("host", &shared.host)
                .header("content-type", "video/mp4")
                .header("content-range", format!("bytes 0-{}/{n}", n - 1))
                .body(Full::new(shared.upload.clone()))
                .expect("valid request parts");
            let t = Instant::now();
            let r = send(&mut conn, shared, req).await;
            let s = &mut stats[UPLOAD];
            s.hist
                .saturating_record((t.elapsed().as_micros() as u64).max(1));
            match r {
                Ok((201, _)) => {}
                Ok((st, body)) => s.error(format!(
                    "HTTP {st}: {}",
                    String::from_utf8_lossy(&body[..body.len().min(160)])
                )),
                Err(e) => s.error(e),
            }
        }
    }
    stats
}

/// Users (one app, creator and token pair per connection), the seeded corpus, and the posts the
/// watch pages show.
async fn setup(
    http: &reqwest::Client,
    base: &str,
    admin: &str,
    a: &RunArgs,
) -> anyhow::Result<(Vec<User>, Vec<(String, String)>, Vec<Bytes>)> {
    use futures::StreamExt;
    let run_id = format!("{:x}", rand::rng().random::<u32>());
    let admin_call = |path: &str, body: Value| {
        let req = http
            .post(format!("{base}{path}"))
            .bearer_auth(admin)
            .json(&body);
        async move {
            let v: Value = req.send().await?.json().await?;
            anyhow::ensure!(
                v["error"]["code"] == "ok" || v.get("access_token").is_some(),
                "control call answered {v}"
            );
            Ok::<Value, anyhow::Error>(v)
        }
    };
    let scopes = [
        "user.info.basic",
        "video.publish",
        "video.upload",
        "video.list",
        "research.data.basic",
    ];
    let make_user = |i: usize| {
        let admin_call = &admin_call;
        let run_id = &run_id;
        async move {
            let app = admin_call(
                "/_reelbox/apps",
                json!({"name": format!("load {i}"), "audited": true, "scopes": scopes,
                       "redirect_uris": ["https://load.example/callback/"]}),
            )
            .await?;
            let key = app["data"]["client_key"]
                .as_str()
                .context("client_key")?
                .to_string();
            let secret = app["data"]["client_secret"]
                .as_str()
                .context("client_secret")?
                .to_string();
            let username = format!("load_{run_id}_{i}");
            admin_call(
                "/_reelbox/creators",
                json!({"username": username, "daily_post_cap": 100_000_000}),
            )
            .await?;
            let t = admin_call(
                "/_reelbox/tokens",
                json!({"client_key": key, "username": username, "scopes": scopes}),
            )
            .await?;
            let ct: Value = http
                .post(format!("{base}/v2/oauth/token/"))
                .form(&[
                    ("client_key", key.as_str()),
                    ("client_secret", secret.as_str()),
                    ("grant_type", "client_credentials"),
                ])
                .send()
                .await?
                .json()
                .await?;
            Ok::<User, anyhow::Error>(User {
                access_token: t["access_token"]
                    .as_str()
                    .context("access_token")?
                    .to_string(),
                client_token: ct["access_token"]
                    .as_str()
                    .context("client token")?
                    .to_string(),
            })
        }
    };
    let users: Vec<User> = futures::stream::iter(0..a.connections)
        .map(make_user)
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    if a.scenario != Scenario::Mix {
        return Ok((users, Vec::new(), Vec::new()));
    }
    admin_call(
        "/_reelbox/seed",
        json!({"creators": 100, "videos": a.seed_videos, "days": 10, "seed": 7}),
    )
    .await?;
    let today = time::OffsetDateTime::now_utc().date();
    let day = |d: time::Date| format!("{:04}{:02}{:02}", d.year(), d.month() as u8, d.day());
    let start = day(today - time::Duration::days(9));
    let end = day(today);
    let regions = [
        ["US", "GB", "BR"],
        ["ID", "JP", "DE"],
        ["FR", "MX", "US"],
        ["BR", "IN", "GB"],
    ];
    let research_body: Vec<Bytes> = regions
        .iter()
        .map(|r| {
            Bytes::from(
                json!({"query": {"and": [{"operation": "IN", "field_name": "region_code", "field_values": r}]},
                       "start_date": start, "end_date": end, "max_count": 20})
                .to_string(),
            )
        })
        .collect();
    // Public posts for the watch pages, as the research API lists them.
    let body = json!({"query": {"and": [{"operation": "IN", "field_name": "region_code",
            "field_values": ["US", "GB", "BR", "ID", "JP", "DE", "FR", "MX", "IN"]}]},
        "start_date": start, "end_date": end, "max_count": 100});
    let v: Value = http
        .post(format!(
            "{base}/v2/research/video/query/?fields=id,username"
        ))
        .bearer_auth(&users[0].client_token)
        .json(&body)
        .send()
        .await?
        .json()
        .await?;
    let watch: Vec<(String, String)> = v["data"]["videos"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| {
                    Some((
                        x["username"].as_str()?.to_string(),
                        x["id"]
                            .as_u64()
                            .map(|n| n.to_string())
                            .or_else(|| x["id"].as_str().map(str::to_string))?,
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    if watch.is_empty() {
        bail!("the seeded corpus has no public posts to watch: {v}");
    }
    let (u, id) = &watch[0];
    let st = http
        .get(format!("{base}/@{u}/video/{id}"))
        .send()
        .await?
        .status();
    anyhow::ensure!(st.is_success(), "watch page /@{u}/video/{id} answered {st}");
    Ok((users, watch, research_body))
}
