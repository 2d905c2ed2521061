//! The one error type of the wire API and its rendering into TikTok's envelope.
use crate::http::envelope::json_response;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use reelbox_core::RuleError;
use reelbox_wire::{Envelope, ErrorBody, ErrorCode};

tokio::task_local! {
    /// The log id of the request being served (set by the request middleware).
    pub static LOG_ID: String;
}

/// The current request's log id, or a fresh one outside a request.
pub fn current_log_id() -> String {
    LOG_ID
        .try_with(|s| s.clone())
        .unwrap_or_else(|_| reelbox_core::ids::log_id(reelbox_core::clock::system_now_ms()))
}

/// Marks a response with the error code it carries, for the access log and the call log.
#[derive(Debug, Clone, Copy)]
pub struct CodeMark(pub ErrorCode);

/// Marks an error response with its message, the rule in plain words, for the live inspector.
#[derive(Debug, Clone)]
pub struct MessageMark(pub std::sync::Arc<str>);

/// A wire error: the code, a message safe for the client, and optionally the internal cause that
/// is only logged (with the log id).
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub status: Option<StatusCode>,
    pub cause: Option<anyhow::Error>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            status: None,
            cause: None,
            retry_after: None,
        }
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }

    /// A read endpoint's per-minute limit was reached; `wait` seconds until a request is let in.
    pub fn rate_limited(wait: u64) -> Self {
        let mut e = ApiError::new(
            ErrorCode::RateLimitExceeded,
            "The API rate limit was exceeded. Please try again later.",
        );
        e.retry_after = Some(wait);
        e
    }

    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        ApiError {
            code: ErrorCode::InternalError,
            message: "Something went wrong on the server; retry later.".into(),
            status: None,
            cause: Some(cause.into()),
            retry_after: None,
        }
    }

    pub fn token_invalid() -> Self {
        ApiError::new(
            ErrorCode::AccessTokenInvalid,
            "The access token is invalid or not found in the request.",
        )
    }

    pub fn not_found(what: impl std::fmt::Display) -> Self {
        ApiError::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn status(&self) -> StatusCode {
        self.status.unwrap_or_else(|| {
            StatusCode::from_u16(self.code.http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        })
    }
}

impl From<RuleError> for ApiError {
    fn from(e: RuleError) -> Self {
        ApiError::new(e.code, e.message)
    }
}

impl From<reelbox_store::StoreError> for ApiError {
    fn from(e: reelbox_store::StoreError) -> Self {
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let log_id = current_log_id();
        if let Some(cause) = &self.cause {
            tracing::error!(log_id = %log_id, code = %self.code, error = %format!("{cause:#}"), "request failed");
        }
        let status = self.status();
        let mark = MessageMark(self.message.as_str().into());
        let body = Envelope {
            data: serde_json::json!({}),
            error: ErrorBody {
                code: self.code.as_str().to_string(),
                message: self.message,
                log_id,
            },
        };
        let mut resp = json_response(status, &body);
        resp.extensions_mut().insert(mark);
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert("retry-after", v);
        }
        resp.extensions_mut().insert(CodeMark(self.code));
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// 400 `invalid_param` with a message naming the field.
pub fn invalid_param(msg: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidParam, msg)
}
