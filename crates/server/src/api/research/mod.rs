//! The read side: the Display API (user tokens), the Research API (client tokens, daily quota),
//! reelbox-native hashtag and trend endpoints, and the control endpoints that seed a synthetic
//! corpus and simulate activity.
pub mod lists;
pub mod tts;
pub mod videos;

use axum::http::StatusCode;
use reelbox_core::RuleError;
use reelbox_core::research::day_of;
use reelbox_wire::ErrorCode;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::http::auth::ClientCaller;
use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;

/// `?fields=` of a read endpoint.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
pub struct FieldsParam {
    /// Comma-separated field names.
    #[serde(default)]
    pub fields: Option<String>,
}

/// A rule error as a read endpoint answers it.
pub(crate) fn rule(e: RuleError) -> ApiError {
    ApiError::new(e.code, e.message)
}

pub(crate) fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidParams, msg)
}

/// A decimal id as a JSON number (ids exceed 2^53; serde_json keeps u64 exact).
pub(crate) fn id_num(s: &str) -> Value {
    s.parse::<u64>().map(Value::from).unwrap_or(Value::Null)
}

/// An id sent as a JSON number or a decimal string.
pub(crate) fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => n.as_u64().map(|n| n.to_string()),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse::<u64>().ok().map(|n| n.to_string())
        }
        _ => None,
    }
}

/// Keeps only the requested keys, in the requested order; absent values stay absent.
pub(crate) fn pick(all: Map<String, Value>, fields: &[String]) -> Value {
    let mut out = Map::new();
    for f in fields {
        if let Some(v) = all.get(f) {
            out.insert(f.clone(), v.clone());
        }
    }
    Value::Object(out)
}

/// Research quota per client and UTC day (overridable through the settings table for tests and
/// operators: `research.daily_requests`, `research.daily_records`, and the `follow_` pair).
pub(crate) async fn quota_limits(st: &AppState, kind: &str) -> (i64, i64) {
    let (rk, ck, dr, dc) = if kind == "follow" {
        (
            "research.follow_daily_requests",
            "research.follow_daily_records",
            20_000,
            2_000_000,
        )
    } else {
        (
            "research.daily_requests",
            "research.daily_records",
            1_000,
            100_000,
        )
    };
    let get = |k: &'static str, d: i64| async move {
        st.store
            .setting(k)
            .await
            .ok()
            .flatten()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(d)
    };
    (get(rk, dr).await, get(ck, dc).await)
}

/// A research client: the token must carry `research.data.basic`, the per-minute limit and the
/// daily quota must allow one more request.
pub(crate) async fn research_gate(
    st: &AppState,
    c: &ClientCaller,
    kind: &'static str,
) -> ApiResult<()> {
    if !c
        .scopes
        .iter()
        .any(|s| s == reelbox_core::scopes::RESEARCH_DATA_BASIC)
    {
        return Err(ApiError::new(
            ErrorCode::ScopeNotAuthorized,
            "The user did not authorize the scope required for completing this request.",
        ));
    }
    st.rate_check(&c.client_key, "research", st.cfg.limits.rate_research)
        .await
        .map_err(|wait| {
            let mut e = ApiError::new(
                ErrorCode::RateLimitExceeded,
                "The API rate limit was exceeded. Please try again later.",
            );
            e.retry_after = Some(wait);
            e
        })?;
    let (max_req, max_rec) = quota_limits(st, kind).await;
    let (req, rec) = st
        .research_tally
        .usage(&st.store, &c.client_key, day_of(st.now()), kind)
        .await?;
    if req >= max_req || rec >= max_rec {
        let mut e = ApiError::new(
            ErrorCode::DailyQuotaLimitExceeded,
            "Daily quota limit exceeded. Quota resets at 00:00 UTC.",
        )
        .with_status(StatusCode::TOO_MANY_REQUESTS);
        let next = (day_of(st.now()) + 1) * reelbox_core::research::DAY_MS;
        e.retry_after = Some(((next - st.now()) / 1000).max(1) as u64);
        return Err(e);
    }
    Ok(())
}

/// Counts a served research request and its records (in memory; written by the tally).
pub(crate) fn research_count(st: &AppState, c: &ClientCaller, kind: &'static str, records: usize) {
    st.research_tally
        .add(&c.client_key, day_of(st.now()), kind, records as i64);
}
