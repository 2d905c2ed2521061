//! Music query and trend: sounds with totals, ranks, paging, filters and exact errors.
use reelbox_testkit::redact::redact;
use serde_json::{Value, json};

use super::{err, native_world, rows, shape};

#[tokio::test]
async fn music_query_answers_sounds_with_totals_and_exact_errors() {
    let (s, clt) = native_world(&["research.data.basic"]).await;
    // The most used sound and its public videos, counted straight from the posts.
    let top: Vec<(String, i64, i64)> = rows(&s, "SELECT music_id, CAST(COUNT(*) AS BIGINT), CAST(SUM(view_count) AS BIGINT) FROM posts WHERE privacy_level = 'PUBLIC_TO_EVERYONE' AND deleted_at IS NULL GROUP BY music_id ORDER BY COUNT(*) DESC, music_id LIMIT 1").await;
    let (id, videos, views) = top[0].clone();
    let path = "/reelbox/v1/music/query/?fields=music_id,title,author,duration,video_count,is_original,view_count,is_commercial,cover_url,create_time,trend";
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
            "/reelbox/v1/music/query/?fields=title,music_id",
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
                "/reelbox/v1/music/query/",
                Some(json!({"music_ids": [id]}))
            )
            .await),
        (400, "invalid_params", "fields is required")
    );
}

#[tokio::test]
async fn music_trend_ranks_pages_and_filters() {
    let (s, clt) = native_world(&["research.data.basic"]).await;
    let path = "/reelbox/v1/music/trend/?fields=rank,rank_diff,music_id,title,author,video_count,view_count,is_commercial,trend,related_video_ids";
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
