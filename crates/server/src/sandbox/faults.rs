//! Fault injection (`/_reelbox/faults`): make the next N matching calls fail with any documented
//! error, add latency, drop an upload midway, fail processing with a chosen `fail_reason`, fail
//! webhook deliveries for a while, or switch on a named scenario that integrators meet in
//! production. Faults match by endpoint, app and creator, expire on the server's clock, and every
//! injected failure is marked as injected in the call log.
use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use reelbox_store::publishes::Publish;
use reelbox_wire::ErrorCode;
use serde::{Deserialize, Serialize};

use crate::http::auth::Caller;
use crate::http::context::CallSlot;
use crate::http::error::ApiError;
use crate::state::AppState;

/// `last_error` of a webhook delivery failed on purpose (the guideline report ignores those).
pub const INJECTED_WEBHOOK_FAILURE: &str = "injected fault: delivery failed";

/// The named scenarios: (name, what it reproduces).
pub const SCENARIOS: &[(&str, &str)] = &[
    (
        "processing_stuck",
        "Processing of the next matching publish is held for `hold_seconds` (default 3600) of server time: status stays PROCESSING_* until the clock passes it.",
    ),
    (
        "late_failure",
        "The upload is accepted (201) and processing then fails with frame_rate_check_failed.",
    ),
    (
        "delayed_public_id",
        "PUBLISH_COMPLETE arrives with publicaly_available_post_id [] for a public post; the id (and the post.publish.publicly_available webhook) follow `hold_seconds` later (default 300).",
    ),
    (
        "token_expires_while_polling",
        "The access token expires right after the next status/fetch: the following poll answers access_token_invalid until the client refreshes.",
    ),
    (
        "upload_url_expiry",
        "The upload URL expires right after the first accepted chunk: the next chunk answers 403.",
    ),
    (
        "duplicate_webhooks",
        "Every webhook of the app is delivered twice (at-least-once delivery).",
    ),
    (
        "out_of_order_webhooks",
        "post.publish.complete and post.publish.inbox_delivered are held back `hold_seconds` (default 5), so later events arrive first.",
    ),
    (
        "revoke_midway",
        "The creator revokes the app right after the first accepted chunk: the publish fails with auth_removed and authorization.removed is sent.",
    ),
];

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FaultSpec {
    /// `video/init`, `inbox/video/init`, `content/init`, `creator_info`, `status`, `cancel`,
    /// `upload` (a chunk PUT), `processing` (`error_code` is then a `fail_reason`), `webhook`
    /// (deliveries to the app fail), or `*`. Ignored when `scenario` is set.
    #[serde(default)]
    pub endpoint: String,
    /// A named scenario instead of a plain fault (`GET /_reelbox/faults/scenarios`).
    #[serde(default)]
    pub scenario: Option<String>,
    #[serde(default)]
    pub client_key: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    /// The error to answer; absent with `latency_ms` for a slow but successful call.
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub http_status: Option<u16>,
    /// Delay before answering, in milliseconds.
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// For `upload`: read only part of the chunk, then break off (as a dropped connection).
    #[serde(default)]
    pub drop_connection: Option<bool>,
    /// For scenarios that hold something back: how long, in seconds of server time.
    #[serde(default)]
    pub hold_seconds: Option<i64>,
    /// How many matching events the fault applies to.
    #[serde(default = "one")]
    pub times: u32,
    /// The fault disappears this many seconds (server time) after it was added.
    #[serde(default)]
    pub ttl_seconds: Option<i64>,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Fault {
    pub fault_id: String,
    #[serde(flatten)]
    pub spec: FaultSpec,
    pub remaining: u32,
    /// Epoch ms after which the fault is gone.
    pub expires_at: Option<i64>,
}

#[derive(Default)]
pub struct Faults {
    list: Mutex<Vec<Fault>>,
    /// Publishes a scenario already held once (so a held job runs on when the time comes).
    held: Mutex<HashSet<String>>,
}

impl Faults {
    pub fn add(&self, spec: FaultSpec, now: i64) -> Fault {
        let f = Fault {
            fault_id: reelbox_core::ids::row_id(),
            remaining: spec.times.max(1),
            expires_at: spec.ttl_seconds.map(|s| now + s * 1000),
            spec,
        };
        self.list
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(f.clone());
        f
    }

    pub fn list(&self, now: i64) -> Vec<Fault> {
        let mut l = self.list.lock().unwrap_or_else(|e| e.into_inner());
        l.retain(|f| f.expires_at.is_none_or(|t| now < t));
        l.clone()
    }

    pub fn clear(&self) {
        self.list.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    fn is_empty(&self) -> bool {
        self.list
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    /// Takes one use of the first live fault matching the event.
    fn take(
        &self,
        what: &str,
        client_key: &str,
        username: Option<&str>,
        now: i64,
    ) -> Option<FaultSpec> {
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        list.retain(|f| f.expires_at.is_none_or(|t| now < t));
        let i = list.iter().position(|f| {
            let target = match &f.spec.scenario {
                Some(s) => format!("scenario:{s}"),
                None => f.spec.endpoint.clone(),
            };
            let plain =
                !what.starts_with("scenario:") && !["processing", "webhook"].contains(&what);
            (target == what || (target == "*" && plain))
                && f.spec.client_key.as_deref().is_none_or(|k| k == client_key)
                && f.spec
                    .username
                    .as_deref()
                    .is_none_or(|u| Some(u) == username)
        })?;
        let spec = list[i].spec.clone();
        list[i].remaining -= 1;
        if list[i].remaining == 0 {
            list.remove(i);
        }
        Some(spec)
    }

    /// Marks a publish as held by a scenario; false when it already was.
    fn hold_once(&self, publish_id: &str) -> bool {
        self.held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(publish_id.to_string())
    }
}

async fn username(st: &AppState, creator_id: &str) -> Option<String> {
    st.store
        .creator(creator_id)
        .await
        .ok()
        .flatten()
        .map(|c| c.username.clone())
}

/// A scenario that applies to this publish's app and creator, if one is switched on.
pub async fn scenario(
    st: &AppState,
    name: &str,
    client_key: &str,
    creator_id: &str,
) -> Option<FaultSpec> {
    if st.faults.is_empty() {
        return None;
    }
    let user = username(st, creator_id).await;
    st.faults.take(
        &format!("scenario:{name}"),
        client_key,
        user.as_deref(),
        st.now(),
    )
}

/// Fails (or slows) the call when a fault matches it.
pub async fn check(
    st: &AppState,
    endpoint: &str,
    caller: &Caller,
    slot: &CallSlot,
) -> Result<(), ApiError> {
    if st.faults.is_empty() {
        return Ok(());
    }
    let user = username(st, &caller.creator_id).await;
    let Some(spec) = st
        .faults
        .take(endpoint, &caller.client_key, user.as_deref(), st.now())
    else {
        return Ok(());
    };
    slot.mark_injected();
    if let Some(ms) = spec.latency_ms {
        tokio::time::sleep(Duration::from_millis(ms.min(120_000))).await;
    }
    let Some(code_str) = spec.error_code else {
        return Ok(());
    };
    let code = ErrorCode::parse(&code_str).unwrap_or(ErrorCode::InternalError);
    let mut e = ApiError::new(code, format!("Injected fault: {code_str}"));
    if let Some(s) = spec.http_status.and_then(|s| StatusCode::from_u16(s).ok()) {
        e = e.with_status(s);
    }
    Err(e)
}

/// What an `upload` fault does to a chunk PUT.
pub enum UploadFault {
    /// Answer with this response at once.
    Fail(Response),
    /// Read part of the body, then break off.
    Drop,
}

pub async fn check_upload(st: &AppState, p: &Publish) -> Option<UploadFault> {
    if st.faults.is_empty() {
        return None;
    }
    let user = username(st, &p.creator_id).await;
    let spec = st
        .faults
        .take("upload", &p.client_key, user.as_deref(), st.now())?;
    if let Some(ms) = spec.latency_ms {
        tokio::time::sleep(Duration::from_millis(ms.min(120_000))).await;
    }
    if spec.drop_connection == Some(true) {
        return Some(UploadFault::Drop);
    }
    spec.error_code.as_ref()?;
    let status = spec
        .http_status
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Some(UploadFault::Fail(
        (
            status,
            format!("injected fault: {}", spec.error_code.unwrap_or_default()),
        )
            .into_response(),
    ))
}

/// A `processing` fault or the `late_failure` scenario: the fail_reason to end the publish with.
pub async fn processing_failure(st: &AppState, p: &Publish) -> Option<String> {
    if st.faults.is_empty() {
        return None;
    }
    let user = username(st, &p.creator_id).await;
    if let Some(s) = st
        .faults
        .take("processing", &p.client_key, user.as_deref(), st.now())
    {
        return s
            .error_code
            .or(Some(reelbox_wire::posting::fail_reason::INTERNAL.into()));
    }
    st.faults
        .take(
            "scenario:late_failure",
            &p.client_key,
            user.as_deref(),
            st.now(),
        )
        .map(|_| reelbox_wire::posting::fail_reason::FRAME_RATE_CHECK_FAILED.into())
}

/// `processing_stuck`: when to run the held job instead of now.
pub async fn processing_hold(st: &AppState, p: &Publish) -> Option<i64> {
    let spec = scenario(st, "processing_stuck", &p.client_key, &p.creator_id).await?;
    st.faults
        .hold_once(&p.id)
        .then(|| st.now() + spec.hold_seconds.unwrap_or(3600).max(1) * 1000)
}

/// A `webhook` fault: this delivery fails.
pub async fn webhook_fails(st: &AppState, client_key: &str) -> bool {
    !st.faults.is_empty()
        && st
            .faults
            .take("webhook", client_key, None, st.now())
            .is_some()
}
