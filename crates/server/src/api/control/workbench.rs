//! `/_reelbox/webhooks/…`: the webhook workbench — an app's deliveries as a stream for
//! `reelbox listen`, events fired on demand, a delivery sent again, and every attempt.
use axum::extract::{Path, Query, State};
use reelbox_wire::Envelope;
use reelbox_wire::control::{
    AttemptList, AttemptReport, AttemptView, DeliveryList, DeliveryLiveQuery, DeliveryView,
    LiveDelivery, WebhookTrigger,
};

use crate::http::auth::Admin;
use crate::http::envelope::Data;
use crate::http::error::ApiResult;
use crate::http::extract::{Control, WireJson};
use crate::service::live::LiveStream;
use crate::service::workbench;
use crate::state::AppState;

/// The app's webhook deliveries from now on, as server-sent events `delivery` (a `LiveDelivery`:
/// TikTok's body and the `TikTok-Signature` value to forward it with).
#[utoipa::path(get, path = "/_reelbox/webhooks/live", tag = "Control API", params(DeliveryLiveQuery), responses((status = 200, content_type = "text/event-stream", body = LiveDelivery, description = "one `delivery` event per queued delivery"), super::BadRequest), security(("admin" = [])))]
pub async fn live_deliveries(
    State(st): State<AppState>,
    _: Admin,
    Query(q): Query<DeliveryLiveQuery>,
) -> ApiResult<LiveStream> {
    workbench::stream(&st, q).await
}

/// Fire a documented event for a real publish or grant of the app.
#[utoipa::path(post, path = "/_reelbox/webhooks/trigger", tag = "Control API", request_body = WebhookTrigger, responses((status = 200, body = Envelope<DeliveryList>), super::BadRequest), security(("admin" = [])))]
pub async fn trigger(
    State(st): State<AppState>,
    _: Admin,
    WireJson(t, _): WireJson<WebhookTrigger, Control>,
) -> ApiResult<Data<DeliveryList>> {
    Ok(Data(workbench::trigger(&st, t).await?))
}

/// Send a past delivery again (a new delivery of the same body).
#[utoipa::path(post, path = "/_reelbox/webhooks/{delivery_id}/resend", tag = "Control API", params(("delivery_id" = String, Path)), responses((status = 200, body = Envelope<DeliveryView>), super::BadRequest), security(("admin" = [])))]
pub async fn resend(
    State(st): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
) -> ApiResult<Data<DeliveryView>> {
    Ok(Data(workbench::resend(&st, &id).await?))
}

/// Every attempt at a delivery (the server's and those `reelbox listen` reported), oldest first.
#[utoipa::path(get, path = "/_reelbox/webhooks/{delivery_id}/attempts", tag = "Control API", params(("delivery_id" = String, Path)), responses((status = 200, body = Envelope<AttemptList>), super::BadRequest), security(("admin" = [])))]
pub async fn attempts(
    State(st): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
) -> ApiResult<Data<AttemptList>> {
    Ok(Data(workbench::attempts(&st, &id).await?))
}

/// Record what a forwarder saw of a delivery (`reelbox listen` reports each one).
#[utoipa::path(post, path = "/_reelbox/webhooks/{delivery_id}/attempts", tag = "Control API", params(("delivery_id" = String, Path)), request_body = AttemptReport, responses((status = 200, body = Envelope<AttemptView>), super::BadRequest), security(("admin" = [])))]
pub async fn report_attempt(
    State(st): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
    WireJson(r, _): WireJson<AttemptReport, Control>,
) -> ApiResult<Data<AttemptView>> {
    Ok(Data(workbench::report(&st, &id, r).await?))
}
