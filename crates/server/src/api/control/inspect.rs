//! `/_reelbox/webhooks` and `/_reelbox/calls`: an app's webhook deliveries and recorded calls.
use crate::http::auth::Admin;
use crate::http::envelope::Data;
use crate::http::error::ApiResult;
use crate::state::AppState;
use axum::extract::{Query, State};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AppQuery {
    client_key: String,
    limit: Option<i64>,
}
/// An app's webhook delivery log, newest first.
#[utoipa::path(get, path = "/_reelbox/webhooks", tag = "Control API", params(AppQuery), responses((status = 200, description = "{deliveries: [...]}"), super::BadRequest), security(("admin" = [])))]
pub async fn get_webhooks(
    State(st): State<AppState>,
    _: Admin,
    Query(q): Query<AppQuery>,
) -> ApiResult<Data<serde_json::Value>> {
    let list = st
        .store
        .deliveries_of_app(&q.client_key, q.limit.unwrap_or(100).clamp(1, 1000))
        .await?;
    Ok(Data(serde_json::json!({ "deliveries": list })))
}
/// An app's recent wire API calls, newest first.
#[utoipa::path(get, path = "/_reelbox/calls", tag = "Control API", params(AppQuery), responses((status = 200, description = "{calls: [...]}"), super::BadRequest), security(("admin" = [])))]
pub async fn get_calls(
    State(st): State<AppState>,
    _: Admin,
    Query(q): Query<AppQuery>,
) -> ApiResult<Data<serde_json::Value>> {
    st.calls.flush().await;
    let list = st
        .store
        .calls_of_app(&q.client_key, q.limit.unwrap_or(100).clamp(1, 1000))
        .await?;
    let list: Vec<_> = list
        .into_iter()
        .map(|c| {
            let injected = c.injected.0;
            let mut v = serde_json::to_value(&c).unwrap_or_default();
            v["injected"] = serde_json::json!(injected);
            v
        })
        .collect();
    Ok(Data(serde_json::json!({ "calls": list })))
}
