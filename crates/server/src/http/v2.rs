//! Answers in the envelope of TikTok's newer v2 products (`reelbox_wire::v2`): the usual one
//! with `error.http_status_code`. Handlers return `Result<V2<T>, V2Error>`; an [`ApiError`]
//! from any step (the token extractor included) converts.
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use reelbox_wire::ErrorCode;
use reelbox_wire::v2::{EnvelopeV2, ErrorStructV2};
use serde::Serialize;

use crate::http::envelope::json_response;
use crate::http::error::{ApiError, CodeMark, current_log_id};

/// A success: `data` and `{"code": "ok", "http_status_code": 200, …}`.
pub struct V2<T>(pub T);

impl<T: Serialize> IntoResponse for V2<T> {
    fn into_response(self) -> Response {
        let mut resp = json_response(
            StatusCode::OK,
            &EnvelopeV2 {
                data: self.0,
                error: ErrorStructV2 {
                    code: "ok".into(),
                    http_status_code: 200,
                    log_id: current_log_id(),
                    message: String::new(),
                },
            },
        );
        resp.extensions_mut().insert(CodeMark(ErrorCode::Ok));
        resp
    }
}

/// A success without `data` (Data Portability's cancel: "an "ok" message in the error
/// response").
pub struct V2Ok;

impl IntoResponse for V2Ok {
    fn into_response(self) -> Response {
        #[derive(Serialize)]
        struct OkOnly {
            error: ErrorStructV2,
        }
        let mut resp = json_response(
            StatusCode::OK,
            &OkOnly {
                error: ErrorStructV2 {
                    code: "ok".into(),
                    http_status_code: 200,
                    log_id: current_log_id(),
                    message: String::new(),
                },
            },
        );
        resp.extensions_mut().insert(CodeMark(ErrorCode::Ok));
        resp
    }
}

/// A failure: `data: {}` and the error with its status.
#[derive(Debug)]
pub struct V2Error(pub ApiError);

impl<E: Into<ApiError>> From<E> for V2Error {
    fn from(e: E) -> Self {
        V2Error(e.into())
    }
}

impl IntoResponse for V2Error {
    fn into_response(self) -> Response {
        let e = self.0;
        let log_id = current_log_id();
        if let Some(cause) = &e.cause {
            tracing::error!(log_id = %log_id, code = %e.code, error = %format!("{cause:#}"), "request failed");
        }
        let status = e.status();
        let mut resp = json_response(
            status,
            &EnvelopeV2 {
                data: serde_json::json!({}),
                error: ErrorStructV2 {
                    code: e.code.as_str().into(),
                    http_status_code: i32::from(status.as_u16()),
                    log_id,
                    message: e.message,
                },
            },
        );
        if let Some(secs) = e.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert("retry-after", v);
        }
        resp.extensions_mut().insert(CodeMark(e.code));
        resp
    }
}

pub type V2Result<T> = Result<V2<T>, V2Error>;
