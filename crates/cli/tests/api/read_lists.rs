//! Research profile lists and TikTok Shop endpoints over HTTP: liked, pinned and reposted videos,
//! playlists, `/tts/shop|product|review/`; cursor paging, privacy, errors, quota, and the data
//! the seeded lists generator writes. Set-up goes through the control API (likes, reposts, pins,
//! playlists, list privacy, shops) on a seeded corpus.
use std::collections::HashSet;

use reelbox_core::research::day_of;
use reelbox_testkit::TestServer;
use serde_json::{Value, json};

use crate::{redact, redact_keys, server};

/// Keys whose values move with the wall clock or random id bits.
fn shape(v: Value) -> Value {
    redact_keys(
        v,
        &[
            "id",
            "create_time",
            "cursor",
            "playlist_id",
            "playlist_last_updated",
            "shop_id",
            "product_id",
        ],
        &[("playlist_video_ids", "[video_id]")],
    )
}

struct W {
    s: TestServer,
    clt: String,
    client_key: String,
}

const LIKED: &str = "/v2/research/user/liked_videos/";
const PINNED: &str = "/v2/research/user/pinned_videos/";
const REPOSTED: &str = "/v2/research/user/reposted_videos/";
const PLAYLIST: &str = "/v2/research/playlist/info/";
const ALL_VIDEO_FIELDS: &str = "id,create_time,username,region_code,video_description,music_id,like_count,comment_count,share_count,view_count,hashtag_names,is_stem_verified,favorites_count,video_duration,hashtag_info_list,sticker_info_list,effect_info_list,video_mention_list,video_label,video_tag";

