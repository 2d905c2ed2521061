//! Behaviour tests: each starts a real reelbox server (real SQLite file, media on disk, the real
//! probe binary) and drives it over HTTP. One test binary, so the suite builds and runs once.
//!
//! The folders follow the API:
//!
//! - `posting/`: the Content Posting API (creator info, uploads, inbox, pulls, rules, wire shapes).
//! - `oauth/`: authorization, the token endpoint, bearer tokens.
//! - `display/`: the Display API.
//! - `research/`: the Research API (videos, users, quota, profile lists, playlists, TikTok Shop).
//! - `native/`: reelbox-native research endpoints (music, shop products, hashtags).
//! - `control/`: sandbox tooling through the control API (faults, scenarios, clock, report, call
//!   log, access).
//! - `web/`: the web pages over HTTP and in headless Chromium.
//! - `sdk/`: the Rust SDK against a real server.
//! - `intercept/`: unchanged TikTok clients (Python, Node fetch and axios, Rust, curl) through the proxy and the
//!   local CA, and the proxy's refusals.
//! - `ops/`: the command line, the client commands, cluster, migration, crashes, restarts, limits,
//!   tenant isolation.
//!
//! The helpers shared across folders live in `reelbox_testkit`; a folder's `mod.rs` holds what
//! only its own files share. The functions below bind testkit to the `reelbox` binary Cargo built
//! for this test target, the one thing testkit cannot know.
mod control;
mod display;
mod intercept;
mod native;
mod oauth;
mod ops;
mod portability;
mod posting;
mod research;
mod sdk;
mod web;

use std::path::Path;

use reelbox_testkit::local::Local;
use reelbox_testkit::{TestServer, World};
use serde_json::Value;

/// The `reelbox` binary: the media probe of every in-process server, and the process the command
/// line, cluster and crash tests run.
pub fn probe_exe() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_reelbox"))
}

/// A fresh in-process server (see [`TestServer::start`]).
pub async fn server() -> TestServer {
    TestServer::start(probe_exe()).await
}

/// A fresh server whose configuration `adjust` changes first (see [`TestServer::start_adjusted`]).
pub async fn server_with(adjust: impl FnOnce(&mut reelbox_server::Config)) -> TestServer {
    TestServer::start_adjusted(probe_exe(), adjust).await
}

/// A fresh server with the app `app_body`, the creator `creator_body` and that creator's tokens
/// with `scopes` (see [`World::new`]).
pub async fn world_with(app_body: Value, creator_body: Value, scopes: &[&str]) -> World {
    World::new(server().await, app_body, creator_body, scopes).await
}

/// A fresh server with the posting world (see [`World::posting`]).
pub async fn world() -> World {
    World::posting(server().await).await
}

/// A fresh server whose app posts from, and sends webhooks to, a local server (see
/// [`reelbox_testkit::local::world_local`]).
pub async fn world_local(audited: bool, private: bool) -> (World, Local) {
    reelbox_testkit::local::world_local(server().await, audited, private).await
}
