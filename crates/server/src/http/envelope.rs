//! The success side of TikTok's envelope: `{"data": …, "error": {"code": "ok", …}}` with the
//! request's log id, serialized once into the response body.
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use reelbox_wire::{Envelope, ErrorBody, ErrorCode};
use serde::Serialize;

use crate::http::error::{CodeMark, LOG_ID, current_log_id};

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
pub(crate) fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
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
