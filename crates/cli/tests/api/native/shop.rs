//! The cross-shop product query: filters, sort orders, and paging by search_id.
use reelbox_testkit::redact::redact;
use serde_json::{Value, json};

use super::{err, native_world, rows, shape};

#[tokio::test]
async fn shop_product_query_filters_sorts_and_pages_by_search_id() {
    let (s, clt) = native_world(&["research.data.basic"]).await;
    let path = "/reelbox/v1/shop/product/query/?fields=product_id,title,price,currency,sold_count,rating,shop_name,region_code,category,shop_id,original_price,sold_count_7d,review_count,description,image_url,product_url,related_video_count,create_time";
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
            "/reelbox/v1/shop/product/query/?fields=title,price,rating",
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
