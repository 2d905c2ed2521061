//! The Content Posting API (spec §4–§8): creator info, the init endpoints, the upload URL,
//! status and cancel. Handlers are thin: the rules live in `reelbox_core::rules` and
//! `reelbox_core::chunks`; the state changes in `reelbox_store`; the background half in `process`.
pub mod init;
pub mod status;
pub mod upload;

use reelbox_core::rules::Usage;
use reelbox_store::Store;
use reelbox_store::creators::Creator;
use reelbox_store::publishes::UsageCounts;
use sqlx::Any;

use crate::http::auth::Caller;
use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const DAY_MS: i64 = 24 * 3600 * 1000;

/// Enforces the per-token limit of an endpoint (sliding minute): 429 `rate_limit_exceeded`.
pub async fn rate_limit(
    st: &AppState,
    caller: &Caller,
    endpoint: &'static str,
    limit: u32,
) -> ApiResult<()> {
    st.rate_check(&caller.token_hash, endpoint, limit)
        .await
        .map_err(|wait| {
            let mut e = ApiError::new(
                reelbox_wire::ErrorCode::RateLimitExceeded,
                format!(
                    "Rate limit of {limit} requests per minute exceeded for this access token."
                ),
            );
            e.retry_after = Some(wait);
            e
        })
}

/// The caller's creator.
pub async fn creator_of(st: &AppState, caller: &Caller) -> ApiResult<std::sync::Arc<Creator>> {
    st.store
        .creator(&caller.creator_id)
        .await?
        .ok_or_else(ApiError::token_invalid)
}

/// Counts what the caps look at: inside the caller's transaction when the caps are enforced
/// (`ex` = the transaction), on the read pool when they are only reported.
pub async fn usage<'e, E: sqlx::Executor<'e, Database = Any>>(
    st: &AppState,
    ex: E,
    creator: &Creator,
    client_key: &str,
    audited: bool,
    app_cap: Option<i64>,
) -> ApiResult<Usage> {
    let since = st.now() - DAY_MS;
    let c = Store::usage_counts(ex, &creator.id, client_key, since).await?;
    Ok(usage_of(st, c, creator, audited, app_cap))
}

/// The caps' view of `c` for this creator and app.
pub fn usage_of(
    st: &AppState,
    c: UsageCounts,
    creator: &Creator,
    audited: bool,
    app_cap: Option<i64>,
) -> Usage {
    let l = &st.cfg.limits;
    Usage {
        creator_posts_24h: c.creator_posts,
        daily_post_cap: creator.daily_post_cap.unwrap_or(l.daily_post_cap),
        app_active_creators_24h: c.app_active_creators,
        creator_already_active: c.creator_already_active,
        active_user_cap: app_cap.unwrap_or(if audited {
            l.audited_active_user_cap
        } else {
            l.unaudited_active_user_cap
        }),
        pending_shares_24h: c.pending_shares,
        pending_share_cap: l.pending_share_cap,
    }
}
