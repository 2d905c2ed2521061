//! The read side's test world: a seeded corpus, an audited app with the Display and Research
//! scopes and its research client token, and the calls the Display, Research and native read
//! tests share.
use reelbox_core::research::{day_of, format_day};
use serde_json::{Value, json};

use crate::TestServer;
use crate::oauth::client_token;
use crate::redact::redact_keys;

/// The scopes of the read world's app.
pub const SCOPES: &[&str] = &[
    "user.info.basic",
    "user.info.profile",
    "user.info.stats",
    "video.list",
    "research.data.basic",
];

/// Keys whose values move with the wall clock or the random parts of ids.
pub fn shape(v: Value) -> Value {
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

/// A seeded server and an app with [`SCOPES`].
pub struct Read {
    pub s: TestServer,
    /// Research client token.
    pub clt: String,
    pub client_key: String,
    pub client_secret: String,
}

/// The current UTC day number (real clock).
pub fn today() -> i64 {
    day_of(reelbox_core::clock::system_now_ms())
}

/// `s` with a seeded corpus (seed 1: 30 creators, 600 videos over 10 days) and a research
/// client.
pub async fn read_world(s: TestServer) -> Read {
    read_world_with(s, SCOPES).await
}

/// [`read_world`] with an app holding `scopes` instead of [`SCOPES`].
pub async fn read_world_with(s: TestServer, scopes: &[&str]) -> Read {
    let app = s
        .create_app(json!({"name": "Analyst", "audited": true, "scopes": scopes,
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

/// An access token minted for `username` from the app `key`.
pub async fn user_token(s: &TestServer, key: &str, username: &str, scopes: &[&str]) -> String {
    let t = s.mint(key, username, scopes).await;
    t["access_token"]
        .as_str()
        .expect("access token")
        .to_string()
}

/// A GET with a bearer token: (HTTP status, JSON body or null).
pub async fn get(s: &TestServer, token: &str, path: &str) -> (u16, Value) {
    let r = s
        .http
        .get(s.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("get");
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// The rows of `sql` (two text columns) read from the server's store.
pub async fn db_rows(s: &TestServer, sql: &str) -> Vec<(String, String)> {
    let st = &s.handle.as_ref().expect("running").state;
    reelbox_store::sqlx::query_as(reelbox_store::sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&st.store.pool)
        .await
        .expect("rows")
}

/// The days from `back` days before today to `ahead` days after, as research dates
/// (`YYYYMMDD`).
pub fn window(back: i64, ahead: i64) -> (String, String) {
    (format_day(today() - back), format_day(today() + ahead))
}
