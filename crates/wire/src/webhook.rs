//! Webhook deliveries (spec §10).
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The body POSTed to an app's callback URL. `content` is a JSON-encoded *string*.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WebhookEvent {
    pub client_key: String,
    pub event: String,
    pub create_time: i64,
    pub user_openid: String,
    pub content: String,
}

/// Header carrying `t=<unix seconds>,s=<hex hmac>`.
pub const SIGNATURE_HEADER: &str = "TikTok-Signature";

pub mod events {
    pub const PUBLISH_FAILED: &str = "post.publish.failed";
    pub const PUBLISH_COMPLETE: &str = "post.publish.complete";
    pub const INBOX_DELIVERED: &str = "post.publish.inbox_delivered";
    pub const PUBLICLY_AVAILABLE: &str = "post.publish.publicly_available";
    /// The spelling TikTok's event table prints (sic), sent by default.
    pub const NO_LONGER_PUBLICALY_AVAILABLE: &str = "post.publish.no_longer_publicaly_available";
    /// The spelling the clients found in the field match.
    pub const NO_LONGER_PUBLICLY_AVAILABLE: &str = "post.publish.no_longer_publicly_available";
    /// Which of the two TikTok sends is unverified: a setting chooses.
    pub const NO_LONGER_PUBLIC_SPELLINGS: &[&str] =
        &[NO_LONGER_PUBLICALY_AVAILABLE, NO_LONGER_PUBLICLY_AVAILABLE];
    pub const AUTHORIZATION_REMOVED: &str = "authorization.removed";
    /// A Data Portability archive is ready to download.
    pub const PORTABILITY_DOWNLOAD_READY: &str = "portability.download.ready";
}

/// `publish_type` in event content.
pub mod publish_type {
    pub const DIRECT_PUBLISH: &str = "DIRECT_PUBLISH";
    pub const INBOX_SHARE: &str = "INBOX_SHARE";
}
