//! Research batch compliance: validation tasks and the check of their ids against what the
//! research endpoints still return ([`crate::read::VISIBLE`], the one rule).
use std::collections::HashSet;

use sqlx::FromRow;

use crate::read::VISIBLE;
use crate::{Result, Store};

/// The job kind that checks a task's ids.
pub const VALIDATE_JOB: &str = "validate";

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ValidationTask {
    pub id: i64,
    pub client_key: String,
    /// `reelbox_core::compliance::Category`'s spelling.
    pub category: String,
    /// The submitted ids, one per line.
    pub ids: String,
    /// `reelbox_core::compliance::TaskStatus`'s spelling.
    pub status: String,
    pub valid_ids: Option<String>,
    pub created_at: i64,
    pub completed_at: Option<i64>,
}

/// Ids checked per statement.
const BATCH: usize = 500;

impl Store {
    /// Stores a task and its job (due at `run_at`) in one transaction.
    pub async fn insert_validation_task(&self, t: &ValidationTask, run_at: i64) -> Result<()> {
        let mut conn = self.writer.acquire().await?;
        let mut tx = conn.begin().await?;
        sqlx::query(
            "INSERT INTO validation_tasks (id, client_key, category, ids, status, valid_ids, created_at, completed_at) VALUES ($1, $2, $3, $4, $5, NULL, $6, NULL)",
        )
        .bind(t.id)
        .bind(&t.client_key)
        .bind(&t.category)
        .bind(&t.ids)
        .bind(&t.status)
        .bind(t.created_at)
        .execute(&mut *tx)
        .await?;
        Self::enqueue_job_tx(
            &mut tx,
            &format!("{VALIDATE_JOB}:{}", t.id),
            VALIDATE_JOB,
            &t.id.to_string(),
            run_at,
            t.created_at,
            Some(&t.client_key),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn validation_task(&self, id: i64) -> Result<Option<ValidationTask>> {
        Ok(sqlx::query_as(
            "SELECT id, client_key, category, ids, status, valid_ids, created_at, completed_at FROM validation_tasks WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// `Processing` → `status` with the result; false when the task had already finished.
    pub async fn finish_validation_task(
        &self,
        id: i64,
        status: &str,
        valid_ids: &str,
        now: i64,
    ) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE validation_tasks SET status = $2, valid_ids = $3, completed_at = $4 WHERE id = $1 AND status = 'Processing'",
        )
        .bind(id)
        .bind(status)
        .bind(valid_ids)
        .bind(now)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Of `ids`, the videos the research endpoints still return.
    pub async fn research_visible_videos(&self, ids: &[String]) -> Result<HashSet<String>> {
        self.visible_of(
            "SELECT p.id FROM posts p JOIN creators c ON c.id = p.creator_id WHERE",
            "p.id",
            ids,
        )
        .await
    }

    /// Of `ids`, the comments on videos the research endpoints still return.
    pub async fn research_visible_comments(&self, ids: &[String]) -> Result<HashSet<String>> {
        self.visible_of(
            "SELECT m.id FROM comments m JOIN posts p ON p.id = m.post_id JOIN creators c ON c.id = p.creator_id WHERE",
            "m.id",
            ids,
        )
        .await
    }

    async fn visible_of(
        &self,
        select: &str,
        column: &str,
        ids: &[String],
    ) -> Result<HashSet<String>> {
        let mut found = HashSet::new();
        for batch in ids.chunks(BATCH) {
            let params: Vec<String> = (1..=batch.len()).map(|i| format!("${i}")).collect();
            let text = format!("{select} {column} IN ({}) AND {VISIBLE}", params.join(", "));
            let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(text));
            for id in batch {
                q = q.bind(id);
            }
            found.extend(q.fetch_all(&self.pool).await?);
        }
        Ok(found)
    }
}
