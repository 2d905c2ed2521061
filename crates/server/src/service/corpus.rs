//! The read side's synthetic corpus and simulated engagement.
use reelbox_store::activity::Activity;
use reelbox_store::seed::SeedSpec;
use reelbox_wire::control::{ActivityBody, ActivityView, SeedBody, SeedListsView, SeedView};

use crate::http::error::{ApiError, ApiResult};
use crate::service::invalid;
use crate::state::AppState;

/// Generates a deterministic corpus ending now (server time).
pub async fn seed(st: &AppState, b: SeedBody) -> ApiResult<SeedView> {
    // Big corpora take minutes: `reelbox seed` is the tool for those.
    if b.videos > 200_000 || b.creators > 100_000 || b.creators == 0 || b.days == 0 || b.days > 3650
    {
        return Err(invalid(
            "creators 1..=100000, videos ≤ 200000 and days 1..=3650 through the API; use `reelbox seed` for more",
        ));
    }
    let spec = SeedSpec {
        creators: b.creators,
        videos: b.videos,
        days: b.days,
        seed: b.seed,
        end_ms: st.now(),
    };
    let r = st.store.seed(&spec, &|_| {}).await?;
    let l = r.lists;
    Ok(SeedView {
        comments: r.comments,
        creators: r.creators,
        elapsed_ms: r.elapsed_ms,
        follows: r.follows,
        hashtags: r.hashtags,
        indexing_ms: r.indexing_ms,
        lists: SeedListsView {
            elapsed_ms: l.elapsed_ms,
            likes: l.likes,
            pins: l.pins,
            playlist_items: l.playlist_items,
            playlists: l.playlists,
            reposts: l.reposts,
            reviews: l.reviews,
            shops: l.shops,
        },
        music: r.music,
        products: r.products,
        videos: r.videos,
    })
}

/// Adds engagement to a post: counters and trend buckets move as with real activity.
pub async fn add_activity(st: &AppState, b: ActivityBody) -> ApiResult<ActivityView> {
    let a = Activity {
        views: b.views,
        likes: b.likes,
        comments: b.comments,
        shares: b.shares,
        favorites: b.favorites,
    };
    if !st.store.add_activity(&b.post_id, &a, st.now()).await? {
        return Err(ApiError::not_found(format!("post {}", b.post_id)));
    }
    let p = st
        .store
        .post(&b.post_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("post {}", b.post_id)))?;
    Ok(ActivityView {
        comment_count: p.comment_count,
        favorite_count: p.favorite_count,
        like_count: p.like_count,
        post_id: p.id,
        share_count: p.share_count,
        view_count: p.view_count,
    })
}
