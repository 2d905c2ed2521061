//! The protective limits, each set small through `[limits]` and hit on purpose: body size,
//! header count and size, the header-read timeout against slow clients, the request timeout,
//! chunk uploads in flight per token, and the `max_count` caps of every list.
use std::time::Duration;

use reelbox_server::config::Limits;
use reelbox_testkit::TestServer;
use reelbox_testkit::oauth::app_client_token;
use reelbox_testkit::redact::redact;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::probe_exe;

const POSTING: &[&str] = &["user.info.basic", "video.publish", "video.upload"];

/// A server whose limits `f` adjusts, with an audited app, a creator and a posting token.
async fn limited(f: impl FnOnce(&mut Limits)) -> (TestServer, tempfile::TempDir, Value, String) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut cfg = TestServer::config(tmp.path(), probe_exe());
    cfg.database_url = reelbox_testkit::fresh_database().await;
    f(&mut cfg.limits);
    let s = TestServer::start_with(cfg).await;
    let app = s
        .create_app(json!({"name": "Limits", "audited": true,
            "scopes": ["user.info.basic", "video.publish", "video.upload", "video.list", "research.data.basic"],
            "redirect_uris": ["https://app.example.com/callback/"]}))
        .await;
    s.create_creator(json!({"username": "alice", "nickname": "Alice"}))
        .await;
    let t = s
        .mint(app["client_key"].as_str().expect("key"), "alice", POSTING)
        .await;
    let token = t["access_token"].as_str().expect("token").to_string();
    (s, tmp, app, token)
}

fn host_port(s: &TestServer) -> String {
    s.base.trim_start_matches("http://").to_string()
}

