//! The Research API (client tokens): request bodies and answer objects of the video query, user
//! info, comments, follower lists, profile lists, playlists and the TikTok Shop endpoints
//! TikTok documents. Answer objects carry every field they can; `fields=` picks from them
//! ([`crate::fields`]). Page answers declare their fields in the order they are written: sorted,
//! as every read answer has always been.
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::fields::{Picked, Selectable, id_number, id_numbers, opt_id_number};

/// A condition as sent: every key optional so that a missing one gets a precise error.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, ToSchema)]
#[serde(default)]
pub struct RawCondition {
    pub field_name: Option<String>,
    pub operation: Option<String>,
    /// Always strings on the wire; numbers are accepted and read as their decimal text.
    #[schema(value_type = Option<Vec<String>>)]
    pub field_values: Option<Vec<Value>>,
}

/// `{"and": [...], "or": [...], "not": [...]}`; `null` lists read as empty.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, ToSchema)]
#[serde(default)]
pub struct RawQuery {
    pub and: Option<Vec<RawCondition>>,
    pub or: Option<Vec<RawCondition>>,
    pub not: Option<Vec<RawCondition>>,
}

/// The body of `POST /v2/research/video/query/`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct VideoQueryBody {
    pub query: Option<RawQuery>,
    /// `YYYYMMDD`.
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub max_count: Option<i64>,
    pub cursor: Option<i64>,
    /// Replays a stored query; the body's query is then ignored.
    pub search_id: Option<String>,
    pub is_random: Option<bool>,
}

/// The body of the user info, follower and profile-list requests.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct UsernameBody {
    pub username: Option<String>,
    pub max_count: Option<i64>,
    /// An index, or unix seconds on the follower and liked-video lists.
    pub cursor: Option<i64>,
}

/// The body of `POST /v2/research/video/comment/list/`: exactly one of the two ids.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct CommentListBody {
    /// A number or a decimal string.
    #[schema(value_type = Option<String>)]
    pub video_id: Option<Value>,
    /// Lists the replies to this comment.
    #[schema(value_type = Option<String>)]
    pub comment_id: Option<Value>,
    pub max_count: Option<i64>,
    pub cursor: Option<i64>,
}

/// The body of `POST /v2/research/user/pinned_videos/`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct PinnedBody {
    pub username: Option<String>,
}

/// The body of `POST /v2/research/playlist/info/`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct PlaylistBody {
    /// A number or a decimal string.
    #[schema(value_type = Option<String>)]
    pub playlist_id: Option<Value>,
    pub max_count: Option<i64>,
    pub cursor: Option<i64>,
}

/// Research Video Object fields (both spellings of favourites).
pub const VIDEO_FIELDS: &[&str] = &[
    "id",
    "video_description",
    "create_time",
    "region_code",
    "share_count",
    "view_count",
    "like_count",
    "comment_count",
    "music_id",
    "hashtag_names",
    "username",
    "effect_ids",
    "playlist_id",
    "voice_to_text",
    "is_stem_verified",
    "favorites_count",
    "favourites_count",
    "video_duration",
    "hashtag_info_list",
    "sticker_info_list",
    "effect_info_list",
    "video_mention_list",
    "video_label",
    "video_tag",
];

/// Fields of the videos on a profile list: the Research Video Object without `effect_ids`,
/// `playlist_id` and `voice_to_text`.
pub const LIST_VIDEO_FIELDS: &[&str] = &[
    "id",
    "create_time",
    "username",
    "region_code",
    "video_description",
    "music_id",
    "like_count",
    "comment_count",
    "share_count",
    "view_count",
    "hashtag_names",
    "is_stem_verified",
    "favorites_count",
    "favourites_count",
    "video_duration",
    "hashtag_info_list",
    "sticker_info_list",
    "effect_info_list",
    "video_mention_list",
    "video_label",
    "video_tag",
];

/// The Research Video Object.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ResearchVideo {
    #[serde(serialize_with = "id_number")]
    #[schema(value_type = u64)]
    pub id: String,
    pub video_description: String,
    /// Unix seconds.
    pub create_time: i64,
    pub region_code: String,
    pub share_count: i64,
    pub view_count: i64,
    pub like_count: i64,
    pub comment_count: i64,
    #[serde(
        serialize_with = "opt_id_number",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<u64>)]
    pub music_id: Option<String>,
    pub hashtag_names: Vec<String>,
    pub username: String,
    /// `["0"]` when the video uses no effect.
    pub effect_ids: Vec<String>,
    /// Read only when asked for.
    #[serde(
        serialize_with = "opt_id_number",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<u64>)]
    pub playlist_id: Option<String>,
    pub is_stem_verified: bool,
    pub favorites_count: i64,
    pub favourites_count: i64,
    /// Seconds, rounded.
    pub video_duration: i64,
    pub hashtag_info_list: Vec<HashtagInfo>,
    pub sticker_info_list: Vec<StickerInfo>,
    pub effect_info_list: Vec<EffectInfo>,
    pub video_mention_list: Vec<String>,
    pub video_tag: Vec<VideoTag>,
}

