//! `/v2/video/list/` pages the creator's public videos newest first; `/v2/video/query/` answers only
//! the creator's own public videos.
use std::collections::HashSet;

use reelbox_testkit::read::{SCOPES, db_rows, read_world, shape, user_token};
use serde_json::json;

use crate::server;

#[tokio::test]
async fn display_video_list_pages_public_videos_newest_first() {
    let r = read_world(server().await).await;
    let tok = user_token(&r.s, &r.client_key, "user1_0", SCOPES).await;
    let public: HashSet<String> = db_rows(&r.s, "SELECT id, privacy_level FROM posts WHERE creator_id = 'seed1c0' AND privacy_level = 'PUBLIC_TO_EVERYONE'")
        .await
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert!(public.len() > 12, "creator 0 is the most prolific");
    let mut seen = Vec::new();
    let mut body = json!({"max_count": 5});
    let mut first = None;
    for _ in 0..200 {
        let (st, v) =
            r.s.call(
                &tok,
                "/v2/video/list/?fields=id,create_time,title,view_count,share_url",
                Some(body.clone()),
            )
            .await;
        assert_eq!(st, 200, "{v}");
        first.get_or_insert_with(|| v.clone());
        let vids = v["data"]["videos"].as_array().unwrap().clone();
        assert!(vids.len() <= 5);
        for x in &vids {
            seen.push((
                x["create_time"].as_i64().unwrap(),
                x["id"]
                    .as_str()
                    .expect("Display ids are strings")
                    .to_string(),
            ));
        }
        if !v["data"]["has_more"].as_bool().unwrap() {
            break;
        }
        body = json!({"max_count": 5, "cursor": v["data"]["cursor"]});
    }
    let ids: HashSet<String> = seen.iter().map(|x| x.1.clone()).collect();
    assert_eq!(ids.len(), seen.len(), "no duplicates");
    assert_eq!(ids, public, "exactly the public videos, none private");
    assert!(seen.windows(2).all(|w| w[0].0 >= w[1].0), "newest first");
    insta::assert_json_snapshot!("display_video_list", shape(first.unwrap()));

    let (st, v) =
        r.s.call(
            &tok,
            "/v2/video/list/?fields=id",
            Some(json!({"max_count": 21})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (400, Some("invalid_params"))
    );
    assert_eq!(
        v["error"]["message"],
        "max_count should be between 1 and 20"
    );
    let (st, v) =
        r.s.call(
            &tok,
            "/v2/video/list/?fields=id",
            Some(json!({"cursor": -5})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["message"].as_str()),
        (400, Some("Invalid count or cursor"))
    );
}

#[tokio::test]
async fn display_video_query_only_own_public_videos() {
    let r = read_world(server().await).await;
    let tok = user_token(&r.s, &r.client_key, "user1_0", SCOPES).await;
    let own = db_rows(
        &r.s,
        "SELECT id, privacy_level FROM posts WHERE creator_id = 'seed1c0' ORDER BY id",
    )
    .await;
    let public: Vec<String> = own
        .iter()
        .filter(|x| x.1 == "PUBLIC_TO_EVERYONE")
        .map(|x| x.0.clone())
        .take(2)
        .collect();
    let private: Vec<String> = db_rows(&r.s, "SELECT id, privacy_level FROM posts WHERE creator_id = 'seed1c0' AND privacy_level <> 'PUBLIC_TO_EVERYONE'").await.into_iter().map(|x| x.0).collect();
    let other = db_rows(&r.s, "SELECT id, privacy_level FROM posts WHERE creator_id = 'seed1c1' AND privacy_level = 'PUBLIC_TO_EVERYONE' LIMIT 1").await;
    let mut ask = vec![
        public[1].clone(),
        other[0].0.clone(),
        "1234".to_string(),
        public[0].clone(),
    ];
    ask.extend(private.iter().take(2).cloned());
    let (st, v) =
        r.s.call(
            &tok,
            "/v2/video/query/?fields=id,title,like_count,fps",
            Some(json!({"filters": {"video_ids": ask}})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let got: Vec<&str> = v["data"]["videos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        got,
        vec![public[1].as_str(), public[0].as_str()],
        "input order; others' and private omitted"
    );
    insta::assert_json_snapshot!("display_video_query", shape(v));

    // fields as a JSON array in the body.
    let (st, v) =
        r.s.call(
            &tok,
            "/v2/video/query/",
            Some(json!({"filters": {"video_ids": [public[0]]}, "fields": ["id", "duration"]})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert!(v["data"]["videos"][0]["duration"].is_i64());

    let many: Vec<String> = (0..21)
        .map(|i| format!("70000000000000000{i:02}"))
        .collect();
    let (st, v) =
        r.s.call(
            &tok,
            "/v2/video/query/?fields=id",
            Some(json!({"filters": {"video_ids": many}})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["message"].as_str()),
        (400, Some("video_ids should contain at most 20 ids"))
    );
    let (st, v) =
        r.s.call(
            &tok,
            "/v2/video/query/?fields=id",
            Some(json!({"filters": {"video_ids": []}})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (400, Some("invalid_params"))
    );
    let (st, v) =
        r.s.call(&tok, "/v2/video/query/?fields=id", Some(json!({})))
            .await;
    assert_eq!(
        (st, v["error"]["message"].as_str()),
        (400, Some("filters.video_ids is required"))
    );
}

#[tokio::test]
async fn is_aigc_is_a_video_field_on_the_current_profile_only() {
    let r = read_world(server().await).await;
    let rows = db_rows(
        &r.s,
        "SELECT p.id, c.username FROM posts p JOIN creators c ON c.id = p.creator_id \
         WHERE p.is_aigc = 1 AND p.privacy_level = 'PUBLIC_TO_EVERYONE' ORDER BY p.id LIMIT 1",
    )
    .await;
    let (id, username) = rows
        .first()
        .cloned()
        .expect("the corpus has an AI-generated video");
    let tok = user_token(&r.s, &r.client_key, &username, SCOPES).await;
    let query = |fields: &'static str| {
        let (s, tok, id) = (&r.s, tok.clone(), id.clone());
        async move {
            s.call(
                &tok,
                &format!("/v2/video/query/?fields={fields}"),
                Some(json!({"filters": {"video_ids": [id]}})),
            )
            .await
        }
    };
    // TikTok's 2026 Video Object has is_aigc.
    let (st, v) = query("id,is_aigc").await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"]["videos"][0], json!({"id": id, "is_aigc": true}));
    let (st, v) = query("is_aigc").await;
    assert_eq!(
        (st, &v["data"]["videos"][0]),
        (200, &json!({"is_aigc": true}))
    );
    // On the older profile it is no field: alone it leaves nothing to answer, beside others it
    // is dropped like any unknown name.
    r.s.admin(
        reqwest::Method::PATCH,
        &format!("/_reelbox/apps/{}", r.client_key),
        json!({"compat": {"profile": "tiktok-2024"}}),
    )
    .await;
    let (st, v) = query("is_aigc").await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (400, Some("invalid_params")),
        "{v}"
    );
    let (st, v) = query("id,is_aigc").await;
    assert_eq!((st, &v["data"]["videos"][0]), (200, &json!({"id": id})));
}
