//! Several stateless nodes on one PostgreSQL + S3 act as one platform: uploads whose chunks
//! alternate between nodes, caps and rate limits held globally, jobs claimed once, and a node
//! killed with SIGKILL mid-upload while the other carries on. Runs in the PostgreSQL + S3 pass of
//! the suite (REELBOX_TEST_DATABASE_URL and REELBOX_TEST_S3_ENDPOINT set); on SQLite alone there
//! is nothing to share, and the test says so and returns.
use std::time::Duration;

use reelbox_store::sqlx;
use reelbox_testkit::media::padded_mp4;
use reelbox_testkit::process::{Node, NodeOptions};
use serde_json::{Value, json};

/// The nodes' shared admin token: as long as `serve` demands (32 characters or more).
const CLUSTER_ADMIN: &str = "cluster-admin-token-of-the-two-nodes";

/// A node of the platform: its own data dir, the shared database and bucket.
async fn node(db: &str, storage: &str, dir: &std::path::Path) -> Node {
    let mut o = NodeOptions::new(dir);
    o.database_url = Some(db.to_string());
    o.storage = Some(storage.to_string());
    o.admin_token = CLUSTER_ADMIN.into();
    Node::start(crate::probe_exe(), o).await
}

async fn admin(
    http: &reqwest::Client,
    base: &str,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> Value {
    let mut r = http
        .request(method, format!("{base}{path}"))
        .bearer_auth(CLUSTER_ADMIN);
    if !body.is_null() {
        r = r.json(&body);
    }
    let v: Value = r.send().await.unwrap().json().await.unwrap();
    v.get("data").cloned().unwrap_or(v)
}

async fn call(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let r = http
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// The upload URL re-aimed at another node (same path and credentials).
fn on(base: &str, url: &str) -> String {
    format!("{base}{}", &url[url.find("/upload/").unwrap()..])
}

async fn put(http: &reqwest::Client, url: &str, bytes: &[u8], first: usize, last: usize) -> u16 {
    http.put(url)
        .header(
            "content-range",
            format!("bytes {first}-{last}/{}", bytes.len()),
        )
        .body(bytes[first..=last].to_vec())
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_act_as_one_platform() {
    let (Some(db), Some(storage)) = (
        reelbox_testkit::fresh_database().await,
        reelbox_testkit::fresh_bucket().await,
    ) else {
        eprintln!(
            "two_nodes_act_as_one_platform: needs REELBOX_TEST_DATABASE_URL and REELBOX_TEST_S3_ENDPOINT (the PostgreSQL + S3 pass)"
        );
        return;
    };
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = node(&db, &storage, dir_a.path()).await;
    let mut b = node(&db, &storage, dir_b.path()).await;
    let http = reqwest::Client::new();
    let app = admin(&http, &a.base, reqwest::Method::POST, "/_reelbox/apps", json!({"name": "Cluster", "audited": true, "scopes": ["video.publish"], "redirect_uris": ["https://a.example/cb/"]})).await;
    let key = app["client_key"].as_str().unwrap().to_string();
    // 50 uploads by 10 creators, each chunk on the other node than the one before.
    let mut tokens = Vec::new();
    for i in 0..10 {
        let u = format!("node_user{i}");
        admin(
            &http,
            &b.base,
            reqwest::Method::POST,
            "/_reelbox/creators",
            json!({"username": u}),
        )
        .await;
        let t = admin(
            &http,
            &b.base,
            reqwest::Method::POST,
            "/_reelbox/tokens",
            json!({"client_key": key, "username": u}),
        )
        .await;
        tokens.push(t["access_token"].as_str().unwrap().to_string());
    }
    let total = 10_000_001usize;
    let bytes = std::sync::Arc::new(padded_mp4(total));
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (http, bytes, token) = (http.clone(), bytes.clone(), tokens[i % 10].clone());
        let (first, second) = if i % 2 == 0 {
            (a.base.clone(), b.base.clone())
        } else {
            (b.base.clone(), a.base.clone())
        };
        tasks.push(tokio::spawn(async move {
            let (st, v) = call(&http, &first, &token, "/v2/post/publish/video/init/", json!({"post_info": {"privacy_level": "SELF_ONLY", "title": format!("upload {i}")},
                "source_info": {"source": "FILE_UPLOAD", "video_size": total, "chunk_size": 5_000_000, "total_chunk_count": 2}})).await;
            assert_eq!(st, 200, "{v}");
            let url = v["data"]["upload_url"].as_str().unwrap().to_string();
            assert_eq!(put(&http, &on(&first, &url), &bytes, 0, 4_999_999).await, 206);
            assert_eq!(put(&http, &on(&second, &url), &bytes, 5_000_000, total - 1).await, 201);
            v["data"]["publish_id"].as_str().unwrap().to_string()
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap());
    }
    // Every publish completes exactly once, whichever node's worker took it.
    let mut done = 0;
    for _ in 0..600 {
        let list = admin(
            &http,
            &a.base,
            reqwest::Method::GET,
            &format!("/_reelbox/publishes?client_key={key}&limit=1000"),
            Value::Null,
        )
        .await;
        let ps = list["publishes"].as_array().unwrap();
        done = ps
            .iter()
            .filter(|p| p["status"] == "PUBLISH_COMPLETE")
            .count();
        assert!(ps.iter().all(|p| p["status"] != "FAILED"), "{list:#}");
        if done == 50 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(done, 50);
    let pool = reelbox_store::Store::open(&db).await.unwrap().pool;
    let (posts, distinct): (i64, i64) = sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT), CAST(COUNT(DISTINCT publish_id) AS BIGINT) FROM posts",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (posts, distinct),
        (50, 50),
        "one post per publish: no job ran twice"
    );

    // The daily cap holds across nodes: 8 concurrent inits for a creator capped at 3.
    admin(
        &http,
        &a.base,
        reqwest::Method::POST,
        "/_reelbox/creators",
        json!({"username": "capped", "daily_post_cap": 3}),
    )
    .await;
    let capped = admin(
        &http,
        &a.base,
        reqwest::Method::POST,
        "/_reelbox/tokens",
        json!({"client_key": key, "username": "capped"}),
    )
    .await;
    let mut inits = Vec::new();
    for i in 0..8 {
        let (http, token, base) = (
            http.clone(),
            capped["access_token"].as_str().unwrap().to_string(),
            if i % 2 == 0 {
                a.base.clone()
            } else {
                b.base.clone()
            },
        );
        inits.push(tokio::spawn(async move {
            call(&http, &base, &token, "/v2/post/publish/video/init/", json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": {"source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000, "total_chunk_count": 1}})).await
        }));
    }
    let mut codes = Vec::new();
    for t in inits {
        let (_, v) = t.await.unwrap();
        codes.push(v["error"]["code"].as_str().unwrap().to_string());
    }
    assert_eq!(codes.iter().filter(|c| *c == "ok").count(), 3, "{codes:?}");
    assert!(
        codes
            .iter()
            .all(|c| c == "ok" || c == "spam_risk_too_many_posts" || c == "rate_limit_exceeded"),
        "{codes:?}"
    );

    // The rate limit holds across nodes: creator_info allows 20 per minute per token, in total.
    let t = &tokens[0];
    let mut ok = 0;
    for i in 0..26 {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        let (st, _) = call(
            &http,
            base,
            t,
            "/v2/post/publish/creator_info/query/",
            json!({}),
        )
        .await;
        if st == 200 {
            ok += 1;
        } else {
            assert_eq!(st, 429);
        }
    }
    assert_eq!(ok, 20);

    // A token revoked on one node: refused there at once, and by the other node once its cached
    // copy is older than the lookup cache's time to live (1 s with PostgreSQL).
    let victim = tokens[2].clone();
    for base in [&a.base, &b.base] {
        let (st, v) = call(
            &http,
            base,
            &victim,
            "/v2/post/publish/creator_info/query/",
            json!({}),
        )
        .await;
        assert_eq!(st, 200, "{v}");
    }
    let r = http
        .post(format!("{}/v2/oauth/revoke/", a.base))
        .form(&[
            ("client_key", key.as_str()),
            ("client_secret", app["client_secret"].as_str().unwrap()),
            ("token", victim.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (st, _) = call(
        &http,
        &a.base,
        &victim,
        "/v2/post/publish/creator_info/query/",
        json!({}),
    )
    .await;
    assert_eq!(st, 401, "the revoking node refuses at once");
    let revoked = std::time::Instant::now();
    loop {
        let (st, v) = call(
            &http,
            &b.base,
            &victim,
            "/v2/post/publish/creator_info/query/",
            json!({}),
        )
        .await;
        if st == 401 {
            break;
        }
        assert_eq!(st, 200, "{v}");
        assert!(
            revoked.elapsed() < Duration::from_secs(3),
            "the other node still accepts a token revoked {:?} ago",
            revoked.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A node dies with SIGKILL mid-upload; the survivor finishes it with nothing lost.
    let (st, v) = call(&http, &a.base, &tokens[1], "/v2/post/publish/video/init/", json!({"post_info": {"privacy_level": "SELF_ONLY", "title": "survivor"},
        "source_info": {"source": "FILE_UPLOAD", "video_size": total, "chunk_size": 5_000_000, "total_chunk_count": 2}})).await;
    assert_eq!(st, 200, "{v}");
    let url = v["data"]["upload_url"].as_str().unwrap().to_string();
    let id = v["data"]["publish_id"].as_str().unwrap().to_string();
    assert_eq!(
        put(&http, &on(&b.base, &url), &bytes, 0, 4_999_999).await,
        206
    );
    b.kill();
    assert_eq!(
        put(&http, &on(&a.base, &url), &bytes, 5_000_000, total - 1).await,
        201
    );
    let mut status = String::new();
    for _ in 0..300 {
        let list = admin(
            &http,
            &a.base,
            reqwest::Method::GET,
            &format!("/_reelbox/publishes?client_key={key}&limit=1000"),
            Value::Null,
        )
        .await;
        status = list["publishes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["publish_id"] == id)
            .unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string();
        if status == "PUBLISH_COMPLETE" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, "PUBLISH_COMPLETE");
    a.kill();
    let _ = ids;
}
