//! Data Portability: `/v2/user/data/add/`, `check/`, `cancel/` and `download/` under a
//! creator's token holding a portability scope. Answers carry `http_status_code`; a download
//! is the zip itself.
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use reelbox_wire::portability::{
    AddDataRequest, DataRequestBody, DataRequestId, DataRequestStatus,
};
use reelbox_wire::v2::EnvelopeV2;
use serde::de::DeserializeOwned;

use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::fields::{Fields, FieldsParam};
use crate::http::v2::{V2, V2Error, V2Ok, V2Result};
use crate::service::portability as service;
use crate::state::AppState;

/// Requests per client per sliding minute, per endpoint (TikTok's FAQ: 1,000 a minute).
const PER_MINUTE: u32 = 1_000;

/// The token, a portability scope, and the endpoint's per-minute limit.
async fn admit(
    st: &AppState,
    caller: Result<Caller, ApiError>,
    endpoint: &'static str,
) -> Result<Caller, V2Error> {
    let caller = caller?;
    service::require_any(&caller)?;
    st.rate_check(
        &caller.client_key,
        endpoint,
        PER_MINUTE,
        st.now_for(&caller.client_key),
    )
    .await
    .map_err(ApiError::rate_limited)?;
    Ok(caller)
}

fn body<T: DeserializeOwned + Default>(b: &Bytes) -> Result<T, V2Error> {
    if b.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(b).map_err(|_| {
        V2Error(crate::api::research::invalid(
            "The request body must be a JSON object.",
        ))
    })
}

type Empty = EnvelopeV2<reelbox_wire::envelope::Empty>;

/// Ask for an export of the creator's data.
#[utoipa::path(post, path = "/v2/user/data/add/", tag = "Data Portability", security(("bearer" = [])),
    params(FieldsParam), request_body = AddDataRequest,
    responses((status = 200, body = EnvelopeV2<DataRequestId>), (status = 400, body = Empty, description = "`invalid_params`"), (status = 401, body = Empty), (status = 429, body = Empty)))]
pub async fn add(
    State(st): State<AppState>,
    caller: Result<Caller, ApiError>,
    b: Bytes,
) -> V2Result<DataRequestId> {
    let caller = admit(&st, caller, "portability_add").await?;
    let req: AddDataRequest = body(&b)?;
    Ok(V2(service::add(&st, &caller, &req).await?))
}

/// A request's status and details (the `fields` asked for).
#[utoipa::path(post, path = "/v2/user/data/check/", tag = "Data Portability", security(("bearer" = [])),
    params(FieldsParam), request_body = DataRequestBody,
    responses((status = 200, body = EnvelopeV2<DataRequestStatus>), (status = 400, body = Empty, description = "`invalid_params`"), (status = 401, body = Empty), (status = 429, body = Empty)))]
pub async fn check(
    State(st): State<AppState>,
    caller: Result<Caller, ApiError>,
    Query(q): Query<FieldsParam>,
    b: Bytes,
) -> V2Result<reelbox_wire::fields::Picked<DataRequestStatus>> {
    let caller = admit(&st, caller, "portability_check").await?;
    let fields = Fields::<DataRequestStatus>::parse(q.fields.as_deref())?;
    let req: DataRequestBody = body(&b)?;
    let s = service::check(&st, &caller, req.request_id.as_ref()).await?;
    Ok(V2(fields.pick(&s)))
}

/// Cancel a pending request. The answer has no `data`.
#[utoipa::path(post, path = "/v2/user/data/cancel/", tag = "Data Portability", security(("bearer" = [])),
    request_body = DataRequestBody,
    responses((status = 200, body = reelbox_wire::ErrorOnly), (status = 400, body = Empty, description = "`invalid_params`"), (status = 401, body = Empty), (status = 429, body = Empty)))]
pub async fn cancel(
    State(st): State<AppState>,
    caller: Result<Caller, ApiError>,
    Query(q): Query<DataRequestBody>,
    b: Bytes,
) -> Result<V2Ok, V2Error> {
    let caller = admit(&st, caller, "portability_cancel").await?;
    let req: DataRequestBody = body(&b)?;
    // The table lists `request_id` in the query string, the example sends it in the body.
    let id = req.request_id.or(q.request_id);
    service::cancel(&st, &caller, id.as_ref()).await?;
    Ok(V2Ok)
}

/// The archive as a zip stream.
#[utoipa::path(post, path = "/v2/user/data/download/", tag = "Data Portability", security(("bearer" = [])),
    request_body = DataRequestBody,
    responses((status = 200, content_type = "application/zip", body = Vec<u8>, description = "the archive"), (status = 400, body = Empty, description = "`invalid_params`"), (status = 401, body = Empty), (status = 429, body = Empty)))]
pub async fn download(
    State(st): State<AppState>,
    caller: Result<Caller, ApiError>,
    b: Bytes,
) -> Result<Response, V2Error> {
    let caller = admit(&st, caller, "portability_download").await?;
    let req: DataRequestBody = body(&b)?;
    let (id, size, stream) = service::download(&st, &caller, req.request_id.as_ref()).await?;
    let mut resp = Body::from_stream(stream).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{id}.zip\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
