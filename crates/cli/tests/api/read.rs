//! The read side over HTTP: Display API, Research API (query language, search_id pagination,
//! quota, errors), reelbox-native hashtag endpoints, seeding and simulated activity.
use std::collections::HashSet;

use reelbox_core::research::{day_of, format_day};
use reelbox_testkit::TestServer;
use serde_json::{Value, json};

use crate::{redact_keys, server};

const SCOPES: &[&str] = &[
    "user.info.basic",
    "user.info.profile",
    "user.info.stats",
    "video.list",
    "research.data.basic",
];

/// Keys whose values move with the wall clock or the random parts of ids.
fn shape(v: Value) -> Value {
    redact_keys(
        v,
        &[
            "id",
            "create_time",
            "cursor",
            "search_id",
            "video_id",
            "parent_comment_id",
            "share_url",
            "cover_image_url",
            "embed_html",
            "embed_link",
            "avatar_url",
            "avatar_url_100",
            "avatar_large_url",
            "profile_deep_link",
            "bio_url",
            "union_id",
            "date",
            "time",
            "post_id",
        ],
        &[],
    )
}

struct Read {
    s: TestServer,
    /// Research client token.
    clt: String,
    client_key: String,
    client_secret: String,
}

fn today() -> i64 {
    day_of(reelbox_core::clock::system_now_ms())
}

