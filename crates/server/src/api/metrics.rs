//! `GET /metrics`: the node's series in Prometheus' text format (`state::metrics`), on the listen
//! address when `metrics.enabled`, on `metrics.listen` when set. With `metrics.token` the scraper
//! must send it as a bearer token.
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

use crate::state::AppState;

/// The path, on either address.
pub const PATH: &str = "/metrics";

pub async fn scrape(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let Some(metrics) = &st.metrics else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !authorized(st.cfg.metrics.token.as_deref(), &headers) {
        let mut resp = (StatusCode::UNAUTHORIZED, "metrics token required\n").into_response();
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"metrics\""),
        );
        return resp;
    }
    let pending = match st
        .store
        .pending_jobs_by_state(reelbox_core::clock::system_now_ms())
        .await
    {
        Ok(rows) => Some(rows),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: reading the jobs table failed");
            None
        }
    };
    let queue = match st.store.moderation_queue_length().await {
        Ok(n) => Some(n),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: reading the review queue failed");
            None
        }
    };
    let body = metrics.encode_with(pending.as_deref(), queue);
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response()
}

/// Whether the request carries the token (compared by hash, so the time taken says nothing of
/// how much of it matched).
fn authorized(token: Option<&str>, headers: &HeaderMap) -> bool {
    let Some(token) = token else {
        return true;
    };
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    reelbox_core::secrets::sha256_hex(sent) == reelbox_core::secrets::sha256_hex(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_asked_only_when_set() {
        let mut h = HeaderMap::new();
        assert!(authorized(None, &h));
        assert!(!authorized(Some("s3cret-s3cret-s3cret"), &h));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer nope"),
        );
        assert!(!authorized(Some("s3cret-s3cret-s3cret"), &h));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer s3cret-s3cret-s3cret"),
        );
        assert!(authorized(Some("s3cret-s3cret-s3cret"), &h));
    }
}
