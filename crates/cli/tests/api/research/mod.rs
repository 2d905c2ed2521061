//! The Research API over HTTP on a seeded corpus: the video query language, search_id pagination,
//! quota and errors, users, comments and follows, profile lists (liked, pinned, reposted videos),
//! playlists and the TikTok Shop endpoints. The helpers here set up lists through the control API
//! (likes, reposts, pins, playlists, list privacy, shops) for the list and shop tests.
pub(crate) mod adlib;
mod compliance;
mod lists;
mod playlists;
mod quota;
mod scenarios;
mod seeded_lists;
mod tts;
mod users;
mod videos;

use reelbox_testkit::TestServer;
use reelbox_testkit::redact::redact_keys;
use serde_json::Value;

use crate::server;

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

/// A seeded corpus and a research client (`s`, `clt`, `client_key`).
type W = reelbox_testkit::read::Read;

const LIKED: &str = "/v2/research/user/liked_videos/";

const PINNED: &str = "/v2/research/user/pinned_videos/";

const REPOSTED: &str = "/v2/research/user/reposted_videos/";

const PLAYLIST: &str = "/v2/research/playlist/info/";

/// A seeded corpus (seed 1: 30 creators, 600 videos over 10 days) and a research client.
async fn world() -> W {
    world_on(server().await).await
}

/// [`world`] on a server of its own configuration.
async fn world_on(s: TestServer) -> W {
    reelbox_testkit::read::read_world_with(s, &["research.data.basic"]).await
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
