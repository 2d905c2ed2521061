//! Simulated activity moves the counters, and the hashtag query and trend endpoints follow.
use reelbox_core::research::format_day;
use reelbox_testkit::read::{db_rows, read_world, shape, today};
use serde_json::{Value, json};

use crate::server;

#[tokio::test]
async fn activity_moves_counters_and_hashtag_trends() {
    let r = read_world(server().await).await;
    let post = db_rows(&r.s, "SELECT p.id, p.hashtags FROM posts p JOIN creators c ON c.id = p.creator_id WHERE p.privacy_level = 'PUBLIC_TO_EVERYONE' AND c.private_account = 0 AND p.hashtags LIKE '%\"fyp\"%' LIMIT 1").await;
    let q = json!({"hashtag_names": ["FYP"], "start_date": format_day(today()), "end_date": format_day(today())});
    let path =
        "/reelbox/v1/hashtag/query/?fields=hashtag_id,hashtag_name,video_count,view_count,trend";
    let (st, before) = r.s.call(&r.clt, path, Some(q.clone())).await;
    assert_eq!(st, 200, "{before}");
    let views_today = |v: &Value| {
        v["data"]["hashtags"][0]["trend"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["view_count"].as_i64().unwrap())
            .sum::<i64>()
    };
    let total = |v: &Value| v["data"]["hashtags"][0]["view_count"].as_i64().unwrap();
    let a =
        r.s.admin(
            reqwest::Method::POST,
            "/_reelbox/activity",
            json!({"post_id": post[0].0, "views": 1_000_000, "likes": 5}),
        )
        .await;
    assert!(a["view_count"].as_i64().unwrap() >= 1_000_000);
    let (_, after) = r.s.call(&r.clt, path, Some(q)).await;
    assert_eq!(views_today(&after) - views_today(&before), 1_000_000);
    assert_eq!(total(&after) - total(&before), 1_000_000);
    // Today's bucket depends on the time of day the corpus ends: keep the shape, not the numbers.
    let mut snap = after.clone();
    snap["data"]["hashtags"][0]["video_count"] = json!("[n]");
    snap["data"]["hashtags"][0]["view_count"] = json!("[n]");
    snap["data"]["hashtags"][0]["trend"] =
        json!([{"date": "[date]", "video_count": "[n]", "view_count": "[n]"}]);
    insta::assert_json_snapshot!("hashtag_query", shape(snap));

    let (st, v) = r.s.call(&r.clt, "/reelbox/v1/hashtag/trend/?fields=rank,rank_diff,hashtag_id,hashtag_name,video_count,view_count,trend", Some(json!({"region_code": "ALL", "period": 7, "max_count": 3}))).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        v["data"]["hashtags"][0]["hashtag_name"], "fyp",
        "a million views today puts it first"
    );
    assert_eq!(v["data"]["hashtags"].as_array().unwrap().len(), 3);
    let (st, e) =
        r.s.call(
            &r.clt,
            "/reelbox/v1/hashtag/trend/?fields=rank",
            Some(json!({"period": 9})),
        )
        .await;
    assert_eq!(
        (st, e["error"]["message"].as_str()),
        (400, Some("period should be 7, 30 or 120"))
    );

    let resp =
        r.s.http
            .post(r.s.url("/_reelbox/activity"))
            .bearer_auth(&r.s.admin_token)
            .json(&json!({"post_id": "1", "views": 1}))
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
}
