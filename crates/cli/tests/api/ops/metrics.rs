//! `GET /metrics`: scraped and parsed as Prometheus' text format, its counters rising with
//! traffic, its labels bounded whatever paths are asked, and refused when off or without the
//! token.
use std::collections::{HashMap, HashSet};

use prometheus_parse::{Scrape, Value as Sample};
use reelbox_testkit::World;
use reelbox_testkit::posting::upload_to_inbox;

use crate::server_with;

const TOKEN: &str = "scrape-token-0123456789";
const CREATOR_INFO: &str = "/v2/post/publish/creator_info/query/";

/// One scrape: the declared type of each series, and its samples.
struct Scraped {
    types: HashMap<String, String>,
    scrape: Scrape,
}

impl Scraped {
    /// The value of the sample `name` whose labels include `labels` (0 when there is none yet).
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.scrape
            .samples
            .iter()
            .filter(|s| s.metric == name)
            .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .map(|s| match &s.value {
                Sample::Counter(v) | Sample::Gauge(v) | Sample::Untyped(v) => *v,
                Sample::Histogram(b) => b.last().map(|b| b.count).unwrap_or(0.0),
                Sample::Summary(_) => 0.0,
            })
            .sum()
    }

    /// The values the label `label` takes in series `name`.
    fn label_values(&self, name: &str, label: &str) -> HashSet<String> {
        self.scrape
            .samples
            .iter()
            .filter(|s| s.metric == name)
            .filter_map(|s| s.labels.get(label).map(str::to_string))
            .collect()
    }
}

