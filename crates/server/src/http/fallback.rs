//! What answers when no handler does: unknown paths and methods in the API's envelope (HTML
//! elsewhere), a panic as `internal_error`, and TikTok's trailing slash added before routing.
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use reelbox_wire::ErrorCode;

use crate::http::context::CallSlot;
use crate::http::error::ApiError;
use crate::http::oauth_error::OAuthFailure;
use crate::http::surface::{self, Surface};
use crate::state::AppState;
use axum::extract::State;

/// An unknown path. In sandbox mode a near miss is offered in `X-Reelbox-Hint`, and a call
/// that presents a valid token is recorded for its app, so the app's inspector shows it.
pub async fn fallback(State(st): State<AppState>, req: Request) -> Response {
    let path = req.uri().path();
    if st.sandbox()
        && path.starts_with("/v2/")
        && let Some(slot) = req.extensions().get::<CallSlot>()
    {
        if let Some(hint) = st.hints.route(path) {
            slot.hint(hint);
        }
        if let Some(token) = crate::http::auth::bearer_of(req.headers()) {
            let hash = reelbox_core::secrets::sha256_hex(token);
            if let Ok(Some(t)) = st.store.token(&hash).await {
                slot.set(&t.client_key, t.creator_id.as_deref(), Some(&hash));
            }
        }
    }
    refusal(
        path,
        StatusCode::NOT_FOUND,
        format!("No endpoint {} {path}", req.method()),
    )
}

pub async fn method_not_allowed(req: Request) -> Response {
    let path = req.uri().path();
    let message = format!("Method {} is not allowed on {path}", req.method());
    refusal(path, StatusCode::METHOD_NOT_ALLOWED, message)
}

/// An unknown route or method, in the form of the surface it was asked of (TikTok's v2 code
/// list has no `not_found`: that code is reelbox's own, for its own APIs).
fn refusal(path: &str, status: StatusCode, message: String) -> Response {
    let code = match surface::of(path) {
        Surface::OAuth => {
            return OAuthFailure::new("invalid_request", message)
                .with_status(status)
                .into_response();
        }
        Surface::Pages => {
            let page = format!(
                "<!doctype html><title>{0}</title><p>{0}.</p>",
                status.canonical_reason().unwrap_or("Error")
            );
            return (status, axum::response::Html(page)).into_response();
        }
        Surface::Posting => ErrorCode::InvalidParam,
        Surface::Reading => ErrorCode::InvalidParams,
        Surface::Own if status == StatusCode::NOT_FOUND => ErrorCode::NotFound,
        Surface::Own => ErrorCode::InvalidParam,
    };
    ApiError::new(code, message)
        .with_status(status)
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
/// redirect: a 301/308 drops POST bodies in some clients), a leniency the request then carries
/// ([`SlashAdded`]). Applied by the connection's service before routing.
pub fn add_trailing_slash<B>(req: &mut http::Request<B>) {
    let path = req.uri().path();
    if (path.starts_with("/v2/") || path.starts_with(surface::NATIVE_PREFIX))
        && !path.ends_with('/')
    {
        let pq = match req.uri().query() {
            Some(q) => format!("{path}/?{q}"),
            None => format!("{path}/"),
        };
        if let Ok(uri) = pq.parse() {
            *req.uri_mut() = uri;
            req.extensions_mut().insert(SlashAdded);
        }
    }
}

/// Marks a request whose path came without TikTok's trailing slash.
#[derive(Debug, Clone, Copy)]
pub struct SlashAdded;
