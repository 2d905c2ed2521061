//! The research result sets a `search_id` names: the query as first asked, the snapshot that
//! bounds it (largest id and time then), and the page starts served so far. Later pages of the
//! same search read the same snapshot, so rows published meanwhile never shift a page; the
//! remembered page starts let a cursor continue by keyset instead of by offset.
//!
//! They live in the call log's database ([`crate::LogDb`]): on SQLite a file with a writer of its
//! own, so a research query never waits for the main writer; on PostgreSQL the main database.
use sqlx::FromRow;

use crate::{Result, Store};

/// A cached research result set.
#[derive(Debug, Clone, FromRow)]
pub struct Search {
    pub id: String,
    pub client_key: String,
    pub query: String,
    pub max_id: String,
    pub snapshot_at: i64,
    /// JSON object: cursor index → last id served before it.
    pub pages: String,
    pub created_at: i64,
}

impl Store {
    pub async fn insert_search(&self, s: &Search) -> Result<()> {
        sqlx::query("INSERT INTO research_searches (id, client_key, query, max_id, snapshot_at, pages, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&s.id)
            .bind(&s.client_key)
            .bind(&s.query)
            .bind(&s.max_id)
            .bind(s.snapshot_at)
            .bind(&s.pages)
            .bind(s.created_at)
            .execute(&self.log.writer)
            .await?;
        Ok(())
    }

    /// A search of this client created after `since`.
    pub async fn search(&self, id: &str, client_key: &str, since: i64) -> Result<Option<Search>> {
        Ok(sqlx::query_as("SELECT id, client_key, query, max_id, snapshot_at, pages, created_at FROM research_searches WHERE id = $1 AND client_key = $2 AND created_at >= $3")
            .bind(id)
            .bind(client_key)
            .bind(since)
            .fetch_optional(&self.log.pool)
            .await?)
    }

    /// Ages a search of this client past any lifetime (the `research_search_id_expires`
    /// scenario).
    pub async fn expire_search(&self, id: &str, client_key: &str) -> Result<()> {
        sqlx::query(
            "UPDATE research_searches SET created_at = 0 WHERE id = $1 AND client_key = $2",
        )
        .bind(id)
        .bind(client_key)
        .execute(&self.log.writer)
        .await?;
        Ok(())
    }

    /// Records where the page at `cursor` starts (the last id before it).
    pub async fn record_search_page(&self, id: &str, cursor: i64, after_id: &str) -> Result<()> {
        let mut tx = self.log.writer.begin().await?;
        let cur: Option<(String,)> = sqlx::query_as(sql!(
            "SELECT pages FROM research_searches WHERE id = $1{}",
            self.backend.for_update()
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((pages,)) = cur {
            let mut m: std::collections::BTreeMap<String, String> = crate::from_json(&pages)?;
            // Bounded: a result set remembers its latest 1000 page starts.
            if m.len() < 1000 {
                m.insert(cursor.to_string(), after_id.to_string());
                sqlx::query("UPDATE research_searches SET pages = $2 WHERE id = $1")
                    .bind(id)
                    .bind(crate::to_json(&m))
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Forgets result sets created before `before`.
    pub async fn prune_searches(&self, before: i64) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM research_searches WHERE created_at < $1")
                .bind(before)
                .execute(&self.log.writer)
                .await?
                .rows_affected(),
        )
    }
}
