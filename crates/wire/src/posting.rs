//! Content Posting API bodies (spec: content-posting-api.md §4–§8).
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Who can see a post. Spelled as TikTok spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PrivacyLevel {
    PublicToEveryone,
    MutualFollowFriends,
    FollowerOfCreator,
    SelfOnly,
}

impl PrivacyLevel {
    pub const ALL: [PrivacyLevel; 4] = [
        PrivacyLevel::PublicToEveryone,
        PrivacyLevel::MutualFollowFriends,
        PrivacyLevel::FollowerOfCreator,
        PrivacyLevel::SelfOnly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PrivacyLevel::PublicToEveryone => "PUBLIC_TO_EVERYONE",
            PrivacyLevel::MutualFollowFriends => "MUTUAL_FOLLOW_FRIENDS",
            PrivacyLevel::FollowerOfCreator => "FOLLOWER_OF_CREATOR",
            PrivacyLevel::SelfOnly => "SELF_ONLY",
        }
    }

    pub fn parse(s: &str) -> Option<PrivacyLevel> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Words a person reads on the posting form.
    pub fn label(self) -> &'static str {
        match self {
            PrivacyLevel::PublicToEveryone => "Everyone",
            PrivacyLevel::MutualFollowFriends => "Friends",
            PrivacyLevel::FollowerOfCreator => "Followers",
            PrivacyLevel::SelfOnly => "Only me",
        }
    }
}

/// `source_info.source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Source {
    FileUpload,
    PullFromUrl,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::FileUpload => "FILE_UPLOAD",
            Source::PullFromUrl => "PULL_FROM_URL",
        }
    }
}

/// `data` of `creator_info/query/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CreatorInfo {
    pub creator_avatar_url: String,
    pub creator_username: String,
    pub creator_nickname: String,
    pub privacy_level_options: Vec<PrivacyLevel>,
    pub comment_disabled: bool,
    pub duet_disabled: bool,
    pub stitch_disabled: bool,
    pub max_video_post_duration_sec: i32,
}

/// `post_info` of a Direct Post video. Booleans stay optional so that reelbox can tell an explicit
/// `false` from an omitted field (the guideline report needs the difference).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VideoPostInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy_level: Option<PrivacyLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_duet: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_stitch: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_comment: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_cover_timestamp_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand_content_toggle: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand_organic_toggle: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_aigc: Option<bool>,
}

/// `source_info` of a video init.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VideoSourceInfo {
    pub source: Source,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_size: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_size: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_chunk_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_url: Option<String>,
}

/// Body of `POST /v2/post/publish/video/init/` (Direct Post).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VideoInitRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_info: Option<VideoPostInfo>,
    pub source_info: VideoSourceInfo,
}

/// Body of `POST /v2/post/publish/inbox/video/init/` (upload to the creator's inbox).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InboxVideoInitRequest {
    pub source_info: VideoSourceInfo,
}

/// `data` of the init endpoints. `upload_url` only for `FILE_UPLOAD`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InitData {
    pub publish_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_url: Option<String>,
}

/// `media_type` of `content/init/`: only photos.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MediaType {
    Photo,
}

/// `post_mode` of `content/init/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PostMode {
    DirectPost,
    MediaUpload,
}

impl PostMode {
    pub fn as_str(self) -> &'static str {
        match self {
            PostMode::DirectPost => "DIRECT_POST",
            PostMode::MediaUpload => "MEDIA_UPLOAD",
        }
    }
}

/// `post_info` of a photo post. `disable_duet`/`disable_stitch` are not photo fields: accepted and
/// ignored, and noted by the guideline report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PhotoPostInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy_level: Option<PrivacyLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_comment: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_add_music: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand_content_toggle: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand_organic_toggle: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_aigc: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_duet: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_stitch: Option<bool>,
}

/// `source_info` of a photo post: always `PULL_FROM_URL`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PhotoSourceInfo {
    pub source: Source,
    pub photo_images: Vec<String>,
    pub photo_cover_index: i64,
}

/// Body of `POST /v2/post/publish/content/init/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ContentInitRequest {
    pub media_type: MediaType,
    pub post_mode: PostMode,
    #[serde(default)]
    pub post_info: PhotoPostInfo,
    pub source_info: PhotoSourceInfo,
}

/// Body of `status/fetch/` and `cancel/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublishIdRequest {
    pub publish_id: String,
}

