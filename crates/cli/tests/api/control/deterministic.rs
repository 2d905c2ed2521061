//! Deterministic mode (`--deterministic SEED`): two runs of the same test see byte-identical
//! answers (ids, keys, secrets, tokens, publish ids, upload URLs' tokens, log ids, timestamps),
//! and a reset starts the streams again.
use reqwest::Method;
use serde_json::{Value, json};

/// The same test body, its answers as bytes (the log id header included).
async fn run(s: &reelbox_testkit::TestServer) -> Vec<String> {
    let mut out = Vec::new();
    let mut record = |r: (reqwest::StatusCode, Option<String>, String)| {
        out.push(format!("{} {:?} {}", r.0, r.1, r.2));
    };
    async fn send(
        s: &reelbox_testkit::TestServer,
        req: reqwest::RequestBuilder,
    ) -> (reqwest::StatusCode, Option<String>, String) {
        let _ = s;
        let r = req.send().await.unwrap();
        let log = r
            .headers()
            .get("x-tt-logid")
            .map(|v| v.to_str().unwrap().to_string());
        (r.status(), log, r.text().await.unwrap())
    }
    let admin = |m: Method, p: &str| s.http.request(m, s.url(p)).bearer_auth(&s.admin_token);
    let app = send(s, admin(Method::POST, "/_reelbox/apps").json(&json!({"name": "Det", "audited": true,
        "scopes": ["user.info.basic", "video.publish", "video.upload"], "redirect_uris": ["https://d.example/cb/"]}))).await;
    let key = serde_json::from_str::<Value>(&app.2).unwrap()["data"]["client_key"]
        .as_str()
        .unwrap()
        .to_string();
    record(app);
    record(
        send(
            s,
            admin(Method::POST, "/_reelbox/creators").json(&json!({"username": "dee"})),
        )
        .await,
    );
    let tok = send(
        s,
        admin(Method::POST, "/_reelbox/tokens")
            .json(&json!({"client_key": key, "username": "dee"})),
    )
    .await;
    let token = serde_json::from_str::<Value>(&tok.2).unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    record(tok);
    let call = |p: &str| s.http.post(s.url(p)).bearer_auth(&token);
    record(send(s, call("/v2/post/publish/creator_info/query/")).await);
    record(send(s, call("/v2/post/publish/video/init/").json(&json!({"post_info": {"title": "t", "privacy_level": "SELF_ONLY"},
        "source_info": {"source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000, "total_chunk_count": 1}}))).await);
    record(
        send(
            s,
            call("/v2/post/publish/status/fetch/")
                .json(&json!({"publish_id": "v_pub_file~v2-1.1"})),
        )
        .await,
    );
    record(
        send(
            s,
            s.http
                .post(s.url("/v2/post/publish/creator_info/query/"))
                .bearer_auth("act.nonsense"),
        )
        .await,
    );
    out
}

async fn deterministic_server(seed: u64) -> reelbox_testkit::TestServer {
    crate::server_with(|c| {
        c.testing.deterministic = Some(seed);
        // Upload URLs name the public URL, not the ephemeral port.
        c.public_url = Some("http://reelbox.test".into());
    })
    .await
}

#[tokio::test]
async fn two_runs_in_deterministic_mode_answer_byte_for_byte_the_same() {
    let first = run(&deterministic_server(7).await).await;
    let s = deterministic_server(7).await;
    let second = run(&s).await;
    assert_eq!(first, second);
    assert!(first[0].contains("\"client_secret\""), "{}", first[0]);
    assert!(first[4].contains("v_pub_file~v2-1."), "{}", first[4]);

    // After a reset the same body sees the same values again.
    s.admin(Method::POST, "/_reelbox/reset", Value::Null).await;
    assert_eq!(run(&s).await, first);

    // Another seed, other values; no seed, other values each run.
    let other = run(&deterministic_server(8).await).await;
    assert_ne!(other[0], first[0]);
    let free = run(&crate::server().await).await;
    assert_ne!(free[0], first[0]);
    let clock = s.admin(Method::GET, "/_reelbox/clock", Value::Null).await;
    assert_eq!(clock["frozen"], true);
    assert_eq!(
        clock["now"], 1_767_225_600_000i64,
        "the clock stands at testing.start_ms"
    );
}
