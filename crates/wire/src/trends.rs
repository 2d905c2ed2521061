//! reelbox's own research extensions over the trend buckets: hashtags and sounds by name or id
//! with a daily series, and their rankings by region and period. Not TikTok's wire; shaped like
//! it (`fields=`, `cursor`, `has_more`).
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::fields::{Picked, Selectable, extend, id_number, id_numbers};

/// The body of `POST /reelbox/v1/hashtag/query/`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct HashtagQueryBody {
    /// 1 to 20 names, with or without `#`.
    pub hashtag_names: Option<Vec<String>>,
    /// `YYYYMMDD`; default: 29 days before `end_date`.
    pub start_date: Option<String>,
    /// `YYYYMMDD`; default: today.
    pub end_date: Option<String>,
    /// Default: every region (`ALL`).
    pub region_code: Option<String>,
}

/// The body of `POST /reelbox/v1/hashtag/trend/`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct HashtagTrendBody {
    /// Default `US`.
    pub region_code: Option<String>,
    /// 7, 30 or 120 days; default 7.
    pub period: Option<i64>,
    pub max_count: Option<i64>,
    pub cursor: Option<i64>,
}

/// The body of `POST /reelbox/v1/music/query/`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct MusicQueryBody {
    /// Numbers or decimal strings.
    #[schema(value_type = Option<Vec<String>>)]
    pub music_ids: Option<Vec<Value>>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
}

/// The body of `POST /reelbox/v1/music/trend/`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct MusicTrendBody {
    pub region_code: Option<String>,
    pub period: Option<i64>,
    /// `popular` (default) or `surging`.
    pub rank_type: Option<String>,
    pub commercial_only: Option<bool>,
    /// Leave out the sounds among the previous period's leaders.
    pub new_on_board: Option<bool>,
    pub max_count: Option<i64>,
    pub cursor: Option<i64>,
}

/// One day of a series: videos posted and views gained.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct DayCount {
    /// `YYYYMMDD`.
    pub date: String,
    pub video_count: i64,
    pub view_count: i64,
}

/// One day of a ranking's curve: views scaled so that the peak is 1.0.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct TrendPoint {
    /// Unix seconds of the day's start.
    pub time: i64,
    pub value: f64,
}

/// A hashtag with its totals and daily series.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Hashtag {
    pub hashtag_id: i64,
    pub hashtag_name: String,
    pub hashtag_description: String,
    pub video_count: i64,
    pub view_count: i64,
    pub is_commerce: bool,
    /// Unix seconds of the day it was first used.
    pub create_time: i64,
    pub trend: Vec<DayCount>,
}

impl Selectable for Hashtag {
    const FIELDS: &'static [&'static str] = &[
        "hashtag_id",
        "hashtag_name",
        "hashtag_description",
        "video_count",
        "view_count",
        "is_commerce",
        "create_time",
        "trend",
    ];
}

/// The answer of `POST /reelbox/v1/hashtag/query/`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Hashtags {
    #[schema(value_type = Vec<Hashtag>)]
    pub hashtags: Vec<Picked<Hashtag>>,
}

/// A hashtag's place in a region's ranking.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct TrendingHashtag {
    pub rank: i64,
    /// Places gained since the previous period; absent when it was not ranked then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank_diff: Option<i64>,
    pub hashtag_id: i64,
    pub hashtag_name: String,
    /// In the period.
    pub video_count: i64,
    pub view_count: i64,
    /// Of all time.
    pub video_count_all: i64,
    pub view_count_all: i64,
    pub region_code: String,
    pub is_promoted: bool,
    pub trend: Vec<TrendPoint>,
}

impl Selectable for TrendingHashtag {
    const FIELDS: &'static [&'static str] = &[
        "rank",
        "rank_diff",
        "hashtag_id",
        "hashtag_name",
        "video_count",
        "view_count",
        "video_count_all",
        "view_count_all",
        "region_code",
        "is_promoted",
        "trend",
    ];
}

/// The answer of `POST /reelbox/v1/hashtag/trend/`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HashtagRanking {
    pub cursor: i64,
    pub has_more: bool,
    #[schema(value_type = Vec<TrendingHashtag>)]
    pub hashtags: Vec<Picked<TrendingHashtag>>,
    pub period: i64,
    pub region_code: String,
}

/// A sound with its totals and daily series.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Music {
    #[serde(serialize_with = "id_number")]
    #[schema(value_type = u64)]
    pub music_id: String,
    #[serde(flatten)]
    pub info: MusicInfo,
    pub video_count: i64,
    pub view_count: i64,
    pub trend: Vec<DayCount>,
}

impl Selectable for Music {
    const FIELDS: &'static [&'static str] = &[
        "music_id",
        "title",
        "author",
        "duration",
        "cover_url",
        "is_original",
        "is_commercial",
        "video_count",
        "view_count",
        "create_time",
        "trend",
    ];
}

/// The answer of `POST /reelbox/v1/music/query/`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Musics {
    #[schema(value_type = Vec<Music>)]
    pub musics: Vec<Picked<Music>>,
}

/// A sound's metadata, where the ranking knows it.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct MusicInfo {
    pub title: String,
    pub author: String,
    /// Seconds.
    pub duration: i64,
    pub cover_url: String,
    pub is_original: bool,
    pub is_commercial: bool,
    pub create_time: i64,
}

/// A sound's place in a region's ranking. A sound whose metadata is unknown has only the
/// ranking's own fields.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct TrendingMusic {
    pub rank: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank_diff: Option<i64>,
    #[serde(serialize_with = "id_number")]
    #[schema(value_type = u64)]
    pub music_id: String,
    #[serde(flatten)]
    pub info: Option<MusicInfo>,
    pub video_count: i64,
    pub view_count: i64,
    pub trend: Vec<TrendPoint>,
    /// Up to five recent videos with the sound.
    #[serde(serialize_with = "id_numbers")]
    #[schema(value_type = Vec<u64>)]
    pub related_video_ids: Vec<String>,
}

/// A ranked sound's fields: the Music object's and the ranking's own.
const TRENDING_MUSIC_FIELDS: [&str; 14] =
    extend(Music::FIELDS, &["rank", "rank_diff", "related_video_ids"]);

impl Selectable for TrendingMusic {
    const FIELDS: &'static [&'static str] = &TRENDING_MUSIC_FIELDS;
}

/// The answer of `POST /reelbox/v1/music/trend/`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MusicRanking {
    pub cursor: i64,
    pub has_more: bool,
    #[schema(value_type = Vec<TrendingMusic>)]
    pub musics: Vec<Picked<TrendingMusic>>,
    pub period: i64,
    pub region_code: String,
}
