//! `/_reelbox/settings`: the settings an operator changes on the running platform
//! (`service::settings`).
use crate::http::auth::Admin;
use crate::http::envelope::Data;
use crate::http::error::ApiResult;
use crate::http::extract::{Control, WireJson};
use crate::service::settings as s;
use crate::state::AppState;
use axum::extract::State;
use reelbox_wire::Envelope;
use reelbox_wire::control::{Settings, SettingsChange};

/// The editable settings in force, each with whether the configuration file locks it.
#[utoipa::path(get, path = "/_reelbox/settings", tag = "Control API", responses((status = 200, body = Envelope<Settings>)), security(("admin" = [])))]
pub async fn get_settings(State(st): State<AppState>, _: Admin) -> ApiResult<Data<Settings>> {
    Ok(Data(s::view(&st).await?))
}

/// Change settings (caps, rate limits, the default compatibility profile) on every node; a
/// value the configuration's checks refuse, or one the configuration file sets, is refused.
#[utoipa::path(put, path = "/_reelbox/settings", tag = "Control API", request_body = SettingsChange, responses((status = 200, body = Envelope<Settings>), super::BadRequest), security(("admin" = [])))]
pub async fn put_settings(
    State(st): State<AppState>,
    _: Admin,
    WireJson(req, _): WireJson<SettingsChange, Control>,
) -> ApiResult<Data<Settings>> {
    Ok(Data(s::set(&st, req).await?))
}
