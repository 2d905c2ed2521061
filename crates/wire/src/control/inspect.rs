//! What the control API shows of an app's traffic: publishes, inbox drafts, webhook deliveries,
//! recorded calls. Answer fields are in alphabetical order: these answers were JSON maps, whose
//! keys are written sorted, and their bytes stay the same.
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::posting::PrivacyLevel;

/// Query of `GET /_reelbox/webhooks` and `GET /_reelbox/calls`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AppQuery {
    pub client_key: String,
    /// 1 to 1000 (default 100).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// Query of `GET /_reelbox/publishes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublishQuery {
    #[serde(default)]
    pub client_key: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    /// 1 to 1000 (default 100).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// Query of `GET /_reelbox/report`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    pub client_key: String,
}

/// A publish with what was asked and what happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublishView {
    pub client_key: String,
    pub created_at: i64,
    pub downloaded_bytes: i64,
    pub fail_reason: Option<String>,
    /// Inbox drafts: `pending`, `posted`, `discarded`.
    pub inbox_state: Option<String>,
    pub media_type: String,
    pub mode: String,
    pub post_id: Option<String>,
    /// The post_info as the client sent it.
    pub post_info: serde_json::Value,
    pub publish_id: String,
    /// The settings after the rules ran (Direct Posts).
    pub settings: Option<serde_json::Value>,
    pub source: String,
    pub status: String,
    pub updated_at: i64,
    pub uploaded_bytes: i64,
    pub username: String,
}

/// `GET /_reelbox/publishes` answer, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublishList {
    pub publishes: Vec<PublishView>,
}

/// A draft waiting in a creator's inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DraftView {
    pub client_key: String,
    pub created_at: i64,
    pub media_type: String,
    pub publish_id: String,
}

/// `GET /_reelbox/inbox/{username}` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DraftList {
    pub drafts: Vec<DraftView>,
}

/// Body of `POST /_reelbox/inbox/{username}/{publish_id}/post`: what the creator picks in the app.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DraftPost {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub privacy_level: Option<PrivacyLevel>,
    #[serde(default)]
    pub disable_comment: Option<bool>,
    #[serde(default)]
    pub disable_duet: Option<bool>,
    #[serde(default)]
    pub disable_stitch: Option<bool>,
    #[serde(default)]
    pub brand_content_toggle: Option<bool>,
    #[serde(default)]
    pub brand_organic_toggle: Option<bool>,
    #[serde(default)]
    pub is_aigc: Option<bool>,
    #[serde(default)]
    pub video_cover_timestamp_ms: Option<i64>,
}

/// `POST /_reelbox/inbox/{username}/{publish_id}/post` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PostedDraft {
    pub post_id: String,
}

/// `DELETE /_reelbox/videos/{video_id}` answer: the post is gone from every page and read API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RemovedVideo {
    pub video_id: String,
}

/// A webhook delivery and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeliveryView {
    pub attempts: i64,
    /// The signed event body.
    pub body: String,
    pub client_key: String,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
    pub event: String,
    pub id: String,
    pub last_error: Option<String>,
    pub last_status_code: Option<i64>,
    /// `pending`, `delivered`, `dropped` (retry window over).
    pub status: String,
    pub url: String,
}

/// `GET /_reelbox/webhooks` answer, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeliveryList {
    pub deliveries: Vec<DeliveryView>,
}

/// A recorded wire API call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CallView {
    pub client_key: Option<String>,
    pub created_at: i64,
    pub creator_id: Option<String>,
    pub endpoint: String,
    pub error_code: String,
    pub id: String,
    /// The answer came from an injected fault.
    pub injected: bool,
    pub latency_ms: i64,
    pub log_id: String,
    pub method: String,
    pub status: i64,
    /// What the request asked, for the guideline report (JSON).
    pub summary: String,
    /// The host the client addressed when the call came through interception (it believed it
    /// called TikTok); absent for a call sent to reelbox directly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intercepted_host: Option<String>,
}

/// `GET /_reelbox/calls` answer, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CallList {
    pub calls: Vec<CallView>,
}
