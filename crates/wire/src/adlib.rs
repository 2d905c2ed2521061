//! Commercial Content API (ad library, `more-v2-products.md` §3): the ad query, ad detail and
//! advertiser query answers, and the control API's ad. Answer objects carry only the fields a
//! request selected, so every field is optional and absent ones are left out.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A body of the ad library (its rules are read from the JSON itself, so that each bad value
/// gets its own message).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct AdQueryBody {
    /// `ad_published_date_range` (required), `country_code`, `advertiser_business_ids`,
    /// `unique_users_seen_size_range`.
    #[schema(value_type = Object)]
    pub filters: Option<serde_json::Value>,
    pub search_term: Option<String>,
    /// `exact_phrase` (default) or `fuzzy_phrase`.
    pub search_type: Option<String>,
    pub max_count: Option<i64>,
    pub search_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdVideo {
    pub url: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Reach {
    /// A bucket such as `11K`.
    pub unique_users_seen: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unique_users_seen_by_country: Option<BTreeMap<String, String>>,
}

/// An ad: the fields selected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Ad {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// `YYYYMMDD` as a number, as TikTok's examples print it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_shown_date: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_shown_date: Option<i64>,
    /// `active` or `inactive`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_statement: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub videos: Option<Vec<AdVideo>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_urls: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reach: Option<Reach>,
}

/// An advertiser as the ad query shows it: the fields selected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdAdvertiser {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_name: Option<String>,
    /// Selected with `advertiser.paid_for_by`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_by: Option<String>,
}

/// One result of the ad query: the groups with a selected field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdDto {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ad: Option<Ad>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advertiser: Option<AdAdvertiser>,
}

/// `data` of `ad/query/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QueryAdData {
    pub ads: Vec<AdDto>,
    pub has_more: bool,
    /// Send it back, with the same body, for the next page; empty on the last page.
    pub search_id: String,
}

/// The control API's new ad (`POST /_reelbox/ads`), with its advertiser (created by its
/// first ad; later ads name it by `business_id`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdIn {
    /// Chosen by the server when absent (a time-ordered id).
    pub id: Option<i64>,
    pub advertiser: AdvertiserIn,
    #[serde(default)]
    pub title: String,
    /// `active` (default) or `inactive`.
    pub status: Option<String>,
    #[serde(default)]
    pub status_statement: String,
    /// `YYYYMMDD`: the day the ad was published and first shown.
    pub first_shown_date: String,
    /// `YYYYMMDD`, not before the first; the first when absent.
    pub last_shown_date: Option<String>,
    /// Targeted country codes (the API's supported ones).
    #[serde(default)]
    pub countries: Vec<String>,
    /// Unique users who saw the ad.
    #[serde(default)]
    pub reach: i64,
    /// Video URLs.
    #[serde(default)]
    pub videos: Vec<String>,
    #[serde(default)]
    pub image_urls: Vec<String>,
    /// What only `ad/detail/` shows.
    #[serde(default)]
    pub detail: AdDetailFacts,
}

/// The facts of an ad only `ad/detail/` shows, as the control API takes them and as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdDetailFacts {
    #[serde(default)]
    pub external_url: String,
    #[serde(default)]
    pub download_url: String,
    #[serde(default)]
    pub call_to_action: String,
    #[serde(default)]
    pub advertising_objective: String,
    /// Unique users who saw the ad, per country code.
    #[serde(default)]
    pub reach_by_country: BTreeMap<String, i64>,
    /// Present for a rejected ad.
    #[serde(default)]
    pub rejection_info: Option<RejectionInfo>,
    #[serde(default)]
    pub targeting: TargetingIn,
}