impl Selectable for ResearchVideo {
    const FIELDS: &'static [&'static str] = VIDEO_FIELDS;
}

/// A hashtag of a video.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct HashtagInfo {
    pub hashtag_id: i64,
    pub hashtag_name: String,
    pub hashtag_description: String,
}

/// A sticker of a video (reelbox's videos have none).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct StickerInfo {
    pub sticker_id: String,
    pub sticker_name: String,
}

/// An effect of a video.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct EffectInfo {
    pub effect_id: String,
    pub effect_name: String,
    pub effect_photo_url: String,
}

/// A label of a video: `AIGC` or `Branded`.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct VideoTag {
    #[serde(rename = "type")]
    pub kind: String,
    pub number: i64,
}

/// The answer of `POST /v2/research/video/query/`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VideoQueryPage {
    pub cursor: i64,
    pub has_more: bool,
    pub search_id: String,
    #[schema(value_type = Vec<ResearchVideo>)]
    pub videos: Vec<Picked<ResearchVideo>>,
}

/// Research User Info fields.
pub const USER_FIELDS: &[&str] = &[
    "display_name",
    "bio_description",
    "avatar_url",
    "is_verified",
    "follower_count",
    "following_count",
    "likes_count",
    "video_count",
    "bio_url",
    "username",
];

/// A public user's profile (the answer of `POST /v2/research/user/info/`, not nested).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ResearchUser {
    pub display_name: String,
    pub bio_description: String,
    pub avatar_url: String,
    pub is_verified: bool,
    pub follower_count: i64,
    pub following_count: i64,
    pub likes_count: i64,
    pub video_count: i64,
    pub bio_url: String,
    pub username: String,
}

impl Selectable for ResearchUser {
    const FIELDS: &'static [&'static str] = USER_FIELDS;
}

/// A comment or a reply.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Comment {
    #[serde(serialize_with = "id_number")]
    #[schema(value_type = u64)]
    pub id: String,
    #[serde(serialize_with = "id_number")]
    #[schema(value_type = u64)]
    pub video_id: String,
    pub text: String,
    pub like_count: i64,
    pub reply_count: i64,
    /// The video's id for a top-level comment.
    #[serde(serialize_with = "id_number")]
    #[schema(value_type = u64)]
    pub parent_comment_id: String,
    pub create_time: i64,
}

impl Selectable for Comment {
    const FIELDS: &'static [&'static str] = &[
        "id",
        "video_id",
        "text",
        "like_count",
        "reply_count",
        "parent_comment_id",
        "create_time",
    ];
}

/// The answer of `POST /v2/research/video/comment/list/`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommentPage {
    #[schema(value_type = Vec<Comment>)]
    pub comments: Vec<Picked<Comment>>,
    pub cursor: i64,
    pub has_more: bool,
}

/// One account of a follower list.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Follower {
    pub display_name: String,
    pub username: String,
}

/// The answer of `POST /v2/research/user/followers/`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FollowersPage {
    /// Unix seconds: the next page's `cursor`.
    pub cursor: i64,
    pub has_more: bool,
    pub user_followers: Vec<Follower>,
}

/// The answer of `POST /v2/research/user/following/`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FollowingPage {
    /// Unix seconds: the next page's `cursor`.
    pub cursor: i64,
    pub has_more: bool,
    pub user_following: Vec<Follower>,
}

/// The answer of `POST /v2/research/user/liked_videos/`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LikedVideosPage {
    pub cursor: i64,
    pub has_more: bool,
    #[schema(value_type = Vec<ResearchVideo>)]
    pub user_liked_videos: Vec<Picked<ResearchVideo>>,
}

/// The answer of `POST /v2/research/user/pinned_videos/`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PinnedVideos {
    #[schema(value_type = Vec<ResearchVideo>)]
    pub pinned_videos_list: Vec<Picked<ResearchVideo>>,
}

/// The answer of `POST /v2/research/user/reposted_videos/`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RepostedVideosPage {
    pub cursor: i64,
    pub has_more: bool,
    /// The videos under the key of TikTok's example answer, which its own research client reads.
    #[schema(value_type = Vec<ResearchVideo>)]
    pub reposted_videos: Vec<Picked<ResearchVideo>>,
    /// The same videos under the key of TikTok's field table.
    #[schema(value_type = Vec<ResearchVideo>)]
    pub user_reposted_videos: Vec<Picked<ResearchVideo>>,
}

