//! `GET /_reelbox/report?client_key=`: the guideline report of an app, judged by
//! `reelbox_core::report` over its recorded calls and webhook deliveries.
use axum::extract::{Query, State};

use crate::http::auth::Admin;
use crate::http::envelope::Data;
use crate::http::error::ApiResult;
use crate::state::AppState;

use crate::sandbox::report::{ReportView, build};
use reelbox_wire::control::ReportQuery;

/// The guideline report of an app's integration: each check pass / fail / not observed, with the
/// calls that show it, and the audit-readiness checklist.
#[utoipa::path(get, path = "/_reelbox/report", tag = "Control API", params(ReportQuery), responses((status = 200, body = reelbox_wire::Envelope<ReportView>), super::BadRequest), security(("admin" = [])))]
pub async fn get_report(
    State(st): State<AppState>,
    _: Admin,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Data<ReportView>> {
    Ok(Data(build(&st, &q.client_key).await?))
}
