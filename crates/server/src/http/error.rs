//! The one error type of the wire API and its rendering into TikTok's envelope, plus the body
//! extractor that turns any malformed input into the endpoint's own error code.
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use reelbox_core::RuleError;
use reelbox_wire::{Envelope, ErrorBody, ErrorCode};
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
        let mut resp = json_response(status, &body);
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
        with_log_id(|log_id| {
            ok_response(&OkEnvelope {
                data: self.0,
                error: OkError::new(log_id),
            })
        })
    }
}

/// A successful response whose `data` is already JSON (serialized once for the answer and the
/// call log's summary).
pub struct RawData<'a>(pub &'a str);

impl IntoResponse for RawData<'_> {
    fn into_response(self) -> Response {
        with_log_id(|log_id| {
            let mut buf = Vec::with_capacity(self.0.len() + 96);
            buf.extend_from_slice(b"{\"data\":");
            buf.extend_from_slice(self.0.as_bytes());
            buf.extend_from_slice(b",\"error\":");
            if let Err(e) = serde_json::to_writer(&mut buf, &OkError::new(log_id)) {
                return unserializable(e);
            }
            buf.push(b'}');
            let mut resp = json_bytes(StatusCode::OK, buf);
            resp.extensions_mut().insert(CodeMark(ErrorCode::Ok));
            resp
        })
    }
}

/// Success without `data`, as `cancel/` answers.
pub struct OkNoData;

impl IntoResponse for OkNoData {
    fn into_response(self) -> Response {
        #[derive(Serialize)]
        struct OkOnly<'a> {
            error: OkError<'a>,
        }
        with_log_id(|log_id| {
            ok_response(&OkOnly {
                error: OkError::new(log_id),
            })
        })
    }
}

/// `error` of a success, borrowing the log id.
#[derive(Serialize)]
struct OkError<'a> {
    code: &'static str,
    message: &'static str,
    log_id: &'a str,
}

impl<'a> OkError<'a> {
    fn new(log_id: &'a str) -> Self {
        OkError {
            code: "ok",
            message: "",
            log_id,
        }
    }
}

#[derive(Serialize)]
struct OkEnvelope<'a, T> {
    data: T,
    error: OkError<'a>,
}

/// Runs `f` with the current request's log id (a fresh one outside a request) without copying it.
fn with_log_id<R>(f: impl FnOnce(&str) -> R) -> R {
    let mut f = Some(f);
    match LOG_ID.try_with(|id| f.take().map(|f| f(id))) {
        Ok(Some(r)) => r,
        _ => {
            let fresh = reelbox_core::ids::log_id(reelbox_core::clock::system_now_ms());
            (f.take().expect("not called yet"))(&fresh)
        }
    }
}

fn ok_response(body: &impl Serialize) -> Response {
    let mut resp = json_response(StatusCode::OK, body);
    resp.extensions_mut().insert(CodeMark(ErrorCode::Ok));
    resp
}

/// `body` as JSON, written once into a buffer sized for a typical answer.
fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    let mut buf = Vec::with_capacity(512);
    match serde_json::to_writer(&mut buf, body) {
        Ok(()) => json_bytes(status, buf),
        Err(e) => unserializable(e),
    }
}

fn json_bytes(status: StatusCode, buf: Vec<u8>) -> Response {
    (
        status,
        [(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        buf,
    )
        .into_response()
}

/// A body that could not be written (a map with non-string keys, say): a bug, answered as one.
fn unserializable(e: serde_json::Error) -> Response {
    tracing::error!(error = %e, "a response could not be serialized");
    const BODY: &str = r#"{"data":{},"error":{"code":"internal_error","message":"Something went wrong on the server; retry later.","log_id":""}}"#;
    let mut resp = json_bytes(StatusCode::INTERNAL_SERVER_ERROR, BODY.as_bytes().to_vec());
    resp.extensions_mut()
        .insert(CodeMark(ErrorCode::InternalError));
    resp
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
        let mut resp = json_response(StatusCode::OK, &body);
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
