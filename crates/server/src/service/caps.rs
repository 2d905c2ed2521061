//! What TikTok's posting caps count over the last 24 hours (posts per creator, active creators
//! per app, pending inbox shares) and the limits they are held to, for `reelbox_core::rules`.
use reelbox_core::clock::DAY_MS;
use reelbox_core::rules::Usage;
use reelbox_store::creators::Creator;
use reelbox_store::publishes::UsageCounts;
use reelbox_store::{Store, StoreError};
use sqlx::Any;

use crate::state::AppState;

/// Counts what the caps look at: inside the caller's transaction when the caps are enforced
/// (`ex` = the transaction), on the read pool when they are only reported.
pub async fn usage<'e, E: sqlx::Executor<'e, Database = Any>>(
    st: &AppState,
    ex: E,
    creator: &Creator,
    client_key: &str,
    audited: bool,
    app_cap: Option<i64>,
) -> Result<Usage, StoreError> {
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
