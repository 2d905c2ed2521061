//! `/_reelbox/webhooks` and `/_reelbox/calls`: an app's webhook deliveries and recorded calls.
use crate::http::auth::Admin;
use crate::http::envelope::Data;
use crate::http::error::ApiResult;
use crate::service::inspect::{calls, webhooks};
use crate::state::AppState;
use axum::extract::{Query, State};
use reelbox_wire::Envelope;
use reelbox_wire::control::{AppQuery, CallList, DeliveryList};

/// An app's webhook delivery log, newest first.
#[utoipa::path(get, path = "/_reelbox/webhooks", tag = "Control API", params(AppQuery), responses((status = 200, body = Envelope<DeliveryList>), super::BadRequest), security(("admin" = [])))]
pub async fn get_webhooks(
    State(st): State<AppState>,
    _: Admin,
    Query(q): Query<AppQuery>,
) -> ApiResult<Data<DeliveryList>> {
    Ok(Data(webhooks(&st, q).await?))
}
/// An app's recent wire API calls, newest first.
#[utoipa::path(get, path = "/_reelbox/calls", tag = "Control API", params(AppQuery), responses((status = 200, body = Envelope<CallList>), super::BadRequest), security(("admin" = [])))]
pub async fn get_calls(
    State(st): State<AppState>,
    _: Admin,
    Query(q): Query<AppQuery>,
) -> ApiResult<Data<CallList>> {
    Ok(Data(calls(&st, q).await?))
}
