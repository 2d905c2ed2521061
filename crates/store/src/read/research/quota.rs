//! The research quota's usage counters: requests and records served per client, day and kind.
//! The server keeps counts in memory and writes them in batches, one transaction each, so the
//! counters never cost a write per request; the quota check reads the stored totals of the day.
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
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.unwrap_or((0, 0)))
    }

    /// Adds served requests and their records: (client_key, day, kind, requests, records),
    /// all in one transaction.
    pub async fn add_research_usage(&self, counts: &[(String, i64, &str, i64, i64)]) -> Result<()> {
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
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
        drop(writer_conn);
        Ok(())
    }
}
