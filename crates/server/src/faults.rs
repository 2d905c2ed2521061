//! Fault injection (`/_reelbox/faults`): the next N matching calls fail with a chosen error code.
//! Every injected failure is marked as injected in the call log.
use std::sync::Mutex;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use reelbox_store::publishes::Publish;
use reelbox_wire::ErrorCode;
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::middleware::CallSlot;
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FaultSpec {
    /// `video/init`, `inbox/video/init`, `content/init`, `creator_info`, `status`, `cancel`,
    /// `upload`, `processing` (fails processing with `fail_reason` = `error_code`), or `*`.
    pub endpoint: String,
    #[serde(default)]
    pub client_key: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    pub error_code: String,
    #[serde(default)]
    pub http_status: Option<u16>,
    #[serde(default = "one")]
    pub times: u32,
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
}

#[derive(Default)]
pub struct Faults {
    list: Mutex<Vec<Fault>>,
}

impl Faults {
    pub fn add(&self, spec: FaultSpec) -> Fault {
        let f = Fault {
            fault_id: reelbox_core::ids::row_id(),
            remaining: spec.times.max(1),
            spec,
        };
        self.list
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(f.clone());
        f
    }
    pub fn list(&self) -> Vec<Fault> {
        self.list.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
    pub fn clear(&self) {
        self.list.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
    /// Takes one use of the first fault matching the call.
    fn take(&self, endpoint: &str, client_key: &str, username: Option<&str>) -> Option<FaultSpec> {
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        let i = list.iter().position(|f| {
            (f.spec.endpoint == endpoint || (f.spec.endpoint == "*" && endpoint != "processing"))
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
}

async fn username(st: &AppState, creator_id: &str) -> Option<String> {
    st.store
        .creator(creator_id)
        .await
        .ok()
        .flatten()
        .map(|c| c.username)
}

/// Fails the call when a fault matches it.
pub async fn check(
    st: &AppState,
    endpoint: &str,
    caller: &Caller,
    slot: &CallSlot,
) -> Result<(), ApiError> {
    if st
        .faults
        .list
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .is_empty()
    {
        return Ok(());
    }
    let user = username(st, &caller.creator_id).await;
    if let Some(spec) = st
        .faults
        .take(endpoint, &caller.client_key, user.as_deref())
    {
        slot.mark_injected();
        let code = ErrorCode::parse(&spec.error_code).unwrap_or(ErrorCode::InternalError);
        let mut e = ApiError::new(code, format!("Injected fault: {}", spec.error_code));
        if let Some(s) = spec.http_status.and_then(|s| StatusCode::from_u16(s).ok()) {
            e = e.with_status(s);
        }
        return Err(e);
    }
    Ok(())
}

/// Fails a chunk PUT when an `upload` fault matches its publish.
pub async fn check_upload(st: &AppState, p: &Publish) -> Result<(), Response> {
    if st
        .faults
        .list
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .is_empty()
    {
        return Ok(());
    }
    let user = username(st, &p.creator_id).await;
    if let Some(spec) = st.faults.take("upload", &p.client_key, user.as_deref()) {
        let status = spec
            .http_status
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return Err((status, format!("injected fault: {}", spec.error_code)).into_response());
    }
    Ok(())
}

/// A `processing` fault: the fail_reason to end the publish with.
pub async fn processing_failure(st: &AppState, p: &Publish) -> Option<String> {
    if st
        .faults
        .list
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .is_empty()
    {
        return None;
    }
    let user = username(st, &p.creator_id).await;
    st.faults
        .take("processing", &p.client_key, user.as_deref())
        .map(|s| s.error_code)
}
