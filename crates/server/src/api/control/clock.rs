//! `/_reelbox/clock`: read and move the sandbox clock.
use crate::http::auth::Admin;
use crate::http::envelope::Data;
use crate::http::error::ApiResult;
use crate::http::extract::{Control, WireJson};
use crate::service::clock::{change_clock, clock_view};
use crate::state::AppState;
use axum::extract::State;
use reelbox_wire::control::{ClockChange, ClockView};

/// The server's clock.
#[utoipa::path(get, path = "/_reelbox/clock", tag = "Control API", responses((status = 200, body = reelbox_wire::Envelope<ClockView>)), security(("admin" = [])))]
pub async fn get_clock(State(st): State<AppState>, _: Admin) -> ApiResult<Data<ClockView>> {
    Ok(Data(clock_view(&st)))
}
/// Move the clock forward, freeze or reset it (sandbox mode only).
#[utoipa::path(post, path = "/_reelbox/clock", tag = "Control API", request_body = ClockChange, responses((status = 200, body = reelbox_wire::Envelope<ClockView>), super::BadRequest), security(("admin" = [])))]
pub async fn post_clock(
    State(st): State<AppState>,
    _: Admin,
    WireJson(req, _): WireJson<ClockChange, Control>,
) -> ApiResult<Data<ClockView>> {
    Ok(Data(change_clock(&st, req).await?))
}
