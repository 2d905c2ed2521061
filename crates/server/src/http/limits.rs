//! Protective limits that sit in front of the handlers: header size and count, the request
//! timeout, and the number of chunk PUTs one publisher may have in flight. The listener's own
//! limits (header-read timeout against slow clients, the parser's hard ceilings) are set where
//! connections are served (`serve` in lib.rs). Every number is a `[limits]` setting.
use std::time::Duration;

use crate::state::AppState;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// The size of a request's header block as it came on the wire: request line, then
/// `name: value\r\n` per field, then the empty line.
pub fn header_block_bytes(req: &Request) -> usize {
    let uri = req.uri();
    // Origin-form (the usual request line) is the path and query as sent; anything else is
    // measured as written out.
    let target = match (uri.scheme(), uri.path_and_query()) {
        (None, Some(pq)) => pq.as_str().len(),
        _ => uri.to_string().len(),
    };
    let line = req.method().as_str().len() + target + 12;
    let fields: usize = req
        .headers()
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len() + 4)
        .sum();
    line + fields + 2
}

/// 431 before any handler runs when the header block is too large or has too many fields.
/// Plain text here: the request middleware (which calls this first) wraps it into the
/// envelope on the JSON APIs.
pub fn refuse_oversized_headers(st: &AppState, req: &Request) -> Option<Response> {
    let l = &st.cfg.limits;
    let count = req.headers().len();
    if count > l.max_headers {
        return Some(
            (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                format!(
                    "The request has {count} header fields; at most {} are accepted.",
                    l.max_headers
                ),
            )
                .into_response(),
        );
    }
    let bytes = header_block_bytes(req);
    if bytes > l.max_header_bytes {
        return Some(
            (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                format!(
                    "The request's header block is {bytes} bytes; at most {} are accepted.",
                    l.max_header_bytes
                ),
            )
                .into_response(),
        );
    }
    None
}

/// The upload URL's path; the one route without a request timeout.
pub const UPLOAD_PATH: &str = "/upload/video/";
/// Snapshots stream in and out without the request timeout.
pub const SNAPSHOT_PATH: &str = "/_reelbox/snapshot";

/// Abandons a request that takes longer than `request_timeout_secs` (uploads are exempt: they
/// last as long as the client sends). 504 in plain text here; the request middleware turns it
/// into `internal_error` in the envelope on the JSON APIs (the spec's retryable 5xx).
/// Applied by the request middleware (one layer fewer on every request).
pub async fn within_request_timeout(
    st: &AppState,
    run: impl Future<Output = Response>,
) -> Response {
    let secs = st.cfg.limits.request_timeout_secs.max(1);
    match tokio::time::timeout(Duration::from_secs(secs), run).await {
        Ok(resp) => resp,
        Err(_) => (
            StatusCode::GATEWAY_TIMEOUT,
            format!("The request did not finish within {secs} s and was abandoned; retry it."),
        )
            .into_response(),
    }
}
