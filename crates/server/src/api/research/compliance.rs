//! Research batch compliance: `validation_task/create/` (multipart), `validation_task_status/get/`
//! and `validation_task/download/` (a text file). Client token, `research.data.basic`, the
//! research per-minute limit and daily quota; answers carry `http_status_code`.
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use reelbox_core::research::day_of;
use reelbox_wire::compliance::{CreateTaskForm, TaskCreated, TaskRequest, TaskStatusData};
use reelbox_wire::v2::EnvelopeV2;

use crate::http::auth::ClientCaller;
use crate::http::error::ApiError;
use crate::http::gate::{DataQuota, Quota, gate};
use crate::http::v2::{V2, V2Error, V2Result};
use crate::service::compliance as service;
use crate::state::AppState;

/// The research gate for these endpoints (their bodies are not the gate's JSON): the token,
/// then scope, per-minute limit and quota.
async fn admit(
    st: &AppState,
    caller: Result<ClientCaller, ApiError>,
) -> Result<ClientCaller, V2Error> {
    let caller = caller?;
    gate::<DataQuota>(st, &caller).await?;
    Ok(caller)
}

/// One request counted against the daily quota, as `Research::answer` counts.
fn count(st: &AppState, caller: &ClientCaller, records: usize) {
    st.research_tally.add(
        &caller.client_key,
        day_of(st.now()),
        DataQuota::KIND,
        records as i64,
    );
}

fn json_body(body: &Bytes) -> Result<TaskRequest, V2Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(TaskRequest::default());
    }
    serde_json::from_slice(body).map_err(|_| {
        V2Error(crate::api::research::invalid(
            "The request body must be a JSON object.",
        ))
    })
}

/// Create a validation task over video or comment ids.
#[utoipa::path(post, path = "/v2/research/validation_task/create/", tag = "Research API",
    security(("bearer" = [])),
    request_body(content = CreateTaskForm, content_type = "multipart/form-data"),
    responses((status = 200, body = EnvelopeV2<TaskCreated>), (status = 400, body = EnvelopeV2<reelbox_wire::envelope::Empty>, description = "`invalid_params`"), (status = 401, body = EnvelopeV2<reelbox_wire::envelope::Empty>), (status = 429, body = EnvelopeV2<reelbox_wire::envelope::Empty>)))]
pub async fn create(
    State(st): State<AppState>,
    caller: Result<ClientCaller, ApiError>,
    headers: HeaderMap,
    body: Bytes,
) -> V2Result<TaskCreated> {
    let caller = admit(&st, caller).await?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let created = service::create(&st, &caller, ct, body).await?;
    count(&st, &caller, 0);
    Ok(V2(created))
}

/// A validation task's status: `Processing`, `Completed` or `Failed`.
#[utoipa::path(post, path = "/v2/research/validation_task_status/get/", tag = "Research API",
    security(("bearer" = [])),
    request_body(content = TaskRequest, content_type = "application/json"),
    responses((status = 200, body = EnvelopeV2<TaskStatusData>), (status = 400, body = EnvelopeV2<reelbox_wire::envelope::Empty>, description = "`invalid_params`"), (status = 401, body = EnvelopeV2<reelbox_wire::envelope::Empty>), (status = 429, body = EnvelopeV2<reelbox_wire::envelope::Empty>)))]
pub async fn status(
    State(st): State<AppState>,
    caller: Result<ClientCaller, ApiError>,
    body: Bytes,
) -> V2Result<TaskStatusData> {
    let caller = admit(&st, caller).await?;
    let req = json_body(&body)?;
    let s = service::status(&st, &caller, req.task_id.as_ref()).await?;
    count(&st, &caller, 0);
    Ok(V2(s))
}

/// A completed task's valid ids: a text file, one id per line.
#[utoipa::path(post, path = "/v2/research/validation_task/download/", tag = "Research API",
    security(("bearer" = [])),
    request_body(content = TaskRequest, content_type = "application/json"),
    responses((status = 200, content_type = "text/plain", body = String, description = "the valid ids, one per line"), (status = 400, body = EnvelopeV2<reelbox_wire::envelope::Empty>, description = "`invalid_params`"), (status = 401, body = EnvelopeV2<reelbox_wire::envelope::Empty>), (status = 429, body = EnvelopeV2<reelbox_wire::envelope::Empty>)))]
pub async fn download(
    State(st): State<AppState>,
    caller: Result<ClientCaller, ApiError>,
    body: Bytes,
) -> Result<Response, V2Error> {
    let caller = admit(&st, caller).await?;
    let req = json_body(&body)?;
    let (id, text) = service::download(&st, &caller, req.task_id.as_ref()).await?;
    count(&st, &caller, text.lines().count());
    let mut resp = text.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{id}.txt\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
