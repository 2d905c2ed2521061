//! Fault injection (`/_reelbox/faults`): make the next N matching calls fail with any documented
//! error, add latency, drop an upload midway, fail processing with a chosen `fail_reason`, fail
//! webhook deliveries for a while, or switch on a named scenario that integrators meet in
//! production. Faults match by endpoint, app and creator, expire on the server's clock, and every
//! injected failure is marked as injected in the call log.
use crate::http::error::ApiResult;
use crate::http::error::invalid_param as invalid;

use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
pub use reelbox_core::faults::{Faults, INJECTED_WEBHOOK_FAILURE, SCENARIOS};
use reelbox_store::publishes::Publish;
use reelbox_wire::ErrorCode;
pub use reelbox_wire::control::{Fault, FaultList, FaultSpec, ScenarioList, ScenarioView};

use crate::http::auth::Caller;
use crate::http::context::CallSlot;
use crate::http::error::ApiError;
use crate::state::AppState;

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

/// Takes one use of a research scenario switched on for this app (research calls have no
/// creator, so a scenario limited to a username never matches them).
pub fn research_scenario(st: &AppState, name: &str, client_key: &str) -> bool {
    !st.faults.is_empty()
        && st
            .faults
            .take(&format!("scenario:{name}"), client_key, None, st.now())
            .is_some()
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

/// Checks and adds a fault (shared with the CLI's direct mode).
pub fn add_fault(st: &AppState, req: FaultSpec) -> ApiResult<Fault> {
    if !st.sandbox() {
        return Err(invalid("faults cannot be injected in production mode"));
    }
    if let Some(s) = &req.scenario {
        if !crate::sandbox::faults::SCENARIOS
            .iter()
            .any(|(n, _)| n == s)
        {
            return Err(invalid(format!(
                "unknown scenario {s}; GET /_reelbox/faults/scenarios lists them"
            )));
        }
        return Ok(st.faults.add(req, st.now()));
    }
    const ENDPOINTS: &[&str] = &[
        "video/init",
        "inbox/video/init",
        "content/init",
        "creator_info",
        "status",
        "cancel",
        "upload",
        "processing",
        "webhook",
        "*",
    ];
    if !ENDPOINTS.contains(&req.endpoint.as_str()) {
        return Err(invalid(format!(
            "endpoint must be one of {}",
            ENDPOINTS.join(", ")
        )));
    }
    match (req.endpoint.as_str(), req.error_code.as_deref()) {
        ("processing", Some(r)) if !reelbox_wire::posting::fail_reason::ALL.contains(&r) => {
            return Err(invalid(format!("unknown fail_reason {r}")));
        }
        ("processing", _) | ("webhook", _) => {}
        (_, Some(c)) if ErrorCode::parse(c).is_none() => {
            return Err(invalid(format!("unknown error_code {c}")));
        }
        ("upload", None) if req.drop_connection != Some(true) && req.latency_ms.is_none() => {
            return Err(invalid(
                "an upload fault needs error_code, drop_connection or latency_ms",
            ));
        }
        (e, None) if e != "upload" && req.latency_ms.is_none() => {
            return Err(invalid("error_code or latency_ms is required"));
        }
        _ => {}
    }
    Ok(st.faults.add(req, st.now()))
}

/// The faults still active on the server's clock.
pub fn active(st: &AppState) -> FaultList {
    FaultList {
        faults: st.faults.list(st.now()),
    }
}

/// The named scenarios and what each reproduces.
pub fn scenarios() -> ScenarioList {
    ScenarioList {
        scenarios: SCENARIOS
            .iter()
            .map(|(name, reproduces)| ScenarioView {
                name: name.to_string(),
                reproduces: reproduces.to_string(),
            })
            .collect(),
    }
}