/// The `reelbox_…` series names a text mentions.
fn series_named_in(text: &str) -> HashSet<String> {
    text.match_indices("reelbox_")
        .map(|(i, _)| {
            text[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|n| n.len() > "reelbox_".len())
        .collect()
}

async fn scrape_at(base: &str, token: Option<&str>) -> (u16, String) {
    let mut req = reqwest::Client::new().get(format!("{base}/metrics"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn scrape(base: &str) -> Scraped {
    let (status, text) = scrape_at(base, Some(TOKEN)).await;
    assert_eq!(status, 200, "{text}");
    let types = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_once(' '))
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    let scrape = Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap();
    Scraped { types, scrape }
}

#[tokio::test]
async fn metrics_rise_with_traffic_and_keep_their_labels_bounded() {
    let s = server_with(|c| {
        c.metrics.enabled = true;
        c.metrics.token = Some(TOKEN.into());
        c.limits.rate_creator_info = 3;
    })
    .await;
    let w = World::posting(s).await;
    let base = w.s.base.clone();
    let before = scrape(&base).await;
    for (name, kind) in [
        ("reelbox_http_requests_total", "counter"),
        ("reelbox_http_request_duration_seconds", "histogram"),
        ("reelbox_db_writer_queued_writes", "gauge"),
        ("reelbox_db_writer_wait_seconds", "histogram"),
        ("reelbox_jobs_pending", "gauge"),
        ("reelbox_jobs_finished_total", "counter"),
        ("reelbox_webhook_deliveries_total", "counter"),
        ("reelbox_upload_received_bytes_total", "counter"),
        ("reelbox_blob_store_errors_total", "counter"),
    ] {
        assert_eq!(
            before.types.get(name).map(String::as_str),
            Some(kind),
            "{name}"
        );
    }
    let ok = [("route", CREATOR_INFO), ("status_class", "2xx")];
    // Three creator_info calls pass, the fourth is over the limit of 3 a minute.
    for _ in 0..3 {
        let (st, v) = w.s.call(&w.token, CREATOR_INFO, None).await;
        assert_eq!(st, 200, "{v}");
    }
    let (st, v) = w.s.call(&w.token, CREATOR_INFO, None).await;
    assert_eq!(st, 429, "{v}");
    let video = std::fs::read(reelbox_testkit::fixture("h264_720x1280_30fps.mp4")).unwrap();
    upload_to_inbox(&w, &video).await;
    // Paths no route knows, each different: one label between them.
    for i in 0..40 {
        let r =
            w.s.http
                .get(format!("{base}/no-such-page/{i}-{}", rand::random::<u32>()))
                .send()
                .await
                .unwrap();
        assert_eq!(r.status().as_u16(), 404);
    }
    let after = scrape(&base).await;

    // A series with labels shows once something was counted in it.
    assert_eq!(
        after
            .types
            .get("reelbox_http_rate_limited_total")
            .map(String::as_str),
        Some("counter")
    );
    let requests = "reelbox_http_requests_total";
    assert_eq!(
        after.value(requests, &ok) - before.value(requests, &ok),
        3.0
    );
    let limited = [("route", CREATOR_INFO)];
    assert_eq!(
        after.value("reelbox_http_rate_limited_total", &limited)
            - before.value("reelbox_http_rate_limited_total", &limited),
        1.0
    );
    assert!(
        after.value("reelbox_http_request_duration_seconds", &limited)
            >= before.value("reelbox_http_request_duration_seconds", &limited) + 4.0
    );
    assert_eq!(
        after.value("reelbox_upload_received_bytes_total", &[])
            - before.value("reelbox_upload_received_bytes_total", &[]),
        video.len() as f64
    );
    let processed = [("kind", "process"), ("outcome", "completed")];
    assert!(after.value("reelbox_jobs_finished_total", &processed) >= 1.0);
    assert!(
        after.value("reelbox_db_writer_wait_seconds", &[])
            > before.value("reelbox_db_writer_wait_seconds", &[])
    );
    let unmatched = [("route", "unmatched"), ("status_class", "4xx")];
    assert_eq!(
        after.value(requests, &unmatched) - before.value(requests, &unmatched),
        40.0
    );
    let routes = after.label_values(requests, "route");
    assert!(
        routes.iter().all(|r| !r.starts_with("/no-such-page")),
        "{routes:?}"
    );
    assert!(routes.contains("/upload/video/"), "{routes:?}");
    let kinds = after.label_values("reelbox_jobs_pending", "kind");
    assert!(kinds.contains("process"), "{kinds:?}");
    // Every series the example dashboard graphs is one the node declares.
    let dashboard = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/grafana-dashboard.json"),
    )
    .unwrap();
    for name in series_named_in(&dashboard) {
        let base = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .unwrap_or(&name);
        assert!(
            after.types.contains_key(base),
            "the dashboard graphs {name}"
        );
    }
    w.s.stop().await;
}

#[tokio::test]
async fn metrics_are_refused_without_the_token_and_absent_unless_enabled() {
    let s = server_with(|c| {
        c.metrics.enabled = true;
        c.metrics.token = Some(TOKEN.into());
    })
    .await;
    assert_eq!(scrape_at(&s.base, None).await.0, 401);
    assert_eq!(
        scrape_at(&s.base, Some("wrong-token-0123456789")).await.0,
        401
    );
    assert_eq!(scrape_at(&s.base, Some(TOKEN)).await.0, 200);
    s.stop().await;

    let off = server_with(|_| {}).await;
    let (status, text) = scrape_at(&off.base, None).await;
    assert_eq!(status, 404, "{text}");
    off.stop().await;

    // On an address of its own, and only there.
    let apart = server_with(|c| {
        c.metrics.listen = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    let addr = apart
        .handle
        .as_ref()
        .and_then(|h| h.metrics_addr)
        .expect("metrics address");
    assert_eq!(scrape_at(&apart.base, None).await.0, 404);
    let (status, text) = scrape_at(&format!("http://{addr}"), None).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("# TYPE reelbox_http_requests_total counter"));
    let other = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(other.status().as_u16(), 404);
    apart.stop().await;
}

#[tokio::test]
async fn the_moderation_queue_length_follows_held_posts() {
    let s = server_with(|c| {
        c.metrics.enabled = true;
        c.metrics.token = Some(TOKEN.into());
        c.moderation.policy = Some(reelbox_wire::control::ModerationPolicy::All);
    })
    .await;
    let w = World::posting(s).await;
    let base = w.s.base.clone();
    let queue = "reelbox_moderation_queue_length";
    let before = scrape(&base).await;
    assert_eq!(before.types.get(queue).map(String::as_str), Some("gauge"));
    assert_eq!(before.value(queue, &[]), 0.0);
    let bytes = std::fs::read(reelbox_testkit::fixture("h264_720x1280_30fps.mp4")).unwrap();
    let n = bytes.len();
    let (st, v) = w
        .s
        .call(
            &w.token,
            "/v2/post/publish/video/init/",
            Some(serde_json::json!({"post_info": {"title": "held", "privacy_level": "PUBLIC_TO_EVERYONE"},
                "source_info": {"source": "FILE_UPLOAD", "video_size": n, "chunk_size": n, "total_chunk_count": 1}})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let url = v["data"]["upload_url"].as_str().unwrap();
    let put = reelbox_testkit::posting::put(&w.s, url, &bytes, 0, n - 1, n).await;
    assert_eq!(put.0, 201);
    let mut held = 0.0;
    for _ in 0..600 {
        held = scrape(&base).await.value(queue, &[]);
        if held > 0.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(held, 1.0);
    let q =
        w.s.admin(
            reqwest::Method::GET,
            "/_reelbox/moderation/queue",
            serde_json::Value::Null,
        )
        .await;
    let id = q["cases"][0]["id"].as_str().unwrap();
    w.s.admin(
        reqwest::Method::POST,
        &format!("/_reelbox/moderation/cases/{id}"),
        serde_json::json!({"action": "approve"}),
    )
    .await;
    assert_eq!(scrape(&base).await.value(queue, &[]), 0.0);
    w.s.stop().await;
}
