//! The data the seeded lists generator writes, read back through the list and shop endpoints.
use std::collections::HashSet;

use serde_json::json;

use super::{
    LIKED, PINNED, PLAYLIST, REPOSTED, VISIBLE, all_pages, id_of, ids, now_ms, page_ids, store,
    world,
};

/// The generator's lists, read back through the endpoints, match the tables.
#[tokio::test]
async fn seeded_lists_read_back_through_the_endpoints() {
    let w = world().await;
    let spec = reelbox_store::seed::SeedSpec {
        creators: 30,
        videos: 600,
        days: 10,
        seed: 1,
        end_ms: now_ms(&w.s),
    };
    // Idempotent: also right when `/_reelbox/seed` already generated the lists.
    store(&w.s).seed_lists(&spec).await.expect("lists");
    for t in ["likes", "pins", "playlists", "product_reviews"] {
        assert!(
            !ids(
                &w.s,
                &format!("SELECT CAST(COUNT(*) AS TEXT) FROM {t} HAVING COUNT(*) > 0")
            )
            .await
            .is_empty(),
            "{t} generated"
        );
    }

    // Liked: an adult, public account with a public liked list (index ≠ 3 mod 5, ≠ 7 mod 40).
    let who = "user1_1";
    let want: HashSet<String> = ids(&w.s, &format!("SELECT l.post_id FROM likes l JOIN posts p ON p.id = l.post_id JOIN creators c ON c.id = p.creator_id WHERE l.creator_id = 'seed1c1' AND {VISIBLE}")).await.into_iter().collect();
    assert!(!want.is_empty());
    let pages = all_pages(
        &w,
        &format!("{LIKED}?fields=id"),
        json!({"username": who, "max_count": 3}),
    )
    .await;
    let got = page_ids(&pages, "user_liked_videos");
    assert_eq!(got.len(), want.len(), "no repeats");
    assert_eq!(got.into_iter().collect::<HashSet<_>>(), want);
    // Index 3: liked list private; index 7: a minor.
    let (st, v) =
        w.s.call(
            &w.clt,
            &format!("{LIKED}?fields=id"),
            Some(json!({"username": "user1_3"})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["message"].as_str()),
        (400, Some("the user's liked videos list is private"))
    );
    let (st, v) =
        w.s.call(
            &w.clt,
            &format!("{REPOSTED}?fields=id"),
            Some(json!({"username": "user1_7"})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["message"].as_str()),
        (400, Some("user does not exist or is private"))
    );

    // Pins of index 1 (1 mod 4) and the playlist of index 2 (2 mod 6).
    let pins = ids(&w.s, &format!("SELECT n.post_id FROM pins n JOIN posts p ON p.id = n.post_id JOIN creators c ON c.id = p.creator_id WHERE n.creator_id = 'seed1c1' AND {VISIBLE} ORDER BY n.seq")).await;
    let (st, v) =
        w.s.call(
            &w.clt,
            &format!("{PINNED}?fields=id"),
            Some(json!({"username": who})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let got: Vec<String> = v["data"]["pinned_videos_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(got, pins);
    let pl = ids(
        &w.s,
        "SELECT id FROM playlists WHERE creator_id = 'seed1c2'",
    )
    .await;
    let items = ids(&w.s, &format!("SELECT i.post_id FROM playlist_items i JOIN posts p ON p.id = i.post_id JOIN creators c ON c.id = p.creator_id WHERE i.playlist_id = '{}' AND {VISIBLE} ORDER BY i.seq", pl[0])).await;
    let pages = all_pages(
        &w,
        &format!("{PLAYLIST}?fields=playlist_video_ids,playlist_item_total"),
        json!({"playlist_id": pl[0], "max_count": 4}),
    )
    .await;
    let got: Vec<String> = pages
        .iter()
        .flat_map(|p| {
            p["playlist_video_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_u64().unwrap().to_string())
        })
        .collect();
    assert_eq!(got, items);
    assert_eq!(
        pages[0]["playlist_item_total"].as_u64(),
        Some(items.len() as u64)
    );

    // Seeded shops: found by name, products page, star counts add up, reviews in stars.
    let (st, v) =
        w.s.call(
            &w.clt,
            "/v2/research/tts/shop/?fields=shop_id,shop_name,shop_review_count",
            Some(json!({"shop_name": "Shop 0", "limit": 1})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let shop = &v["data"]["shop_data"][0];
    assert_eq!(shop["shop_name"], "Shop 0");
    let (st, v) = w.s.call(&w.clt, "/v2/research/tts/product/?fields=product_id,product_review_count,product_rating_1_count,product_rating_2_count,product_rating_3_count,product_rating_4_count,product_rating_5_count", Some(json!({"shop_id": shop["shop_id"], "page_size": 10}))).await;
    assert_eq!(st, 200, "{v}");
    let products = v["data"]["product_data"].as_array().unwrap();
    assert!(!products.is_empty());
    for p in products {
        let stars: i64 = (1..=5)
            .map(|k| p[format!("product_rating_{k}_count")].as_i64().unwrap())
            .sum();
        assert_eq!(stars, p["product_review_count"].as_i64().unwrap());
    }
    let with_reviews = products
        .iter()
        .find(|p| p["product_review_count"].as_i64().unwrap() > 0)
        .expect("reviewed product");
    let (st, v) =
        w.s.call(
            &w.clt,
            "/v2/research/tts/review/?fields=review_rating,create_time",
            Some(json!({"product_id": with_reviews["product_id"]})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let reviews = v["data"]["review_data"].as_array().unwrap();
    assert!(!reviews.is_empty());
    assert!(reviews.iter().all(|r| {
        ["ONE", "TWO", "THREE", "FOUR", "FIVE"].contains(&r["review_rating"].as_str().unwrap())
            && r["create_time"].as_i64().unwrap() > 100_000_000_000
    }));
}
