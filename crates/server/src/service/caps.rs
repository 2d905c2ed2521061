//! What TikTok's posting caps count over the last 24 hours (posts per creator, active creators
//! per app, pending inbox shares) and the limits they are held to, for `reelbox_core::rules`.
use reelbox_core::clock::DAY_MS;
use reelbox_core::rules::Usage;
use reelbox_store::creators::Creator;
use reelbox_store::publishes::UsageCounts;
use reelbox_store::{Store, StoreError};
use sqlx::Any;

use crate::config::Limits;
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
    let since = st.now_for_creator(client_key, Some(&creator.id)) - DAY_MS;
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
    caps_usage(
        &crate::service::settings::last_live(st).limits,
        c,
        creator.daily_post_cap,
        audited,
        app_cap,
    )
}

/// The rule behind [`usage_of`]: a creator's own daily cap and an app's own active-user cap
/// win over the platform's; otherwise an app's audit decides which active-user cap applies.
fn caps_usage(
    l: &Limits,
    c: UsageCounts,
    creator_cap: Option<i64>,
    audited: bool,
    app_cap: Option<i64>,
) -> Usage {
    Usage {
        creator_posts_24h: c.creator_posts,
        daily_post_cap: creator_cap.unwrap_or(l.daily_post_cap),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn counts() -> UsageCounts {
        UsageCounts {
            creator_posts: 3,
            app_active_creators: 4,
            creator_already_active: true,
            pending_shares: 2,
        }
    }

    #[test]
    fn an_unaudited_app_is_held_to_the_unaudited_cap_and_an_audited_one_to_its_own() {
        let l = Limits::default();
        let u = caps_usage(&l, counts(), None, false, None);
        assert_eq!(u.active_user_cap, l.unaudited_active_user_cap);
        let u = caps_usage(&l, counts(), None, true, None);
        assert_eq!(u.active_user_cap, l.audited_active_user_cap);
    }

    #[test]
    fn a_creator_or_app_cap_of_its_own_wins_over_the_platform_limits() {
        let l = Limits::default();
        let u = caps_usage(&l, counts(), Some(2), false, Some(50));
        assert_eq!((u.daily_post_cap, u.active_user_cap), (2, 50));
        let u = caps_usage(&l, counts(), None, true, None);
        assert_eq!(u.daily_post_cap, l.daily_post_cap);
        assert_eq!(u.pending_share_cap, l.pending_share_cap);
    }

    #[test]
    fn the_counts_pass_through_unchanged() {
        let u = caps_usage(&Limits::default(), counts(), None, true, None);
        assert_eq!(
            (
                u.creator_posts_24h,
                u.app_active_creators_24h,
                u.creator_already_active,
                u.pending_shares_24h
            ),
            (3, 4, true, 2)
        );
    }
}