/// A server with a seeded corpus (seed 1: 30 creators, 600 videos over 10 days) and a research
/// client.
async fn read_world() -> Read {
    let s = server().await;
    let app = s
        .create_app(json!({"name": "Analyst", "audited": true, "scopes": SCOPES,
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
    let key = app["client_key"].as_str().expect("key").to_string();
    let clt = client_token(&s, &key, app["client_secret"].as_str().expect("secret")).await;
    Read {
        s,
        clt,
        client_key: key,
        client_secret: app["client_secret"].as_str().expect("secret").to_string(),
    }
}

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
    r["access_token"]
        .as_str()
        .expect("client token")
        .to_string()
}

async fn user_token(s: &TestServer, key: &str, username: &str, scopes: &[&str]) -> String {
    let t = s.mint(key, username, scopes).await;
    t["access_token"]
        .as_str()
        .expect("access token")
        .to_string()
}

async fn get(s: &TestServer, token: &str, path: &str) -> (u16, Value) {
    let r = s
        .http
        .get(s.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("get");
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn db_rows(s: &TestServer, sql: &str) -> Vec<(String, String)> {
    let st = &s.handle.as_ref().expect("running").state;
    reelbox_store::sqlx::query_as(reelbox_store::sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&st.store.pool)
        .await
        .expect("rows")
}

pub(crate) fn window(back: i64, ahead: i64) -> (String, String) {
    (format_day(today() - back), format_day(today() + ahead))
}

#[tokio::test]
async fn display_user_info_fields_and_scopes() {
    let r = read_world().await;
    let tok = user_token(&r.s, &r.client_key, "user1_0", SCOPES).await;
    let (st, v) = get(&r.s, &tok, "/v2/user/info/?fields=open_id,union_id,avatar_url,display_name,username,bio_description,is_verified,follower_count,following_count,likes_count,video_count,fps").await;
    assert_eq!(st, 200, "{v}");
    let u = &v["data"]["user"];
    assert_eq!(u["username"], "user1_0");
    assert!(u.get("fps").is_none());
    assert!(u["video_count"].as_i64().unwrap() > 0);
    insta::assert_json_snapshot!("display_user_info", shape(v));

    // Spaces after commas, url-encoded commas.
    let (st, v) = get(
        &r.s,
        &tok,
        "/v2/user/info/?fields=open_id%2C%20display_name",
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(v["data"]["user"].as_object().unwrap().len(), 2);

    let basic = user_token(&r.s, &r.client_key, "user1_0", &["user.info.basic"]).await;
    let (st, v) = get(
        &r.s,
        &basic,
        "/v2/user/info/?fields=display_name,follower_count",
    )
    .await;
    assert_eq!(st, 400);
    assert_eq!(v["error"]["code"], "scope_permission_missed");
    assert_eq!(
        v["error"]["message"],
        "field follower_count requires scope user.info.stats"
    );
    insta::assert_json_snapshot!("display_user_info_scope_missed", shape(v));

    let (st, v) = get(&r.s, &basic, "/v2/user/info/").await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (400, Some("invalid_params"))
    );
    assert_eq!(v["data"], json!({}));
    let (st, v) = get(&r.s, &basic, "/v2/user/info/?fields=fps").await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (400, Some("invalid_params"))
    );

    let list_only = user_token(&r.s, &r.client_key, "user1_0", &["video.list"]).await;
    let (st, v) = get(&r.s, &list_only, "/v2/user/info/?fields=open_id").await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (401, Some("scope_not_authorized"))
    );
}

#[tokio::test]
async fn display_video_list_pages_public_videos_newest_first() {
    let r = read_world().await;
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
    let r = read_world().await;
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

/// Every id of a research query, paging with its search_id.
async fn all_ids(r: &Read, path: &str, mut body: Value) -> Vec<u64> {
    let mut out = Vec::new();
    for _ in 0..100 {
        let (st, v) = r.s.call(&r.clt, path, Some(body.clone())).await;
        assert_eq!(st, 200, "{v}");
        out.extend(
            v["data"]["videos"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["id"].as_u64().expect("Research ids are numbers")),
        );
        if !v["data"]["has_more"].as_bool().unwrap() {
            break;
        }
        body["cursor"] = v["data"]["cursor"].clone();
        body["search_id"] = v["data"]["search_id"].clone();
    }
    out
}

fn region_query(start: &str, end: &str) -> Value {
    json!({
        "query": {"and": [{"operation": "IN", "field_name": "region_code", "field_values": ["us", "BR", "ID"]}],
                  "or": [], "not": [{"operation": "EQ", "field_name": "video_length", "field_values": ["EXTRA_LONG"]}]},
        "start_date": start, "end_date": end, "max_count": 7, "cursor": 0, "search_id": null
    })
}

#[tokio::test]
async fn research_video_query_pages_are_stable_and_private_videos_never_appear() {
    let mut r = read_world().await;
    let (start, end) = window(12, 3);
    let fields = "/v2/research/video/query/?fields=id,video_description,create_time,region_code,hashtag_names,music_id,view_count,comment_count,username,favourites_count,effect_ids,hashtag_info_list,video_duration";
    let mut whole = region_query(&start, &end);
    whole["max_count"] = json!(100);
    let full = all_ids(&r, fields, whole.clone()).await;
    assert!(full.len() > 20);
    assert!(full.windows(2).all(|w| w[0] > w[1]), "decreasing id order");
    let hidden: HashSet<u64> = db_rows(&r.s, "SELECT p.id, p.privacy_level FROM posts p JOIN creators c ON c.id = p.creator_id WHERE p.privacy_level <> 'PUBLIC_TO_EVERYONE' OR c.private_account = 1")
        .await
        .into_iter()
        .map(|x| x.0.parse().unwrap())
        .collect();
    assert!(!hidden.is_empty(), "the corpus has private videos");
    assert!(
        full.iter().all(|id| !hidden.contains(id)),
        "no SELF_ONLY, friends-only or private-account video"
    );

    // First page, then new videos arrive (two days later), then the remaining pages.
    let (st, p1) =
        r.s.call(&r.clt, fields, Some(region_query(&start, &end)))
            .await;
    assert_eq!(st, 200, "{p1}");
    insta::assert_json_snapshot!("research_video_query", shape(p1.clone()));
    let sid = p1["data"]["search_id"]
        .as_str()
        .expect("search_id is a string")
        .to_string();
    let mut got: Vec<u64> = p1["data"]["videos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_u64().unwrap())
        .collect();
    r.s.advance_clock(2 * 86_400).await;
    // Client tokens live two hours.
    r.clt = client_token(&r.s, &r.client_key, &r.client_secret).await;
    r.s.admin(
        reqwest::Method::POST,
        "/_reelbox/seed",
        json!({"creators": 10, "videos": 200, "days": 1, "seed": 2}),
    )
    .await;
    let mut cursor = p1["data"]["cursor"].clone();
    assert_eq!(cursor, 7);
    loop {
        let mut body = region_query(&start, &end);
        body["cursor"] = cursor.clone();
        body["search_id"] = json!(sid);
        let (st, v) = r.s.call(&r.clt, fields, Some(body)).await;
        assert_eq!(st, 200, "{v}");
        got.extend(
            v["data"]["videos"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["id"].as_u64().unwrap()),
        );
        if !v["data"]["has_more"].as_bool().unwrap() {
            break;
        }
        cursor = v["data"]["cursor"].clone();
    }
    assert_eq!(
        got, full,
        "no duplicates, no gaps, no newcomers inside a search"
    );
    // A new search sees the new videos.
    let again = all_ids(&r, fields, whole).await;
    assert!(again.len() > full.len());

    // Random sample: no has_more, still a search_id.
    let mut body = region_query(&start, &end);
    body["is_random"] = json!(true);
    let (st, v) = r.s.call(&r.clt, fields, Some(body)).await;
    assert_eq!(st, 200);
    assert_eq!(v["data"]["has_more"], false);
    assert!(v["data"]["search_id"].is_string());
}

#[tokio::test]
async fn research_query_conditions_select_what_they_say() {
    let r = read_world().await;
    let (start, end) = window(12, 1);
    let q = |and: Value| json!({"query": {"and": and}, "start_date": start, "end_date": end, "max_count": 100});
    let (_, v) = r.s.call(&r.clt, "/v2/research/video/query/?fields=id,username,hashtag_names,view_count,video_description", Some(q(json!([
        {"operation": "EQ", "field_name": "username", "field_values": ["user1_0"]},
        {"operation": "GT", "field_name": "view_count", "field_values": ["100"]}])))).await;
    let vids = v["data"]["videos"].as_array().unwrap();
    assert!(!vids.is_empty());
    assert!(
        vids.iter()
            .all(|x| x["username"] == "user1_0" && x["view_count"].as_i64().unwrap() > 100)
    );
    let (_, v) =
        r.s.call(
            &r.clt,
            "/v2/research/video/query/?fields=id,hashtag_names",
            Some(q(json!([
        {"operation": "EQ", "field_name": "hashtag_name", "field_values": ["FYP"]}]))),
        )
        .await;
    let vids = v["data"]["videos"].as_array().unwrap();
    assert!(!vids.is_empty());
    assert!(vids.iter().all(|x| {
        x["hashtag_names"]
            .as_array()
            .unwrap()
            .contains(&json!("fyp"))
    }));
    let (_, v) =
        r.s.call(
            &r.clt,
            "/v2/research/video/query/?fields=id,video_description",
            Some(q(json!([
        {"operation": "EQ", "field_name": "keyword", "field_values": ["Tutorial"]}]))),
        )
        .await;
    let vids = v["data"]["videos"].as_array().unwrap();
    assert!(!vids.is_empty());
    assert!(vids.iter().all(|x| {
        x["video_description"]
            .as_str()
            .unwrap()
            .contains("tutorial")
    }));
}

#[tokio::test]
async fn research_malformed_queries_answer_exact_errors() {
    let r = read_world().await;
    let ok_cond = json!({"operation": "EQ", "field_name": "username", "field_values": ["user1_0"]});
    let cases = vec![
        (
            json!({"query": {"and": [{"operation": "EQ", "field_name": "colour", "field_values": ["x"]}]}, "start_date": "20240101", "end_date": "20240102"}),
            "Invalid field_name: colour",
        ),
        (
            json!({"query": {"and": [{"operation": "GT", "field_name": "region_code", "field_values": ["US"]}]}, "start_date": "20240101", "end_date": "20240102"}),
            "Operation GT is not supported for field_name region_code",
        ),
        (
            json!({"query": {"and": [{"operation": "LIKE", "field_name": "keyword", "field_values": ["x"]}]}, "start_date": "20240101", "end_date": "20240102"}),
            "Invalid operation: LIKE",
        ),
        (
            json!({"query": {"and": [{"operation": "IN", "field_name": "keyword", "field_values": []}]}, "start_date": "20240101", "end_date": "20240102"}),
            "field_values of keyword must not be empty",
        ),
        (
            json!({"query": {"and": [ok_cond]}, "start_date": "2024-01-01", "end_date": "20240102"}),
            "Invalid start_date \"2024-01-01\": expected YYYYMMDD",
        ),
        (
            json!({"query": {"and": [ok_cond]}, "start_date": "20240101", "end_date": "20240201"}),
            "end_date must be no more than 30 days after start_date",
        ),
        (
            json!({"query": {"and": [ok_cond]}, "start_date": "20240110", "end_date": "20240101"}),
            "end_date must not be before start_date",
        ),
        (
            json!({"query": {"and": [ok_cond]}, "start_date": "20240101", "end_date": "20240102", "max_count": 101}),
            "max_count should be between 1 and 100",
        ),
        (
            json!({"query": {"and": [ok_cond]}, "start_date": "20240101", "end_date": "20240102", "cursor": -1}),
            "Invalid count or cursor",
        ),
        (
            json!({"query": {"and": [ok_cond]}, "start_date": "20240101", "end_date": "20240102", "search_id": "123"}),
            "Invalid search_id",
        ),
        (
            json!({"query": {"and": [], "or": [], "not": []}, "start_date": "20240101", "end_date": "20240102"}),
            "query needs at least one condition in and, or or not",
        ),
        (
            json!({"start_date": "20240101", "end_date": "20240102"}),
            "query is required",
        ),
    ];
    for (body, want) in cases {
        let (st, v) =
            r.s.call(
                &r.clt,
                "/v2/research/video/query/?fields=id",
                Some(body.clone()),
            )
            .await;
        assert_eq!(st, 400, "{body}: {v}");
        assert_eq!(v["error"]["code"], "invalid_params");
        assert_eq!(v["error"]["message"], want, "{body}");
        assert_eq!(v["data"], json!({}));
    }
    let (st, v) = r.s.call(&r.clt, "/v2/research/video/query/?fields=id", Some(json!({"query": {"and": [{"operation": "EQ", "field_name": "colour", "field_values": ["x"]}]}, "start_date": "20240101", "end_date": "20240102"}))).await;
    assert_eq!(st, 400);
    insta::assert_json_snapshot!("research_invalid_field", shape(v));
    // Missing fields; text/plain body.
    let resp = r.s.http.post(r.s.url("/v2/research/video/query/")).bearer_auth(&r.clt).header("content-type", "text/plain")
        .body(r#"{"query": {"and": [{"operation": "EQ", "field_name": "region_code", "field_values": ["US"]}]}, "start_date": "20240101", "end_date": "20240102"}"#)
        .send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["message"], "fields is required");

    // Tokens: a user token is not a client token; a client without research scope.
    let user = user_token(&r.s, &r.client_key, "user1_0", SCOPES).await;
    let (st, v) =
        r.s.call(
            &user,
            "/v2/research/video/query/?fields=id",
            Some(json!({})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (401, Some("access_token_invalid"))
    );
    let plain = r.s.create_app(json!({"name": "Plain", "audited": true, "scopes": ["user.info.basic"], "redirect_uris": ["https://app.example.com/callback/"]})).await;
    let clt = client_token(
        &r.s,
        plain["client_key"].as_str().unwrap(),
        plain["client_secret"].as_str().unwrap(),
    )
    .await;
    let (st, v) =
        r.s.call(&clt, "/v2/research/video/query/?fields=id", Some(json!({})))
            .await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (401, Some("scope_not_authorized"))
    );
}

#[tokio::test]
async fn research_daily_quota_resets_at_midnight_utc() {
    let mut r = read_world().await;
    let st = &r.s.handle.as_ref().unwrap().state;
    st.store
        .put_setting("research.daily_requests", "3")
        .await
        .unwrap();
    let body = json!({"username": "user1_0"});
    for _ in 0..3 {
        let (code, v) =
            r.s.call(
                &r.clt,
                "/v2/research/user/info/?fields=display_name",
                Some(body.clone()),
            )
            .await;
        assert_eq!(code, 200, "{v}");
    }
    let (code, v) =
        r.s.call(
            &r.clt,
            "/v2/research/user/info/?fields=display_name",
            Some(body.clone()),
        )
        .await;
    assert_eq!(code, 429);
    assert_eq!(v["error"]["code"], "daily_quota_limit_exceeded");
    insta::assert_json_snapshot!("research_quota_exceeded", shape(v));
    r.s.advance_clock(86_400).await;
    // Client tokens live two hours.
    r.clt = client_token(&r.s, &r.client_key, &r.client_secret).await;
    let (code, _) =
        r.s.call(
            &r.clt,
            "/v2/research/user/info/?fields=display_name",
            Some(body),
        )
        .await;
    assert_eq!(code, 200);
}

#[tokio::test]
async fn research_user_info_comments_and_follows() {
    let r = read_world().await;
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

#[tokio::test]
async fn activity_moves_counters_and_hashtag_trends() {
    let r = read_world().await;
    let post = db_rows(&r.s, "SELECT p.id, p.hashtags FROM posts p JOIN creators c ON c.id = p.creator_id WHERE p.privacy_level = 'PUBLIC_TO_EVERYONE' AND c.private_account = 0 AND p.hashtags LIKE '%\"fyp\"%' LIMIT 1").await;
    let q = json!({"hashtag_names": ["FYP"], "start_date": format_day(today()), "end_date": format_day(today())});
    let path =
        "/v2/research/hashtag/query/?fields=hashtag_id,hashtag_name,video_count,view_count,trend";
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

    let (st, v) = r.s.call(&r.clt, "/v2/research/hashtag/trend/?fields=rank,rank_diff,hashtag_id,hashtag_name,video_count,view_count,trend", Some(json!({"region_code": "ALL", "period": 7, "max_count": 3}))).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        v["data"]["hashtags"][0]["hashtag_name"], "fyp",
        "a million views today puts it first"
    );
    assert_eq!(v["data"]["hashtags"].as_array().unwrap().len(), 3);
    let (st, e) =
        r.s.call(
            &r.clt,
            "/v2/research/hashtag/trend/?fields=rank",
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
