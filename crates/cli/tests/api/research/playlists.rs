//! `/v2/research/playlist/info/`: a playlist's visible videos, paged.
use serde_json::json;

use super::{PLAYLIST, VISIBLE, admin_raw, hidden_post, ids, shape, world};

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
    // TikTok's playlist info takes no `fields`: its own example asks for `playlist_id` and gets
    // the whole object, and a request without `fields` gets it too.
    assert!(last["data"]["playlist_name"].is_string(), "{last}");
    assert!(last["data"]["playlist_item_total"].is_number(), "{last}");
    let (st, bare) =
        w.s.call(
            &w.clt,
            PLAYLIST,
            Some(json!({"playlist_id": pid, "max_count": 3})),
        )
        .await;
    assert_eq!(st, 200, "{bare}");
    assert_eq!(
        bare["data"]["playlist_video_ids"].as_array().map(Vec::len),
        Some(3)
    );
    assert!(bare["data"]["playlist_name"].is_string(), "{bare}");
    insta::assert_json_snapshot!("playlist_info_without_fields", shape(bare));

    // The research video query names a video's playlist when `playlist_id` is asked for.
    let others = ids(&w.s, &format!("SELECT p.id FROM posts p JOIN creators c ON c.id = p.creator_id WHERE {VISIBLE} AND c.username = 'user1_0' ORDER BY p.id LIMIT 1 OFFSET 4")).await;
    let (start, end) = reelbox_testkit::read::window(12, 1);
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