/// A playlist with a page of its video ids.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Playlist {
    #[serde(serialize_with = "id_number")]
    #[schema(value_type = u64)]
    pub playlist_id: String,
    pub playlist_name: String,
    pub playlist_item_total: i64,
    /// Unix seconds.
    pub playlist_last_updated: i64,
    #[serde(serialize_with = "id_numbers")]
    #[schema(value_type = Vec<u64>)]
    pub playlist_video_ids: Vec<String>,
}

impl Selectable for Playlist {
    const FIELDS: &'static [&'static str] = &[
        "playlist_id",
        "playlist_name",
        "playlist_item_total",
        "playlist_last_updated",
        "playlist_video_ids",
    ];
}

/// The answer of `POST /v2/research/playlist/info/`: the playlist's fields beside the paging.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlaylistPage {
    pub cursor: i64,
    pub has_more: bool,
    #[serde(flatten)]
    #[schema(value_type = Playlist)]
    pub playlist: Picked<Playlist>,
}

/// Body of `POST /v2/research/tts/shop/`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct TtsShopBody {
    pub shop_name: Option<String>,
    /// At most 10.
    pub limit: Option<i64>,
    /// A comma-separated string or a list of names; the query string's `fields` wins.
    #[schema(value_type = Option<Vec<String>>)]
    pub fields: Option<Value>,
}

/// Body of `POST /v2/research/tts/product/`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct TtsProductBody {
    #[schema(value_type = Option<String>)]
    pub shop_id: Option<Value>,
    /// From 1.
    pub page_start: Option<i64>,
    /// At most 10.
    pub page_size: Option<i64>,
    #[schema(value_type = Option<Vec<String>>)]
    pub fields: Option<Value>,
}

/// Body of `POST /v2/research/tts/review/`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct TtsReviewBody {
    #[schema(value_type = Option<String>)]
    pub product_id: Option<Value>,
    pub page_start: Option<i64>,
    pub page_size: Option<i64>,
    #[schema(value_type = Option<Vec<String>>)]
    pub fields: Option<Value>,
}

/// A TikTok Shop as the research endpoint shows it.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct TtsShop {
    #[serde(serialize_with = "id_number")]
    #[schema(value_type = u64)]
    pub shop_id: String,
    pub shop_name: String,
    /// `"4.7"`.
    pub shop_rating: String,
    pub shop_review_count: i64,
    pub item_sold_count: i64,
    pub shop_performance_value: i64,
}

impl Selectable for TtsShop {
    const FIELDS: &'static [&'static str] = &[
        "shop_id",
        "shop_name",
        "shop_rating",
        "shop_review_count",
        "item_sold_count",
        "shop_performance_value",
    ];
}

/// The answer of `POST /v2/research/tts/shop/`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TtsShops {
    #[schema(value_type = Vec<TtsShop>)]
    pub shop_data: Vec<Picked<TtsShop>>,
}

/// A shop's product as the research endpoint shows it.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct TtsProduct {
    #[serde(serialize_with = "id_number")]
    #[schema(value_type = u64)]
    pub product_id: String,
    pub product_name: String,
    pub product_description: String,
    /// One price with its currency run on: `["20.79GBP"]`.
    pub product_price: Vec<String>,
    pub product_rating: String,
    pub product_review_count: i64,
    pub product_sold_count: i64,
    pub product_rating_1_count: i64,
    pub product_rating_2_count: i64,
    pub product_rating_3_count: i64,
    pub product_rating_4_count: i64,
    pub product_rating_5_count: i64,
    pub shop_name: String,
}

impl Selectable for TtsProduct {
    const FIELDS: &'static [&'static str] = &[
        "product_id",
        "product_name",
        "product_description",
        "product_price",
        "product_rating",
        "product_review_count",
        "product_sold_count",
        "product_rating_1_count",
        "product_rating_2_count",
        "product_rating_3_count",
        "product_rating_4_count",
        "product_rating_5_count",
        "shop_name",
    ];
}

/// The answer of `POST /v2/research/tts/product/`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TtsProductPage {
    pub has_more: bool,
    pub page_start: i64,
    #[schema(value_type = Vec<TtsProduct>)]
    pub product_data: Vec<Picked<TtsProduct>>,
}

/// A product review.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct TtsReview {
    pub product_name: String,
    pub review_text: String,
    pub review_like_count: i64,
    /// Unix milliseconds.
    pub create_time: i64,
    /// `ONE` … `FIVE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_rating: Option<String>,
    pub display_name: String,
}

impl Selectable for TtsReview {
    const FIELDS: &'static [&'static str] = &[
        "product_name",
        "review_text",
        "review_like_count",
        "create_time",
        "review_rating",
        "display_name",
    ];
}

/// The answer of `POST /v2/research/tts/review/`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TtsReviewPage {
    pub has_more: bool,
    pub page_start: i64,
    #[schema(value_type = Vec<TtsReview>)]
    pub review_data: Vec<Picked<TtsReview>>,
}
