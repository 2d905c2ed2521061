//! Sliding-window rate limits kept in the database, so that several nodes enforce one limit.
//! PostgreSQL serialises the check of one bucket with a transaction-scoped advisory lock; SQLite's
//! single writer does the same by itself.
use crate::{Backend, Result, Store};

impl Store {
    /// Records a hit in `bucket` unless `limit` hits already fell in the last `window_ms`.
    /// `Err(wait_ms)`-like: returns `Some(ms until a slot frees)` when refused.
    pub async fn rate_hit(
        &self,
        bucket: &str,
        limit: u32,
        window_ms: i64,
        now: i64,
    ) -> Result<Option<i64>> {
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT CAST(pg_advisory_xact_lock(CAST(hashtext($1) AS BIGINT)) AS TEXT)")
                .bind(bucket)
                .fetch_optional(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM rate_hits WHERE bucket = $1 AND at <= $2")
            .bind(bucket)
            .bind(now - window_ms)
            .execute(&mut *tx)
            .await?;
        let (n, oldest): (i64, Option<i64>) =
            sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT), CAST(MIN(at) AS BIGINT) FROM rate_hits WHERE bucket = $1")
                .bind(bucket)
                .fetch_one(&mut *tx)
                .await?;
        if n >= i64::from(limit) {
            tx.rollback().await?;
            drop(writer_conn);
            return Ok(Some((oldest.unwrap_or(now) + window_ms - now).max(1)));
        }
        sqlx::query("INSERT INTO rate_hits (id, bucket, at) VALUES ($1, $2, $3)")
            .bind(reelbox_core::ids::row_id())
            .bind(bucket)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        drop(writer_conn);
        Ok(None)
    }
}
