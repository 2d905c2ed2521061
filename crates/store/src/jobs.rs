//! The persistent work queue. A job is claimed with a lease (`locked_until`); a node that dies
//! mid-job lets the lease lapse and another node (or the restarted one) takes it again, so every
//! handler is idempotent. PostgreSQL claims with `FOR UPDATE SKIP LOCKED`; SQLite's single writer
//! makes the same statement atomic.
use sqlx::{Any, FromRow, Transaction};

use crate::{Result, Store};

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub run_at: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
}

impl Store {
    pub async fn enqueue_job(
        &self,
        id: &str,
        kind: &str,
        payload: &str,
        run_at: i64,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        Self::enqueue_job_tx(&mut tx, id, kind, payload, run_at, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Enqueues inside the caller's transaction, so the job exists iff the state change does.
    pub async fn enqueue_job_tx(
        tx: &mut Transaction<'_, Any>,
        id: &str,
        kind: &str,
        payload: &str,
        run_at: i64,
        now: i64,
    ) -> Result<()> {
        sqlx::query("INSERT INTO jobs (id, kind, payload, run_at, attempts, created_at) VALUES ($1, $2, $3, $4, 0, $5)")
            .bind(id)
            .bind(kind)
            .bind(payload)
            .bind(run_at)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Frees every lease. Only for a node that starts on a database no other node shares
    /// (SQLite: one process owns the file), where any lease left is a dead process's: its jobs
    /// run again now rather than when the lease would have lapsed.
    pub async fn release_job_leases(&self) -> Result<u64> {
        let r = sqlx::query(
            "UPDATE jobs SET locked_until = NULL WHERE done_at IS NULL AND locked_until IS NOT NULL",
        )
        .execute(&self.writer)
        .await?;
        Ok(r.rows_affected())
    }

    /// Claims the most overdue job for `lease_ms`, or `None`.
    pub async fn claim_job(&self, worker: &str, now: i64, lease_ms: i64) -> Result<Option<Job>> {
        let q = sql!(
            "UPDATE jobs SET locked_until = $1, locked_by = $2, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM jobs WHERE done_at IS NULL AND run_at <= $3 AND (locked_until IS NULL OR locked_until < $3) \
                         ORDER BY run_at, id LIMIT 1{}) \
             RETURNING id, kind, payload, run_at, attempts, last_error, created_at",
            self.backend.skip_locked()
        );
        let job: Option<Job> = sqlx::query_as(q)
            .bind(now + lease_ms)
            .bind(worker)
            .bind(now)
            .fetch_optional(&self.writer)
            .await?;
        Ok(job)
    }

    pub async fn complete_job(&self, id: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE jobs SET done_at = $2, locked_until = NULL WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Puts a job back to run at `run_at` (a retry, or a scenario's delay).
    pub async fn reschedule_job(&self, id: &str, run_at: i64, error: Option<&str>) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET run_at = $2, locked_until = NULL, last_error = $3 WHERE id = $1",
        )
        .bind(id)
        .bind(run_at)
        .bind(error)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// When the next unfinished job is due (for the worker's sleep).
    pub async fn next_job_due(&self) -> Result<Option<i64>> {
        let r: Option<(i64,)> =
            sqlx::query_as("SELECT run_at FROM jobs WHERE done_at IS NULL ORDER BY run_at LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
        Ok(r.map(|x| x.0))
    }

    pub async fn pending_jobs(&self) -> Result<i64> {
        let r: (i64,) =
            sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM jobs WHERE done_at IS NULL")
                .fetch_one(&self.pool)
                .await?;
        Ok(r.0)
    }
}
