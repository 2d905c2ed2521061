//! Per-request plumbing: the log id (header `X-Tt-Logid`, task-local for the envelope), one log
//! line per request, and the record of every wire call for inspection.
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use reelbox_core::compat::Leniency;
use reelbox_store::calls::ApiCall;

use crate::http::error::{CodeMark, LOG_ID, MessageMark};
use crate::state::AppState;
use reelbox_wire::control::LiveCall;

/// Filled by the auth extractors so the call log knows which app and creator called.
#[derive(Clone, Default)]
pub struct CallSlot(Arc<Mutex<CallWho>>);

#[derive(Default, Clone)]
pub struct CallWho {
    pub client_key: Option<String>,
    pub creator_id: Option<String>,
    pub token_hash: Option<String>,
    pub summary: Option<String>,
    pub injected: bool,
    /// What the request relied on that TikTok refuses, in the order met.
    pub lenient: Vec<Leniency>,
    /// The host the client addressed, when the call came through interception.
    pub intercepted: Option<String>,
    /// A near miss (the route or field the request probably meant): the `X-Reelbox-Hint` header.
    pub hint: Option<String>,
}

impl CallSlot {
    pub fn set(&self, client_key: &str, creator_id: Option<&str>, token_hash: Option<&str>) {
        let mut w = self.0.lock().unwrap_or_else(|e| e.into_inner());
        w.client_key = Some(client_key.to_string());
        w.creator_id = creator_id.map(str::to_string);
        w.token_hash = token_hash.map(str::to_string);
    }
    /// A short description of the request (the fields the guideline report reads).
    pub fn summarize(&self, summary: String) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).summary = Some(summary);
    }
    /// Notes a leniency the request relies on (`service::compat` judges it once the app is known).
    pub fn note_lenient(&self, l: Leniency) {
        let mut w = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if !w.lenient.contains(&l) {
            w.lenient.push(l);
        }
    }
    /// Whether the request relied on any leniency so far.
    pub fn has_lenient(&self) -> bool {
        !self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .lenient
            .is_empty()
    }
    /// The leniencies noted so far.
    pub fn lenient(&self) -> Vec<Leniency> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .lenient
            .clone()
    }
    /// The app the call is for, once known.
    pub fn client_key(&self) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .client_key
            .clone()
    }
    /// The host the client addressed, when the call came through interception.
    pub fn intercepted(&self) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .intercepted
            .clone()
    }
    /// Notes a near miss; the first one noted is kept.
    pub fn hint(&self, hint: String) {
        let mut w = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if w.hint.is_none() {
            w.hint = Some(hint);
        }
    }
    pub fn mark_injected(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).injected = true;
    }
    /// What the request filled in, taken out once it has been answered.
    pub fn take(&self) -> CallWho {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

pub async fn request_context(State(st): State<AppState>, req: Request, next: Next) -> Response {
    // In deterministic mode the request's ids (its log id first) come from the seed.
    crate::state::ids::scope(st.ids.clone(), answer_in_context(st, req, next)).await
}

async fn answer_in_context(st: AppState, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let log_id = reelbox_core::ids::log_id(st.now());
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let slot = CallSlot::default();
    if req
        .extensions()
        .get::<crate::http::fallback::SlashAdded>()
        .is_some()
    {
        slot.note_lenient(Leniency::NoTrailingSlash);
    }
    if let Some(host) = req
        .extensions()
        .get::<crate::http::intercept::InterceptedHost>()
    {
        slot.0.lock().unwrap_or_else(|e| e.into_inner()).intercepted = Some(host.0.to_string());
    }
    req.extensions_mut().insert(slot.clone());
    if st.sandbox() && st.hints.knows_body(&path) {
        req.extensions_mut().insert(BodyHints(st.clone()));
    }
    let answer = async {
        let resp = match crate::http::limits::refuse_oversized_headers(&st, &req) {
            Some(refused) => refused,
            // Uploads and snapshots stream for as long as they take.
            None if path == crate::http::limits::UPLOAD_PATH
                || path == crate::http::limits::SNAPSHOT_PATH =>
            {
                next.run(req).await
            }
            None => crate::http::limits::within_request_timeout(&st, next.run(req)).await,
        };
        into_envelope(&path, resp).await
    };
    let mut resp = LOG_ID.scope(log_id.clone(), answer).await;
    if let Ok(v) = HeaderValue::from_str(&log_id) {
        resp.headers_mut().insert("x-tt-logid", v);
    }
    let elapsed = started.elapsed();
    if let Some(m) = &st.metrics {
        m.record_request(&path, resp.status().as_u16(), elapsed);
    }
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    let code = resp
        .extensions()
        .get::<CodeMark>()
        .map(|c| c.0.as_str())
        .unwrap_or("");
    tracing::info!(
        method = %method, path = %path, status = resp.status().as_u16(), latency_ms = format!("{latency_ms:.2}"),
        log_id = %log_id, code = code, "request"
    );
    // Only wire calls an app can be named for: anonymous traffic must not grow the log (it keeps
    // calls for days), and no one could inspect it anyway.
    // Upload PUTs carry no token: they are kept when they relied on a leniency, for the report.
    let kept = path.starts_with("/v2/")
        || path.starts_with(crate::http::surface::NATIVE_PREFIX)
        || (path == crate::http::limits::UPLOAD_PATH && slot.has_lenient());
    let who = kept.then(|| slot.take());
    let hint = who
        .as_ref()
        .and_then(|w| w.hint.clone())
        .or_else(|| slot.take().hint);
    if let Some(v) = hint.as_deref().and_then(|h| HeaderValue::from_str(h).ok()) {
        resp.headers_mut().insert(HINT_HEADER, v);
    }
    if kept && st.live.receiver_count() > 0 {
        let (client_key, creator_id, summary, injected) =
            who.as_ref().map_or_else(Default::default, |w| {
                (
                    w.client_key.clone(),
                    w.creator_id.clone(),
                    w.summary.clone(),
                    w.injected,
                )
            });
        let message = resp.extensions().get::<MessageMark>().map(|m| m.0.clone());
        let live = LiveCall {
            client_key,
            created_at: st.now(),
            username: None,
            endpoint: bounded(path.clone(), MAX_LOGGED_ENDPOINT),
            error_code: code.to_string(),
            hint: hint.clone(),
            injected,
            latency_ms: latency_ms.round() as i64,
            log_id: log_id.clone(),
            method: method.to_string(),
            outcome: outcome(resp.status().as_u16(), message.as_deref()),
            status: resp.status().as_u16() as i64,
            summary: summary
                .map(|s| bounded(s, MAX_LIVE_SUMMARY))
                .unwrap_or_default(),
        };
        crate::state::live::publish(&st, live, creator_id).await;
    }
    let who = who.filter(|w| w.client_key.is_some());
    if let Some(who) = who {
        let call = ApiCall {
            id: reelbox_core::ids::ordered_row_id(),
            client_key: who.client_key,
            creator_id: who.creator_id,
            token_hash: who.token_hash,
            endpoint: bounded(path, MAX_LOGGED_ENDPOINT),
            method: method.to_string(),
            status: resp.status().as_u16() as i64,
            error_code: code.to_string(),
            log_id,
            latency_ms: latency_ms.round() as i64,
            summary: bounded_summary(who.summary.unwrap_or_default()),
            injected: reelbox_store::calls::Injected(who.injected),
            created_at: st.now(),
            lenient: who.lenient.iter().map(|l| l.id().to_string()).collect(),
            intercepted_host: who.intercepted,
        };
        st.calls.record(call);
    }
    resp
}

/// The answer header that names a near miss; TikTok's body is never changed for it.
pub const HINT_HEADER: &str = "x-reelbox-hint";

/// What the live inspector shows of a request's summary.
const MAX_LIVE_SUMMARY: usize = 2048;

/// Marks an error answer that must reach the client as it is, not rewritten into the envelope
/// (a scenario reproducing a gateway's HTML page).
#[derive(Clone, Copy)]
pub struct Verbatim;

/// Lets a body extractor measure the body's fields against the endpoint's (`WireJson`).
#[derive(Clone)]
pub struct BodyHints(pub AppState);

/// The rule that decided a call, in plain words.
fn outcome(status: u16, message: Option<&str>) -> String {
    match message {
        Some(m) if status >= 400 => format!("refused: {m}"),
        _ if status >= 400 => format!("refused with HTTP {status}"),
        _ => "served".into(),
    }
}

/// What the call log keeps of an endpoint path (routed paths are far shorter).
const MAX_LOGGED_ENDPOINT: usize = 256;
/// What it keeps of a request's summary: the guideline report parses it as JSON, so a longer one
/// is replaced by its size rather than cut.
const MAX_LOGGED_SUMMARY: usize = 64 * 1024;

fn bounded(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

fn bounded_summary(summary: String) -> String {
    if summary.len() <= MAX_LOGGED_SUMMARY {
        return summary;
    }
    serde_json::json!({ "truncated_bytes": summary.len() }).to_string()
}

/// Answers of the JSON APIs that did not come from our handlers (axum's own rejections of a
/// malformed query string or path, for instance) are plain text: rewrite them in the form of
/// their surface, so that every `/v2/` and reelbox API answer has TikTok's shape.
async fn into_envelope(path: &str, resp: Response) -> Response {
    use crate::http::surface::{self, Surface};
    use axum::response::IntoResponse;
    use http_body_util::BodyExt;
    use reelbox_wire::ErrorCode;
    let surface = surface::of(path);
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    // The consent page under /v2/auth/ answers its own errors as HTML pages.
    let page = surface == Surface::Pages || path.starts_with("/v2/auth/");
    let verbatim = resp.extensions().get::<Verbatim>().is_some();
    if page || is_json || verbatim || !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let body = resp
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&body[..body.len().min(500)])
        .trim()
        .to_string();
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    if surface == Surface::OAuth {
        let error = match status.as_u16() {
            429 => "rate_limit_exceeded",
            s if s >= 500 => "server_error",
            _ => "invalid_request",
        };
        return crate::http::oauth_error::OAuthFailure::new(error, message)
            .with_status(status)
            .into_response();
    }
    let code = match status.as_u16() {
        401 => ErrorCode::AccessTokenInvalid,
        404 if surface == Surface::Own => ErrorCode::NotFound,
        429 => ErrorCode::RateLimitExceeded,
        s if s >= 500 => ErrorCode::InternalError,
        // reelbox's own data endpoints speak the read side's dialect.
        _ if surface == Surface::Reading || path.starts_with(surface::NATIVE_PREFIX) => {
            ErrorCode::InvalidParams
        }
        _ => ErrorCode::InvalidParam,
    };
    crate::http::error::ApiError::new(code, message)
        .with_status(status)
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_call_log_keeps_of_a_call_is_bounded() {
        assert_eq!(
            bounded("/v2/user/info/".into(), MAX_LOGGED_ENDPOINT),
            "/v2/user/info/"
        );
        let long = format!("/v2/{}", "é".repeat(1000));
        let kept = bounded(long, MAX_LOGGED_ENDPOINT);
        assert!(kept.len() <= MAX_LOGGED_ENDPOINT && kept.starts_with("/v2/é"));
        let small = r#"{"post_info":{}}"#.to_string();
        assert_eq!(bounded_summary(small.clone()), small);
        let big = "x".repeat(MAX_LOGGED_SUMMARY + 1);
        let v: serde_json::Value = serde_json::from_str(&bounded_summary(big)).unwrap();
        assert_eq!(v["truncated_bytes"], MAX_LOGGED_SUMMARY + 1);
    }
}
