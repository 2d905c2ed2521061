//! The research gate, as one extractor: a research endpoint takes [`Research`] and so cannot
//! forget a step. In the order TikTok answers them: the client token, the query string's
//! `fields`, the body, then the scope, the per-minute limit and the daily quota; the handler
//! answers through [`Research::answer`], which counts the request and its records. A research
//! failure scenario switched on for the app (`reelbox_core::faults`) answers in place of the
//! handler once the gate has passed.
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use reelbox_core::faults::ResearchFailure;
use reelbox_core::research::{DAY_MS, day_of};
use reelbox_wire::ErrorCode;
use serde::de::DeserializeOwned;

use crate::config::Limits;
use crate::http::auth::ClientCaller;
use crate::http::context::CallSlot;
use crate::http::envelope::Data;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Reading, WireJson};
use crate::http::fields::FieldsParam;
use crate::state::AppState;

/// Which daily quota a research endpoint counts against.
pub trait Quota: Send + Sync + 'static {
    /// The tally's name for it.
    const KIND: &'static str;
    /// Whether its endpoints read `?fields=` (the follower lists have no fields to pick).
    const TAKES_FIELDS: bool;
    /// Its (requests, records) per client and UTC day.
    fn limits(l: &Limits) -> (i64, i64);
}

/// The quota of the data endpoints: videos, users, comments, lists, shops, trends.
pub struct DataQuota;
impl Quota for DataQuota {
    const KIND: &'static str = "data";
    const TAKES_FIELDS: bool = true;
    fn limits(l: &Limits) -> (i64, i64) {
        (l.research_daily_requests, l.research_daily_records)
    }
}

/// The follower and following lists' own quota.
pub struct FollowQuota;
impl Quota for FollowQuota {
    const KIND: &'static str = "follow";
    const TAKES_FIELDS: bool = false;
    fn limits(l: &Limits) -> (i64, i64) {
        (
            l.research_follow_daily_requests,
            l.research_follow_daily_records,
        )
    }
}

/// How many records an answer serves, as the daily quota counts them.
pub trait Records {
    fn records(&self) -> usize;
}

/// A research request let through the gate: its client, its `?fields=` and its body.
pub struct Research<B, Q: Quota = DataQuota> {
    pub caller: ClientCaller,
    /// The query string's `fields`, unparsed (some endpoints also read the body's).
    pub fields: Option<String>,
    pub body: B,
    st: AppState,
    quota: std::marker::PhantomData<Q>,
}

impl<B, Q: Quota> Research<B, Q> {
    /// The answer, counted against the client's quota: one request and its records (in memory;
    /// the tally writes them). Refused requests never get here, so they count nothing.
    pub fn answer<A: Records>(self, answer: A) -> Data<A> {
        let now = self.st.now_for(&self.caller.client_key);
        self.st.research_tally.add(
            &self.caller.client_key,
            day_of(now),
            Q::KIND,
            answer.records() as i64,
        );
        Data(answer)
    }
}

impl<B, Q> FromRequest<AppState> for Research<B, Q>
where
    B: DeserializeOwned + Send,
    Q: Quota,
{
    type Rejection = Response;

    async fn from_request(req: Request, st: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let caller = ClientCaller::from_request_parts(&mut parts, st)
            .await
            .map_err(IntoResponse::into_response)?;
        let fields = if Q::TAKES_FIELDS {
            Query::<FieldsParam>::from_request_parts(&mut parts, st)
                .await
                .map_err(IntoResponse::into_response)?
                .0
                .fields
        } else {
            None
        };
        let slot = parts.extensions.get::<CallSlot>().cloned();
        let WireJson(body, _) =
            WireJson::<B, Reading>::from_request(Request::from_parts(parts, body), st)
                .await
                .map_err(IntoResponse::into_response)?;
        gate::<Q>(st, &caller)
            .await
            .map_err(IntoResponse::into_response)?;
        if let Some(f) = st.faults.research_failure(&caller.client_key, st.now()) {
            if let Some(slot) = slot {
                slot.mark_injected();
            }
            return Err(research_failure::<Q>(st, &caller.client_key, f).await);
        }
        Ok(Research {
            caller,
            fields,
            body,
            st: st.clone(),
            quota: std::marker::PhantomData,
        })
    }
}

