//! The read side: the Research API (client tokens, daily quota; every handler takes the
//! [`crate::http::gate::Research`] gate), TikTok Shop research, and the answer objects the
//! research endpoints build from the store's rows. Request and answer types are
//! `reelbox_wire::research`'s.
pub mod adlib;
pub mod compliance;
pub mod lists;
pub mod tts;
pub mod videos;

use reelbox_wire::ErrorCode;
use reelbox_wire::fields::Picked;
use reelbox_wire::research as wire;
use serde_json::Value;

use crate::http::error::ApiError;
use crate::http::gate::Records;

pub(crate) fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidParams, msg)
}

/// An id sent as a JSON number or a decimal string.
pub(crate) fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => n.as_u64().map(|n| n.to_string()),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse::<u64>().ok().map(|n| n.to_string())
        }
        _ => None,
    }
}

/// Cuts `rows`, read with one row more than a page holds, to the page: whether more follow.
pub(crate) fn keep_page<T>(rows: &mut Vec<T>, limit: i64) -> bool {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit.max(0) as usize);
    more
}

/// A required id of a body: `{name} is required` when absent, `Invalid {name}` when not an id.
pub(crate) fn required_id(v: Option<&Value>, name: &str) -> Result<String, ApiError> {
    match v.filter(|v| !v.is_null()) {
        None => Err(invalid(format!("{name} is required"))),
        Some(v) => id_text(v).ok_or_else(|| invalid(format!("Invalid {name}"))),
    }
}

/// The quota counts one record per item of a list answer.
macro_rules! records_of_list {
    ($($answer:ty => $list:ident),* $(,)?) => {
        $(impl Records for $answer {
            fn records(&self) -> usize {
                self.$list.len()
            }
        })*
    };
}

records_of_list! {
    wire::VideoQueryPage => videos,
    wire::CommentPage => comments,
    wire::FollowersPage => user_followers,
    wire::FollowingPage => user_following,
    wire::LikedVideosPage => user_liked_videos,
    wire::PinnedVideos => pinned_videos_list,
    wire::RepostedVideosPage => user_reposted_videos,
    wire::TtsShops => shop_data,
    wire::TtsProductPage => product_data,
    wire::TtsReviewPage => review_data,
    reelbox_wire::trends::Hashtags => hashtags,
    reelbox_wire::trends::HashtagRanking => hashtags,
    reelbox_wire::trends::Musics => musics,
    reelbox_wire::trends::MusicRanking => musics,
    reelbox_wire::shop::ProductPage => products,
}

/// A user's profile is one record.
impl Records for Picked<wire::ResearchUser> {
    fn records(&self) -> usize {
        1
    }
}

/// A playlist is one record, however many of its ids the page holds.
impl Records for wire::PlaylistPage {
    fn records(&self) -> usize {
        1
    }
}

#[cfg(test)]
mod tests {
    /// The read side's answers are typed so that the OpenAPI document shows their fields.
    #[test]
    fn the_openapi_document_shows_the_fields_of_read_answers() {
        let doc = serde_json::to_value(crate::api::openapi()).expect("json");
        let schemas = &doc["components"]["schemas"];
        for (schema, field) in [
            ("ResearchVideo", "video_description"),
            ("VideoQueryPage", "search_id"),
            ("PlaylistPage", "has_more"),
            ("Comment", "parent_comment_id"),
            ("TtsReview", "review_rating"),
            ("TrendingMusic", "related_video_ids"),
            ("ShopProduct", "sold_count_7d"),
            ("DisplayUser", "union_id"),
            ("VideoListPage", "videos"),
        ] {
            let props = &schemas[schema]["properties"];
            let all_of = &schemas[schema]["allOf"];
            let found = props[field].is_object()
                || all_of
                    .as_array()
                    .is_some_and(|parts| parts.iter().any(|p| p["properties"][field].is_object()));
            assert!(found, "{schema}.{field}: {}", schemas[schema]);
        }
        // Every reference the typed answers brought in names a schema of the document.
        fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
            match v {
                serde_json::Value::Object(m) => {
                    if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                        out.push(r.trim_start_matches("#/components/schemas/").to_string());
                    }
                    m.values().for_each(|x| refs(x, out));
                }
                serde_json::Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
                _ => {}
            }
        }
        let mut all = Vec::new();
        refs(&doc, &mut all);
        for r in all {
            assert!(schemas[&r].is_object(), "dangling $ref {r}");
        }
        // `fields` is a query parameter of every read endpoint that takes it.
        let info = &doc["paths"]["/v2/research/user/info/"]["post"]["parameters"][0];
        assert_eq!(
            (&info["name"], &info["in"]),
            (&"fields".into(), &"query".into())
        );
    }
}
