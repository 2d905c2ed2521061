//! `/_reelbox/webhooks` and `/_reelbox/calls`: an app's webhook deliveries and recorded calls,
//! and `/_reelbox/calls/live`, calls as they are answered.
use crate::http::auth::Admin;
use crate::http::envelope::Data;
use crate::http::error::ApiResult;
use crate::service::inspect::{calls, webhooks};
use crate::service::live::{self, LiveStream};
use crate::state::AppState;
use axum::extract::{Query, State};
use reelbox_wire::Envelope;
use reelbox_wire::control::{AppQuery, CallList, DeliveryList, LiveCall, LiveQuery};

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
/// Calls as they are answered, as server-sent events: `call` (a `LiveCall`: the request, the
/// answer, the rule that decided it in plain words, any near miss) and `lagged` (`{"skipped": n}`
/// when the reader fell behind). Filters: app, endpoint, code, creator.
#[utoipa::path(get, path = "/_reelbox/calls/live", tag = "Control API", params(LiveQuery), responses((status = 200, content_type = "text/event-stream", body = LiveCall, description = "one `call` event per answered call"), (status = 429, body = Envelope<serde_json::Value>, description = "too many streams open")), security(("admin" = [])))]
pub async fn live_calls(
    State(st): State<AppState>,
    _: Admin,
    Query(q): Query<LiveQuery>,
) -> ApiResult<LiveStream> {
    live::stream(&st, q)
}
