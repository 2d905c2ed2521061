//! The reelbox server: TikTok's v2 wire API (OAuth, Content Posting), reelbox's control API, the
//! web pages, and the background worker, on one axum router.
pub mod api;
pub mod boot;
pub mod config;
pub mod http;
pub mod jobs;
pub mod sandbox;
pub mod service;
pub mod state;

pub use api::router;
pub use boot::{Handle, Started, build_state, open_blobs, run, start};
pub use config::{Config, InterceptOverrides, Mode, Overrides, TestingOverrides};
