//! The storage sweeper: lists every blob, judges each by `reelbox_core::sweep` against what
//! the database refers to, and deletes (or, dry, only counts) abandoned uploads' data, partial
//! files, orphaned objects and expired Data Portability archives. Runs as the periodic `sweep` job (one node at a time, through the
//! jobs table) and on demand from the control API; the last run's report is kept in the
//! settings table for the admin page and `GET /_reelbox/sweeper`.
use futures::StreamExt;
use reelbox_core::sweep::{Known, Verdict, judge};
use reelbox_wire::control::{SweepCount, SweepReport};

use crate::state::AppState;

/// The job's id and kind: one row, rescheduled after each run.
pub const JOB: &str = "sweep";
const LAST_RUN: &str = "sweeper.last_run";

/// One sweep; `dry_run` counts without deleting.
pub async fn sweep(st: &AppState, dry_run: bool) -> anyhow::Result<SweepReport> {
    let min_age_secs = st.cfg.sweeper.min_age_secs;
    let mut report = SweepReport {
        dry_run,
        started_at: st.now(),
        min_age_secs,
        ..Default::default()
    };
    // Listed before the database is read: a blob written after the listing began is young,
    // and one the database started referring to since is still found referred to.
    let mut blobs = st.blobs.list();
    let mut referenced = st.store.object_keys().await?;
    // A Data Portability archive past its download window is referred to by its request (which
    // answers `expired`) but no longer kept.
    let expired = st
        .store
        .expired_archive_keys(st.now() - st.cfg.products.portability_keep_secs * 1000)
        .await?;
    referenced.retain(|k| expired.binary_search(k).is_err());
    let known = Known::new(referenced, st.store.publishes_in_progress(st.now()).await?);
    let now = reelbox_core::clock::system_now_ms();
    while let Some(entry) = blobs.next().await {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(error = %e, "sweeper: listing a blob failed");
                report.errors += 1;
                continue;
            }
        };
        add(&mut report.listed, entry.size);
        let verdict = judge(
            &entry.key,
            now - entry.modified_ms,
            min_age_secs * 1000,
            &known,
        );
        let tally = match verdict {
            Verdict::Keep | Verdict::Young => {
                add(&mut report.kept, entry.size);
                continue;
            }
            Verdict::AbandonedUpload => &mut report.abandoned_uploads,
            Verdict::Partial => &mut report.partial_writes,
            Verdict::Orphan => &mut report.orphans,
        };
        if !dry_run && let Err(e) = st.blobs.delete(&entry.key).await {
            tracing::warn!(key = %entry.key, error = %e, "sweeper: deleting a blob failed");
            report.errors += 1;
            continue;
        }
        add(tally, entry.size);
    }
    report.finished_at = st.now();
    let freed = report.freed();
    tracing::info!(
        dry_run,
        blobs = freed.blobs,
        bytes = freed.bytes,
        abandoned_uploads = report.abandoned_uploads.blobs,
        partial_writes = report.partial_writes.blobs,
        orphans = report.orphans.blobs,
        errors = report.errors,
        "sweeper: {}",
        if dry_run { "would free" } else { "freed" }
    );
    st.store
        .put_setting(LAST_RUN, &serde_json::to_string(&report)?)
        .await?;
    Ok(report)
}

fn add(c: &mut SweepCount, bytes: u64) {
    c.blobs += 1;
    c.bytes += bytes;
}

/// The last run's report, from whichever node ran it.
pub async fn last_run(st: &AppState) -> anyhow::Result<Option<SweepReport>> {
    Ok(match st.store.setting(LAST_RUN).await? {
        Some(v) => serde_json::from_str(&v).ok(),
        None => None,
    })
}

/// The periodic job's run: a sweep as configured, then the next run's time. A failed sweep is
/// logged and tried again at the next period (the job must never end).
pub async fn run_job(st: &AppState) -> i64 {
    if let Err(e) = sweep(st, st.cfg.sweeper.dry_run).await {
        tracing::error!(error = %format!("{e:#}"), "sweeper: the run failed");
    }
    st.now() + st.cfg.sweeper.every_secs * 1000
}

/// Queues the periodic job when the sweeper is on (at start-up; idempotent across nodes).
pub async fn arm(st: &AppState) -> anyhow::Result<()> {
    if st.cfg.sweeper.enabled {
        let now = st.now();
        st.store
            .ensure_periodic_job(JOB, JOB, now + st.cfg.sweeper.every_secs * 1000, now)
            .await?;
    }
    Ok(())
}
