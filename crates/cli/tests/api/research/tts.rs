//! The TikTok Shop endpoints `/tts/shop|product|review/`: shapes, paging and field selection.
use reelbox_testkit::redact::redact;
use serde_json::json;

use super::{W, shape, world};

/// A shop with three products (one with reviews) and a second shop whose name contains the
/// first's.
async fn shops(w: &W) -> (u64, Vec<u64>) {
    let made = w
        .s
        .admin(
            reqwest::Method::POST,
            "/_reelbox/shops",
            json!({
                "name": "Test Shop", "rating": 4.5, "performance_value": 88,
                "products": [
                    {"title": "test Name", "description": "A clear phone case", "price": 2079,
                     "currency": "GBP", "sold_count": 37741, "rating": 4.6,
                     "star_counts": [100, 50, 171, 1000, 2000],
                     "reviews": [
                        {"display_name": "Ann", "rating": 5, "text": "test Text", "like_count": 1, "create_time": 1722879716021i64},
                        {"display_name": "Bo", "rating": 1, "text": "broke in a week", "like_count": 7, "create_time": 1722879000000i64},
                        {"display_name": "Cy", "rating": 3, "text": "fine", "create_time": 1722870000000i64}
                     ]},
                    {"title": "Matcha tin", "price": 1500, "currency": "JPY", "sold_count": 10, "rating": 3.9},
                    {"title": "Mug", "price": 999, "currency": "eur", "sold_count": 500, "rating": 4.0}
                ]
            }),
        )
        .await;
    w.s.admin(
        reqwest::Method::POST,
        "/_reelbox/shops",
        json!({"name": "The Test Shop Outlet", "rating": 4.1, "performance_value": 60,
               "products": [{"title": "Lamp", "price": 4500, "currency": "USD", "sold_count": 999999, "rating": 4.2}]}),
    )
    .await;
    w.s.admin(
        reqwest::Method::POST,
        "/_reelbox/shops",
        json!({"name": "Elsewhere", "rating": 3.0}),
    )
    .await;
    (
        made["shop_id"].as_u64().unwrap(),
        made["product_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_u64().unwrap())
            .collect(),
    )
}

#[tokio::test]
async fn tts_shop_product_review_shapes_paging_and_fields() {
    let w = world().await;
    let (shop_id, products) = shops(&w).await;
    // `fields` in the body (TikTok's examples); exact name first, then by items sold.
    let (st, v) =
        w.s.call(
            &w.clt,
            "/v2/research/tts/shop/",
            Some(json!({"shop_name": "test shop", "fields": "shop_id,shop_name,shop_rating,shop_review_count,item_sold_count,shop_performance_value", "limit": 10})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let data = v["data"]["shop_data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data[0]["shop_id"].as_u64(), Some(shop_id));
    assert_eq!(data[0]["shop_rating"], "4.5");
    assert_eq!(data[0]["shop_review_count"], 3321);
    assert_eq!(data[0]["item_sold_count"], 37741 + 10 + 500);
    insta::assert_json_snapshot!("tts_shop", shape(v));
    // The query string wins over the body; a list in the body works too.
    let (_, v) =
        w.s.call(
            &w.clt,
            "/v2/research/tts/shop/?fields=shop_name",
            Some(json!({"shop_name": "Test Shop", "fields": "shop_id,shop_rating", "limit": 1})),
        )
        .await;
    assert_eq!(v["data"]["shop_data"], json!([{"shop_name": "Test Shop"}]));
    let (_, v) =
        w.s.call(
            &w.clt,
            "/v2/research/tts/shop/",
            Some(json!({"shop_name": "elsewhere", "fields": ["shop_name", "shop_rating"]})),
        )
        .await;
    assert_eq!(
        v["data"]["shop_data"],
        json!([{"shop_name": "Elsewhere", "shop_rating": "3.0"}])
    );
    let (_, v) =
        w.s.call(
            &w.clt,
            "/v2/research/tts/shop/?fields=shop_name",
            Some(json!({"shop_name": "no such shop"})),
        )
        .await;
    assert_eq!(v["data"]["shop_data"], json!([]));

    // Products: best sellers first, two a page.
    let fields = "product_id,product_name,product_description,product_price,product_rating,product_review_count,product_sold_count,product_rating_1_count,product_rating_2_count,product_rating_3_count,product_rating_4_count,product_rating_5_count,shop_name";
    let (st, p1) =
        w.s.call(
            &w.clt,
            &format!("/v2/research/tts/product/?fields={fields}"),
            Some(json!({"shop_id": shop_id, "page_start": 1, "page_size": 2})),
        )
        .await;
    assert_eq!(st, 200, "{p1}");
    let d = &p1["data"];
    assert_eq!(
        (d["has_more"].as_bool(), d["page_start"].as_i64()),
        (Some(true), Some(1))
    );
    assert_eq!(d["product_data"][0]["product_price"], json!(["20.79GBP"]));
    assert_eq!(d["product_data"][0]["product_rating"], "4.6");
    assert_eq!(d["product_data"][0]["product_rating_5_count"], 2000);
    assert_eq!(d["product_data"][1]["product_price"], json!(["9.99EUR"]));
    insta::assert_json_snapshot!("tts_product", shape(p1));
    let (st, p2) =
        w.s.call(
            &w.clt,
            "/v2/research/tts/product/",
            Some(json!({"shop_id": shop_id.to_string(), "page_start": 2, "page_size": 2, "fields": "product_name,product_price"})),
        )
        .await;
    assert_eq!(st, 200, "{p2}");
    assert_eq!(
        p2["data"],
        json!({"product_data": [{"product_name": "Matcha tin", "product_price": ["1500JPY"]}], "has_more": false, "page_start": 2})
    );

    // Reviews: newest first, times in milliseconds, stars as words.
    let path = "/v2/research/tts/review/?fields=product_name,review_text,review_like_count,create_time,review_rating,display_name";
    let (st, r1) =
        w.s.call(
            &w.clt,
            path,
            Some(json!({"product_id": products[0], "page_start": 1, "page_size": 2})),
        )
        .await;
    assert_eq!(st, 200, "{r1}");
    assert_eq!(
        r1["data"]["review_data"][0]["create_time"],
        1722879716021i64
    );
    assert_eq!(r1["data"]["review_data"][1]["review_rating"], "ONE");
    assert_eq!(r1["data"]["has_more"], true);
    // Review times are fixed: snapshot them as they are.
    insta::assert_json_snapshot!("tts_review", redact(r1));
    let (_, r2) =
        w.s.call(
            &w.clt,
            path,
            Some(json!({"product_id": products[0].to_string(), "page_start": 2, "page_size": 2})),
        )
        .await;
    assert_eq!(r2["data"]["review_data"][0]["review_rating"], "THREE");
    assert_eq!(
        (
            r2["data"]["has_more"].as_bool(),
            r2["data"]["page_start"].as_i64()
        ),
        (Some(false), Some(2))
    );
    let (_, r3) =
        w.s.call(&w.clt, path, Some(json!({"product_id": products[1]})))
            .await;
    assert_eq!(
        r3["data"],
        json!({"review_data": [], "has_more": false, "page_start": 1})
    );

    // Errors.
    let cases = [
        (
            "/v2/research/tts/shop/",
            json!({"shop_name": "Test Shop"}),
            "fields is required",
        ),
        (
            "/v2/research/tts/shop/?fields=nope",
            json!({"shop_name": "Test Shop"}),
            "fields contains no valid field name",
        ),
        (
            "/v2/research/tts/shop/?fields=shop_name",
            json!({}),
            "shop_name is required",
        ),
        (
            "/v2/research/tts/shop/?fields=shop_name",
            json!({"shop_name": "x", "limit": 11}),
            "limit should be between 1 and 10",
        ),
        (
            "/v2/research/tts/product/?fields=product_name",
            json!({"shop_id": shop_id, "page_size": 11}),
            "page_size should be between 1 and 10",
        ),
        (
            "/v2/research/tts/product/?fields=product_name",
            json!({"shop_id": shop_id, "page_start": 0}),
            "page_start should be 1 or more",
        ),
        (
            "/v2/research/tts/product/?fields=product_name",
            json!({}),
            "shop_id is required",
        ),
        (
            "/v2/research/tts/product/?fields=product_name",
            json!({"shop_id": "12x"}),
            "Invalid shop_id",
        ),
        (
            "/v2/research/tts/product/?fields=product_name",
            json!({"shop_id": 42}),
            "shop does not exist",
        ),
        (
            "/v2/research/tts/review/?fields=review_text",
            json!({"product_id": 42}),
            "product does not exist",
        ),
        (
            "/v2/research/tts/review/?fields=review_text",
            json!({"product_id": products[0], "page_size": 11}),
            "page_size should be between 1 and 10",
        ),
        (
            "/v2/research/tts/review/?fields=review_text",
            json!({}),
            "product_id is required",
        ),
    ];
    for (path, body, msg) in cases {
        let (st, v) = w.s.call(&w.clt, path, Some(body)).await;
        assert_eq!(
            (
                st,
                v["error"]["code"].as_str(),
                v["error"]["message"].as_str()
            ),
            (400, Some("invalid_params"), Some(msg)),
            "{path}"
        );
    }
    let (_, v) =
        w.s.call(
            &w.clt,
            "/v2/research/tts/product/?fields=product_name",
            Some(json!({"shop_id": shop_id, "page_size": 11})),
        )
        .await;
    insta::assert_json_snapshot!("tts_page_size_error", shape(v));
}
