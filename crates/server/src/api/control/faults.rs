//! `/_reelbox/faults`: inject faults and switch on scenarios, list and clear them.
use crate::http::auth::Admin;
use crate::http::envelope::Data;
use crate::http::error::ApiResult;
use crate::http::extract::{Control, WireJson};
use crate::sandbox::faults::{self, Fault, FaultList, FaultSpec, ScenarioList, add_fault};
use crate::state::AppState;
use axum::extract::State;
use reelbox_wire::Envelope;
use reelbox_wire::envelope::Empty;

/// Inject a fault or switch on a scenario: the next matching calls fail (or slow down).
#[utoipa::path(post, path = "/_reelbox/faults", tag = "Control API", request_body = FaultSpec, responses((status = 200, body = Envelope<Fault>), super::BadRequest), security(("admin" = [])))]
pub async fn post_fault(
    State(st): State<AppState>,
    _: Admin,
    WireJson(req, _): WireJson<FaultSpec, Control>,
) -> ApiResult<Data<Fault>> {
    Ok(Data(add_fault(&st, req)?))
}
/// The active faults.
#[utoipa::path(get, path = "/_reelbox/faults", tag = "Control API", responses((status = 200, body = Envelope<FaultList>)), security(("admin" = [])))]
pub async fn get_faults(State(st): State<AppState>, _: Admin) -> ApiResult<Data<FaultList>> {
    Ok(Data(faults::active(&st)))
}
/// Clear every fault.
#[utoipa::path(delete, path = "/_reelbox/faults", tag = "Control API", responses((status = 200, body = Envelope<Empty>)), security(("admin" = [])))]
pub async fn delete_faults(State(st): State<AppState>, _: Admin) -> ApiResult<Data<Empty>> {
    st.faults.clear();
    Ok(Data(Empty {}))
}
/// The named scenarios and what each reproduces.
#[utoipa::path(get, path = "/_reelbox/faults/scenarios", tag = "Control API", responses((status = 200, body = Envelope<ScenarioList>)), security(("admin" = [])))]
pub async fn get_fault_scenarios(_: Admin) -> ApiResult<Data<ScenarioList>> {
    Ok(Data(faults::scenarios()))
}
