//! `/v2/research/video/query/`: stable pages by search_id, private videos never answered, the
//! conditions selecting what they say, and the exact errors of malformed queries.
use std::collections::HashSet;

use reelbox_testkit::oauth::client_token;
use reelbox_testkit::read::{Read, SCOPES, db_rows, read_world, shape, user_token, window};
use serde_json::{Value, json};

use crate::server;

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
    let mut r = read_world(server().await).await;
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
    let r = read_world(server().await).await;
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
    let r = read_world(server().await).await;
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
async fn with_the_research_lag_on_new_videos_wait_48_hours() {
    let mut r = read_world(crate::server_with(|c| c.compat.research_lag = Some(true)).await).await;
    let clock =
        r.s.admin(reqwest::Method::GET, "/_reelbox/clock", Value::Null)
            .await;
    let lag_bound = clock["now"].as_i64().unwrap() - 48 * 3_600_000;
    let recent = db_rows(
        &r.s,
        &format!("SELECT id, privacy_level FROM posts WHERE created_at > {lag_bound} AND privacy_level = 'PUBLIC_TO_EVERYONE'"),
    )
    .await;
    assert!(
        !recent.is_empty(),
        "the corpus has videos of the last two days"
    );
    let recent: HashSet<u64> = recent.iter().map(|x| x.0.parse().unwrap()).collect();
    let (start, end) = window(12, 1);
    let everything = json!({"query": {"and": [{"operation": "IN", "field_name": "region_code",
        "field_values": ["US", "BR", "ID", "GB", "DE", "FR", "JP", "KR", "IN", "MX", "CA", "AU"]}]},
        "start_date": start, "end_date": end, "max_count": 100});
    let path = "/v2/research/video/query/?fields=id,create_time";
    let before = all_ids(&r, path, everything.clone()).await;
    assert!(!before.is_empty());
    assert!(
        before.iter().all(|id| !recent.contains(id)),
        "no video of the last 48 hours"
    );
    // Two days later they are searchable.
    r.s.advance_clock(2 * 86_400 + 60).await;
    r.clt = client_token(&r.s, &r.client_key, &r.client_secret).await;
    let after = all_ids(&r, path, everything).await;
    assert!(
        recent.iter().any(|id| after.contains(id)),
        "the videos waited for caught up"
    );
}

#[tokio::test]
async fn numeric_field_values_are_reported_then_refused_in_strict_mode() {
    let r = read_world(server().await).await;
    let id: u64 = db_rows(
        &r.s,
        "SELECT id, privacy_level FROM posts ORDER BY id LIMIT 1",
    )
    .await[0]
        .0
        .parse()
        .unwrap();
    let (start, end) = window(12, 1);
    let body = json!({"query": {"and": [{"operation": "EQ", "field_name": "video_id", "field_values": [id]}]},
                      "start_date": start, "end_date": end});
    let path = "/v2/research/video/query/?fields=id";
    let (st, v) = r.s.call(&r.clt, path, Some(body.clone())).await;
    assert_eq!(st, 200, "{v}");
    let report =
        r.s.admin(
            reqwest::Method::GET,
            &format!("/_reelbox/report?client_key={}", r.client_key),
            Value::Null,
        )
        .await;
    let check = report["report"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "tiktok_would_accept")
        .unwrap()
        .clone();
    assert_eq!(
        check["evidence"][0]["detail"],
        "would fail on TikTok: sent numbers in a research query's field_values (TikTok's are strings)"
    );
    r.s.admin(
        reqwest::Method::PATCH,
        &format!("/_reelbox/apps/{}", r.client_key),
        json!({"compat": {"strict": true}}),
    )
    .await;
    let (st, v) = r.s.call(&r.clt, path, Some(body)).await;
    assert_eq!(
        (
            st,
            v["error"]["code"].as_str(),
            v["error"]["message"].as_str()
        ),
        (
            400,
            Some("invalid_params"),
            Some("field_values must be strings.")
        ),
        "{v}"
    );
}
