//! `/_reelbox/moderation/`: the review queue and its decisions, the listed terms, the policy and
//! the audit log (`service::moderation`).
use crate::http::auth::Admin;
use crate::http::envelope::Data;
use crate::http::error::ApiResult;
use crate::http::extract::{Control, WireJson};
use crate::service::moderation as m;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use reelbox_wire::Envelope;
use reelbox_wire::control::{
    AuditLog, AuditQuery, ModerationCase, ModerationDecision, ModerationPolicyChange,
    ModerationPolicyView, ModerationQueue, ModerationTerms,
};

/// The open cases, oldest first: posts held by the policy and posts viewers reported.
#[utoipa::path(get, path = "/_reelbox/moderation/queue", tag = "Control API", responses((status = 200, body = Envelope<ModerationQueue>)), security(("admin" = [])))]
pub async fn get_queue(State(st): State<AppState>, _: Admin) -> ApiResult<Data<ModerationQueue>> {
    Ok(Data(m::queue(&st, 500).await?))
}

/// Decide a case: `approve` or `reject` (with a `spam_risk*` reason) a held post, `take_down` or
/// `dismiss` a reported one.
#[utoipa::path(post, path = "/_reelbox/moderation/cases/{case_id}", tag = "Control API", params(("case_id" = String, Path)), request_body = ModerationDecision, responses((status = 200, body = Envelope<ModerationCase>), super::BadRequest), security(("admin" = [])))]
pub async fn post_decision(
    State(st): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
    WireJson(req, _): WireJson<ModerationDecision, Control>,
) -> ApiResult<Data<ModerationCase>> {
    Ok(Data(m::decide(&st, &id, &req).await?))
}

/// The listed terms: `block` refuses a Direct Post's init with `spam_risk_text`, `flag` holds it
/// under the `flagged` policy.
#[utoipa::path(get, path = "/_reelbox/moderation/terms", tag = "Control API", responses((status = 200, body = Envelope<ModerationTerms>)), security(("admin" = [])))]
pub async fn get_terms(State(st): State<AppState>, _: Admin) -> ApiResult<Data<ModerationTerms>> {
    Ok(Data(m::terms_view(&st).await?))
}

/// Replace the listed terms.
#[utoipa::path(put, path = "/_reelbox/moderation/terms", tag = "Control API", request_body = ModerationTerms, responses((status = 200, body = Envelope<ModerationTerms>), super::BadRequest), security(("admin" = [])))]
pub async fn put_terms(
    State(st): State<AppState>,
    _: Admin,
    WireJson(req, _): WireJson<ModerationTerms, Control>,
) -> ApiResult<Data<ModerationTerms>> {
    Ok(Data(m::set_terms(&st, req).await?))
}

/// The review policy in force, and whether the configuration file locks it.
#[utoipa::path(get, path = "/_reelbox/moderation/policy", tag = "Control API", responses((status = 200, body = Envelope<ModerationPolicyView>)), security(("admin" = [])))]
pub async fn get_policy(
    State(st): State<AppState>,
    _: Admin,
) -> ApiResult<Data<ModerationPolicyView>> {
    Ok(Data(m::policy_view(&st).await?))
}

/// Choose the review policy (refused when `moderation.policy` is set in the configuration).
#[utoipa::path(put, path = "/_reelbox/moderation/policy", tag = "Control API", request_body = ModerationPolicyChange, responses((status = 200, body = Envelope<ModerationPolicyView>), super::BadRequest), security(("admin" = [])))]
pub async fn put_policy(
    State(st): State<AppState>,
    _: Admin,
    WireJson(req, _): WireJson<ModerationPolicyChange, Control>,
) -> ApiResult<Data<ModerationPolicyView>> {
    Ok(Data(m::set_policy(&st, req.policy).await?))
}

/// Every moderator action, newest first.
#[utoipa::path(get, path = "/_reelbox/moderation/audit", tag = "Control API", params(AuditQuery), responses((status = 200, body = Envelope<AuditLog>), super::BadRequest), security(("admin" = [])))]
pub async fn get_audit(
    State(st): State<AppState>,
    _: Admin,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Data<AuditLog>> {
    Ok(Data(m::audit_log(&st, q.limit).await?))
}
