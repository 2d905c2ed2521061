//! The background worker: claims due jobs from the persistent queue (with a lease, so a crashed
//! node's jobs are taken over) and runs them. Wakes on new work and at least every second.
use std::time::Duration;

use crate::state::AppState;

const LEASE_MS: i64 = 5 * 60 * 1000;

/// Claims and runs jobs until `shutdown`; each job runs as its own task on `jobs`, which the
/// server waits for (a while) before closing the database.
pub async fn run(
    st: AppState,
    shutdown: tokio_util::sync::CancellationToken,
    jobs: tokio_util::task::TaskTracker,
) {
    let me = format!("node-{}", reelbox_core::ids::random_alnum(8));
    loop {
        if shutdown.is_cancelled() {
            return;
        }
        match st.store.claim_job(&me, st.now(), LEASE_MS).await {
            Ok(Some(job)) => {
                let st2 = st.clone();
                // Jobs run concurrently; the queue's lease keeps each with one runner.
                jobs.spawn(async move { run_job(st2, job).await });
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "worker: claiming a job failed"),
        }
        tokio::select! {
            _ = st.work.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(1000)) => {}
            _ = shutdown.cancelled() => return,
        }
    }
}

async fn run_job(st: AppState, job: reelbox_store::jobs::Job) {
    // `processing_stuck`: hold the job until the scenario's time has passed (once per publish).
    if job.kind == "process" || job.kind == "pull" {
        if let Ok(Some(p)) = st.store.publish_fresh(&job.payload).await {
            if let Some(at) = crate::faults::processing_hold(&st, &p).await {
                let _ = st
                    .store
                    .reschedule_job(&job.id, at, Some("held by the processing_stuck scenario"))
                    .await;
                return;
            }
        }
    }
    let result = match job.kind.as_str() {
        "process" => crate::posting::process::run_process(&st, &job.payload)
            .await
            .map(|_| None),
        "pull" => crate::posting::process::run_pull(&st, &job.payload)
            .await
            .map(|_| None),
        "make_public" => crate::posting::process::run_make_public(&st, &job.payload)
            .await
            .map(|_| None),
        "webhook" => crate::webhooks::deliver(&st, &job.payload)
            .await
            .map(|n| match n {
                crate::webhooks::Next::Done => None,
                crate::webhooks::Next::RetryAt(t) => Some(t),
            }),
        other => {
            tracing::error!(kind = other, "worker: unknown job kind");
            Ok(None)
        }
    };
    let now = st.now();
    let outcome = match result {
        Ok(None) => st.store.complete_job(&job.id, now).await,
        Ok(Some(at)) => st.store.reschedule_job(&job.id, at, None).await,
        Err(e) => {
            tracing::error!(job = %job.id, kind = %job.kind, error = %format!("{e:#}"), "job failed");
            if job.attempts >= 3 {
                if job.kind != "webhook" {
                    let _ = crate::posting::process::fail_internal(&st, &job.payload).await;
                }
                st.store.complete_job(&job.id, now).await
            } else {
                st.store
                    .reschedule_job(&job.id, now + 2000 * job.attempts, Some(&e.to_string()))
                    .await
            }
        }
    };
    if let Err(e) = outcome {
        tracing::error!(job = %job.id, error = %e, "worker: recording the outcome failed");
    }
}
