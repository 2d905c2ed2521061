//! `/_reelbox/creators`: create, read and change creators.
use crate::http::auth::Admin;
use crate::http::envelope::Data;
use crate::http::error::ApiResult;
use crate::http::extract::{Control, WireJson};
use crate::service::creators::{create_creator, show_creator, update_creator};
use crate::state::AppState;
use axum::extract::{Path, State};
use reelbox_wire::control::{CreateCreator, CreatorView, UpdateCreator};

/// Create a creator.
#[utoipa::path(post, path = "/_reelbox/creators", tag = "Control API", request_body = CreateCreator, responses((status = 200, body = reelbox_wire::Envelope<CreatorView>), super::BadRequest), security(("admin" = [])))]
pub async fn post_creator(
    State(st): State<AppState>,
    _: Admin,
    WireJson(req, _): WireJson<CreateCreator, Control>,
) -> ApiResult<Data<CreatorView>> {
    Ok(Data(create_creator(&st, req).await?))
}
/// Show a creator.
#[utoipa::path(get, path = "/_reelbox/creators/{username}", tag = "Control API", params(("username" = String, Path)), responses((status = 200, body = reelbox_wire::Envelope<CreatorView>)), security(("admin" = [])))]
pub async fn get_creator(
    State(st): State<AppState>,
    _: Admin,
    Path(u): Path<String>,
) -> ApiResult<Data<CreatorView>> {
    Ok(Data(show_creator(&st, &u).await?))
}
/// Change a creator's settings.
#[utoipa::path(patch, path = "/_reelbox/creators/{username}", tag = "Control API", params(("username" = String, Path)), request_body = UpdateCreator, responses((status = 200, body = reelbox_wire::Envelope<CreatorView>), super::BadRequest), security(("admin" = [])))]
pub async fn patch_creator(
    State(st): State<AppState>,
    _: Admin,
    Path(u): Path<String>,
    WireJson(req, _): WireJson<UpdateCreator, Control>,
) -> ApiResult<Data<CreatorView>> {
    Ok(Data(update_creator(&st, &u, req).await?))
}
