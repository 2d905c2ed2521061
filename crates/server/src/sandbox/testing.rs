//! A test suite's tools around the sandbox: a reset back to empty (or to the seed file) while
//! the server runs, and what deterministic mode sets up at start. Snapshots are in
//! [`super::snapshot`], seed files in [`super::seedfile`].
//!
//! A reset empties every base table (`Store::clear_all`, generic over the schema) and every
//! stored object (`BlobStore::list`), then what this node holds in memory: rate windows, upload
//! slots, the call log's pending batch (written first, then emptied with its table), injected
//! faults, research quota counts not yet written, the clock, and in deterministic mode the id
//! streams, so the next test sees the ids the first one saw. Other nodes of a PostgreSQL
//! deployment keep their own memory (faults stay in the node that received them, as always).
use futures::TryStreamExt;
use reelbox_core::clock::MovableState;
use reelbox_wire::control::ResetView;

use crate::state::AppState;

/// Stored objects deleted at once during a reset.
const DELETE_CONCURRENCY: usize = 16;

/// Back to empty, or to the seed file the server was started with.
pub async fn reset(st: &AppState) -> anyhow::Result<ResetView> {
    anyhow::ensure!(st.sandbox(), "a reset is refused in production mode");
    // The pending batch lands before its table empties, so none of it comes back after.
    st.calls.flush().await;
    st.research_tally.clear().await;
    st.store.clear_all().await?;
    // The edited settings are gone with their table: the node answers from the file's again.
    crate::service::settings::live(st).await?;
    let blobs_deleted = clear_blobs(st).await?;
    forget_memory(st);
    restart_clock(st).await?;
    crate::service::sweeper::arm(st).await?;
    let seed_file = match &st.cfg.testing.seed_file {
        Some(path) => {
            super::seedfile::apply_path(st, path).await?;
            Some(path.display().to_string())
        }
        None => None,
    };
    Ok(ResetView {
        blobs_deleted,
        seed_file,
    })
}

/// Deletes every stored object; the number deleted.
pub(crate) async fn clear_blobs(st: &AppState) -> anyhow::Result<u64> {
    let blobs = st.blobs.clone();
    let n = st
        .blobs
        .list()
        .map_err(anyhow::Error::from)
        .map_ok(|e| {
            let blobs = blobs.clone();
            async move {
                blobs.delete(&e.key).await?;
                anyhow::Ok(1u64)
            }
        })
        .try_buffer_unordered(DELETE_CONCURRENCY)
        .try_fold(0u64, |n, one| async move { Ok(n + one) })
        .await?;
    Ok(n)
}

/// What this node holds in memory about the state that was just emptied.
pub(crate) fn forget_memory(st: &AppState) {
    st.rate.clear();
    st.uploads.clear();
    st.faults.clear();
    st.last_prune.store(0, std::sync::atomic::Ordering::Relaxed);
    if let Some(ids) = &st.ids {
        ids.restart();
    }
}

/// The clock a fresh start has: the system's, or in deterministic mode frozen at
/// `testing.start_ms`.
async fn restart_clock(st: &AppState) -> anyhow::Result<()> {
    st.clock.set_state(start_clock(st));
    st.save_clock().await
}

fn start_clock(st: &AppState) -> MovableState {
    match st.cfg.testing.deterministic {
        Some(_) => MovableState {
            offset_ms: 0,
            frozen_at: Some(st.cfg.testing.start_ms),
        },
        None => MovableState::default(),
    }
}

/// At start: a deterministic node's clock stands at its start unless the database already has a
/// clock; a seed file is applied to a database holding no apps and no creators (a restart keeps
/// what the earlier run made).
pub async fn at_start(st: &AppState) -> anyhow::Result<()> {
    if st.cfg.testing.deterministic.is_some() && st.store.setting("clock").await?.is_none() {
        restart_clock(st).await?;
    }
    if let Some(path) = &st.cfg.testing.seed_file {
        if st.store.is_empty_platform().await? {
            crate::state::ids::scope(st.ids.clone(), super::seedfile::apply_path(st, path)).await?;
        } else {
            tracing::info!(seed = %path.display(), "the database holds apps or creators; the seed file is applied at the next reset");
        }
    }
    Ok(())
}
