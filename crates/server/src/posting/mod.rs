//! The Content Posting API (spec §4–§8): creator info, the init endpoints, the upload URL,
//! status and cancel. Handlers are thin: the rules live in `reelbox_core::rules` and
//! `reelbox_core::chunks`; the state changes in `reelbox_store`; the background half in `process`.
pub mod init;
pub mod process;
pub mod status;
pub mod upload;

use reelbox_core::rules::Usage;
use reelbox_store::Store;
use reelbox_store::creators::Creator;
use sqlx::{Any, Transaction};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

const DAY_MS: i64 = 24 * 3600 * 1000;

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
pub async fn creator_of(st: &AppState, caller: &Caller) -> ApiResult<Creator> {
    st.store
        .creator(&caller.creator_id)
        .await?
        .ok_or_else(ApiError::token_invalid)
}

/// Counts what the caps look at, inside the caller's transaction.
pub async fn usage(
    st: &AppState,
    tx: &mut Transaction<'_, Any>,
    creator: &Creator,
    client_key: &str,
    audited: bool,
    app_cap: Option<i64>,
) -> ApiResult<Usage> {
    let now = st.now();
    let since = now - DAY_MS;
    let l = &st.cfg.limits;
    let (active, already) =
        Store::app_active_creators_since(tx, client_key, &creator.id, since).await?;
    Ok(Usage {
        creator_posts_24h: Store::creator_posts_since(tx, &creator.id, since).await?,
        daily_post_cap: creator.daily_post_cap.unwrap_or(l.daily_post_cap),
        app_active_creators_24h: active,
        creator_already_active: already,
        active_user_cap: app_cap.unwrap_or(if audited {
            l.audited_active_user_cap
        } else {
            l.unaudited_active_user_cap
        }),
        pending_shares_24h: Store::pending_shares_since(tx, &creator.id, since).await?,
        pending_share_cap: l.pending_share_cap,
    })
}
