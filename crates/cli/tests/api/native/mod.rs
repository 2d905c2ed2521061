//! reelbox-native research endpoints over HTTP: music query and trend, the cross-shop product
//! query, and hashtag query and trend on simulated activity; their field selection, paging and
//! exact errors.
mod hashtags;
mod music;
mod scopes;
mod shop;

use reelbox_testkit::TestServer;
use reelbox_testkit::redact::redact;
use serde_json::{Value, json};

use crate::server;

/// Keys whose values move with the wall clock (the corpus ends "now") or per run.
fn shape(v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    match k.as_str() {
                        "create_time" | "search_id" | "date" | "time" => {
                            *x = json!(format!("[{k}]"))
                        }
                        // Counts over a window relative to now depend on the time of day.
                        "video_count" | "view_count" | "value" | "rank_diff" => *x = json!("[n]"),
                        "related_video_ids" => {
                            if let Value::Array(a) = x {
                                a.iter_mut().for_each(|e| *e = json!("[video_id]"));
                            }
                        }
                        _ => walk(x),
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let mut v = redact(v);
    walk(&mut v);
    v
}

/// A seeded server (seed 1: 30 creators, 600 videos over 10 days) and a research client token.
async fn native_world(scopes: &[&str]) -> (TestServer, String) {
    let s = server().await;
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
    let r: Value = s
        .http
        .post(s.url("/v2/oauth/token/"))
        .form(&[
            ("client_key", app["client_key"].as_str().expect("key")),
            (
                "client_secret",
                app["client_secret"].as_str().expect("secret"),
            ),
            ("grant_type", "client_credentials"),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let clt = r["access_token"]
        .as_str()
        .expect("client token")
        .to_string();
    (s, clt)
}

async fn rows<T>(s: &TestServer, sql: &str) -> Vec<T>
where
    T: for<'r> reelbox_store::sqlx::FromRow<'r, reelbox_store::sqlx::any::AnyRow> + Send + Unpin,
{
    let st = &s.handle.as_ref().expect("running").state;
    reelbox_store::sqlx::query_as(reelbox_store::sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&st.store.pool)
        .await
        .expect("rows")
}

fn err(v: &(u16, Value)) -> (u16, &str, &str) {
    (
        v.0,
        v.1["error"]["code"].as_str().unwrap_or(""),
        v.1["error"]["message"].as_str().unwrap_or(""),
    )
}
