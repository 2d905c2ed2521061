//! `fields=`: a read endpoint answers only the fields its caller names. An answer object is a
//! typed struct with every field it can carry; [`select`] keeps the named ones. The result is a
//! JSON object, whose keys serde_json writes sorted, as every read answer has always been
//! written.
use std::marker::PhantomData;

use serde::{Serialize, Serializer};
use serde_json::Value;

/// An answer object whose fields a `fields=` list picks.
pub trait Selectable: Serialize {
    /// The names `fields=` may use, in the order TikTok documents them. A name the object never
    /// carries (TikTok's `voice_to_text`, say) is accepted and answers nothing.
    const FIELDS: &'static [&'static str];
}

/// `base` followed by `more`: the field list of an object that extends another. `N` must be
/// their total length (checked when the constant is evaluated).
pub const fn extend<const N: usize>(
    base: &[&'static str],
    more: &[&'static str],
) -> [&'static str; N] {
    assert!(base.len() + more.len() == N, "N is the sum of both lengths");
    let mut out = [""; N];
    let mut i = 0;
    while i < base.len() {
        out[i] = base[i];
        i += 1;
    }
    let mut j = 0;
    while j < more.len() {
        out[base.len() + j] = more[j];
        j += 1;
    }
    out
}

/// An answer object reduced to the fields asked for; serialized as that JSON object. Its
/// OpenAPI schema is `T`'s (declared with `#[schema(value_type = T)]` where it is used).
#[derive(Debug, Clone, PartialEq)]
pub struct Picked<T> {
    json: Value,
    of: PhantomData<fn() -> T>,
}

impl<T> Picked<T> {
    /// The selected object as JSON.
    pub fn json(&self) -> &Value {
        &self.json
    }
}

impl<T> Serialize for Picked<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(s)
    }
}

/// `item` with only the fields named in `fields`; a field `item` leaves out stays out.
pub fn select<T: Serialize>(item: &T, fields: &[String]) -> Picked<T> {
    let json = match serde_json::to_value(item) {
        Ok(Value::Object(mut all)) => {
            all.retain(|k, _| fields.iter().any(|f| f == k));
            Value::Object(all)
        }
        // Answer objects are structs; anything else has no fields to pick.
        _ => Value::Object(Default::default()),
    };
    Picked {
        json,
        of: PhantomData,
    }
}

/// Serializes a decimal id as a JSON number (ids exceed 2^53; serde_json keeps u64 exact), and
/// anything that is not a decimal id as `null`.
pub fn id_number<S: Serializer>(id: &str, s: S) -> Result<S::Ok, S::Error> {
    match id.parse::<u64>() {
        Ok(n) => s.serialize_u64(n),
        Err(_) => s.serialize_none(),
    }
}

/// [`id_number`] for a list of ids.
pub fn id_numbers<S: Serializer>(ids: &[String], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(ids.len()))?;
    for id in ids {
        seq.serialize_element(&id.parse::<u64>().ok())?;
    }
    seq.end()
}

/// [`id_number`] for an id that may be absent (skipped then with `skip_serializing_if`).
pub fn opt_id_number<S: Serializer>(id: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match id {
        Some(id) => id_number(id, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Item {
        #[serde(serialize_with = "id_number")]
        id: String,
        name: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        extra: Option<i64>,
    }

    #[test]
    fn select_keeps_the_named_fields_with_sorted_keys() {
        let item = Item {
            id: "18446744073709551615".into(),
            name: "a",
            extra: None,
        };
        let fields = vec!["name".to_string(), "id".into(), "extra".into()];
        let out = serde_json::to_string(&select(&item, &fields)).expect("json");
        assert_eq!(out, r#"{"id":18446744073709551615,"name":"a"}"#);
        let only = serde_json::to_string(&select(&item, &["name".to_string()])).expect("json");
        assert_eq!(only, r#"{"name":"a"}"#);
    }

    #[test]
    fn an_id_that_is_not_decimal_is_null() {
        let item = Item {
            id: "abc".into(),
            name: "a",
            extra: Some(1),
        };
        let out = serde_json::to_string(&select(&item, &["id".to_string()])).expect("json");
        assert_eq!(out, r#"{"id":null}"#);
    }

    /// Read answers were written as JSON maps, whose keys serde_json sorts; the typed answers
    /// declare their fields in that order so that the bytes stay the same.
    fn keys_sorted(answer: &impl Serialize) {
        let typed = serde_json::to_string(answer).expect("json");
        let as_map = serde_json::to_value(answer).expect("value").to_string();
        assert_eq!(typed, as_map);
    }

    #[test]
    fn every_read_answer_writes_its_keys_sorted() {
        use crate::{display as d, research as r, shop as s, trends as t};
        let item = || select(&r::ResearchVideo::default(), &["id".to_string()]);
        keys_sorted(&r::VideoQueryPage {
            cursor: 1,
            has_more: true,
            search_id: "7".into(),
            videos: vec![item()],
        });
        keys_sorted(&r::CommentPage {
            comments: vec![],
            cursor: 0,
            has_more: false,
        });
        keys_sorted(&r::FollowersPage {
            cursor: 0,
            has_more: false,
            user_followers: vec![r::Follower::default()],
        });
        keys_sorted(&r::FollowingPage {
            cursor: 0,
            has_more: false,
            user_following: vec![],
        });
        keys_sorted(&r::LikedVideosPage {
            cursor: 0,
            has_more: false,
            user_liked_videos: vec![item()],
        });
        keys_sorted(&r::RepostedVideosPage {
            cursor: 0,
            has_more: false,
            reposted_videos: vec![item()],
            user_reposted_videos: vec![item()],
        });
        let all: Vec<String> = r::Playlist::FIELDS.iter().map(|f| f.to_string()).collect();
        keys_sorted(&r::PlaylistPage {
            cursor: 0,
            has_more: false,
            playlist: select(&r::Playlist::default(), &all),
        });
        keys_sorted(&r::TtsProductPage {
            has_more: false,
            page_start: 1,
            product_data: vec![],
        });
        keys_sorted(&r::TtsReviewPage {
            has_more: false,
            page_start: 1,
            review_data: vec![],
        });
        keys_sorted(&t::HashtagRanking {
            cursor: 0,
            has_more: false,
            hashtags: vec![],
            period: 7,
            region_code: "US".into(),
        });
        keys_sorted(&t::MusicRanking {
            cursor: 0,
            has_more: false,
            musics: vec![],
            period: 7,
            region_code: "US".into(),
        });
        keys_sorted(&s::ProductPage {
            cursor: 0,
            has_more: false,
            products: vec![],
            search_id: "7".into(),
        });
        keys_sorted(&d::VideoListPage {
            cursor: 0,
            has_more: false,
            videos: vec![],
        });
    }
}
