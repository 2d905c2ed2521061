#![warn(missing_docs)]
//! A client for TikTok's v2 Content Posting and OAuth APIs. It speaks the same wire as reelbox
//! serves (the types come from `reelbox-wire`, the chunk rules from `reelbox-core`), so it works
//! against a reelbox server and against `https://open.tiktokapis.com` alike.
//!
//! - [`Client`]: one typed method per endpoint; every non-`ok` code is an [`ApiError`] with the
//!   platform's message and `log_id`; 429 is retried after `Retry-After` or with backoff.
//! - [`oauth`]: the authorize URL with PKCE (TikTok's hex challenge) and state, the token
//!   grants, revoke, and a [`TokenHolder`] that refreshes before expiry and saves through a
//!   [`TokenStore`].
//! - [`upload`]: chunk plans by the spec's rules, chunks streamed from disk, retried and resumed.
//! - [`Publisher`]: init + upload + status with a [`Journal`] so that a publish is never made twice.
//!
//! ```no_run
//! # async fn run() -> reelbox_sdk::Result<()> {
//! use reelbox_sdk::{Client, Credentials, Journal, Media, Publisher, VideoTarget};
//! use reelbox_sdk::wire::posting::{PrivacyLevel, VideoPostInfo};
//! let client = Client::new("http://127.0.0.1:8080", Credentials::Token("act.…".into()));
//! let info = client.creator_info().await?;
//! assert!(info.privacy_level_options.contains(&PrivacyLevel::SelfOnly));
//! let publisher = Publisher::new(client, Journal::new("journal"));
//! let media = Media::File {
//!     path: "clip.mp4".into(),
//!     target: VideoTarget::Direct(VideoPostInfo {
//!         title: Some("hello".into()),
//!         privacy_level: Some(PrivacyLevel::SelfOnly),
//!         ..Default::default()
//!     }),
//! };
//! let (_started, status) = publisher.publish("clip-1", &media, None, None).await?;
//! println!("{:?}", status.status);
//! # Ok(()) }
//! ```

pub mod client;
pub mod error;
pub mod journal;
pub mod oauth;
pub mod products;
pub mod publish;
pub mod upload;

pub use client::{Backoff, Client, CreatorInfoReply, Credentials, TIKTOK_API, is_terminal};
pub use error::{Action, ApiError, Error, Result};
pub use journal::{Journal, JournalEntry, JournalKind, JournalState};
pub use oauth::{
    AuthorizeUrl, Callback, FileTokenStore, MemoryTokenStore, OAuthClient, Pkce, TokenHolder,
    TokenStore, Tokens,
};
pub use publish::{Media, Publisher, Started, VideoTarget};

/// The wire types this SDK speaks (re-exported so callers need no second dependency).
pub use reelbox_wire as wire;