/// Whom an ad targets, as the control API takes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetingIn {
    /// Users targeted.
    #[serde(default)]
    pub users_targeted: i64,
    /// Age groups among `13-17`, `18-24`, `25-34`, `35-44`, `45-54`, `55+`; all when empty.
    #[serde(default)]
    pub ages: Vec<String>,
    /// Among `female`, `male`, `other_genders`; all when empty.
    #[serde(default)]
    pub genders: Vec<String>,
    #[serde(default)]
    pub audience_targeting: bool,
    #[serde(default)]
    pub video_interactions: String,
    #[serde(default)]
    pub creator_interactions: String,
    #[serde(default)]
    pub interests: Vec<String>,
}

/// Why an ad was rejected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RejectionInfo {
    #[serde(default)]
    pub reasons: Vec<String>,
    /// Country codes.
    #[serde(default)]
    pub affected_countries: Vec<String>,
    #[serde(default)]
    pub reporting_source: String,
    /// Null when a person decided.
    #[serde(default)]
    pub automated_notice: Option<String>,
}

/// `ad_group.targeting_info` of `ad/detail/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TargetingInfo {
    pub number_of_users_targeted: String,
    pub country: Vec<String>,
    pub age: BTreeMap<String, bool>,
    pub gender: BTreeMap<String, bool>,
    /// `Yes` or `No`.
    pub audience_targeting: String,
    pub video_interactions: String,
    pub creator_interactions: String,
    /// Interest categories, comma-joined.
    pub interest: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdGroup {
    pub targeting_info: TargetingInfo,
}

/// An ad as `ad/detail/` shows it: the query's fields and the detail's own, as selected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdDetail {
    #[serde(flatten)]
    pub ad: Ad,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_to_action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advertising_objective: Option<String>,
    /// For a rejected ad, with any selected ad field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejection_info: Option<RejectionInfo>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TikTokAccount {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follower_count: Option<i64>,
}

/// An advertiser as `ad/detail/` shows it, as selected (`country_code` with any field).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdvertiserDetail {
    #[serde(flatten)]
    pub advertiser: AdAdvertiser,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tiktok_account: Option<TikTokAccount>,
}

/// `data` of `ad/detail/`: the groups with a selected field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdDetailData {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ad: Option<AdDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advertiser: Option<AdvertiserDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ad_group: Option<AdGroup>,
}

/// The body of `ad/detail/`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct AdDetailBody {
    /// Required; a number or a decimal string.
    #[schema(value_type = i64)]
    pub ad_id: Option<serde_json::Value>,
}

/// The body of `advertiser/query/`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct AdvertiserQueryBody {
    /// Required, at most 50 characters.
    pub search_term: Option<String>,
    pub max_count: Option<i64>,
}

/// An advertiser as `advertiser/query/` shows it: the fields selected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdvertiserItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
}

/// `data` of `advertiser/query/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdvertiserQueryData {
    pub advertisers: Vec<AdvertiserItem>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvertiserIn {
    /// Chosen by the server when absent.
    pub business_id: Option<i64>,
    #[serde(default)]
    pub business_name: String,
    /// The funding source; the business name when absent.
    pub paid_by: Option<String>,
    /// ISO 3166-1 alpha-2; `US` when absent.
    pub country_code: Option<String>,
    #[serde(default)]
    pub follower_count: i64,
    #[serde(default)]
    pub avatar_url: String,
    #[serde(default)]
    pub profile_url: String,
}

/// The control API's answer: the new ad's id and its advertiser's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdView {
    pub id: i64,
    pub business_id: i64,
    pub business_name: String,
}

/// The body of `ad/report/`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct AdReportBody {
    /// `ad_published_date_range` (required), `country_code`, `advertiser_business_ids`.
    #[schema(value_type = Object)]
    pub filters: Option<serde_json::Value>,
}

/// Ads published on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DateCount {
    /// `YYYYMMDD`.
    pub date: String,
    pub count: i64,
}

/// `data` of `ad/report/`: per country code, the days with ads, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReportData {
    pub count_time_series_by_country: BTreeMap<String, Vec<DateCount>>,
}
