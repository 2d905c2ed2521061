//! `/_reelbox/faults`: inject faults and switch on scenarios, list and clear them.
use crate::http::auth::Admin;
use crate::http::envelope::Data;
use crate::http::error::ApiResult;
use crate::http::extract::{Control, WireJson};
use crate::sandbox::faults::add_fault;
use crate::sandbox::faults::{Fault, FaultSpec};
use crate::state::AppState;
use axum::extract::State;

/// Inject a fault or switch on a scenario: the next matching calls fail (or slow down).
#[utoipa::path(post, path = "/_reelbox/faults", tag = "Control API", request_body = FaultSpec, responses((status = 200, body = reelbox_wire::Envelope<Fault>), super::BadRequest), security(("admin" = [])))]
pub async fn post_fault(
    State(st): State<AppState>,
    _: Admin,
    WireJson(req, _): WireJson<FaultSpec, Control>,
) -> ApiResult<Data<Fault>> {
    Ok(Data(add_fault(&st, req)?))
}
/// The active faults.
#[utoipa::path(get, path = "/_reelbox/faults", tag = "Control API", responses((status = 200, description = "{faults: [...]}")), security(("admin" = [])))]
pub async fn get_faults(
    State(st): State<AppState>,
    _: Admin,
) -> ApiResult<Data<serde_json::Value>> {
    Ok(Data(
        serde_json::json!({ "faults": st.faults.list(st.now()) }),
    ))
}
/// Clear every fault.
#[utoipa::path(delete, path = "/_reelbox/faults", tag = "Control API", responses((status = 200, description = "{}")), security(("admin" = [])))]
pub async fn delete_faults(
    State(st): State<AppState>,
    _: Admin,
) -> ApiResult<Data<serde_json::Value>> {
    st.faults.clear();
    Ok(Data(serde_json::json!({})))
}
/// The named scenarios and what each reproduces.
#[utoipa::path(get, path = "/_reelbox/faults/scenarios", tag = "Control API", responses((status = 200, description = "{scenarios: [{name, reproduces}]}")), security(("admin" = [])))]
pub async fn get_fault_scenarios(_: Admin) -> ApiResult<Data<serde_json::Value>> {
    let list: Vec<_> = crate::sandbox::faults::SCENARIOS
        .iter()
        .map(|(n, d)| serde_json::json!({"name": n, "reproduces": d}))
        .collect();
    Ok(Data(serde_json::json!({ "scenarios": list })))
}