#[tokio::test]
async fn oversized_bodies_are_refused_in_the_envelope() {
    let (s, _tmp, app, token) = limited(|l| l.max_json_body_bytes = 1024).await;
    let big = json!({"post_info": {"title": "x".repeat(2000), "privacy_level": "SELF_ONLY"},
        "source_info": {"source": "PULL_FROM_URL", "video_url": "https://example.com/a.mp4"}});
    let (st, v) = s
        .call(&token, "/v2/post/publish/video/init/", Some(big.clone()))
        .await;
    assert_eq!(st, 400, "{v}");
    assert_eq!(v["error"]["code"], "invalid_param");
    insta::assert_json_snapshot!("limits_body_too_large_posting", redact(v));
    // The same body just under the limit is read (and judged on its merits).
    let small = json!({"post_info": {"title": "x".repeat(100), "privacy_level": "SELF_ONLY"},
        "source_info": {"source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000, "total_chunk_count": 1}});
    let (st, v) = s
        .call(&token, "/v2/post/publish/video/init/", Some(small))
        .await;
    assert_eq!(st, 200, "{v}");

    // The read side answers in its own dialect (`invalid_params`).
    let clt = app_client_token(&s, &app).await;
    let (st, v) = s
        .call(
            &clt,
            "/v2/research/video/query/?fields=id",
            Some(json!({"query": {"and": [{"operation": "IN", "field_name": "region_code",
                "field_values": vec!["US"; 300]}]}, "start_date": "20240101", "end_date": "20240102"})),
        )
        .await;
    assert_eq!(st, 400, "{v}");
    assert_eq!(v["error"]["code"], "invalid_params");
    assert_eq!(v["error"]["message"], "The request body is too large.");
}

#[tokio::test]
async fn too_many_or_too_large_headers_are_refused_before_the_handler() {
    let (s, _tmp, _app, token) = limited(|l| {
        l.max_headers = 20;
        l.max_header_bytes = 4096;
        l.rate_creator_info = 2;
    })
    .await;
    let creator_info = || {
        s.http
            .post(s.url("/v2/post/publish/creator_info/query/"))
            .bearer_auth(&token)
    };
    let mut many = creator_info();
    for i in 0..30 {
        many = many.header(format!("x-extra-{i}"), "1");
    }
    let r = many.send().await.expect("answer");
    assert_eq!(r.status().as_u16(), 431);
    let v: Value = r.json().await.expect("envelope");
    assert_eq!(v["error"]["code"], "invalid_param");
    insta::assert_json_snapshot!("limits_too_many_headers", redact(v));

    let r = creator_info()
        .header("x-big", "a".repeat(5000))
        .send()
        .await
        .expect("answer");
    assert_eq!(r.status().as_u16(), 431);
    let mut v: Value = r.json().await.expect("envelope");
    // The size counts the Host header, whose port varies from run to run.
    let m = v["error"]["message"].as_str().expect("message").to_string();
    let n: usize = m
        .trim_start_matches("The request's header block is ")
        .split(' ')
        .next()
        .and_then(|x| x.parse().ok())
        .expect("a size in the message");
    assert!(n > 5000, "{m}");
    v["error"]["message"] = json!(m.replace(&n.to_string(), "[size]"));
    insta::assert_json_snapshot!("limits_header_block_too_large", redact(v));

    // The read side's dialect, and a web page (plain text, no envelope).
    let r = s
        .http
        .get(s.url("/v2/user/info/?fields=open_id"))
        .bearer_auth(&token)
        .header("x-big", "a".repeat(5000))
        .send()
        .await
        .expect("answer");
    assert_eq!(r.status().as_u16(), 431);
    let v: Value = r.json().await.expect("envelope");
    assert_eq!(v["error"]["code"], "invalid_params");
    let r = s
        .http
        .get(s.url("/@alice"))
        .header("x-big", "a".repeat(5000))
        .send()
        .await
        .expect("answer");
    assert_eq!(r.status().as_u16(), 431);

    // No handler ran: the per-token limit of 2 creator_info calls a minute is still whole.
    for _ in 0..2 {
        let (st, v) = s
            .call(&token, "/v2/post/publish/creator_info/query/", None)
            .await;
        assert_eq!(st, 200, "{v}");
    }
    let (st, _) = s
        .call(&token, "/v2/post/publish/creator_info/query/", None)
        .await;
    assert_eq!(st, 429, "the third call is over the limit");

    // Beyond the parser's own ceiling (100 fields) the HTTP layer answers 431 with no body.
    let mut req = format!(
        "GET /healthz HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        host_port(&s)
    );
    for i in 0..150 {
        req.push_str(&format!("x-h{i}: 1\r\n"));
    }
    req.push_str("\r\n");
    let mut c = TcpStream::connect(host_port(&s)).await.expect("connect");
    c.write_all(req.as_bytes()).await.expect("write");
    let mut answer = String::new();
    let _ = c.read_to_string(&mut answer).await;
    assert!(
        answer.starts_with("HTTP/1.1 431"),
        "parser ceiling: {answer}"
    );
}

#[tokio::test]
async fn slow_loris_clients_are_disconnected_after_the_header_timeout() {
    let (s, _tmp, _app, token) = limited(|l| l.header_read_timeout_secs = 1).await;
    let mut c = TcpStream::connect(host_port(&s)).await.expect("connect");
    c.write_all(b"POST /v2/post/publish/creator_info/query/ HTTP/1.1\r\n")
        .await
        .expect("request line");
    let (mut rd, mut wr) = c.into_split();
    // One header byte every 100 ms: the whole block would take 30 s.
    let header = format!(
        "Host: {}\r\nAuthorization: Bearer {token}\r\nX-Slow: {}\r\n\r\n",
        host_port(&s),
        "z".repeat(300)
    );
    let trickle = tokio::spawn(async move {
        let mut sent = 0;
        for b in header.bytes() {
            if wr.write_all(&[b]).await.is_err() {
                return (sent, false);
            }
            sent += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        (sent, true)
    });
    // A bound on the test, not a measurement: the server closes long before this.
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(60), rd.read_to_end(&mut buf))
        .await
        .expect("the server closed the connection");
    assert!(
        read.is_err() || buf.is_empty(),
        "no answer, only a closed connection: {}",
        String::from_utf8_lossy(&buf)
    );
    trickle.abort();
    let finished = trickle.await.map(|r| r.1).unwrap_or(false);
    assert!(!finished, "the header block was never completed");
    // Well-behaved clients are served all along.
    let (st, v) = s
        .call(&token, "/v2/post/publish/creator_info/query/", None)
        .await;
    assert_eq!(st, 200, "{v}");
}

#[tokio::test]
async fn a_request_over_the_timeout_is_answered_in_the_envelope() {
    let (s, _tmp, _app, token) = limited(|l| l.request_timeout_secs = 1).await;
    s.admin(
        reqwest::Method::POST,
        "/_reelbox/faults",
        json!({"endpoint": "creator_info", "latency_ms": 5000}),
    )
    .await;
    let r = s
        .http
        .post(s.url("/v2/post/publish/creator_info/query/"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("answer");
    assert_eq!(r.status().as_u16(), 504);
    assert!(r.headers().get("x-tt-logid").is_some());
    let v: Value = r.json().await.expect("envelope");
    assert_eq!(v["error"]["code"], "internal_error");
    insta::assert_json_snapshot!("limits_request_timeout", redact(v));
    // The fault was used up: the next call is served.
    let (st, v) = s
        .call(&token, "/v2/post/publish/creator_info/query/", None)
        .await;
    assert_eq!(st, 200, "{v}");
}

/// A FILE_UPLOAD of `size` bytes in one chunk: the upload URL.
async fn init_upload(s: &TestServer, token: &str, size: usize) -> String {
    let (st, v) = s
        .call(
            token,
            "/v2/post/publish/video/init/",
            Some(json!({"post_info": {"title": "t", "privacy_level": "SELF_ONLY"},
                "source_info": {"source": "FILE_UPLOAD", "video_size": size, "chunk_size": size, "total_chunk_count": 1}})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    v["data"]["upload_url"]
        .as_str()
        .expect("upload_url")
        .to_string()
}

/// Starts a chunk PUT and holds it open midway through the body.
async fn hold_upload(url: &str, size: usize) -> TcpStream {
    let u = url::Url::parse(url).expect("url");
    let hp = format!(
        "{}:{}",
        u.host_str().expect("host"),
        u.port().expect("port")
    );
    let mut c = TcpStream::connect(&hp).await.expect("connect");
    let head = format!(
        "PUT {}?{} HTTP/1.1\r\nHost: {hp}\r\nContent-Type: video/mp4\r\nContent-Range: bytes 0-{}/{size}\r\nContent-Length: {size}\r\n\r\n",
        u.path(),
        u.query().unwrap_or(""),
        size - 1
    );
    c.write_all(head.as_bytes()).await.expect("head");
    c.write_all(&vec![7u8; size / 2])
        .await
        .expect("half the body");
    c
}

async fn put(s: &TestServer, url: &str, range: &str, body: Vec<u8>) -> reqwest::Response {
    s.http
        .put(url)
        .header("content-type", "video/mp4")
        .header("content-range", range)
        .body(body)
        .send()
        .await
        .expect("answer")
}

#[tokio::test]
async fn chunk_uploads_in_flight_are_capped_per_token() {
    let size = 4096;
    let (s, _tmp, app, token) = limited(|l| l.max_concurrent_uploads_per_token = 2).await;
    let urls = [
        init_upload(&s, &token, size).await,
        init_upload(&s, &token, size).await,
        init_upload(&s, &token, size).await,
    ];
    let first = hold_upload(&urls[0], size).await;
    let _second = hold_upload(&urls[1], size).await;
    let full = format!("bytes 0-{}/{size}", size - 1);
    // Wait until both held PUTs are in their handler: a chunk that is not satisfiable answers 416
    // while a slot is free, 429 once both are taken (and takes nothing either way).
    let mut capped = false;
    for _ in 0..400 {
        let r = put(&s, &urls[2], &format!("bytes 1-2/{size}"), vec![0; 2]).await;
        if r.status().as_u16() == 429 {
            capped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(capped, "two uploads in flight fill the cap");
    let r = put(&s, &urls[2], &full, vec![1; size]).await;
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(r.headers()["retry-after"], "1");
    assert_eq!(r.headers()["content-range"], format!("bytes */{size}"));
    let v: Value = r.json().await.expect("envelope");
    insta::assert_json_snapshot!("limits_concurrent_uploads", redact(v));

    // Another creator's token on the same app has slots of its own.
    s.create_creator(json!({"username": "bob"})).await;
    let t = s
        .mint(app["client_key"].as_str().expect("key"), "bob", POSTING)
        .await;
    let bob_url = init_upload(&s, t["access_token"].as_str().expect("token"), size).await;
    let r = put(&s, &bob_url, &full, vec![2; size]).await;
    assert_eq!(r.status().as_u16(), 201);

    // A client that goes away gives its slot back; the waiting chunk is then accepted.
    drop(first);
    let mut status = 0;
    for _ in 0..400 {
        status = put(&s, &urls[2], &full, vec![1; size])
            .await
            .status()
            .as_u16();
        if status != 429 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(status, 201);
}

#[tokio::test]
async fn every_list_caps_max_count() {
    let (s, _tmp, app, token) = limited(|_| {}).await;
    s.admin(
        reqwest::Method::POST,
        "/_reelbox/seed",
        json!({"creators": 5, "videos": 40, "days": 3, "seed": 3}),
    )
    .await;
    let clt = app_client_token(&s, &app).await;
    let list_token = s
        .mint(
            app["client_key"].as_str().expect("key"),
            "alice",
            &["user.info.basic", "video.list"],
        )
        .await["access_token"]
        .as_str()
        .expect("token")
        .to_string();
    let today = reelbox_core::research::format_day(reelbox_core::research::day_of(
        reelbox_core::clock::system_now_ms(),
    ));
    let q =
        json!({"and": [{"operation": "IN", "field_name": "region_code", "field_values": ["US"]}]});
    let cases: Vec<(&str, &str, Value, i64)> = vec![
        (&list_token, "/v2/video/list/?fields=id", json!({}), 20),
        (
            &clt,
            "/v2/research/video/query/?fields=id",
            json!({"query": q, "start_date": today, "end_date": today}),
            100,
        ),
        (
            &clt,
            "/v2/research/video/comment/list/?fields=id",
            json!({"video_id": 1}),
            100,
        ),
        (
            &clt,
            "/v2/research/user/followers/",
            json!({"username": "user3_0"}),
            100,
        ),
        (
            &clt,
            "/v2/research/user/following/",
            json!({"username": "user3_0"}),
            100,
        ),
        (
            &clt,
            "/reelbox/v1/shop/product/query/?fields=product_id",
            json!({}),
            100,
        ),
    ];
    let mut refusals = Vec::new();
    for (tok, path, body, cap) in cases {
        let mut over = body.clone();
        over["max_count"] = json!(cap + 1);
        let (st, v) = s.call(tok, path, Some(over)).await;
        assert_eq!(st, 400, "{path} with max_count {}: {v}", cap + 1);
        assert_eq!(
            v["error"]["message"],
            format!("max_count should be between 1 and {cap}"),
            "{path}"
        );
        refusals.push(json!({"path": path, "answer": redact(v)}));
        let mut at = body.clone();
        at["max_count"] = json!(cap);
        let (st, v) = s.call(tok, path, Some(at)).await;
        assert_eq!(st, 200, "{path} with max_count {cap}: {v}");
    }
    insta::assert_json_snapshot!("limits_max_count_refusals", refusals);
    let _ = token;
}

/// Reads until the server closes the connection; `false` when it is still open after `bound`.
async fn closed_within(c: &mut TcpStream, bound: Duration) -> bool {
    let mut buf = Vec::new();
    tokio::time::timeout(bound, c.read_to_end(&mut buf))
        .await
        .is_ok()
}

#[tokio::test]
async fn silent_and_idle_h2c_connections_are_closed_after_the_header_timeout() {
    let (s, _tmp, _app, _token) = limited(|l| l.header_read_timeout_secs = 1).await;
    // A socket that never sends a byte.
    let mut silent = TcpStream::connect(host_port(&s)).await.expect("connect");
    // Half of HTTP/2's connection preface, then nothing.
    let mut partial = TcpStream::connect(host_port(&s)).await.expect("connect");
    partial.write_all(b"PRI * HTTP/2.0").await.expect("write");
    // A whole h2c (prior knowledge) connection: preface and an empty SETTINGS frame, then idle.
    let mut h2c = TcpStream::connect(host_port(&s)).await.expect("connect");
    h2c.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .await
        .expect("write");
    // Bounds on the test, not measurements: the server closes each after about a second.
    let bound = Duration::from_secs(20);
    assert!(
        closed_within(&mut silent, bound).await,
        "silent socket kept open"
    );
    assert!(
        closed_within(&mut partial, bound).await,
        "partial preface kept open"
    );
    assert!(
        closed_within(&mut h2c, bound).await,
        "idle h2c connection kept open"
    );
    assert_eq!(
        s.http
            .get(s.url("/healthz"))
            .send()
            .await
            .expect("healthz")
            .status(),
        200
    );
}

/// A connection from `ip` (any 127.x.y.z reaches the loopback listener), so the test's own
/// client, on 127.0.0.1, does not count against the cap under test.
async fn connect_from(ip: &str, s: &TestServer) -> TcpStream {
    let sock = tokio::net::TcpSocket::new_v4().expect("socket");
    sock.bind(format!("{ip}:0").parse().expect("address"))
        .expect("bind");
    sock.connect(host_port(s).parse().expect("server address"))
        .await
        .expect("connect")
}

/// Sends a keep-alive `GET /healthz` and reads its answer's status line; `None` when the
/// server closed the connection instead.
async fn healthz_on(c: &mut TcpStream, s: &TestServer) -> Option<String> {
    let req = format!("GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n", host_port(s));
    c.write_all(req.as_bytes()).await.ok()?;
    let mut buf = vec![0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(10), c.read(&mut buf))
        .await
        .expect("an answer or a close")
        .ok()?;
    let text = String::from_utf8_lossy(&buf[..n]).to_string();
    text.lines().next().map(str::to_string)
}

#[tokio::test]
async fn connections_beyond_the_per_address_cap_are_closed_at_once() {
    let (s, _tmp, _app, _token) = limited(|l| {
        l.max_connections_per_address = 3;
        // Long enough that only the cap can close a connection within the test.
        l.header_read_timeout_secs = 60;
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut c = connect_from("127.0.0.2", &s).await;
        let status = healthz_on(&mut c, &s).await;
        assert_eq!(status.as_deref(), Some("HTTP/1.1 200 OK"));
        held.push(c);
    }
    let mut extra = connect_from("127.0.0.2", &s).await;
    assert!(
        closed_within(&mut extra, Duration::from_secs(5)).await,
        "the fourth connection from one address is closed at once"
    );
    // Another address is not affected.
    let mut other = connect_from("127.0.0.3", &s).await;
    assert_eq!(
        healthz_on(&mut other, &s).await.as_deref(),
        Some("HTTP/1.1 200 OK")
    );
    // Once one of the three is closed, the address may connect again.
    drop(held.pop());
    let mut served = None;
    for _ in 0..50 {
        let mut c = connect_from("127.0.0.2", &s).await;
        served = healthz_on(&mut c, &s).await;
        if served.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(served.as_deref(), Some("HTTP/1.1 200 OK"));
}

#[tokio::test]
async fn media_jobs_run_at_most_media_concurrency_at_once() {
    let tmp = tempfile::tempdir().expect("temp dir");
    // A probe that notes how many probes run beside it, takes a second, then probes for real.
    let running = tmp.path().join("running");
    std::fs::create_dir(&running).expect("mkdir");
    let seen = tmp.path().join("seen");
    let script = tmp.path().join("probe.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ntouch '{r}'/$$\nls '{r}' | wc -l >> '{s}'\nsleep 1\nrm -f '{r}'/$$\nexec '{exe}' \"$@\"\n",
            r = running.display(),
            s = seen.display(),
            exe = probe_exe().display()
        ),
    )
    .expect("write script");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");

    let data = tmp.path().join("data");
    let mut cfg = TestServer::config(&data, &script);
    cfg.database_url = reelbox_testkit::fresh_database().await;
    cfg.jobs.media_concurrency = 2;
    cfg.limits.pending_share_cap = 20;
    cfg.limits.rate_init = 20;
    let w = reelbox_testkit::World::posting(TestServer::start_with(cfg).await).await;
    let video =
        std::fs::read(reelbox_testkit::fixture("h264_720x1280_30fps.mp4")).expect("fixture");
    // Six uploads finished together: six processing jobs due at once.
    let uploads = (0..6).map(|_| reelbox_testkit::posting::upload_to_inbox(&w, &video));
    for (_, v) in futures::future::join_all(uploads).await {
        assert_eq!(v["data"]["status"], "SEND_TO_USER_INBOX", "{v}");
    }
    let counts: Vec<usize> = std::fs::read_to_string(&seen)
        .expect("the probe ran")
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    assert_eq!(counts.len(), 6, "{counts:?}");
    assert!(
        counts.iter().all(|&n| n <= 2),
        "at most two probes at once: {counts:?}"
    );
}
