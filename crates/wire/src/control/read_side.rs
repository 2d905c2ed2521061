//! The control API of the read side: a synthetic corpus, simulated engagement, and what the
//! research profile-list and shop endpoints read (likes, reposts, pins, playlists, who may be
//! listed, shops). Answer fields are in alphabetical order: these answers were JSON maps, whose
//! keys are written sorted, and their bytes stay the same.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Body of `POST /_reelbox/seed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SeedBody {
    #[serde(default = "d_creators")]
    pub creators: u64,
    #[serde(default = "d_videos")]
    pub videos: u64,
    #[serde(default = "d_days")]
    pub days: u64,
    #[serde(default)]
    pub seed: u64,
}
fn d_creators() -> u64 {
    100
}
fn d_videos() -> u64 {
    1000
}
fn d_days() -> u64 {
    30
}

/// `POST /_reelbox/seed` answer: what was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SeedView {
    pub comments: u64,
    pub creators: u64,
    pub elapsed_ms: u64,
    pub follows: u64,
    pub hashtags: u64,
    /// Of `elapsed_ms`: the indexes, the profile lists and the statistics after the bulk load.
    pub indexing_ms: u64,
    pub lists: SeedListsView,
    pub music: u64,
    pub products: u64,
    pub videos: u64,
}

/// Likes, reposts, pins, playlists, shops and reviews of a seeded corpus.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SeedListsView {
    pub elapsed_ms: u64,
    pub likes: u64,
    pub pins: u64,
    pub playlist_items: u64,
    pub playlists: u64,
    pub reposts: u64,
    pub reviews: u64,
    pub shops: u64,
}

/// Body of `POST /_reelbox/activity`: counter increments for one post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ActivityBody {
    pub post_id: String,
    #[serde(default)]
    pub views: i64,
    #[serde(default)]
    pub likes: i64,
    #[serde(default)]
    pub comments: i64,
    #[serde(default)]
    pub shares: i64,
    #[serde(default)]
    pub favorites: i64,
}

/// `POST /_reelbox/activity` answer: the post's new counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ActivityView {
    pub comment_count: i64,
    pub favorite_count: i64,
    pub like_count: i64,
    pub post_id: String,
    pub share_count: i64,
    pub view_count: i64,
}

/// Body of `POST /_reelbox/likes` and `POST /_reelbox/reposts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ListActivityBody {
    /// Who likes or reposts.
    pub username: String,
    pub post_id: String,
    /// When (epoch ms; default: the server's now).
    #[serde(default)]
    pub at: Option<i64>,
    /// Take the like or repost back instead.
    #[serde(default)]
    pub undo: bool,
}

/// `POST /_reelbox/likes` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LikeView {
    pub like_count: i64,
    pub liked: bool,
    pub post_id: String,
    pub username: String,
}

/// `POST /_reelbox/reposts` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RepostView {
    /// Whether the repost row changed (false when it already was as asked).
    pub changed: bool,
    pub post_id: String,
    pub reposted: bool,
    pub username: String,
}

/// Body of `PUT /_reelbox/pins`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PinsBody {
    pub username: String,
    /// The creator's own posts, in pin order (at most 3; empty unpins all).
    pub post_ids: Vec<String>,
}

/// `PUT /_reelbox/pins` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PinsView {
    pub post_ids: Vec<String>,
    pub username: String,
}

/// Body of `POST /_reelbox/playlists`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlaylistBody {
    pub username: String,
    pub name: String,
    /// The creator's own posts, in playlist order; a post is in one playlist at most.
    #[serde(default)]
    pub post_ids: Vec<String>,
}

/// `POST /_reelbox/playlists` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlaylistView {
    pub name: String,
    /// The id research answers (a number).
    pub playlist_id: Option<u64>,
    pub post_ids: Vec<String>,
}

/// Body of `PATCH /_reelbox/creators/{username}/lists`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ListPrivacyBody {
    /// `YYYY-MM-DD`; `""` clears it (no declared date reads as adult).
    #[serde(default)]
    pub birth_date: Option<String>,
    #[serde(default)]
    pub liked_list_public: Option<bool>,
}

/// `PATCH /_reelbox/creators/{username}/lists` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ListPrivacyView {
    pub birth_date: Option<String>,
    pub liked_list_public: bool,
    pub username: String,
}

/// A review of `POST /_reelbox/shops`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReviewIn {
    pub display_name: String,
    /// 1 to 5 stars.
    pub rating: i64,
    pub text: String,
    #[serde(default)]
    pub like_count: i64,
    /// Epoch ms (default: the server's now).
    #[serde(default)]
    pub create_time: Option<i64>,
}

/// A product of `POST /_reelbox/shops`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProductIn {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Minor units (2079 = 20.79).
    pub price: i64,
    pub currency: String,
    #[serde(default)]
    pub sold_count: i64,
    /// 0.0 to 5.0, one decimal kept.
    #[serde(default)]
    pub rating: f64,
    /// Reviews with 1..5 stars (default: the reviews given, counted).
    #[serde(default)]
    pub star_counts: Option<[i64; 5]>,
    #[serde(default = "d_region")]
    pub region_code: String,
    #[serde(default)]
    pub reviews: Vec<ReviewIn>,
}

fn d_region() -> String {
    "GB".into()
}

/// Body of `POST /_reelbox/shops`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ShopIn {
    pub name: String,
    /// 0.0 to 5.0, one decimal kept.
    #[serde(default)]
    pub rating: f64,
    /// 0 to 100.
    #[serde(default)]
    pub performance_value: i64,
    #[serde(default)]
    pub products: Vec<ProductIn>,
}

/// `POST /_reelbox/shops` answer: the ids research answers (numbers), products in the order given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ShopView {
    pub product_ids: Vec<Option<u64>>,
    pub shop_id: Option<u64>,
}