/// The token must carry `research.data.basic`, and the per-minute limit and the daily quota
/// must allow one more request.
pub(crate) async fn gate<Q: Quota>(st: &AppState, c: &ClientCaller) -> ApiResult<()> {
    gate_scope::<Q>(st, c, reelbox_core::scopes::RESEARCH_DATA_BASIC).await
}

/// [`gate`] for the endpoints of another research scope (the ad library's
/// `research.adlib.basic`).
pub(crate) async fn gate_scope<Q: Quota>(
    st: &AppState,
    c: &ClientCaller,
    scope: &str,
) -> ApiResult<()> {
    if !c.scopes.iter().any(|s| s == scope) {
        return Err(ApiError::new(
            ErrorCode::ScopeNotAuthorized,
            "The user did not authorize the scope required for completing this request.",
        ));
    }
    let limits = crate::service::settings::limits(st).await?;
    let now = st.now_for(&c.client_key);
    st.rate_check(&c.client_key, "research", limits.rate_research, now)
        .await
        .map_err(ApiError::rate_limited)?;
    let used = st
        .research_tally
        .usage(&st.store, &c.client_key, day_of(now), Q::KIND)
        .await?;
    if let Some(wait) = quota_wait(used, Q::limits(&st.cfg.limits), now) {
        return Err(quota_exceeded(wait));
    }
    Ok(())
}

fn quota_exceeded(wait: u64) -> ApiError {
    let mut e = ApiError::new(
        ErrorCode::DailyQuotaLimitExceeded,
        "Daily quota limit exceeded. Quota resets at 00:00 UTC.",
    )
    .with_status(StatusCode::TOO_MANY_REQUESTS);
    e.retry_after = Some(wait);
    e
}

/// What TikTok's edge answers when the research backend times out: its own HTML, not JSON.
const GATEWAY_TIMEOUT_PAGE: &str = "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n";

/// The answer of a research scenario switched on for the app (`reelbox_core::faults`).
async fn research_failure<Q: Quota>(
    st: &AppState,
    client_key: &str,
    f: ResearchFailure,
) -> Response {
    let now = st.now_for(client_key);
    match f {
        ResearchFailure::InternalCounted => {
            // Research users report that such failures still take from the day's quota.
            st.research_tally.add(client_key, day_of(now), Q::KIND, 0);
            ApiError::new(
                ErrorCode::InternalError,
                "Something went wrong. Please try again later.",
            )
            .into_response()
        }
        ResearchFailure::GatewayTimeoutHtml => (
            StatusCode::GATEWAY_TIMEOUT,
            [(axum::http::header::CONTENT_TYPE, "text/html")],
            axum::Extension(crate::http::context::Verbatim),
            GATEWAY_TIMEOUT_PAGE,
        )
            .into_response(),
        ResearchFailure::QuotaReached => {
            let limits = Q::limits(&st.cfg.limits);
            let used = match st
                .research_tally
                .usage(&st.store, client_key, day_of(now), Q::KIND)
                .await
            {
                Ok(u) => u,
                Err(e) => return ApiError::from(e).into_response(),
            };
            // What is left of the day is spent, so every later request meets the real quota.
            st.research_tally.add_requests(
                client_key,
                day_of(now),
                Q::KIND,
                (limits.0 - used.0).max(0),
                0,
            );
            let wait = quota_wait(limits, limits, now).unwrap_or(1);
            quota_exceeded(wait).into_response()
        }
    }
}

/// Seconds until the quota lets a request in again (midnight UTC, at least one), or `None`
/// when `used` (requests, records) is below `limits`.
fn quota_wait(used: (i64, i64), limits: (i64, i64), now_ms: i64) -> Option<u64> {
    if used.0 < limits.0 && used.1 < limits.1 {
        return None;
    }
    let midnight = (day_of(now_ms) + 1) * DAY_MS;
    Some(((midnight - now_ms) / 1000).max(1) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quota_refuses_at_either_limit_until_midnight_utc() {
        let noon = 20_000 * DAY_MS + DAY_MS / 2;
        assert_eq!(quota_wait((2, 10), (3, 100), noon), None);
        assert_eq!(quota_wait((3, 10), (3, 100), noon), Some(43_200));
        assert_eq!(quota_wait((0, 100), (3, 100), noon), Some(43_200));
        // The last moment of a day still waits a whole second.
        assert_eq!(quota_wait((3, 0), (3, 100), 20_001 * DAY_MS - 1), Some(1));
    }
}
