//! `/_reelbox/apps`: register, read, change an app and rotate its secret.
use crate::http::auth::Admin;
use crate::http::envelope::Data;
use crate::http::error::ApiResult;
use crate::http::extract::{Control, WireJson};
use crate::service::apps::{create_app, rotate_secret, show_app, update_app};
use crate::state::AppState;
use axum::extract::{Path, State};
use reelbox_wire::control::{AppView, CreateApp, UpdateApp};

/// Register an app.
#[utoipa::path(post, path = "/_reelbox/apps", tag = "Control API", request_body = CreateApp, responses((status = 200, body = reelbox_wire::Envelope<AppView>), super::BadRequest), security(("admin" = [])))]
pub async fn post_app(
    State(st): State<AppState>,
    _: Admin,
    WireJson(req, _): WireJson<CreateApp, Control>,
) -> ApiResult<Data<AppView>> {
    Ok(Data(create_app(&st, req, None).await?))
}
/// Show an app.
#[utoipa::path(get, path = "/_reelbox/apps/{client_key}", tag = "Control API", params(("client_key" = String, Path)), responses((status = 200, body = reelbox_wire::Envelope<AppView>)), security(("admin" = [])))]
pub async fn get_app(
    State(st): State<AppState>,
    _: Admin,
    Path(key): Path<String>,
) -> ApiResult<Data<AppView>> {
    Ok(Data(show_app(&st, &key).await?))
}
/// Change an app (audit status, scopes, redirect URIs, verified prefixes, webhook, test users).
#[utoipa::path(patch, path = "/_reelbox/apps/{client_key}", tag = "Control API", params(("client_key" = String, Path)), request_body = UpdateApp, responses((status = 200, body = reelbox_wire::Envelope<AppView>), super::BadRequest), security(("admin" = [])))]
pub async fn patch_app(
    State(st): State<AppState>,
    _: Admin,
    Path(key): Path<String>,
    WireJson(req, _): WireJson<UpdateApp, Control>,
) -> ApiResult<Data<AppView>> {
    Ok(Data(update_app(&st, &key, req).await?))
}
/// Rotate an app's client secret.
#[utoipa::path(post, path = "/_reelbox/apps/{client_key}/secret", tag = "Control API", params(("client_key" = String, Path)), responses((status = 200, body = reelbox_wire::Envelope<AppView>)), security(("admin" = [])))]
pub async fn post_app_secret(
    State(st): State<AppState>,
    _: Admin,
    Path(key): Path<String>,
) -> ApiResult<Data<AppView>> {
    Ok(Data(rotate_secret(&st, &key).await?))
}
