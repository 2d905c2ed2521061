//! Profile lists: liked, reposted and pinned videos paged by time without repeats or gaps, private
//! videos left out, lists only for public adult accounts with public lists, and their errors,
//! scope and quota.
use reelbox_core::research::day_of;
use reelbox_testkit::TestServer;
use reelbox_testkit::oauth::client_token;
use serde_json::{Value, json};

use super::{
    LIKED, PINNED, PLAYLIST, REPOSTED, VISIBLE, admin_raw, all_pages, hidden_post, id_of, ids,
    now_ms, page_ids, shape, world, world_on,
};
use crate::server_with;

const ALL_VIDEO_FIELDS: &str = "id,create_time,username,region_code,video_description,music_id,like_count,comment_count,share_count,view_count,hashtag_names,is_stem_verified,favorites_count,video_duration,hashtag_info_list,sticker_info_list,effect_info_list,video_mention_list,video_label,video_tag";

/// Public posts of public accounts other than `not_of`, oldest id first.
async fn visible_posts(s: &TestServer, not_of: &str, n: usize) -> Vec<String> {
    ids(s, &format!("SELECT p.id FROM posts p JOIN creators c ON c.id = p.creator_id WHERE {VISIBLE} AND c.username <> '{not_of}' ORDER BY p.id LIMIT {n}")).await
}

async fn like(s: &TestServer, who: &str, post: &str, at: i64) {
    s.admin(
        reqwest::Method::POST,
        "/_reelbox/likes",
        json!({"username": who, "post_id": post, "at": at}),
    )
    .await;
}

async fn repost(s: &TestServer, who: &str, post: &str, at: i64) {
    s.admin(
        reqwest::Method::POST,
        "/_reelbox/reposts",
        json!({"username": who, "post_id": post, "at": at}),
    )
    .await;
}

async fn lists_privacy(s: &TestServer, who: &str, body: Value) {
    s.admin(
        reqwest::Method::PATCH,
        &format!("/_reelbox/creators/{who}/lists"),
        body,
    )
    .await;
}

