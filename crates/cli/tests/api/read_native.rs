//! reelbox-native sound and shop research endpoints over HTTP: music query and trend, the
//! cross-shop product query, their field selection, paging and exact errors.
use reelbox_testkit::TestServer;
use serde_json::{Value, json};

use crate::{redact, server};

/// Keys whose values move with the wall clock (the corpus ends "now") or per run.
fn shape(v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    match k.as_str() {
                        "create_time" | "search_id" | "date" | "time" => {
                            *x = json!(format!("[{k}]"))
                        }
                        // Counts over a window relative to now depend on the time of day.
                        "video_count" | "view_count" | "value" | "rank_diff" => *x = json!("[n]"),
                        "related_video_ids" => {
                            if let Value::Array(a) = x {
                                a.iter_mut().for_each(|e| *e = json!("[video_id]"));
                            }
                        }
                        _ => walk(x),
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let mut v = redact(v);
    walk(&mut v);
    v
}

/// A seeded server (seed 1: 30 creators, 600 videos over 10 days) and a research client token.
async fn native_world(scopes: &[&str]) -> (TestServer, String) {
    let s = server().await;
    let app = s
        .create_app(json!({"name": "Analyst", "audited": true, "scopes": scopes,
            "redirect_uris": ["https://app.example.com/callback/"]}))
        .await;
    let rep = s
        .admin(
            reqwest::Method::POST,
            "/_reelbox/seed",
            json!({"creators": 30, "videos": 600, "days": 10, "seed": 1}),
        )
        .await;
    assert_eq!(rep["videos"], 600);
    let r: Value = s
        .http
        .post(s.url("/v2/oauth/token/"))
        .form(&[
            ("client_key", app["client_key"].as_str().expect("key")),
            (
                "client_secret",
                app["client_secret"].as_str().expect("secret"),
            ),
            ("grant_type", "client_credentials"),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let clt = r["access_token"]
        .as_str()
        .expect("client token")
        .to_string();
    (s, clt)
}

async fn rows<T>(s: &TestServer, sql: &str) -> Vec<T>
where
    T: for<'r> reelbox_store::sqlx::FromRow<'r, reelbox_store::sqlx::any::AnyRow> + Send + Unpin,
{
    let st = &s.handle.as_ref().expect("running").state;
    reelbox_store::sqlx::query_as(reelbox_store::sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&st.store.pool)
        .await
        .expect("rows")
}

fn err(v: &(u16, Value)) -> (u16, &str, &str) {
    (
        v.0,
        v.1["error"]["code"].as_str().unwrap_or(""),
        v.1["error"]["message"].as_str().unwrap_or(""),
    )
}

#[tokio::test]
async fn music_query_answers_sounds_with_totals_and_exact_errors() {
    let (s, clt) = native_world(&["research.data.basic"]).await;
    // The most used sound and its public videos, counted straight from the posts.
    let top: Vec<(String, i64, i64)> = rows(&s, "SELECT music_id, CAST(COUNT(*) AS BIGINT), CAST(SUM(view_count) AS BIGINT) FROM posts WHERE privacy_level = 'PUBLIC_TO_EVERYONE' AND deleted_at IS NULL GROUP BY music_id ORDER BY COUNT(*) DESC, music_id LIMIT 1").await;
    let (id, videos, views) = top[0].clone();
    let path = "/v2/research/music/query/?fields=music_id,title,author,duration,video_count,is_original,view_count,is_commercial,cover_url,create_time,trend";
    let v = s
        .call(
            &clt,
            path,
            Some(json!({"music_ids": [id.parse::<u64>().unwrap(), "7038000000999999999"]})),
        )
        .await;
    assert_eq!(v.0, 200, "{}", v.1);
    let musics = v.1["data"]["musics"].as_array().expect("musics");
    assert_eq!(musics.len(), 1, "the unknown id is omitted");
    let m = &musics[0];
    assert_eq!(m["music_id"].as_u64().unwrap().to_string(), id);
    assert_eq!(m["video_count"].as_i64(), Some(videos));
    assert_eq!(m["view_count"].as_i64(), Some(views));
    let series: i64 = m["trend"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["video_count"].as_i64().unwrap())
        .sum();
    assert_eq!(
        series, videos,
        "the default 30-day window covers the 10-day corpus"
    );
    let mut snap = v.1.clone();
    snap["data"]["musics"][0]["trend"] =
        json!([{"date": "[date]", "video_count": "[n]", "view_count": "[n]"}]);
    insta::assert_json_snapshot!("music_query", shape(snap));

    // Field selection keeps the requested order and nothing else.
    let v = s
        .call(
            &clt,
            "/v2/research/music/query/?fields=title,music_id",
            Some(json!({"music_ids": [id.clone()]})),
        )
        .await;
    let mut keys: Vec<&String> = v.1["data"]["musics"][0]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    keys.sort();
    assert_eq!(keys, ["music_id", "title"]);

    let many: Vec<u64> = (0..21).collect();
    assert_eq!(
        err(&s.call(&clt, path, Some(json!({"music_ids": many}))).await),
        (
            400,
            "invalid_params",
            "music_ids should contain 1 to 20 ids"
        )
    );
    let e = s.call(&clt, path, Some(json!({"music_ids": ["x1"]}))).await;
    assert_eq!(err(&e), (400, "invalid_params", "Invalid music_id \"x1\""));
    insta::assert_json_snapshot!("music_query_error", redact(e.1));
    assert_eq!(
        err(&s
            .call(&clt, path, Some(json!({"music_ids": [id.clone()], "start_date": "20240101", "end_date": "20231231"})))
            .await),
        (400, "invalid_params", "end_date must not be before start_date")
    );
    assert_eq!(
        err(&s
            .call(
                &clt,
                "/v2/research/music/query/",
                Some(json!({"music_ids": [id]}))
            )
            .await),
        (400, "invalid_params", "fields is required")
    );
}

#[tokio::test]
async fn research_scope_is_required() {
    let (s, clt) = native_world(&["user.info.basic"]).await;
    for path in [
        "/v2/research/music/query/?fields=music_id",
        "/v2/research/music/trend/?fields=rank",
        "/v2/research/shop/product/query/?fields=product_id",
    ] {
        let v = s.call(&clt, path, Some(json!({"music_ids": [1]}))).await;
        assert_eq!(err(&v).1, "scope_not_authorized", "{path}: {}", v.1);
    }
}

#[tokio::test]
async fn music_trend_ranks_pages_and_filters() {
    let (s, clt) = native_world(&["research.data.basic"]).await;
    let path = "/v2/research/music/trend/?fields=rank,rank_diff,music_id,title,author,video_count,view_count,is_commercial,trend,related_video_ids";
    let page = |body: Value| {
        let s = &s;
        let clt = &clt;
        async move {
            let v = s.call(clt, path, Some(body)).await;
            assert_eq!(v.0, 200, "{}", v.1);
            v.1
        }
    };
    let first = page(json!({"region_code": "ALL", "period": 30, "max_count": 3})).await;
    let d = &first["data"];
    assert_eq!(
        (d["cursor"].as_i64(), d["has_more"].as_bool()),
        (Some(3), Some(true))
    );
    assert_eq!(
        (d["period"].as_i64(), d["region_code"].as_str()),
        (Some(30), Some("ALL"))
    );
    let second =
        page(json!({"region_code": "ALL", "period": 30, "max_count": 3, "cursor": 3})).await;
    let all: Vec<&Value> = d["musics"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["data"]["musics"].as_array().unwrap())
        .collect();
    assert_eq!(
        all.iter()
            .map(|m| m["rank"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
    let views: Vec<i64> = all
        .iter()
        .map(|m| m["view_count"].as_i64().unwrap())
        .collect();
    assert!(
        views.windows(2).all(|w| w[0] >= w[1]),
        "ranked by views: {views:?}"
    );
    // A 30-day window holds the whole corpus: the leader's views are its all-time views.
    let lead = all[0]["music_id"].as_u64().unwrap().to_string();
    let total: Vec<(i64,)> = rows(&s, &format!("SELECT CAST(SUM(view_count) AS BIGINT) FROM posts WHERE music_id = '{lead}' AND privacy_level = 'PUBLIC_TO_EVERYONE' AND deleted_at IS NULL")).await;
    assert_eq!(views[0], total[0].0);
    assert!(all[0]["trend"].as_array().unwrap().len() == 30);
    assert!(
        all[0]["trend"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["value"] == 1.0)
    );
    // Related videos use the sound, are research-visible, at most five.
    for m in &all {
        let related = m["related_video_ids"].as_array().unwrap();
        assert!(related.len() <= 5);
        let music = m["music_id"].as_u64().unwrap().to_string();
        for r in related {
            let ok: Vec<(i64,)> = rows(&s, &format!("SELECT CAST(COUNT(*) AS BIGINT) FROM posts p JOIN creators c ON c.id = p.creator_id WHERE p.id = '{}' AND p.music_id = '{music}' AND p.privacy_level = 'PUBLIC_TO_EVERYONE' AND c.private_account = 0", r.as_u64().unwrap())).await;
            assert_eq!(ok[0].0, 1, "{r} uses {music} and is visible");
        }
    }
    assert!(!all[0]["related_video_ids"].as_array().unwrap().is_empty());
    insta::assert_json_snapshot!("music_trend", shape(first.clone()));

    let commercial = page(
        json!({"region_code": "ALL", "period": 30, "commercial_only": true, "max_count": 100}),
    )
    .await;
    let c = commercial["data"]["musics"].as_array().unwrap();
    assert!(!c.is_empty());
    assert!(c.iter().all(|m| m["is_commercial"] == true));
    let surging =
        page(json!({"region_code": "US", "period": 7, "rank_type": "surging", "max_count": 2}))
            .await;
    assert_eq!(surging["data"]["region_code"], "US");
    assert!(surging["data"]["musics"].as_array().unwrap().len() <= 2);
    let fresh =
        page(json!({"region_code": "ALL", "period": 7, "new_on_board": true, "max_count": 100}))
            .await;
    // Sounds already in the previous period's ranking are left out, so none has a rank_diff.
    let fresh = fresh["data"]["musics"].as_array().unwrap();
    assert!(fresh.iter().all(|m| m.get("rank_diff").is_none()));
    let week = page(json!({"region_code": "ALL", "period": 7, "max_count": 100})).await;
    let week = week["data"]["musics"].as_array().unwrap();
    let carried = week.iter().filter(|m| m.get("rank_diff").is_some()).count();
    assert!(carried > 0, "the corpus spans more than one week");
    assert_eq!(fresh.len(), week.len() - carried);

    let e = s
        .call(&clt, path, Some(json!({"rank_type": "viral"})))
        .await;
    assert_eq!(
        err(&e),
        (
            400,
            "invalid_params",
            "rank_type should be popular or surging"
        )
    );
    insta::assert_json_snapshot!("music_trend_error", redact(e.1));
    assert_eq!(
        err(&s.call(&clt, path, Some(json!({"period": 14}))).await),
        (400, "invalid_params", "period should be 7, 30 or 120")
    );
    assert_eq!(
        err(&s.call(&clt, path, Some(json!({"max_count": 101}))).await),
        (
            400,
            "invalid_params",
            "max_count should be between 1 and 100"
        )
    );
}

#[tokio::test]
async fn shop_product_query_filters_sorts_and_pages_by_search_id() {
    let (s, clt) = native_world(&["research.data.basic"]).await;
    let path = "/v2/research/shop/product/query/?fields=product_id,title,price,currency,sold_count,rating,shop_name,region_code,category,shop_id,original_price,sold_count_7d,review_count,description,image_url,product_url,related_video_count,create_time";
    let body = json!({
        "query": {"and": [
            {"operation": "IN", "field_name": "region_code", "field_values": ["GB", "us", "br", "ID", "MX", "FR", "JP", "PH"]},
            {"operation": "GTE", "field_name": "price", "field_values": ["300"]}
        ],
        "not": [{"operation": "EQ", "field_name": "region_code", "field_values": ["ID"]}]},
        "sort_by": "sold_count", "sort_order": "desc", "max_count": 2
    });
    let first = s.call(&clt, path, Some(body.clone())).await;
    assert_eq!(first.0, 200, "{}", first.1);
    let d = &first.1["data"];
    let expect: Vec<(i64,)> = rows(&s, "SELECT CAST(COUNT(*) AS BIGINT) FROM shop_products WHERE region_code IN ('GB', 'US', 'BR', 'MX', 'FR', 'JP', 'PH') AND price >= 300").await;
    assert!(
        expect[0].0 > 4,
        "the corpus has enough products for two pages"
    );
    assert_eq!(
        (d["cursor"].as_i64(), d["has_more"].as_bool()),
        (Some(2), Some(true))
    );
    let sid = d["search_id"].as_str().expect("search_id").to_string();
    // The next page replays the stored query even when the body's query differs.
    let second = s
        .call(&clt, path, Some(json!({"search_id": sid, "cursor": 2, "max_count": 2, "query": {"and": [{"operation": "EQ", "field_name": "region_code", "field_values": ["DE"]}]}})))
        .await;
    assert_eq!(second.0, 200, "{}", second.1);
    assert_eq!(second.1["data"]["search_id"], json!(sid));
    let all: Vec<&Value> = d["products"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second.1["data"]["products"].as_array().unwrap())
        .collect();
    assert_eq!(all.len(), 4);
    let sold: Vec<i64> = all
        .iter()
        .map(|p| p["sold_count"].as_i64().unwrap())
        .collect();
    assert!(sold.windows(2).all(|w| w[0] >= w[1]), "{sold:?}");
    for p in &all {
        assert!(
            ["GB", "US", "BR", "MX", "FR", "JP", "PH"]
                .contains(&p["region_code"].as_str().unwrap())
        );
        assert!(p["price"].as_i64().unwrap() >= 300);
        let r = p["rating"].as_f64().unwrap();
        assert!((0.0..=5.0).contains(&r));
    }
    let ids: std::collections::HashSet<u64> = all
        .iter()
        .map(|p| p["product_id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids.len(), 4, "pages never repeat");
    insta::assert_json_snapshot!("shop_product_query", shape(first.1.clone()));

    // Keyword, rating and ascending price.
    let tag: Vec<(String,)> = rows(&s, "SELECT title FROM shop_products ORDER BY id LIMIT 1").await;
    let word = tag[0].0.split(' ').next_back().unwrap().to_uppercase();
    let v = s
        .call(
            &clt,
            "/v2/research/shop/product/query/?fields=title,price,rating",
            Some(json!({
            "query": {"and": [
                {"operation": "EQ", "field_name": "keyword", "field_values": [word]},
                {"operation": "GTE", "field_name": "rating", "field_values": ["3.5"]}
            ]}, "sort_by": "price", "sort_order": "asc", "max_count": 100})),
        )
        .await;
    assert_eq!(v.0, 200, "{}", v.1);
    let ps = v.1["data"]["products"].as_array().unwrap();
    assert!(!ps.is_empty());
    let prices: Vec<i64> = ps.iter().map(|p| p["price"].as_i64().unwrap()).collect();
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    assert!(ps.iter().all(|p| p["rating"].as_f64().unwrap() >= 3.5
        && p["title"].as_str().unwrap().to_uppercase().contains(&word)));

    let e = s
        .call(&clt, path, Some(json!({"query": {"and": [{"operation": "EQ", "field_name": "colour", "field_values": ["red"]}]}})))
        .await;
    assert_eq!(
        err(&e),
        (400, "invalid_params", "Invalid field_name: colour")
    );
    insta::assert_json_snapshot!("shop_product_query_error", redact(e.1));
    assert_eq!(
        err(&s.call(&clt, path, Some(json!({"search_id": "123"}))).await),
        (400, "invalid_params", "Invalid search_id")
    );
    assert_eq!(
        err(&s.call(&clt, path, Some(json!({"sort_by": "views"}))).await),
        (400, "invalid_params", "Invalid sort_by: views")
    );
}
