//! The persistent work queue. A job is claimed with a lease (`locked_until`); a node that dies
//! mid-job lets the lease lapse and another node (or the restarted one) takes it again, so every
//! handler is idempotent. PostgreSQL claims with `FOR UPDATE SKIP LOCKED`; SQLite's single writer
//! makes the same statement atomic.
use sqlx::{Any, FromRow, Transaction};

use crate::{Result, Store};

/// The kinds of job that read media: each may run a probe or ffmpeg child, so a node bounds how
/// many run at once apart from the rest.
pub const MEDIA_JOB_KINDS: [&str; 3] = ["process", "pull", "render"];

/// Which due jobs a claim may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claimable {
    Any,
    /// Every kind but [`MEDIA_JOB_KINDS`]: the node runs as many media jobs as it may.
    NotMedia,
}

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
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
        Self::enqueue_job_tx(&mut tx, id, kind, payload, run_at, now, None).await?;
        tx.commit().await?;
        drop(writer_conn);
        Ok(())
    }

    /// Enqueues inside the caller's transaction, so the job exists iff the state change does.
    /// `run_at` is on the shared clock; a job done for an app names it (`client_key`), so that
    /// moving the app's clock moves the job's due time too.
    pub async fn enqueue_job_tx(
        tx: &mut Transaction<'_, Any>,
        id: &str,
        kind: &str,
        payload: &str,
        run_at: i64,
        now: i64,
        client_key: Option<&str>,
    ) -> Result<()> {
        sqlx::query("INSERT INTO jobs (id, kind, payload, run_at, attempts, created_at, client_key) VALUES ($1, $2, $3, $4, 0, $5, $6)")
            .bind(id)
            .bind(kind)
            .bind(payload)
            .bind(run_at)
            .bind(now)
            .bind(client_key)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Frees every lease. Only for a node that starts on a database no other node shares
    /// (SQLite: one process owns the file), where any lease left is a dead process's: its jobs
    /// run again now rather than when the lease would have lapsed.
    /// The id of the job that fails an upload still incomplete when its URL expires: known from
    /// the publish, so the upload's last chunk settles it in its own transaction.
    pub fn upload_expiry_job_id(publish_id: &str) -> String {
        format!("expire_upload:{publish_id}")
    }

    pub async fn release_job_leases(&self) -> Result<u64> {
        let r = sqlx::query(
            "UPDATE jobs SET locked_until = NULL WHERE done_at IS NULL AND locked_until IS NOT NULL",
        )
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        Ok(r.rows_affected())
    }

    /// Claims the most overdue job (due by `now`, the server's clock) for `lease_ms`, or `None`.
    /// Leases run on `lease_now`, the real clock: they stand for "this node is alive", which a
    /// sandbox clock moved forward must not end (every running job would be claimed again).
    pub async fn claim_job(
        &self,
        worker: &str,
        now: i64,
        lease_now: i64,
        lease_ms: i64,
    ) -> Result<Option<Job>> {
        self.claim_job_of(Claimable::Any, worker, now, lease_now, lease_ms)
            .await
    }

    /// [`Store::claim_job`] among the jobs `which` allows.
    pub async fn claim_job_of(
        &self,
        which: Claimable,
        worker: &str,
        now: i64,
        lease_now: i64,
        lease_ms: i64,
    ) -> Result<Option<Job>> {
        let kinds = match which {
            Claimable::Any => String::new(),
            Claimable::NotMedia => format!(
                " AND kind NOT IN ({})",
                MEDIA_JOB_KINDS.map(|k| format!("'{k}'")).join(", ")
            ),
        };
        let q = sql!(
            "UPDATE jobs SET locked_until = $1, locked_by = $2, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM jobs WHERE done_at IS NULL AND run_at <= $3 AND (locked_until IS NULL OR locked_until < $4){kinds} \
                         ORDER BY run_at, id LIMIT 1{}) \
             RETURNING id, kind, payload, run_at, attempts, last_error, created_at",
            self.backend.skip_locked()
        );
        let job: Option<Job> = sqlx::query_as(q)
            .bind(lease_now + lease_ms)
            .bind(worker)
            .bind(now)
            .bind(lease_now)
            .fetch_optional(&mut *self.writer.acquire().await?)
            .await?;
        Ok(job)
    }

    /// Extends to `until` the leases of the jobs `worker` is running, in one transaction (one
    /// commit per heartbeat, however many jobs). Returns the ids that are no longer this
    /// worker's: their lease lapsed and another worker took them, or they are done.
    pub async fn renew_job_leases(
        &self,
        ids: &[String],
        worker: &str,
        until: i64,
    ) -> Result<Vec<String>> {
        let mut lost = Vec::new();
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
        for id in ids {
            let r = sqlx::query(
                "UPDATE jobs SET locked_until = $3 \
                 WHERE id = $1 AND locked_by = $2 AND done_at IS NULL AND locked_until IS NOT NULL",
            )
            .bind(id)
            .bind(worker)
            .bind(until)
            .execute(&mut *tx)
            .await?;
            if r.rows_affected() == 0 {
                lost.push(id.clone());
            }
        }
        tx.commit().await?;
        drop(writer_conn);
        Ok(lost)
    }

    /// Makes sure the periodic job `id` is queued: created when missing, reopened when done (a
    /// job that failed its last attempt is completed, which must not end the period).
    pub async fn ensure_periodic_job(
        &self,
        id: &str,
        kind: &str,
        run_at: i64,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO jobs (id, kind, payload, run_at, attempts, created_at) VALUES ($1, $2, '', $3, 0, $4) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(kind)
        .bind(run_at)
        .bind(now)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        sqlx::query(
            "UPDATE jobs SET done_at = NULL, attempts = 0, run_at = $2 WHERE id = $1 AND done_at IS NOT NULL",
        )
        .bind(id)
        .bind(run_at)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        Ok(())
    }

    /// Jobs not yet done, counted by kind and state: `running` (leased until after `now`, system
    /// time as the leases are), `retrying` (failed before, waiting for its next attempt),
    /// `queued`. Read by every metrics scrape; the done jobs are not counted.
    pub async fn pending_jobs_by_state(&self, now: i64) -> Result<Vec<(String, String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT kind, CASE WHEN locked_until IS NOT NULL AND locked_until > $1 THEN 'running' \
             WHEN last_error IS NOT NULL THEN 'retrying' ELSE 'queued' END AS state, \
             CAST(COUNT(*) AS BIGINT) AS n FROM jobs WHERE done_at IS NULL GROUP BY kind, state",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn complete_job(&self, id: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE jobs SET done_at = $2, locked_until = NULL WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(&mut *self.writer.acquire().await?)
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
        .execute(&mut *self.writer.acquire().await?)
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

#[cfg(test)]
mod tests {
    use crate::Store;

    /// Claim, renew and lapse, as two nodes see them.
    async fn leases(url: &str) {
        let store = Store::open(url).await.unwrap();
        store
            .enqueue_job("j1", "process", "p1", 0, 0)
            .await
            .unwrap();
        let job = store
            .claim_job("node-a", 1_000, 1_000, 3_000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((job.id.as_str(), job.attempts), ("j1", 1));
        assert_eq!(
            store
                .claim_job("node-b", 3_999, 3_999, 3_000)
                .await
                .unwrap(),
            None,
            "leased"
        );
        // The runner renews before the lease lapses; the other node still cannot take it.
        let j1 = ["j1".to_string()];
        assert!(
            store
                .renew_job_leases(&j1, "node-a", 7_000)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store
                .claim_job("node-b", 6_999, 6_999, 3_000)
                .await
                .unwrap(),
            None,
            "renewed"
        );
        assert_eq!(
            store.renew_job_leases(&j1, "node-b", 9_000).await.unwrap(),
            j1,
            "not b's"
        );
        // Node a falls silent: once the lease lapses node b takes the job over, and a's late
        // renewal finds it gone.
        let again = store
            .claim_job("node-b", 7_001, 7_001, 3_000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((again.id.as_str(), again.attempts), ("j1", 2));
        assert_eq!(
            store.renew_job_leases(&j1, "node-a", 12_000).await.unwrap(),
            j1
        );
        store.complete_job("j1", 8_000).await.unwrap();
        assert_eq!(
            store.renew_job_leases(&j1, "node-b", 12_000).await.unwrap(),
            j1,
            "done"
        );
        assert_eq!(
            store
                .claim_job("node-a", 99_000, 99_000, 3_000)
                .await
                .unwrap(),
            None
        );
        store.close().await;
    }

    /// The sandbox clock moved a day ahead while a job runs: its lease, on the real clock,
    /// still holds.
    async fn a_moved_clock_leaves_leases_alone(url: &str) {
        let store = Store::open(url).await.unwrap();
        store
            .enqueue_job("j1", "process", "p1", 0, 0)
            .await
            .unwrap();
        assert!(
            store
                .claim_job("node-a", 1_000, 1_000, 3_000)
                .await
                .unwrap()
                .is_some()
        );
        let day = 86_400_000;
        assert_eq!(
            store
                .claim_job("node-b", 1_000 + day, 1_500, 3_000)
                .await
                .unwrap(),
            None,
            "still leased"
        );
        assert!(
            store
                .claim_job("node-b", 1_000 + day, 4_001, 3_000)
                .await
                .unwrap()
                .is_some()
        );
        store.close().await;
    }

    #[tokio::test]
    async fn a_claim_without_media_leaves_media_jobs_for_later() {
        use super::Claimable;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&crate::sqlite_url_for(&dir.path().join("k.db")))
            .await
            .unwrap();
        store
            .enqueue_job("j1", "process", "p1", 0, 0)
            .await
            .unwrap();
        store.enqueue_job("j2", "pull", "p2", 1, 0).await.unwrap();
        store.enqueue_job("j3", "webhook", "w", 2, 0).await.unwrap();
        let job = store
            .claim_job_of(Claimable::NotMedia, "node-a", 1_000, 1_000, 3_000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(job.id, "j3", "the webhook, though due last");
        assert_eq!(
            store
                .claim_job_of(Claimable::NotMedia, "node-a", 1_000, 1_000, 3_000)
                .await
                .unwrap(),
            None
        );
        let job = store
            .claim_job_of(Claimable::Any, "node-a", 1_000, 1_000, 3_000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(job.id, "j1");
        store.close().await;
    }

    #[tokio::test]
    async fn a_moved_sandbox_clock_leaves_leases_alone() {
        let dir = tempfile::tempdir().unwrap();
        a_moved_clock_leaves_leases_alone(&crate::sqlite_url_for(&dir.path().join("m.db"))).await;
    }

    #[tokio::test]
    async fn a_renewed_lease_holds_and_a_lapsed_one_moves_on() {
        let dir = tempfile::tempdir().unwrap();
        leases(&crate::sqlite_url_for(&dir.path().join("r.db"))).await;
    }

    #[tokio::test]
    async fn leases_on_postgres_when_configured() {
        if let Some(url) = crate::test_support::fresh_postgres("rbleases").await {
            leases(&url).await;
            crate::test_support::drop_postgres(&url).await;
        }
    }
}
