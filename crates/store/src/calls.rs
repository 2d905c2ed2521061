//! The call log: every wire API call, per app (issue: inspection and the guideline report).
use sqlx::FromRow;

use crate::{Result, Store};

#[derive(Debug, Clone, PartialEq, Eq, FromRow, serde::Serialize)]
pub struct ApiCall {
    pub id: String,
    pub client_key: Option<String>,
    pub creator_id: Option<String>,
    #[serde(skip)]
    pub token_hash: Option<String>,
    pub endpoint: String,
    pub method: String,
    pub status: i64,
    pub error_code: String,
    pub log_id: String,
    pub latency_ms: i64,
    pub summary: String,
    #[sqlx(try_from = "i64")]
    #[serde(skip)]
    pub injected: Injected,
    pub created_at: i64,
}

/// Stored as 0/1 (sqlx's Any driver decodes no booleans).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Injected(pub bool);

impl TryFrom<i64> for Injected {
    type Error = std::convert::Infallible;
    fn try_from(v: i64) -> std::result::Result<Self, Self::Error> {
        Ok(Injected(v != 0))
    }
}

impl Store {
    /// Inserts a batch in one transaction (the log is written off the request path).
    pub async fn insert_calls(&self, calls: &[ApiCall]) -> Result<()> {
        const COLS: usize = 13;
        // Many rows per statement: one round trip to the writer per 64 calls, not per call.
        const ROWS: usize = 64;
        let mut tx = self.writer.begin().await?;
        for part in calls.chunks(ROWS) {
            // SQLite gets anonymous `?` parameters: it looks numbered ones up by a linear scan per
            // parameter, which makes binding a statement of hundreds of them quadratic.
            let param = |n: usize| match self.backend {
                crate::Backend::Sqlite => "?".to_string(),
                crate::Backend::Postgres => format!("${n}"),
            };
            let values: Vec<String> = (0..part.len())
                .map(|r| {
                    let ps: Vec<String> = (1..=COLS).map(|c| param(r * COLS + c)).collect();
                    format!("({})", ps.join(", "))
                })
                .collect();
            let sql = format!(
                "INSERT INTO api_calls (id, client_key, creator_id, token_hash, endpoint, method, status, error_code, log_id, latency_ms, summary, injected, created_at) VALUES {}",
                values.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for c in part {
                q = q
                    .bind(&c.id)
                    .bind(&c.client_key)
                    .bind(&c.creator_id)
                    .bind(&c.token_hash)
                    .bind(&c.endpoint)
                    .bind(&c.method)
                    .bind(c.status)
                    .bind(&c.error_code)
                    .bind(&c.log_id)
                    .bind(c.latency_ms)
                    .bind(&c.summary)
                    .bind(c.injected.0 as i64)
                    .bind(c.created_at);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The newest calls of an app, newest first.
    pub async fn calls_of_app(&self, client_key: &str, limit: i64) -> Result<Vec<ApiCall>> {
        Ok(sqlx::query_as(
            "SELECT id, client_key, creator_id, token_hash, endpoint, method, status, error_code, log_id, latency_ms, summary, injected, created_at FROM api_calls WHERE client_key = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        )
        .bind(client_key)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Removes calls older than `before` (the retention policy).
    pub async fn prune_calls(&self, before: i64) -> Result<u64> {
        let r = sqlx::query("DELETE FROM api_calls WHERE created_at < $1")
            .bind(before)
            .execute(&self.writer)
            .await?;
        Ok(r.rows_affected())
    }
}
