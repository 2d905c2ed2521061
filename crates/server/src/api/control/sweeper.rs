//! `/_reelbox/sweeper`: the storage sweeper's last run, and a run on demand
//! (`service::sweeper`).
use axum::extract::{Query, State};

use crate::http::auth::Admin;
use crate::http::envelope::Data;
use crate::http::error::{ApiError, ApiResult};
use crate::service::sweeper;
use crate::state::AppState;
use reelbox_wire::control::{SweepReport, SweepRun};

/// The last sweep's report (any node's); `null` before the first.
#[utoipa::path(get, path = "/_reelbox/sweeper", tag = "Control API", responses((status = 200, body = reelbox_wire::Envelope<Option<SweepReport>>)), security(("admin" = [])))]
pub async fn get_sweeper(
    State(st): State<AppState>,
    _: Admin,
) -> ApiResult<Data<Option<SweepReport>>> {
    Ok(Data(
        sweeper::last_run(&st).await.map_err(ApiError::internal)?,
    ))
}

/// Sweep now: delete abandoned uploads' data, partial files and orphaned objects older than
/// `sweeper.min_age_secs` (or, with `dry_run=true`, only count them).
#[utoipa::path(post, path = "/_reelbox/sweeper/run", tag = "Control API", params(SweepRun), responses((status = 200, body = reelbox_wire::Envelope<SweepReport>), super::BadRequest), security(("admin" = [])))]
pub async fn post_sweeper_run(
    State(st): State<AppState>,
    _: Admin,
    Query(q): Query<SweepRun>,
) -> ApiResult<Data<SweepReport>> {
    let dry_run = q.dry_run.unwrap_or(st.cfg.sweeper.dry_run);
    Ok(Data(
        sweeper::sweep(&st, dry_run)
            .await
            .map_err(ApiError::internal)?,
    ))
}
