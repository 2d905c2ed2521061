//! The Display API (user tokens): `GET /v2/user/info/`, `POST /v2/video/list/`,
//! `POST /v2/video/query/`. Answer objects carry every field they can; `fields=` picks from them
//! ([`crate::fields`]).
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::fields::{Picked, Selectable};

/// Display Video Object fields.
pub const VIDEO_FIELDS: &[&str] = &[
    "id",
    "create_time",
    "cover_image_url",
    "share_url",
    "video_description",
    "duration",
    "height",
    "width",
    "title",
    "embed_html",
    "embed_link",
    "like_count",
    "comment_count",
    "share_count",
    "view_count",
];

/// The Display Video Object's fields on TikTok's current pages: the older ones and `is_aigc`
/// ("Set to true if the video is AI generated content", docs/en/tiktok-api-v2-video-object).
pub const VIDEO_FIELDS_WITH_AIGC: [&str; 16] = crate::fields::extend(VIDEO_FIELDS, &["is_aigc"]);

/// The User Object.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct DisplayUser {
    pub open_id: String,
    /// The same for one creator across a developer's apps.
    pub union_id: String,
    pub avatar_url: String,
    pub avatar_url_100: String,
    pub avatar_large_url: String,
    pub display_name: String,
    pub bio_description: String,
    pub profile_deep_link: String,
    pub is_verified: bool,
    pub username: String,
    pub follower_count: i64,
    pub following_count: i64,
    pub likes_count: i64,
    pub video_count: i64,
}

impl Selectable for DisplayUser {
    const FIELDS: &'static [&'static str] = &[
        "open_id",
        "union_id",
        "avatar_url",
        "avatar_url_100",
        "avatar_large_url",
        "display_name",
        "bio_description",
        "profile_deep_link",
        "is_verified",
        "username",
        "follower_count",
        "following_count",
        "likes_count",
        "video_count",
    ];
}

/// The answer of `GET /v2/user/info/`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserInfo {
    #[schema(value_type = DisplayUser)]
    pub user: Picked<DisplayUser>,
}

/// The Display Video Object.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct DisplayVideo {
    /// A decimal string.
    pub id: String,
    /// Unix seconds.
    pub create_time: i64,
    pub cover_image_url: String,
    pub share_url: String,
    pub video_description: String,
    /// Seconds, rounded.
    pub duration: i64,
    pub height: i64,
    pub width: i64,
    pub title: String,
    pub embed_html: String,
    pub embed_link: String,
    pub like_count: i64,
    pub comment_count: i64,
    pub share_count: i64,
    pub view_count: i64,
    /// Only on profiles that have it (`tiktok-2026-11`).
    pub is_aigc: bool,
}

impl Selectable for DisplayVideo {
    const FIELDS: &'static [&'static str] = &VIDEO_FIELDS_WITH_AIGC;
}

/// Body of `POST /v2/video/list/`.
#[derive(Debug, Clone, Deserialize, Serialize, Default, ToSchema)]
#[serde(default)]
pub struct VideoListBody {
    /// Epoch ms: videos posted before this time.
    pub cursor: Option<i64>,
    pub max_count: Option<i64>,
}

/// The answer of `POST /v2/video/list/`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VideoListPage {
    /// Epoch ms: the next page's `cursor`.
    pub cursor: i64,
    pub has_more: bool,
    #[schema(value_type = Vec<DisplayVideo>)]
    pub videos: Vec<Picked<DisplayVideo>>,
}

/// Body of `POST /v2/video/query/`.
#[derive(Debug, Clone, Deserialize, Serialize, Default, ToSchema)]
#[serde(default)]
pub struct DisplayVideoQueryBody {
    pub filters: Option<VideoFilters>,
    /// Some clients send the field list here instead of the query string.
    #[schema(value_type = Option<Vec<String>>)]
    pub fields: Option<Value>,
}

/// `filters` of `POST /v2/video/query/`.
#[derive(Debug, Clone, Deserialize, Serialize, Default, ToSchema)]
#[serde(default)]
pub struct VideoFilters {
    #[schema(value_type = Option<Vec<String>>)]
    pub video_ids: Option<Vec<Value>>,
}

/// The answer of `POST /v2/video/query/`: in the order of `video_ids`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VideoQueryAnswer {
    #[schema(value_type = Vec<DisplayVideo>)]
    pub videos: Vec<Picked<DisplayVideo>>,
}
