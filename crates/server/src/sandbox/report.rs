//! The guideline report of an app: its recorded calls and webhook deliveries, judged by the pure
//! rules of `reelbox_core::report` (the control API, the CLI and the developer portal show it).
use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;
use reelbox_core::report::{self, AppFacts, Call, Delivery, Report};
use serde::Serialize;

/// How many of the newest calls a report reads.
const MAX_CALLS: i64 = 20_000;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportView {
    pub client_key: String,
    pub app_name: String,
    pub audited: bool,
    pub generated_at: i64,
    pub calls_examined: usize,
    #[schema(value_type = Object)]
    pub report: Report,
}

/// Builds the report of an app (also used by the developer portal).
pub async fn build(st: &AppState, client_key: &str) -> ApiResult<ReportView> {
    let app = st
        .store
        .app(client_key)
        .await?
        .ok_or_else(|| ApiError::not_found("app"))?;
    st.calls.flush().await;
    let calls: Vec<Call> = st
        .store
        .calls_of_app(client_key, MAX_CALLS)
        .await?
        .into_iter()
        .map(|c| Call {
            time: c.created_at,
            endpoint: c.endpoint,
            token: c.token_hash,
            creator: c.creator_id,
            status: c.status,
            code: c.error_code,
            log_id: c.log_id,
            summary: c.summary,
            injected: c.injected.0,
            lenient: c.lenient,
        })
        .collect();
    let deliveries: Vec<Delivery> = st
        .store
        .deliveries_of_app(client_key, MAX_CALLS)
        .await?
        .into_iter()
        .filter(|d| {
            d.last_error.as_deref() != Some(crate::sandbox::faults::INJECTED_WEBHOOK_FAILURE)
        })
        .map(|d| Delivery {
            event: d.event,
            status: d.status,
            attempts: d.attempts,
            last_status_code: d.last_status_code,
        })
        .collect();
    let facts = AppFacts {
        audited: app.audited,
        has_webhook: app.webhook_url.is_some(),
    };
    let r = report::evaluate(&facts, &calls, &deliveries, report::Windows::default());
    Ok(ReportView {
        client_key: app.client_key.clone(),
        app_name: app.name.clone(),
        audited: app.audited,
        generated_at: st.now(),
        calls_examined: calls.len(),
        report: r,
    })
}
