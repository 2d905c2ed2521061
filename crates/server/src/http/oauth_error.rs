//! TikTok's OAuth error form `{"error", "error_description", "log_id"}`: the token and revoke
//! endpoints answer in it, and so do unknown routes under `/v2/oauth/` and `/v2/auth/`.
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use reelbox_wire::oauth::OAuthError;

use crate::http::error::current_log_id;

/// An error in the OAuth form: `{"error", "error_description", "log_id"}`.
#[derive(Debug)]
pub struct OAuthFailure {
    pub error: &'static str,
    pub description: String,
    /// Seconds for a `Retry-After` header (`rate_limit_exceeded`).
    pub retry_after: Option<u64>,
    /// The status when it is not the error's usual one (404 and 405 of unknown routes).
    pub status: Option<StatusCode>,
}

impl OAuthFailure {
    pub fn new(error: &'static str, description: impl Into<String>) -> Self {
        OAuthFailure {
            error,
            description: description.into(),
            retry_after: None,
            status: None,
        }
    }
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }
    fn status(&self) -> StatusCode {
        if let Some(s) = self.status {
            return s;
        }
        match self.error {
            "invalid_client" => StatusCode::UNAUTHORIZED,
            "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
            "rate_limit_exceeded" => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl From<reelbox_store::StoreError> for OAuthFailure {
    fn from(e: reelbox_store::StoreError) -> Self {
        tracing::error!(log_id = %current_log_id(), error = %e, "oauth store failure");
        OAuthFailure::new(
            "server_error",
            "The server could not complete the request; retry later.",
        )
    }
}

impl IntoResponse for OAuthFailure {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut resp = (
            status,
            Json(OAuthError {
                error: self.error.into(),
                error_description: self.description,
                log_id: current_log_id(),
            }),
        )
            .into_response();
        resp.headers_mut()
            .insert("cache-control", "no-store".parse().expect("static header"));
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert("retry-after", axum::http::HeaderValue::from(secs));
        }
        resp
    }
}
