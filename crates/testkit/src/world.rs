//! A test world: a server with one app, one creator and the tokens the app holds for that creator,
//! the starting point of most behaviour tests.
use serde_json::{Value, json};

use crate::TestServer;

/// A server, an app (as the control API answered its creation, `client_secret` included) and a
/// creator's access and refresh tokens from that app.
pub struct World {
    pub s: TestServer,
    pub app: Value,
    pub token: String,
    pub refresh: String,
}

impl World {
    /// Creates the app `app_body` and the creator `creator_body` on `s`, and mints tokens with
    /// `scopes` for that creator from that app.
    pub async fn new(
        s: TestServer,
        app_body: Value,
        creator_body: Value,
        scopes: &[&str],
    ) -> World {
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

    /// The posting world: an audited app "Scheduler" with the posting scopes and two redirect
    /// URIs (one a loopback pattern), and the public creator alice (password "correct horse").
    pub async fn posting(s: TestServer) -> World {
        World::new(
            s,
            json!({"name": "Scheduler", "audited": true, "scopes": ["user.info.basic", "video.publish", "video.upload"],
                   "redirect_uris": ["https://app.example.com/callback/", "http://127.0.0.1:*/callback/"]}),
            json!({"username": "alice", "password": "correct horse", "nickname": "Alice"}),
            &["user.info.basic", "video.publish", "video.upload"],
        )
        .await
    }
}
