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
