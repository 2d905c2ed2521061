//! `status/fetch` and `cancel`.
use axum::Extension;
use axum::extract::State;
use reelbox_core::scopes;
use reelbox_store::publishes::Publish;
use reelbox_wire::ErrorCode;
use reelbox_wire::posting::{PublishIdRequest, PublishStatus, StatusData, fail_reason};

use super::rate_limit;
use crate::http::auth::Caller;
use crate::http::context::CallSlot;
use crate::http::envelope::{Data, OkNoData};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Posting, WireJson};
use crate::state::AppState;

/// The caller's own publish, or the spec's errors.
async fn owned_publish(st: &AppState, caller: &Caller, id: &str) -> ApiResult<Publish> {
    let p = st.store.publish(id).await?.ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidPublishId,
            format!("publish_id {id} does not exist."),
        )
    })?;
    if p.client_key != caller.client_key || p.creator_id != caller.creator_id {
        return Err(ApiError::new(
            ErrorCode::TokenNotAuthorizedForSpecifiedPublishId,
            "The access token is not authorized for this publish_id.",
        ));
    }
    Ok(p)
}

pub fn status_data(p: &Publish) -> StatusData {
    let status = p.status;
    let public: Vec<u64> = serde_json::from_str::<Vec<String>>(&p.public_post_ids)
        .unwrap_or_default()
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let file = p.source == "FILE_UPLOAD";
    StatusData {
        status,
        fail_reason: (status == PublishStatus::Failed).then(|| {
            p.fail_reason
                .clone()
                .unwrap_or_else(|| fail_reason::INTERNAL.into())
        }),
        publicaly_available_post_id: public,
        uploaded_bytes: file.then_some(p.uploaded_bytes),
        downloaded_bytes: (!file).then_some(p.downloaded_bytes),
    }
}

/// Get post status.
#[utoipa::path(post, path = "/v2/post/publish/status/fetch/", tag = "Content Posting",
    request_body = PublishIdRequest,
    responses((status = 200, body = reelbox_wire::Envelope<StatusData>)),
    security(("bearer" = [])))]
pub async fn status_fetch(
    State(st): State<AppState>,
    caller: Caller,
    Extension(slot): Extension<CallSlot>,
    WireJson(req, _): WireJson<PublishIdRequest, Posting>,
) -> ApiResult<Data<StatusData>> {
    slot.summarize(serde_json::to_string(&req).unwrap_or_default());
    caller.require(&[scopes::VIDEO_UPLOAD, scopes::VIDEO_PUBLISH])?;
    let limits = crate::service::settings::limits(&st).await?;
    rate_limit(&st, &caller, "status", limits.rate_status).await?;
    crate::sandbox::faults::check(&st, "status", &caller, &slot).await?;
    let p = owned_publish(&st, &caller, &req.publish_id).await?;
    if crate::sandbox::faults::scenario(
        &st,
        "token_expires_while_polling",
        &caller.client_key,
        &caller.creator_id,
    )
    .await
    .is_some()
    {
        st.store
            .expire_token(&caller.token_hash, st.now_for(&caller.client_key))
            .await?;
    }
    Ok(Data(status_data(&p)))
}

/// Cancel an ongoing PULL_FROM_URL download.
#[utoipa::path(post, path = "/v2/post/publish/cancel/", tag = "Content Posting",
    request_body = PublishIdRequest,
    responses((status = 200, body = reelbox_wire::ErrorOnly)),
    security(("bearer" = [])))]
pub async fn cancel(
    State(st): State<AppState>,
    caller: Caller,
    Extension(slot): Extension<CallSlot>,
    WireJson(req, _): WireJson<PublishIdRequest, Posting>,
) -> ApiResult<OkNoData> {
    slot.summarize(serde_json::to_string(&req).unwrap_or_default());
    caller.require(&[scopes::VIDEO_UPLOAD, scopes::VIDEO_PUBLISH])?;
    let limits = crate::service::settings::limits(&st).await?;
    rate_limit(&st, &caller, "cancel", limits.rate_cancel).await?;
    crate::sandbox::faults::check(&st, "cancel", &caller, &slot).await?;
    let p = owned_publish(&st, &caller, &req.publish_id).await?;
    let not_cancellable = || {
        ApiError::new(
            ErrorCode::PublishNotCancellable,
            "Only an ongoing PULL_FROM_URL download can be cancelled.",
        )
    };
    // A post held for review has finished its download: too late.
    if p.source != "PULL_FROM_URL"
        || p.status != PublishStatus::ProcessingDownload
        || crate::service::moderation::is_held(&st, &p.id).await?
    {
        return Err(not_cancellable());
    }
    if !crate::service::publishes::fail(
        &st,
        &p,
        &[PublishStatus::ProcessingDownload],
        fail_reason::PUBLISH_CANCELLED,
    )
    .await?
    {
        return Err(not_cancellable());
    }
    Ok(OkNoData)
}
