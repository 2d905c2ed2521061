//! What reelbox's tests share: a real server on an ephemeral port with a temporary data dir, and
//! the helpers that drive it over HTTP the way an integrating app, a creator or a browser would.
//!
//! - [`server`]: [`TestServer`], the in-process server (SQLite file and media on disk, or the
//!   PostgreSQL database and S3 bucket of [`backend`]).
//! - [`process`]: `reelbox serve` as a child process that can be killed and restarted.
//! - [`world`]: [`World`], a server with an app, a creator and that creator's tokens.
//! - [`media`]: the repository's media fixtures and MP4s padded to a size.
//! - [`posting`]: the Content Posting calls a client makes (chunk PUTs, status, waiting for
//!   processing, inbox drafts).
//! - [`local`]: the app's side on 127.0.0.1: media to pull and a webhook receiver.
//! - [`oauth`]: the consent page submitted as a creator, and the token endpoint.
//! - [`read`]: a seeded corpus with a research client, for the Display, Research and native
//!   read endpoints.
//! - [`web`]: a cookie-keeping HTTP agent for the web pages.
//! - [`redact`]: JSON redaction of what changes from run to run, for snapshots.
pub mod backend;
pub mod local;
pub mod media;
pub mod oauth;
pub mod posting;
pub mod process;
pub mod read;
pub mod redact;
pub mod server;
pub mod web;
pub mod world;

pub use backend::{fresh_bucket, fresh_database};
pub use media::fixture;
pub use server::TestServer;
pub use world::World;