async fn client_token(s: &TestServer, key: &str, secret: &str) -> String {
    let r: Value = s
        .http
        .post(s.url("/v2/oauth/token/"))
        .form(&[
            ("client_key", key),
            ("client_secret", secret),
            ("grant_type", "client_credentials"),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    r["access_token"].as_str().expect("token").to_string()
}

/// A seeded corpus (seed 1: 30 creators, 600 videos over 10 days) and a research client.
async fn world() -> W {
    let s = server().await;
    let app = s
        .create_app(
            json!({"name": "Analyst", "audited": true, "scopes": ["research.data.basic"],
            "redirect_uris": ["https://app.example.com/callback/"]}),
        )
        .await;
    s.admin(
        reqwest::Method::POST,
        "/_reelbox/seed",
        json!({"creators": 30, "videos": 600, "days": 10, "seed": 1}),
    )
    .await;
    let key = app["client_key"].as_str().expect("key").to_string();
    let clt = client_token(&s, &key, app["client_secret"].as_str().expect("secret")).await;
    W {
        s,
        clt,
        client_key: key,
    }
}

fn store(s: &TestServer) -> &reelbox_store::Store {
    &s.handle.as_ref().expect("running").state.store
}

fn now_ms(s: &TestServer) -> i64 {
    s.handle.as_ref().expect("running").state.now()
}

async fn ids(s: &TestServer, sql: &str) -> Vec<String> {
    let rows: Vec<(String,)> =
        reelbox_store::sqlx::query_as(reelbox_store::sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_all(&store(s).pool)
            .await
            .expect("rows");
    rows.into_iter().map(|r| r.0).collect()
}

const VISIBLE: &str =
    "p.deleted_at IS NULL AND p.privacy_level = 'PUBLIC_TO_EVERYONE' AND c.private_account = 0";

/// Public posts of public accounts other than `not_of`, oldest id first.
async fn visible_posts(s: &TestServer, not_of: &str, n: usize) -> Vec<String> {
    ids(s, &format!("SELECT p.id FROM posts p JOIN creators c ON c.id = p.creator_id WHERE {VISIBLE} AND c.username <> '{not_of}' ORDER BY p.id LIMIT {n}")).await
}

async fn hidden_post(s: &TestServer, privacy: &str, creator: Option<&str>) -> String {
    let of = creator
        .map(|c| format!(" AND c.username = '{c}'"))
        .unwrap_or_default();
    ids(s, &format!("SELECT p.id FROM posts p JOIN creators c ON c.id = p.creator_id WHERE p.privacy_level = '{privacy}'{of} ORDER BY p.id LIMIT 1")).await.pop().expect("a post of that privacy")
}

async fn admin_raw(
    s: &TestServer,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let r = s
        .http
        .request(method, s.url(path))
        .bearer_auth(&s.admin_token)
        .json(&body)
        .send()
        .await
        .expect("control call");
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
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

fn id_of(v: &Value) -> String {
    v["id"].as_u64().expect("numeric id").to_string()
}

/// Pages a list to the end; returns the pages.
async fn all_pages(w: &W, path: &str, mut body: Value) -> Vec<Value> {
    let mut pages = Vec::new();
    for _ in 0..100 {
        let (st, v) = w.s.call(&w.clt, path, Some(body.clone())).await;
        assert_eq!(st, 200, "{v}");
        let more = v["data"]["has_more"].as_bool().expect("has_more");
        body["cursor"] = v["data"]["cursor"].clone();
        pages.push(v["data"].clone());
        if !more {
            return pages;
        }
    }
    panic!("paging did not end");
}

fn page_ids(pages: &[Value], key: &str) -> Vec<String> {
    pages
        .iter()
        .flat_map(|p| p[key].as_array().expect("list").iter().map(id_of))
        .collect()
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
async fn playlist_info_pages_visible_videos() {
    let w = world().await;
    let own = ids(&w.s, &format!("SELECT p.id FROM posts p JOIN creators c ON c.id = p.creator_id WHERE {VISIBLE} AND c.username = 'user1_0' ORDER BY p.id LIMIT 4")).await;
    let private = hidden_post(&w.s, "SELF_ONLY", Some("user1_0")).await;
    let created =
        w.s.admin(
            reqwest::Method::POST,
            "/_reelbox/playlists",
            json!({"username": "user1_0", "name": "example name",
                   "post_ids": [own[0], private, own[1], own[2], own[3]]}),
        )
        .await;
    let pid = created["playlist_id"]
        .as_u64()
        .expect("numeric playlist id");
    let path = format!(
        "{PLAYLIST}?fields=playlist_id,playlist_name,playlist_item_total,playlist_last_updated,playlist_video_ids"
    );
    let (st, first) =
        w.s.call(
            &w.clt,
            &path,
            Some(json!({"playlist_id": pid, "max_count": 3, "cursor": 0})),
        )
        .await;
    assert_eq!(st, 200, "{first}");
    let d = &first["data"];
    assert_eq!(d["playlist_id"].as_u64(), Some(pid));
    assert_eq!(d["playlist_item_total"], 4);
    assert_eq!(
        (d["cursor"].as_i64(), d["has_more"].as_bool()),
        (Some(3), Some(true))
    );
    let got: Vec<String> = d["playlist_video_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_u64().unwrap().to_string())
        .collect();
    assert_eq!(got, own[..3].to_vec());
    insta::assert_json_snapshot!("playlist_info", shape(first));
    // The id as a string works too; the last page.
    let (st, last) =
        w.s.call(
            &w.clt,
            &format!("{PLAYLIST}?fields=playlist_video_ids"),
            Some(json!({"playlist_id": pid.to_string(), "max_count": 3, "cursor": 3})),
        )
        .await;
    assert_eq!(st, 200, "{last}");
    assert_eq!(
        last["data"]["playlist_video_ids"],
        json!([own[3].parse::<u64>().unwrap()])
    );
    assert_eq!(
        (
            last["data"]["cursor"].as_i64(),
            last["data"]["has_more"].as_bool()
        ),
        (Some(4), Some(false))
    );
    assert!(last["data"].get("playlist_name").is_none());

    // The research video query names a video's playlist when `playlist_id` is asked for.
    let others = ids(&w.s, &format!("SELECT p.id FROM posts p JOIN creators c ON c.id = p.creator_id WHERE {VISIBLE} AND c.username = 'user1_0' ORDER BY p.id LIMIT 1 OFFSET 4")).await;
    let (start, end) = crate::read::window(12, 1);
    let query = |fields: &str| {
        (
            format!("/v2/research/video/query/?fields={fields}"),
            json!({"query": {"and": [{"operation": "IN", "field_name": "video_id", "field_values": [own[0], others[0]]}]},
                   "start_date": start, "end_date": end, "max_count": 10}),
        )
    };
    let (path_q, body) = query("id,playlist_id");
    let (st, v) = w.s.call(&w.clt, &path_q, Some(body)).await;
    assert_eq!(st, 200, "{v}");
    let found: Vec<(String, Option<u64>)> = v["data"]["videos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["id"].as_u64().unwrap().to_string(),
                x["playlist_id"].as_u64(),
            )
        })
        .collect();
    assert_eq!(found.len(), 2, "{v}");
    assert!(found.contains(&(own[0].clone(), Some(pid))), "{v}");
    assert!(found.contains(&(others[0].clone(), None)), "{v}");
    let (path_q, body) = query("id");
    let (_, v) = w.s.call(&w.clt, &path_q, Some(body)).await;
    assert!(v["data"]["videos"][0].get("playlist_id").is_none(), "{v}");

    // A video is in one playlist at most.
    let (st, v) = admin_raw(
        &w.s,
        reqwest::Method::POST,
        "/_reelbox/playlists",
        json!({"username": "user1_0", "name": "again", "post_ids": [own[0]]}),
    )
    .await;
    assert_eq!(
        (st, v["error"]["message"].as_str()),
        (400, Some("a video is already in a playlist"))
    );

    // Errors.
    for (body, msg) in [
        (json!({}), "playlist_id is required"),
        (json!({"playlist_id": "abc"}), "Invalid playlist_id"),
        (
            json!({"playlist_id": 12345}),
            "playlist does not exist or is private",
        ),
        (
            json!({"playlist_id": pid, "max_count": 101}),
            "max_count should be between 1 and 100",
        ),
        (
            json!({"playlist_id": pid, "cursor": -1}),
            "Invalid count or cursor",
        ),
    ] {
        let (st, v) = w.s.call(&w.clt, &path, Some(body)).await;
        assert_eq!(
            (
                st,
                v["error"]["code"].as_str(),
                v["error"]["message"].as_str()
            ),
            (400, Some("invalid_params"), Some(msg))
        );
    }
    // The owner going private hides the playlist.
    w.s.admin(
        reqwest::Method::PATCH,
        "/_reelbox/creators/user1_0",
        json!({"private_account": true}),
    )
    .await;
    let (st, v) =
        w.s.call(&w.clt, &path, Some(json!({"playlist_id": pid})))
            .await;
    assert_eq!(
        (st, v["error"]["message"].as_str()),
        (400, Some("playlist does not exist or is private"))
    );
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
    let w = world().await;
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
    store(&w.s)
        .put_setting("research.daily_requests", &(after.0 + 1).to_string())
        .await
        .unwrap();
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
