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
    let r = reelbox_testkit::read::read_world_with(server().await, scopes).await;
    (r.s, r.clt)
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
