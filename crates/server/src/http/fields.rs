//! `fields=` of the read endpoints, parsed once for all of them: the names asked for, kept when
//! the answer object knows them ([`reelbox_core::research::select_fields`]), then used to pick
//! from each typed answer object ([`reelbox_wire::fields::select`]).
use std::marker::PhantomData;

use reelbox_core::research::{select_fields, split_fields};
use reelbox_wire::fields::{Picked, Selectable, select};
use serde::Deserialize;
use serde_json::Value;

use crate::http::error::{ApiError, ApiResult};

/// `?fields=` of a read endpoint.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FieldsParam {
    /// Comma-separated field names.
    #[serde(default)]
    pub fields: Option<String>,
}

/// The fields of `T` a request asked for.
#[derive(Debug, Clone)]
pub struct Fields<T> {
    names: Vec<String>,
    of: PhantomData<fn() -> T>,
}

impl<T: Selectable> Fields<T> {
    /// From the query string's `fields`.
    pub fn parse(query: Option<&str>) -> ApiResult<Self> {
        Self::among(query, None, T::FIELDS)
    }

    /// From the query string's `fields`, or, when it names none, from a body's `fields` (a
    /// comma-separated string or a list of names): TikTok documents the query string but some
    /// of its examples send the body.
    pub fn parse_or_body(query: Option<&str>, body: Option<&Value>) -> ApiResult<Self> {
        Self::among(query, body, T::FIELDS)
    }

    /// As [`Fields::parse_or_body`], for an endpoint that accepts fewer names than `T` has.
    pub fn among(query: Option<&str>, body: Option<&Value>, known: &[&str]) -> ApiResult<Self> {
        let from_body = match body {
            Some(Value::Array(a)) => Some(
                a.iter()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        let requested = query
            .filter(|f| !split_fields(f).is_empty())
            .map(str::to_string)
            .or(from_body);
        let names = select_fields(requested.as_deref(), known).map_err(ApiError::from)?;
        Ok(Fields {
            names,
            of: PhantomData,
        })
    }

    /// Every field of `T`, for an endpoint that takes no `fields` (TikTok's playlist info).
    pub fn all() -> Self {
        Fields {
            names: T::FIELDS.iter().map(|f| f.to_string()).collect(),
            of: PhantomData,
        }
    }

    /// The names kept, in the order asked.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Whether `name` was asked for (to read what only it needs).
    pub fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    /// `item` with the asked-for fields only.
    pub fn pick(&self, item: &T) -> Picked<T> {
        select(item, &self.names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reelbox_wire::research::TtsShop;
    use serde_json::json;

    fn names(f: ApiResult<Fields<TtsShop>>) -> Vec<String> {
        f.expect("fields").names().to_vec()
    }

    #[test]
    fn the_query_string_wins_over_the_body_and_unknown_names_are_dropped() {
        let body = json!(["shop_rating"]);
        assert_eq!(
            names(Fields::parse_or_body(Some("shop_name,colour"), Some(&body))),
            ["shop_name"]
        );
        assert_eq!(
            names(Fields::parse_or_body(Some(" , "), Some(&body))),
            ["shop_rating"]
        );
        let comma = json!("shop_id, shop_name");
        assert_eq!(
            names(Fields::parse_or_body(None, Some(&comma))),
            ["shop_id", "shop_name"]
        );
    }

    #[test]
    fn no_known_field_is_a_bad_request() {
        let e = Fields::<TtsShop>::parse(None).expect_err("none");
        assert_eq!(e.message, "fields is required");
        let e = Fields::<TtsShop>::parse(Some("colour")).expect_err("unknown");
        assert_eq!(e.message, "fields contains no valid field name");
    }

    #[test]
    fn a_pick_keeps_only_the_asked_fields() {
        let f = Fields::<TtsShop>::parse(Some("shop_name")).expect("fields");
        let shop = TtsShop {
            shop_id: "7".into(),
            shop_name: "Corner".into(),
            ..TtsShop::default()
        };
        assert_eq!(f.pick(&shop).json(), &json!({"shop_name": "Corner"}));
        assert!(f.has("shop_name") && !f.has("shop_id"));
    }
}
