//! The research failure scenarios as a client sees them: a 500 that still takes quota, a 504 in
//! HTML, "Invalid count or cursor" mid-pagination, short pages with `has_more`, a `search_id`
//! expiring mid-iteration, and the daily quota running out mid-run.
use reelbox_testkit::read::{Read, read_world, shape, window};
use serde_json::{Value, json};

use crate::{server, server_with};

const QUERY: &str = "/v2/research/video/query/?fields=id,create_time";
const USER: &str = "/v2/research/user/info/?fields=display_name";

async fn scenario(r: &Read, name: &str, extra: Value) {
    let mut spec = json!({"scenario": name, "client_key": r.client_key});
    if let (Some(s), Some(e)) = (spec.as_object_mut(), extra.as_object()) {
        s.extend(e.clone());
    }
    r.s.admin(reqwest::Method::POST, "/_reelbox/faults", spec)
        .await;
}

/// The videos of three regions over the last twelve days, ten a page.
fn first_page() -> Value {
    let (start, end) = window(12, 3);
    json!({
        "query": {"and": [{"operation": "IN", "field_name": "region_code", "field_values": ["us", "BR", "ID"]}]},
        "start_date": start, "end_date": end, "max_count": 10, "cursor": 0
    })
}

fn ids(v: &Value) -> Vec<u64> {
    v["data"]["videos"]
        .as_array()
        .expect("videos")
        .iter()
        .map(|x| x["id"].as_u64().expect("numeric id"))
        .collect()
}

/// The next page's body after the answer `v`.
fn next(mut body: Value, v: &Value) -> Value {
    body["cursor"] = v["data"]["cursor"].clone();
    body["search_id"] = v["data"]["search_id"].clone();
    body
}

/// Pages through the whole result set from `body`; (ids, sizes of the pages).
async fn iterate(r: &Read, mut body: Value) -> (Vec<u64>, Vec<usize>) {
    let (mut all, mut sizes) = (Vec::new(), Vec::new());
    for _ in 0..200 {
        let (st, v) = r.s.call(&r.clt, QUERY, Some(body.clone())).await;
        assert_eq!(st, 200, "{v}");
        let page = ids(&v);
        sizes.push(page.len());
        all.extend(page);
        if v["data"]["has_more"] != true {
            return (all, sizes);
        }
        body = next(body, &v);
    }
    panic!("the result set never ended");
}

#[tokio::test]
async fn research_500_counts_against_the_quota_and_504_answers_html() {
    let r = read_world(server_with(|c| c.limits.research_daily_requests = 3).await).await;
    let body = json!({"username": "user1_0"});

    scenario(&r, "research_500_counts_quota", json!({})).await;
    let (st, v) = r.s.call(&r.clt, USER, Some(body.clone())).await;
    assert_eq!(st, 500, "{v}");
    assert_eq!(v["error"]["code"], "internal_error");
    insta::assert_json_snapshot!("research_scenario_500", shape(v));

    scenario(&r, "research_504_html", json!({})).await;
    let resp =
        r.s.http
            .post(r.s.url(USER))
            .bearer_auth(&r.clt)
            .json(&body)
            .send()
            .await
            .expect("call");
    assert_eq!(resp.status().as_u16(), 504);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "text/html"
    );
    let page = resp.text().await.expect("body");
    assert!(page.contains("<h1>504 Gateway Time-out</h1>"), "{page}");
    assert!(serde_json::from_str::<Value>(&page).is_err(), "not JSON");

    // Quota 3: the 500 took one, the 504 none, so two more are served and the next refused.
    for _ in 0..2 {
        let (st, v) = r.s.call(&r.clt, USER, Some(body.clone())).await;
        assert_eq!(st, 200, "{v}");
    }
    let (st, v) = r.s.call(&r.clt, USER, Some(body)).await;
    assert_eq!(
        (st, &v["error"]["code"]),
        (429, &json!("daily_quota_limit_exceeded"))
    );
}

#[tokio::test]
async fn research_pagination_scenarios_as_a_client_sees_them() {
    let r = read_world(server().await).await;
    let (full, sizes) = iterate(&r, first_page()).await;
    assert!(sizes.len() > 3, "several pages: {sizes:?}");

    // Short pages: two pages of five, has_more still true, nothing lost or repeated.
    scenario(&r, "research_short_pages", json!({"times": 2})).await;
    let (got, sizes) = iterate(&r, first_page()).await;
    assert_eq!(&sizes[..3], &[5, 5, 10], "{sizes:?}");
    assert_eq!(got, full, "the short pages lose no video");

    // "Invalid count or cursor" on the second page; asking again goes on.
    let (st, p1) = r.s.call(&r.clt, QUERY, Some(first_page())).await;
    assert_eq!(st, 200, "{p1}");
    scenario(&r, "research_invalid_cursor", json!({})).await;
    let body = next(first_page(), &p1);
    let (st, v) = r.s.call(&r.clt, QUERY, Some(body.clone())).await;
    assert_eq!(st, 400);
    assert_eq!(v["error"]["code"], "invalid_params");
    assert_eq!(v["error"]["message"], "Invalid count or cursor");
    insta::assert_json_snapshot!("research_scenario_invalid_cursor", shape(v));
    let (rest, _) = iterate(&r, body).await;
    let mut again = ids(&p1);
    again.extend(rest);
    assert_eq!(again, full, "the retried page continues the set");

    // The search_id expires mid-iteration and stays expired; a new search starts over.
    let (_, p1) = r.s.call(&r.clt, QUERY, Some(first_page())).await;
    let (_, p2) = r.s.call(&r.clt, QUERY, Some(next(first_page(), &p1))).await;
    scenario(&r, "research_search_id_expires", json!({})).await;
    for _ in 0..2 {
        let (st, v) = r.s.call(&r.clt, QUERY, Some(next(first_page(), &p2))).await;
        assert_eq!(st, 400, "{v}");
        assert_eq!(v["error"]["code"], "invalid_params");
        assert_eq!(v["error"]["message"], "Invalid search_id");
    }
    let (st, v) = r.s.call(&r.clt, QUERY, Some(first_page())).await;
    assert_eq!((st, ids(&v)), (200, full[..10].to_vec()));

    // The daily quota runs out mid-run: this request and every later one until midnight UTC.
    scenario(&r, "research_quota_midrun", json!({})).await;
    for _ in 0..2 {
        let (st, v) = r.s.call(&r.clt, QUERY, Some(next(first_page(), &v))).await;
        assert_eq!(st, 429, "{v}");
        assert_eq!(v["error"]["code"], "daily_quota_limit_exceeded");
    }
    let (st, v) =
        r.s.call(&r.clt, USER, Some(json!({"username": "user1_0"})))
            .await;
    assert_eq!(st, 429, "{v}");
    insta::assert_json_snapshot!("research_scenario_quota_midrun", shape(v));
}
