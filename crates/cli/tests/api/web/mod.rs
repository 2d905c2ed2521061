//! The web pages: over plain HTTP (CSRF refusals, sessions and their expiry on the shared clock,
//! media Range requests, privacy enforcement, the inbox posting form, views/likes/comments, the
//! developer portal, the operator's admin view, consent with a web session) and in a real headless
//! Chromium.
mod browser;
mod connected_apps;
mod csrf;
mod csrf_binding;
mod engagement;
mod headers;
mod inbox;
mod media;
mod moderation;
mod portal;
mod redirects;
mod renditions;
mod sessions;
mod settings;
mod signin_limits;

use reelbox_testkit::World;
use serde_json::json;

async fn bob(w: &World) {
    w.s.create_creator(json!({"username": "bob", "password": "bob password", "nickname": "Bob"}))
        .await;
}
