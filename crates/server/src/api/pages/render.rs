//! Helpers for the HTML side: rendering askama templates, cookies, redirects, static assets.
use askama::Template;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::state::AppState;

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub title: &'a str,
    pub message: &'a str,
}

/// Renders a template; a template error (a bug) becomes a plain 500 page rather than a panic.
pub fn render<T: Template>(t: &T) -> Html<String> {
    match t.render() {
        Ok(s) => Html(s),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            Html("<!doctype html><title>Error</title><p>The page could not be rendered.</p>".into())
        }
    }
}

/// `302 Found` with a Location, as TikTok's authorize answers.
pub fn found(location: &str) -> Response {
    (
        StatusCode::FOUND,
        [(header::LOCATION, location.to_string())],
    )
        .into_response()
}

pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.split(';').find_map(|kv| {
                let (k, val) = kv.trim().split_once('=')?;
                (k == name).then(|| val.to_string())
            })
        })
}

/// `; Secure` when the platform is served over TLS.
pub fn secure_attr(st: &AppState) -> &'static str {
    if st.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    }
}

const CSS: &str = include_str!("../../../static/reelbox.css");

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}
