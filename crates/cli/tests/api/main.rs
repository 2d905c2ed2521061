//! Behaviour tests: each starts a real reelbox server (real SQLite file, media on disk, the real
//! probe binary) and drives it over HTTP. One test binary, so the suite builds and runs once.
mod browser;
mod cli;
mod client_cli;
mod cluster;
mod crash;
mod isolation;
mod limits;
mod oauth;
mod posting;
mod read;
mod read_lists;
mod read_native;
mod sandbox;
mod sdk;
mod web;

use std::path::Path;

use reelbox_testkit::TestServer;
use serde_json::{Value, json};

pub fn probe_exe() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_reelbox"))
}

pub async fn server() -> TestServer {
    TestServer::start(probe_exe()).await
}

/// Redacts what changes from run to run, for snapshots.
/// [`redact`], then every non-null value under one of `keys` becomes `"[key]"` and every element
/// of an array under `(key, placeholder)` of `lists` becomes `placeholder`, at any depth: the
/// values that move with the clock or the random parts of ids, for snapshots of shapes.
pub fn redact_keys(v: Value, keys: &[&str], lists: &[(&str, &str)]) -> Value {
    fn walk(v: &mut Value, keys: &[&str], lists: &[(&str, &str)]) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if keys.contains(&k.as_str()) {
                        if !x.is_null() {
                            *x = json!(format!("[{k}]"));
                        }
                    } else if let Some((_, p)) = lists.iter().find(|(l, _)| l == k) {
                        if let Value::Array(a) = x {
                            a.iter_mut().for_each(|e| *e = json!(p));
                        }
                    } else {
                        walk(x, keys, lists);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| walk(x, keys, lists)),
            _ => {}
        }
    }
    let mut v = redact(v);
    walk(&mut v, keys, lists);
    v
}

pub fn redact(mut v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    match k.as_str() {
                        "log_id" | "access_token" | "refresh_token" | "open_id" | "client_key"
                        | "client_secret" | "publish_id" | "upload_url" | "creator_avatar_url"
                        | "created_at" | "creator_id" => {
                            if !x.is_null() {
                                *x = json!(format!("[{k}]"));
                            }
                        }
                        "publicaly_available_post_id" => {
                            if let Value::Array(a) = x {
                                for e in a.iter_mut() {
                                    *e = json!("[post_id]");
                                }
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
    walk(&mut v);
    v
}

/// An audited app with the posting scopes, a public creator with a password, and tokens.
pub struct World {
    pub s: TestServer,
    pub app: Value,
    pub token: String,
    pub refresh: String,
}

pub async fn world_with(app_body: Value, creator_body: Value, scopes: &[&str]) -> World {
    let s = server().await;
    let app = s.create_app(app_body).await;
    let c = s.create_creator(creator_body).await;
    let t = s
        .mint(
            app["client_key"].as_str().unwrap(),
            c["username"].as_str().unwrap(),
            scopes,
        )
        .await;
    World {
        token: t["access_token"]
            .as_str()
            .expect("access token")
            .to_string(),
        refresh: t["refresh_token"]
            .as_str()
            .expect("refresh token")
            .to_string(),
        s,
        app,
    }
}

pub async fn world() -> World {
    world_with(
        json!({"name": "Scheduler", "audited": true, "scopes": ["user.info.basic", "video.publish", "video.upload"],
               "redirect_uris": ["https://app.example.com/callback/", "http://127.0.0.1:*/callback/"]}),
        json!({"username": "alice", "password": "correct horse", "nickname": "Alice"}),
        &["user.info.basic", "video.publish", "video.upload"],
    )
    .await
}
