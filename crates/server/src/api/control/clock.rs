//! `/_reelbox/clock`: read and move the sandbox clock.
use crate::http::auth::Admin;
use crate::http::envelope::Data;
use crate::http::error::ApiResult;
use crate::http::extract::{Control, WireJson};
use crate::service::clock::{change_clock, clock_view, resolve_creator};
use crate::state::AppState;
use axum::extract::{Query, State};
use reelbox_wire::control::{ClockChange, ClockQuery, ClockView};

/// The server's clock, or with `client_key` that app's, with `creator` that creator's.
#[utoipa::path(get, path = "/_reelbox/clock", tag = "Control API", params(ClockQuery), responses((status = 200, body = reelbox_wire::Envelope<ClockView>), super::BadRequest), security(("admin" = [])))]
pub async fn get_clock(
    State(st): State<AppState>,
    _: Admin,
    Query(q): Query<ClockQuery>,
) -> ApiResult<Data<ClockView>> {
    let creator = match q.creator.as_deref() {
        Some(who) => Some(resolve_creator(&st, who).await?),
        None => None,
    };
    Ok(Data(clock_view(
        &st,
        q.client_key.as_deref(),
        creator.as_deref(),
    )))
}
/// Move the clock forward, freeze or reset it (sandbox mode only); with `client_key`, move or
/// reset that app's clock only; with `creator` (open_id or username), that creator's.
#[utoipa::path(post, path = "/_reelbox/clock", tag = "Control API", request_body = ClockChange, responses((status = 200, body = reelbox_wire::Envelope<ClockView>), super::BadRequest), security(("admin" = [])))]
pub async fn post_clock(
    State(st): State<AppState>,
    _: Admin,
    WireJson(req, _): WireJson<ClockChange, Control>,
) -> ApiResult<Data<ClockView>> {
    Ok(Data(change_clock(&st, req).await?))
}
