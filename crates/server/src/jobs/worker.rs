//! The background worker: claims due jobs from the persistent queue and runs them. Wakes on new
//! work and at least every second. A claim is a short lease (`jobs.lease_secs`) that a heartbeat
//! renews for every job still running, so a live node keeps a long job however long it takes,
//! while a dead node's jobs are taken over within one lease.
//!
//! A node runs at most `jobs.concurrency` jobs at once, and of those at most
//! `jobs.media_concurrency` media jobs (processing, pulls: each may hold a probe or ffmpeg child
//! of up to `probe.max_memory_mb`). The permits are taken before the claim, so a job is claimed
//! only when it can start: one this node cannot run yet stays in the queue for another node.
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reelbox_store::jobs::{Claimable, MEDIA_JOB_KINDS};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::state::AppState;
use crate::state::metrics::JobOutcome;

/// Claims and runs jobs until `shutdown`; each job runs as its own task on `jobs`, which the
/// server waits for (a while) before closing the database.
pub async fn run(
    st: AppState,
    shutdown: tokio_util::sync::CancellationToken,
    jobs: tokio_util::task::TaskTracker,
) {
    let me = format!("node-{}", reelbox_core::ids::random_alnum(8));
    let lease_ms = st.cfg.jobs.lease_secs * 1000;
    let running = Running::default();
    let slots = Slots::new(&st.cfg.jobs);
    jobs.spawn(heartbeat(
        st.clone(),
        me.clone(),
        lease_ms,
        running.clone(),
        shutdown.clone(),
    ));
    loop {
        if shutdown.is_cancelled() {
            return;
        }
        let any = tokio::select! {
            p = slots.any() => p,
            _ = shutdown.cancelled() => return,
        };
        let media = slots.media();
        let which = if media.is_some() {
            Claimable::Any
        } else {
            Claimable::NotMedia
        };
        let lease_now = reelbox_core::clock::system_now_ms();
        match st
            .store
            .claim_job_of(which, &me, st.now(), lease_now, lease_ms)
            .await
        {
            Ok(Some(job)) => {
                let st2 = st.clone();
                // Jobs run concurrently; the queue's lease keeps each with one runner. The
                // guard leaves the heartbeat's list when the job ends, panics included.
                let guard = running.enter(&job.id);
                let media = media.filter(|_| MEDIA_JOB_KINDS.contains(&job.kind.as_str()));
                jobs.spawn(async move {
                    crate::state::ids::scope(st2.ids.clone(), run_job(st2.clone(), job)).await;
                    drop(guard);
                    drop((any, media));
                    // A job held back for want of a permit may be claimed now.
                    st2.work.notify_one();
                });
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "worker: claiming a job failed"),
        }
        drop((any, media));
        tokio::select! {
            _ = st.work.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(1000)) => {}
            _ = shutdown.cancelled() => return,
        }
    }
}

/// The node's job permits: all jobs (`None`: unbounded) and media jobs.
struct Slots {
    any: Option<Arc<Semaphore>>,
    media: Arc<Semaphore>,
}

impl Slots {
    fn new(cfg: &crate::config::Jobs) -> Self {
        Slots {
            any: (cfg.concurrency > 0).then(|| Arc::new(Semaphore::new(cfg.concurrency))),
            media: Arc::new(Semaphore::new(cfg.media_concurrency.max(1))),
        }
    }

    /// Waits for a place among all jobs.
    async fn any(&self) -> Option<OwnedSemaphorePermit> {
        match &self.any {
            // The semaphore is never closed, so acquiring only fails in theory.
            Some(s) => s.clone().acquire_owned().await.ok(),
            None => None,
        }
    }

    /// A place among media jobs, if one is free now.
    fn media(&self) -> Option<OwnedSemaphorePermit> {
        self.media.clone().try_acquire_owned().ok()
    }
}

/// The ids of the jobs this node is running.
#[derive(Clone, Default)]
struct Running(Arc<Mutex<HashSet<String>>>);

struct RunningGuard(Running, String);

impl Running {
    fn enter(&self, id: &str) -> RunningGuard {
        self.lock().insert(id.to_string());
        RunningGuard(self.clone(), id.to_string())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        self.0.lock().remove(&self.1);
    }
}