/// `data.status` of `status/fetch/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PublishStatus {
    ProcessingUpload,
    ProcessingDownload,
    SendToUserInbox,
    PublishComplete,
    Failed,
}

impl PublishStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PublishStatus::ProcessingUpload => "PROCESSING_UPLOAD",
            PublishStatus::ProcessingDownload => "PROCESSING_DOWNLOAD",
            PublishStatus::SendToUserInbox => "SEND_TO_USER_INBOX",
            PublishStatus::PublishComplete => "PUBLISH_COMPLETE",
            PublishStatus::Failed => "FAILED",
        }
    }

    pub fn parse(s: &str) -> Option<PublishStatus> {
        [
            PublishStatus::ProcessingUpload,
            PublishStatus::ProcessingDownload,
            PublishStatus::SendToUserInbox,
            PublishStatus::PublishComplete,
            PublishStatus::Failed,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

/// Read from a stored status (the database keeps the wire spelling).
impl TryFrom<String> for PublishStatus {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        PublishStatus::parse(&s).ok_or_else(|| format!("unknown publish status {s:?}"))
    }
}

/// `data` of `status/fetch/`. The misspelling `publicaly_available_post_id` is TikTok's and is the
/// contract; post ids are JSON numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StatusData {
    pub status: PublishStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_reason: Option<String>,
    pub publicaly_available_post_id: Vec<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploaded_bytes: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downloaded_bytes: Option<i64>,
}

/// `fail_reason` values (spec §8.1.4): a namespace apart from `error.code`.
pub mod fail_reason {
    pub const FILE_FORMAT_CHECK_FAILED: &str = "file_format_check_failed";
    pub const DURATION_CHECK_FAILED: &str = "duration_check_failed";
    pub const FRAME_RATE_CHECK_FAILED: &str = "frame_rate_check_failed";
    pub const PICTURE_SIZE_CHECK_FAILED: &str = "picture_size_check_failed";
    pub const INTERNAL: &str = "internal";
    pub const VIDEO_PULL_FAILED: &str = "video_pull_failed";
    pub const PHOTO_PULL_FAILED: &str = "photo_pull_failed";
    pub const PUBLISH_CANCELLED: &str = "publish_cancelled";
    pub const AUTH_REMOVED: &str = "auth_removed";
    pub const SPAM_RISK_TOO_MANY_POSTS: &str = "spam_risk_too_many_posts";
    pub const SPAM_RISK_USER_BANNED_FROM_POSTING: &str = "spam_risk_user_banned_from_posting";
    pub const SPAM_RISK_TEXT: &str = "spam_risk_text";
    pub const SPAM_RISK: &str = "spam_risk";

    /// Every documented value.
    pub const ALL: &[&str] = &[
        FILE_FORMAT_CHECK_FAILED,
        DURATION_CHECK_FAILED,
        FRAME_RATE_CHECK_FAILED,
        PICTURE_SIZE_CHECK_FAILED,
        INTERNAL,
        VIDEO_PULL_FAILED,
        PHOTO_PULL_FAILED,
        PUBLISH_CANCELLED,
        AUTH_REMOVED,
        SPAM_RISK_TOO_MANY_POSTS,
        SPAM_RISK_USER_BANNED_FROM_POSTING,
        SPAM_RISK_TEXT,
        SPAM_RISK,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privacy_levels_round_trip() {
        for p in PrivacyLevel::ALL {
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.as_str()));
            assert_eq!(PrivacyLevel::parse(p.as_str()), Some(p));
        }
    }

    #[test]
    fn status_uses_tiktoks_misspelling() {
        let s = StatusData {
            status: PublishStatus::PublishComplete,
            fail_reason: None,
            publicaly_available_post_id: vec![7400000000000000001],
            uploaded_bytes: Some(5),
            downloaded_bytes: None,
        };
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["publicaly_available_post_id"][0], 7400000000000000001u64);
        assert!(v.get("fail_reason").is_none());
        assert!(v.get("downloaded_bytes").is_none());
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let r: VideoInitRequest = serde_json::from_str(
            r#"{"post_info":{"privacy_level":"SELF_ONLY","whatever":1},"source_info":{"source":"PULL_FROM_URL","video_url":"https://x/"},"extra":true}"#,
        )
        .unwrap();
        assert_eq!(
            r.post_info.unwrap().privacy_level,
            Some(PrivacyLevel::SelfOnly)
        );
    }
}
