//! Small server-wide values (the sandbox clock's state, generated keys) shared by every node.
use crate::{Result, Store};

impl Store {
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let r: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.map(|x| x.0))
    }

    pub async fn put_setting(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        Ok(())
    }
}

impl Store {
    /// Every app's clock offset (milliseconds ahead of the shared clock).
    pub async fn app_clocks(&self) -> Result<Vec<(String, i64)>> {
        Ok(
            sqlx::query_as("SELECT client_key, offset_ms FROM app_clocks")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Every setting whose key starts with `prefix`.
    pub async fn settings_under(&self, prefix: &str) -> Result<Vec<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT key, value FROM settings WHERE key LIKE $1 ORDER BY key")
                .bind(format!("{prefix}%"))
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Moves one app's clock `ms` further ahead, in one statement so that two nodes advancing
    /// it at once add both moves; answers the new offset. The app's pending jobs (due times on
    /// the shared clock) come `ms` earlier in the same transaction, so each runs when the app's
    /// time reaches it.
    pub async fn advance_app_clock(&self, client_key: &str, ms: i64) -> Result<i64> {
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
        let (offset,): (i64,) = sqlx::query_as(
            "INSERT INTO app_clocks (client_key, offset_ms) VALUES ($1, $2) ON CONFLICT (client_key) DO UPDATE SET offset_ms = app_clocks.offset_ms + excluded.offset_ms RETURNING offset_ms",
        )
        .bind(client_key)
        .bind(ms)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE jobs SET run_at = run_at - $2 WHERE client_key = $1 AND done_at IS NULL",
        )
        .bind(client_key)
        .bind(ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        drop(writer_conn);
        Ok(offset)
    }

    /// Puts an app (or every app, with `None`) back on the shared clock. Its pending jobs move
    /// later by the offset it drops, so each stays due at the same time of the app's clock.
    pub async fn reset_app_clocks(&self, client_key: Option<&str>) -> Result<()> {
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
        sqlx::query(
            "UPDATE jobs SET run_at = run_at + (SELECT offset_ms FROM app_clocks WHERE app_clocks.client_key = jobs.client_key) \
             WHERE done_at IS NULL AND client_key IN (SELECT client_key FROM app_clocks WHERE $1 IS NULL OR client_key = $1)",
        )
        .bind(client_key)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM app_clocks WHERE $1 IS NULL OR client_key = $1")
            .bind(client_key)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        drop(writer_conn);
        Ok(())
    }

    /// Every creator's clock offset (milliseconds ahead of their app's clock).
    pub async fn creator_clocks(&self) -> Result<Vec<(String, i64)>> {
        Ok(
            sqlx::query_as("SELECT creator_id, offset_ms FROM creator_clocks")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Moves one creator's clock `ms` further ahead (one statement, as for apps); answers the
    /// new offset.
    pub async fn advance_creator_clock(&self, creator_id: &str, ms: i64) -> Result<i64> {
        let (offset,): (i64,) = sqlx::query_as(
            "INSERT INTO creator_clocks (creator_id, offset_ms) VALUES ($1, $2) ON CONFLICT (creator_id) DO UPDATE SET offset_ms = creator_clocks.offset_ms + excluded.offset_ms RETURNING offset_ms",
        )
        .bind(creator_id)
        .bind(ms)
        .fetch_one(&mut *self.writer.acquire().await?)
        .await?;
        Ok(offset)
    }

    /// Puts a creator (or every creator, with `None`) back on their app's clock.
    pub async fn reset_creator_clocks(&self, creator_id: Option<&str>) -> Result<()> {
        sqlx::query("DELETE FROM creator_clocks WHERE $1 IS NULL OR creator_id = $1")
            .bind(creator_id)
            .execute(&mut *self.writer.acquire().await?)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;

    /// An app's pending jobs move with its clock, in either direction; another app's and the
    /// server's own stay where they were, and so does a job already done.
    async fn jobs_follow_their_apps_clock(url: &str) {
        let store = Store::open(url).await.unwrap();
        let mut conn = store.writer.acquire().await.unwrap();
        let mut tx = sqlx::Connection::begin(&mut *conn).await.unwrap();
        for (id, key) in [
            ("a1", Some("app_a")),
            ("a2", Some("app_a")),
            ("b1", Some("app_b")),
            ("s1", None),
        ] {
            Store::enqueue_job_tx(&mut tx, id, "webhook", id, 100_000, 0, key)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        drop(conn);
        store.complete_job("a2", 1).await.unwrap();
        let due = |store: &Store| {
            let pool = store.pool.clone();
            async move {
                let rows: Vec<(String, i64)> =
                    sqlx::query_as("SELECT id, run_at FROM jobs ORDER BY id")
                        .fetch_all(&pool)
                        .await
                        .unwrap();
                rows
            }
        };
        assert_eq!(
            store.advance_app_clock("app_a", 60_000).await.unwrap(),
            60_000
        );
        assert_eq!(
            store.advance_app_clock("app_a", 30_000).await.unwrap(),
            90_000
        );
        assert_eq!(
            due(&store).await,
            vec![
                ("a1".into(), 10_000),
                ("a2".into(), 100_000),
                ("b1".into(), 100_000),
                ("s1".into(), 100_000)
            ]
        );
        // Claimed by the shared clock: only A's job is due at 50 s.
        let job = store.claim_job("n", 50_000, 50_000, 1_000).await.unwrap();
        assert_eq!(job.map(|j| j.id).as_deref(), Some("a1"));
        assert_eq!(
            store.claim_job("n", 50_000, 50_000, 1_000).await.unwrap(),
            None
        );
        store.reset_app_clocks(Some("app_a")).await.unwrap();
        assert_eq!(due(&store).await[0], ("a1".into(), 100_000));
        assert!(store.app_clocks().await.unwrap().is_empty());
        store.close().await;
    }

    #[tokio::test]
    async fn jobs_follow_their_apps_clock_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        jobs_follow_their_apps_clock(&crate::sqlite_url_for(&dir.path().join("c.db"))).await;
    }

    #[tokio::test]
    async fn jobs_follow_their_apps_clock_on_postgres_when_configured() {
        if let Some(url) = crate::test_support::fresh_postgres("rbjobclocks").await {
            jobs_follow_their_apps_clock(&url).await;
            crate::test_support::drop_postgres(&url).await;
        }
    }
}