/// Every third of a lease, renews the leases of the jobs still running, in one commit. A job
/// found no longer ours (this node was silent past its lease, the database out of reach say,
/// and another node took it) is logged and its run goes on: every handler is idempotent, so
/// the two runs agree, and stopping half-way would only leave more to redo. Ends once the
/// worker stopped and no job is left running.
async fn heartbeat(
    st: AppState,
    me: String,
    lease_ms: i64,
    running: Running,
    shutdown: tokio_util::sync::CancellationToken,
) {
    let every = Duration::from_millis((lease_ms / 3).max(1) as u64);
    loop {
        // While serving, a stop cuts the wait short (to end at once when nothing runs); once
        // stopping, renew at the lease's pace until the grace period ends the process.
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.cancelled(), if !shutdown.is_cancelled() => {}
        }
        let ids: Vec<String> = running.lock().iter().cloned().collect();
        if ids.is_empty() {
            if shutdown.is_cancelled() {
                return;
            }
            continue;
        }
        match st
            .store
            .renew_job_leases(&ids, &me, reelbox_core::clock::system_now_ms() + lease_ms)
            .await
        {
            Ok(lost) => {
                for id in lost.iter().filter(|id| running.lock().contains(*id)) {
                    tracing::warn!(job = %id, "worker: the job's lease was lost; another node may run it too");
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "worker: renewing the running jobs' leases failed")
            }
        }
    }
}

async fn run_job(st: AppState, job: reelbox_store::jobs::Job) {
    // `processing_stuck`: hold the job until the scenario's time has passed (once per publish).
    if (job.kind == "process" || job.kind == "pull")
        && let Ok(Some(p)) = st.store.publish_fresh(&job.payload).await
        && let Some(at) = crate::sandbox::faults::processing_hold(&st, &p).await
    {
        let _ = st
            .store
            .reschedule_job(&job.id, at, Some("held by the processing_stuck scenario"))
            .await;
        return;
    }
    let result = match job.kind.as_str() {
        "process" => crate::jobs::process::run_process(&st, &job.payload)
            .await
            .map(|_| None),
        "pull" => crate::jobs::process::run_pull(&st, &job.payload)
            .await
            .map(|_| None),
        crate::service::posting::EXPIRE_UPLOAD => {
            crate::jobs::expiry::run_expire_upload(&st, &job.payload)
                .await
                .map(|()| None)
        }
        crate::jobs::renditions::JOB => crate::jobs::renditions::run(&st, &job.payload)
            .await
            .map(|_| None),
        "make_public" => crate::jobs::process::run_make_public(&st, &job.payload)
            .await
            .map(|_| None),
        "webhook" => crate::jobs::webhooks::deliver(&st, &job.payload)
            .await
            .map(|n| match n {
                crate::jobs::webhooks::Next::Done => None,
                crate::jobs::webhooks::Next::RetryAt(t) => Some(t),
            }),
        crate::service::sweeper::JOB => Ok(Some(crate::service::sweeper::run_job(&st).await)),
        crate::service::portability::JOB => {
            crate::service::portability::run_archive(&st, &job.payload)
                .await
                .map(|()| None)
        }
        reelbox_store::compliance::VALIDATE_JOB => {
            crate::service::compliance::run_validate(&st, &job.payload)
                .await
                .map(|()| None)
        }
        other => {
            tracing::error!(kind = other, "worker: unknown job kind");
            Ok(None)
        }
    };
    if let Some(m) = &st.metrics {
        let outcome = match &result {
            Ok(None) => JobOutcome::Completed,
            Ok(Some(_)) => JobOutcome::Rescheduled,
            Err(_) => JobOutcome::Failed,
        };
        m.record_job(&job.kind, outcome);
    }
    let now = st.now();
    let outcome = match result {
        Ok(None) => st.store.complete_job(&job.id, now).await,
        Ok(Some(at)) => st.store.reschedule_job(&job.id, at, None).await,
        Err(e) => {
            tracing::error!(job = %job.id, kind = %job.kind, error = %format!("{e:#}"), "job failed");
            if job.attempts >= 3 {
                if job.kind != "webhook" {
                    let _ = crate::service::publishes::fail_internal(&st, &job.payload).await;
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
