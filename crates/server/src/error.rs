//! The one error type of the wire API and its rendering into TikTok's envelope, plus the body
//! extractor that turns any malformed input into the endpoint's own error code.
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use reelbox_core::RuleError;
use reelbox_wire::{Envelope, ErrorBody, ErrorCode, ErrorOnly};
use serde::Serialize;
use serde::de::DeserializeOwned;

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
        let body = Envelope {
            data: serde_json::json!({}),
            error: ErrorBody {
                code: self.code.as_str().to_string(),
                message: self.message,
                log_id,
            },
        };
        let mut resp = (status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert("retry-after", v);
            }
        }
        resp.extensions_mut().insert(CodeMark(self.code));
        resp
    }
}

/// A successful v2 response: `{"data": …, "error": {"code": "ok", …}}`.
pub struct Data<T>(pub T);

impl<T: Serialize> IntoResponse for Data<T> {
    fn into_response(self) -> Response {
        let mut resp = axum::Json(Envelope {
            data: self.0,
            error: ErrorBody::ok(current_log_id()),
        })
        .into_response();
        resp.extensions_mut().insert(CodeMark(ErrorCode::Ok));
        resp
    }
}

/// Success without `data`, as `cancel/` answers.
pub struct OkNoData;

impl IntoResponse for OkNoData {
    fn into_response(self) -> Response {
        let mut resp = axum::Json(ErrorOnly {
            error: ErrorBody::ok(current_log_id()),
        })
        .into_response();
        resp.extensions_mut().insert(CodeMark(ErrorCode::Ok));
        resp
    }
}

/// A non-ok code answered with HTTP 200 and data (creator_info's "intentional" 200s).
pub struct SoftError<T> {
    pub data: T,
    pub code: ErrorCode,
    pub message: String,
}

impl<T: Serialize> IntoResponse for SoftError<T> {
    fn into_response(self) -> Response {
        let body = Envelope {
            data: self.data,
            error: ErrorBody {
                code: self.code.as_str().into(),
                message: self.message,
                log_id: current_log_id(),
            },
        };
        let mut resp = (StatusCode::OK, axum::Json(body)).into_response();
        resp.extensions_mut().insert(CodeMark(self.code));
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Which "bad request" code an endpoint family speaks.
pub trait Dialect: Send + Sync + 'static {
    const INVALID: ErrorCode;
}

/// Posting endpoints: `invalid_param`.
pub struct Posting;
impl Dialect for Posting {
    const INVALID: ErrorCode = ErrorCode::InvalidParam;
}

/// Read endpoints and the control API: `invalid_params`.
pub struct Reading;
impl Dialect for Reading {
    const INVALID: ErrorCode = ErrorCode::InvalidParams;
}

/// A JSON body parsed whatever the Content-Type says (some clients send none, TikTok's own
/// examples send text/plain). An empty body reads as `{}`; unknown fields are ignored; anything
/// malformed, mistyped or oversized answers the dialect's code with the parser's explanation.
pub struct WireJson<T, D: Dialect = Posting>(pub T, pub std::marker::PhantomData<D>);

impl<S, T, D> FromRequest<S> for WireJson<T, D>
where
    S: Send + Sync,
    T: DeserializeOwned,
    D: Dialect,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            let msg = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                "The request body is too large.".to_string()
            } else {
                format!("The request body could not be read: {e}")
            };
            ApiError::new(D::INVALID, msg)
        })?;
        parse_json_body::<T>(&bytes)
            .map(|v| WireJson(v, std::marker::PhantomData))
            .map_err(|m| ApiError::new(D::INVALID, m))
    }
}

/// The parsing rule of [`WireJson`].
pub use reelbox_wire::parse_json_body;
