//! The Content Posting API (spec §4–§8): creator info, the init endpoints, the upload URL,
//! status and cancel. Handlers are thin: the rules live in `reelbox_core::rules` and
//! `reelbox_core::chunks`; the state changes in `reelbox_store`; the use cases in `service`; the background half in `jobs::process`.
pub mod init;
pub mod status;
pub mod upload;

use reelbox_store::creators::Creator;

use crate::http::auth::Caller;
use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Enforces the per-token limit of an endpoint (sliding minute): 429 `rate_limit_exceeded`.
pub async fn rate_limit(
    st: &AppState,
    caller: &Caller,
    endpoint: &'static str,
    limit: u32,
) -> ApiResult<()> {
    st.rate_check(
        &caller.token_hash,
        endpoint,
        limit,
        st.now_for(&caller.client_key),
    )
    .await
    .map_err(|wait| {
        let mut e = ApiError::new(
            reelbox_wire::ErrorCode::RateLimitExceeded,
            format!("Rate limit of {limit} requests per minute exceeded for this access token."),
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