#[tokio::test]
async fn liked_videos_page_by_time_in_seconds_or_ms_without_repeats_or_gaps() {
    let w = world().await;
    w.s.create_creator(json!({"username": "liker", "nickname": "Liker"}))
        .await;
    // Oldest id first: v[8] and v[9], liked in the same millisecond, list as v[9], v[8].
    let v = visible_posts(&w.s, "user1_20", 12).await;
    let self_only = hidden_post(&w.s, "SELF_ONLY", None).await;
    let friends = hidden_post(&w.s, "MUTUAL_FOLLOW_FRIENDS", None).await;
    let base = (now_ms(&w.s) / 1000 - 7200) * 1000;
    let offsets = [
        0, 1000, 1500, 3000, 3100, 3200, 3300, 5000, 6000, 6000, 7000, 8000,
    ];
    for (p, off) in v.iter().zip(offsets) {
        like(&w.s, "liker", p, base + off).await;
    }
    like(&w.s, "liker", &self_only, base + 2000).await;
    like(&w.s, "liker", &friends, base + 5500).await;
    // A public video of an account that then goes private drops out too.
    let gone = ids(&w.s, "SELECT p.id FROM posts p JOIN creators c ON c.id = p.creator_id WHERE p.privacy_level = 'PUBLIC_TO_EVERYONE' AND c.username = 'user1_20' LIMIT 1").await;
    like(&w.s, "liker", &gone[0], base + 3050).await;
    w.s.admin(
        reqwest::Method::PATCH,
        "/_reelbox/creators/user1_20",
        json!({"private_account": true}),
    )
    .await;
    let want: Vec<String> = v.iter().rev().cloned().collect();

    let first_path = format!("{LIKED}?fields=id,create_time,username,like_count,hashtag_names");
    let (st, first) =
        w.s.call(
            &w.clt,
            &first_path,
            Some(json!({"username": "liker", "max_count": 2})),
        )
        .await;
    assert_eq!(st, 200, "{first}");
    assert_eq!(first["data"]["cursor"].as_i64(), Some(base / 1000 + 6));
    insta::assert_json_snapshot!("liked_videos_first_page", shape(first));

    // Seconds: a second is never split, so second 3 (four likes) comes as one page of four.
    let path = format!("{LIKED}?fields=id");
    let pages = all_pages(&w, &path, json!({"username": "liker", "max_count": 2})).await;
    assert_eq!(page_ids(&pages, "user_liked_videos"), want);
    let sizes: Vec<usize> = pages
        .iter()
        .map(|p| p["user_liked_videos"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, vec![2, 2, 1, 4, 2, 1]);
    assert!(
        pages
            .iter()
            .all(|p| p["cursor"].as_i64().unwrap() < 100_000_000_000)
    );

    // Milliseconds in, milliseconds out; no page over max_count here.
    let pages = all_pages(
        &w,
        &path,
        json!({"username": "liker", "max_count": 2, "cursor": base + 10_000}),
    )
    .await;
    assert_eq!(page_ids(&pages, "user_liked_videos"), want);
    assert!(pages.iter().all(|p| {
        p["user_liked_videos"].as_array().unwrap().len() <= 2
            && p["cursor"].as_i64().unwrap() > 100_000_000_000
    }));
    assert_eq!(pages[0]["cursor"].as_i64(), Some(base + 6999));

    // Every field of the list subset, one video.
    let (st, all) =
        w.s.call(
            &w.clt,
            &format!("{LIKED}?fields={ALL_VIDEO_FIELDS},effect_ids,playlist_id"),
            Some(json!({"username": "liker", "max_count": 1})),
        )
        .await;
    assert_eq!(st, 200, "{all}");
    let video = &all["data"]["user_liked_videos"][0];
    assert!(video.get("effect_ids").is_none() && video.get("playlist_id").is_none());
    assert_eq!(id_of(video), want[0]);
    insta::assert_json_snapshot!("liked_videos_all_fields", shape(all));

    // Unliking takes a video off the list.
    w.s.admin(
        reqwest::Method::POST,
        "/_reelbox/likes",
        json!({"username": "liker", "post_id": want[0], "undo": true}),
    )
    .await;
    let pages = all_pages(&w, &path, json!({"username": "liker", "max_count": 100})).await;
    assert_eq!(page_ids(&pages, "user_liked_videos"), want[1..].to_vec());
}

#[tokio::test]
async fn reposted_and_pinned_videos_leave_out_private_videos() {
    let w = world().await;
    w.s.create_creator(json!({"username": "reposter", "nickname": "Reposter"}))
        .await;
    let v = visible_posts(&w.s, "", 5).await;
    let base = now_ms(&w.s) - 3_600_000;
    for (i, p) in v.iter().enumerate() {
        repost(&w.s, "reposter", p, base + i as i64 * 1000).await;
    }
    repost(
        &w.s,
        "reposter",
        &hidden_post(&w.s, "SELF_ONLY", None).await,
        base + 10_000,
    )
    .await;
    repost(
        &w.s,
        "reposter",
        &hidden_post(&w.s, "MUTUAL_FOLLOW_FRIENDS", None).await,
        base + 2_500,
    )
    .await;
    let want: Vec<String> = v.iter().rev().cloned().collect();
    let (st, first) =
        w.s.call(
            &w.clt,
            &format!("{REPOSTED}?fields=id,create_time,region_code,music_id,like_count"),
            Some(json!({"username": "reposter", "max_count": 2})),
        )
        .await;
    assert_eq!(st, 200, "{first}");
    assert_eq!(
        (
            first["data"]["cursor"].as_i64(),
            first["data"]["has_more"].as_bool()
        ),
        (Some(2), Some(true))
    );
    insta::assert_json_snapshot!("reposted_videos_first_page", shape(first));
    let pages = all_pages(
        &w,
        &format!("{REPOSTED}?fields=id"),
        json!({"username": "reposter", "max_count": 2}),
    )
    .await;
    assert_eq!(page_ids(&pages, "user_reposted_videos"), want);
    let cursors: Vec<i64> = pages
        .iter()
        .map(|p| p["cursor"].as_i64().unwrap())
        .collect();
    assert_eq!(cursors, vec![2, 4, 5]);

    // Pins: the creator's own videos in pin order; the private one is left out.
    let own = ids(&w.s, &format!("SELECT p.id FROM posts p JOIN creators c ON c.id = p.creator_id WHERE {VISIBLE} AND c.username = 'user1_0' ORDER BY p.view_count DESC, p.id LIMIT 2")).await;
    let private = hidden_post(&w.s, "SELF_ONLY", Some("user1_0")).await;
    w.s.admin(
        reqwest::Method::PUT,
        "/_reelbox/pins",
        json!({"username": "user1_0", "post_ids": [own[1], private, own[0]]}),
    )
    .await;
    let (st, pinned) =
        w.s.call(
            &w.clt,
            &format!("{PINNED}?fields=id,like_count,view_count"),
            Some(json!({"username": "user1_0"})),
        )
        .await;
    assert_eq!(st, 200, "{pinned}");
    let got: Vec<String> = pinned["data"]["pinned_videos_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(got, vec![own[1].clone(), own[0].clone()]);
    assert!(pinned["data"].get("cursor").is_none());
    insta::assert_json_snapshot!("pinned_videos", shape(pinned));

    // Control rules: three pins at most, own videos only.
    let other = visible_posts(&w.s, "user1_0", 1).await;
    let (st, v) = admin_raw(
        &w.s,
        reqwest::Method::PUT,
        "/_reelbox/pins",
        json!({"username": "user1_0", "post_ids": [other[0]]}),
    )
    .await;
    assert_eq!(st, 400, "{v}");
    let (st, _) = admin_raw(
        &w.s,
        reqwest::Method::PUT,
        "/_reelbox/pins",
        json!({"username": "user1_0", "post_ids": ["1", "2", "3", "4"]}),
    )
    .await;
    assert_eq!(st, 400);
    // An account without pins answers an empty list.
    let (st, v) =
        w.s.call(
            &w.clt,
            &format!("{PINNED}?fields=id"),
            Some(json!({"username": "user1_1"})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert!(v["data"]["pinned_videos_list"].is_array());
}

#[tokio::test]
async fn profile_lists_only_for_public_adults_and_public_liked_lists() {
    let w = world().await;
    w.s.create_creator(json!({"username": "someone", "nickname": "Someone"}))
        .await;
    let v = visible_posts(&w.s, "", 2).await;
    like(&w.s, "someone", &v[0], now_ms(&w.s) - 1000).await;
    repost(&w.s, "someone", &v[1], now_ms(&w.s) - 1000).await;
    let body = json!({"username": "someone"});
    let ok = async |path: &str| {
        let (st, v) =
            w.s.call(&w.clt, &format!("{path}?fields=id"), Some(body.clone()))
                .await;
        assert_eq!(st, 200, "{path}: {v}");
    };
    let refused = async |path: &str, msg: &str| {
        let (st, v) =
            w.s.call(&w.clt, &format!("{path}?fields=id"), Some(body.clone()))
                .await;
        assert_eq!(
            (
                st,
                v["error"]["code"].as_str(),
                v["error"]["message"].as_str()
            ),
            (400, Some("invalid_params"), Some(msg)),
            "{path}"
        );
        assert_eq!(v["data"], json!({}));
        v
    };
    for p in [LIKED, PINNED, REPOSTED] {
        ok(p).await;
    }
    // Under 18 on the server's today.
    let today = reelbox_core::research::format_day(day_of(now_ms(&w.s)));
    let year: i32 = today[..4].parse().unwrap();
    let minor = format!("{}-01-01", year - 17);
    lists_privacy(&w.s, "someone", json!({"birth_date": minor})).await;
    for p in [LIKED, PINNED, REPOSTED] {
        refused(p, "user does not exist or is private").await;
    }
    let adult = format!("{}-01-01", year - 19);
    lists_privacy(&w.s, "someone", json!({"birth_date": adult})).await;
    ok(LIKED).await;
    // A private liked list hides only the liked list.
    lists_privacy(&w.s, "someone", json!({"liked_list_public": false})).await;
    let e = refused(LIKED, "the user's liked videos list is private").await;
    insta::assert_json_snapshot!("liked_videos_private_list", shape(e));
    ok(PINNED).await;
    ok(REPOSTED).await;
    lists_privacy(
        &w.s,
        "someone",
        json!({"liked_list_public": true, "birth_date": ""}),
    )
    .await;
    ok(LIKED).await;
    // A private account: nothing.
    w.s.admin(
        reqwest::Method::PATCH,
        "/_reelbox/creators/someone",
        json!({"private_account": true}),
    )
    .await;
    for p in [LIKED, PINNED, REPOSTED] {
        refused(p, "user does not exist or is private").await;
    }
    let (st, v) = admin_raw(
        &w.s,
        reqwest::Method::PATCH,
        "/_reelbox/creators/someone/lists",
        json!({"birth_date": "2001-02-30"}),
    )
    .await;
    assert_eq!(
        (st, v["error"]["message"].as_str()),
        (400, Some("birth_date should be YYYY-MM-DD"))
    );
}

#[tokio::test]
async fn profile_list_errors_scope_and_quota() {
    // The served requests of the quota part below, and one more.
    const DAILY_REQUESTS: i64 = 5;
    let w =
        world_on(server_with(|c| c.limits.research_daily_requests = DAILY_REQUESTS).await).await;
    for path in [LIKED, PINNED, REPOSTED] {
        let cases = [
            (
                path.to_string(),
                json!({"username": "user1_0"}),
                "fields is required",
            ),
            (
                format!("{path}?fields=fps,effect_ids"),
                json!({"username": "user1_0"}),
                "fields contains no valid field name",
            ),
            (
                format!("{path}?fields=id"),
                json!({"username": "nobody_here"}),
                "user does not exist or is private",
            ),
            (
                format!("{path}?fields=id"),
                json!({}),
                "username is required",
            ),
        ];
        for (p, body, msg) in cases {
            let (st, v) = w.s.call(&w.clt, &p, Some(body)).await;
            assert_eq!(
                (
                    st,
                    v["error"]["code"].as_str(),
                    v["error"]["message"].as_str()
                ),
                (400, Some("invalid_params"), Some(msg)),
                "{p}"
            );
        }
    }
    for path in [LIKED, REPOSTED] {
        for (body, msg) in [
            (
                json!({"username": "user1_0", "max_count": 101}),
                "max_count should be between 1 and 100",
            ),
            (
                json!({"username": "user1_0", "max_count": -1}),
                "max_count should be between 1 and 100",
            ),
            (
                json!({"username": "user1_0", "cursor": -1}),
                "Invalid count or cursor",
            ),
        ] {
            let (st, v) =
                w.s.call(&w.clt, &format!("{path}?fields=id"), Some(body))
                    .await;
            assert_eq!(
                (st, v["error"]["message"].as_str()),
                (400, Some(msg)),
                "{path}"
            );
        }
    }
    let (st, v) =
        w.s.call(
            &w.clt,
            &format!("{LIKED}?fields=id"),
            Some(json!({"username": "user1_0", "max_count": 101})),
        )
        .await;
    assert_eq!(st, 400);
    insta::assert_json_snapshot!("liked_videos_max_count_error", shape(v));
    let (st, v) =
        w.s.call(
            &w.clt,
            &format!("{LIKED}?fields=id"),
            Some(json!("not an object")),
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (400, Some("invalid_params"))
    );

    // A client without research.data.basic; a user token.
    let plain = w.s.create_app(json!({"name": "Plain", "audited": true, "scopes": ["user.info.basic"], "redirect_uris": ["https://app.example.com/callback/"]})).await;
    let clt = client_token(
        &w.s,
        plain["client_key"].as_str().unwrap(),
        plain["client_secret"].as_str().unwrap(),
    )
    .await;
    for path in [LIKED, PINNED, REPOSTED, PLAYLIST, "/v2/research/tts/shop/"] {
        let (st, v) =
            w.s.call(
                &clt,
                &format!("{path}?fields=id"),
                Some(json!({"username": "user1_0"})),
            )
            .await;
        assert_eq!(
            (st, v["error"]["code"].as_str()),
            (401, Some("scope_not_authorized")),
            "{path}"
        );
        let (st, v) =
            w.s.call("act.nothing", &format!("{path}?fields=id"), Some(json!({})))
                .await;
        assert_eq!(
            (st, v["error"]["code"].as_str()),
            (401, Some("access_token_invalid"))
        );
    }

    // Quota: served requests count one request and their records, like the other research
    // endpoints; refused requests count nothing.
    w.s.create_creator(json!({"username": "counted", "nickname": "Counted"}))
        .await;
    let v = visible_posts(&w.s, "", 3).await;
    for (i, p) in v.iter().enumerate() {
        like(&w.s, "counted", p, now_ms(&w.s) - 10_000 + i as i64 * 1000).await;
        repost(&w.s, "counted", p, now_ms(&w.s) - 10_000 + i as i64 * 1000).await;
    }
    // As the quota sees it: the stored counts and those the server has not written yet.
    let usage = async || {
        let st = &w.s.handle.as_ref().expect("running").state;
        st.research_tally
            .usage(&st.store, &w.client_key, day_of(now_ms(&w.s)), "data")
            .await
            .unwrap()
    };
    let before = usage().await;
    let body = json!({"username": "counted", "max_count": 2});
    let (st, _) =
        w.s.call(
            &w.clt,
            "/v2/research/user/info/?fields=display_name",
            Some(body.clone()),
        )
        .await;
    assert_eq!(st, 200);
    let after_info = usage().await;
    assert_eq!((after_info.0 - before.0, after_info.1 - before.1), (1, 1));
    let (st, _) =
        w.s.call(&w.clt, &format!("{LIKED}?fields=id"), Some(body.clone()))
            .await;
    assert_eq!(st, 200);
    let (st, _) =
        w.s.call(&w.clt, &format!("{REPOSTED}?fields=id"), Some(body.clone()))
            .await;
    assert_eq!(st, 200);
    let (st, _) =
        w.s.call(&w.clt, &format!("{PINNED}?fields=id"), Some(body.clone()))
            .await;
    assert_eq!(st, 200);
    let after = usage().await;
    assert_eq!((after.0 - after_info.0, after.1 - after_info.1), (3, 4));
    let (st, _) = w.s.call(&w.clt, LIKED, Some(body.clone())).await;
    assert_eq!(st, 400);
    assert_eq!(usage().await, after, "refused requests are not counted");
    assert_eq!(
        after.0 + 1,
        DAILY_REQUESTS,
        "one request is left of the configured quota"
    );
    let (st, _) =
        w.s.call(&w.clt, &format!("{LIKED}?fields=id"), Some(body.clone()))
            .await;
    assert_eq!(st, 200);
    for path in [
        LIKED,
        PINNED,
        REPOSTED,
        PLAYLIST,
        "/v2/research/tts/review/",
    ] {
        let (st, v) =
            w.s.call(&w.clt, &format!("{path}?fields=id"), Some(body.clone()))
                .await;
        assert_eq!(
            (st, v["error"]["code"].as_str()),
            (429, Some("daily_quota_limit_exceeded")),
            "{path}"
        );
    }
}
