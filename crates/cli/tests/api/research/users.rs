//! Research user info, a video's comments, and a user's followers and following.
use std::collections::HashSet;

use reelbox_testkit::read::{db_rows, read_world, shape};
use serde_json::json;

use crate::server;

#[tokio::test]
async fn research_user_info_comments_and_follows() {
    let r = read_world(server().await).await;
    let (st, v) = r.s.call(&r.clt, "/v2/research/user/info/?fields=display_name,bio_description,avatar_url,is_verified,follower_count,following_count,likes_count,video_count,bio_url", Some(json!({"username": "user1_0"}))).await;
    assert_eq!(st, 200, "{v}");
    assert!(v["data"].get("user").is_none(), "not nested");
    assert!(v["data"]["follower_count"].as_i64().unwrap() > 0);
    insta::assert_json_snapshot!("research_user_info", shape(v));
    let private = db_rows(
        &r.s,
        "SELECT username, region_code FROM creators WHERE private_account = 1 LIMIT 1",
    )
    .await;
    for who in ["nobody_here".to_string()]
        .into_iter()
        .chain(private.into_iter().map(|x| x.0))
    {
        let (st, v) =
            r.s.call(
                &r.clt,
                "/v2/research/user/info/?fields=display_name",
                Some(json!({"username": who})),
            )
            .await;
        assert_eq!(
            (st, v["error"]["message"].as_str()),
            (400, Some("user does not exist or is private"))
        );
    }

    let with_comments = db_rows(&r.s, "SELECT m.post_id, p.privacy_level FROM comments m JOIN posts p ON p.id = m.post_id JOIN creators c ON c.id = p.creator_id WHERE p.privacy_level = 'PUBLIC_TO_EVERYONE' AND c.private_account = 0 LIMIT 1").await;
    let vid: u64 = with_comments[0].0.parse().unwrap();
    let (st, v) = r.s.call(&r.clt, "/v2/research/video/comment/list/?fields=id,video_id,text,like_count,reply_count,parent_comment_id,create_time", Some(json!({"video_id": vid, "max_count": 100, "cursor": 0}))).await;
    assert_eq!(st, 200, "{v}");
    let cs = v["data"]["comments"].as_array().unwrap();
    assert!(!cs.is_empty());
    assert!(cs.iter().all(
        |c| c["video_id"].as_u64() == Some(vid) && c["parent_comment_id"].as_u64() == Some(vid)
    ));
    insta::assert_json_snapshot!("research_comment_list", shape(v));
    let (st, v) =
        r.s.call(
            &r.clt,
            "/v2/research/video/comment/list/?fields=id",
            Some(json!({"video_id": vid, "comment_id": 1})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["message"].as_str()),
        (
            400,
            Some("Exactly one of video_id and comment_id is required")
        )
    );

    // Followers paged by time: no duplicates across pages.
    let mut seen = HashSet::new();
    let mut body = json!({"username": "user1_0", "max_count": 3});
    let mut first = None;
    for _ in 0..50 {
        let (st, v) =
            r.s.call(&r.clt, "/v2/research/user/followers/", Some(body.clone()))
                .await;
        assert_eq!(st, 200, "{v}");
        first.get_or_insert_with(|| v.clone());
        for f in v["data"]["user_followers"].as_array().unwrap() {
            assert!(
                seen.insert(f["username"].as_str().unwrap().to_string()),
                "duplicate follower"
            );
        }
        if !v["data"]["has_more"].as_bool().unwrap() {
            break;
        }
        body = json!({"username": "user1_0", "max_count": 3, "cursor": v["data"]["cursor"]});
    }
    let total = db_rows(
        &r.s,
        "SELECT follower_id, followee_id FROM follows WHERE followee_id = 'seed1c0'",
    )
    .await
    .len();
    assert_eq!(seen.len(), total);
    insta::assert_json_snapshot!("research_followers", shape(first.unwrap()));
    let (st, v) =
        r.s.call(
            &r.clt,
            "/v2/research/user/following/",
            Some(json!({"username": "user1_3"})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert!(v["data"]["user_following"].is_array());
}
