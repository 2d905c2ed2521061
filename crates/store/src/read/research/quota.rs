//! The research quota's usage counters: requests and records served per client, day and kind.
//! The server keeps counts in memory and writes them in batches, one transaction each, so the
//! counters never cost a write per request; the quota check reads the stored totals of the day.
//! The counters live in the call log's database ([`crate::LogDb`]), whose SQLite writer is not
//! the main one: a quota check never waits behind the platform's writes.
use crate::{Result, Store};

impl Store {
    /// Today's research usage of a client: (requests, records).
    pub async fn research_usage(
        &self,
        client_key: &str,
        day: i64,
        kind: &str,
    ) -> Result<(i64, i64)> {
        let r: Option<(i64, i64)> = sqlx::query_as("SELECT requests, records FROM research_usage WHERE client_key = $1 AND day = $2 AND kind = $3")
            .bind(client_key)
            .bind(day)
            .bind(kind)
            .fetch_optional(&self.log.pool)
            .await?;
        Ok(r.unwrap_or((0, 0)))
    }

    /// Adds served requests and their records: (client_key, day, kind, requests, records),
    /// all in one transaction.
    pub async fn add_research_usage(&self, counts: &[(String, i64, &str, i64, i64)]) -> Result<()> {
        let mut tx = self.log.writer.begin().await?;
        for (client_key, day, kind, requests, records) in counts {
            sqlx::query("INSERT INTO research_usage (client_key, day, kind, requests, records) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (client_key, day, kind) DO UPDATE SET requests = research_usage.requests + excluded.requests, records = research_usage.records + excluded.records")
                .bind(client_key)
                .bind(day)
                .bind(*kind)
                .bind(requests)
                .bind(records)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Moves the counters a SQLite database kept in its main file, before they had a place in
    /// the call log's file, to that file (once; nothing to do afterwards or on PostgreSQL).
    pub(crate) async fn move_research_usage(&self) -> Result<()> {
        if !self.log.separate {
            return Ok(());
        }
        let mut writer_conn = self.writer.acquire().await?;
        let exists: (i64,) = sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM sqlite_master WHERE type = 'table' AND name = 'research_usage'")
            .fetch_one(&mut *writer_conn)
            .await?;
        if exists.0 == 0 {
            return Ok(());
        }
        let rows: Vec<(String, i64, String, i64, i64)> =
            sqlx::query_as("SELECT client_key, day, kind, requests, records FROM research_usage")
                .fetch_all(&mut *writer_conn)
                .await?;
        // Copied as they are (replacing, not adding): the move runs at start-up before any
        // counting, and a crash between the copy (in the log's file) and the drop (in the main
        // file) makes the next start copy the same values again.
        let mut tx = self.log.writer.begin().await?;
        for (client_key, day, kind, requests, records) in &rows {
            sqlx::query("INSERT INTO research_usage (client_key, day, kind, requests, records) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (client_key, day, kind) DO UPDATE SET requests = excluded.requests, records = excluded.records")
                .bind(client_key)
                .bind(day)
                .bind(kind)
                .bind(requests)
                .bind(records)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        sqlx::query("DROP TABLE research_usage")
            .execute(&mut *writer_conn)
            .await?;
        Ok(())
    }
}
