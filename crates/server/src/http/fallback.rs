//! What answers when no handler does: unknown paths and methods in the API's envelope (HTML
//! elsewhere), a panic as `internal_error`, and TikTok's trailing slash added before routing.
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use reelbox_wire::ErrorCode;

use crate::http::error::ApiError;

pub async fn fallback(req: Request) -> Response {
    if req.uri().path().starts_with("/v2/") || req.uri().path().starts_with("/_reelbox/") {
        ApiError::new(
            ErrorCode::NotFound,
            format!("No endpoint {} {}", req.method(), req.uri().path()),
        )
        .into_response()
    } else {
        (
            StatusCode::NOT_FOUND,
            axum::response::Html("<!doctype html><title>Not found</title><p>Not found.</p>"),
        )
            .into_response()
    }
}

pub async fn method_not_allowed(req: Request) -> Response {
    ApiError::new(
        ErrorCode::InvalidParam,
        format!(
            "Method {} is not allowed on {}",
            req.method(),
            req.uri().path()
        ),
    )
    .with_status(StatusCode::METHOD_NOT_ALLOWED)
    .into_response()
}

pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a handler panicked");
    ApiError::new(
        ErrorCode::InternalError,
        "Something went wrong on the server; retry later.",
    )
    .into_response()
}

/// TikTok's paths end with a slash; clients that drop it are served the same route (no
/// redirect: a 301/308 drops POST bodies in some clients). Applied by the connection's service
/// before routing.
pub fn add_trailing_slash<B>(req: &mut http::Request<B>) {
    let path = req.uri().path();
    if path.starts_with("/v2/") && !path.ends_with('/') {
        let pq = match req.uri().query() {
            Some(q) => format!("{path}/?{q}"),
            None => format!("{path}/"),
        };
        if let Ok(uri) = pq.parse() {
            *req.uri_mut() = uri;
        }
    }
}
