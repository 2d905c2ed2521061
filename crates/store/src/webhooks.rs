//! Webhook deliveries: the signed event bodies and what happened to each.
use sqlx::{Any, FromRow, Transaction};

use crate::{Result, Store};

#[derive(Debug, Clone, PartialEq, Eq, FromRow, serde::Serialize)]
pub struct Delivery {
    pub id: String,
    pub client_key: String,
    pub event: String,
    pub url: String,
    pub body: String,
    /// `pending`, `delivered`, `dropped` (retry window over).
    pub status: String,
    pub attempts: i64,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

/// What a state change sends out: webhook deliveries and jobs, written in the same transaction
/// as the change (a transactional outbox), so a crash between the two cannot lose an event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outbox {
    pub deliveries: Vec<Delivery>,
    /// (id, kind, payload, run_at, client_key)
    pub jobs: Vec<(String, String, String, i64, String)>,
}

impl Outbox {
    pub fn is_empty(&self) -> bool {
        self.deliveries.is_empty() && self.jobs.is_empty()
    }

    pub fn extend(&mut self, other: Outbox) {
        self.deliveries.extend(other.deliveries);
        self.jobs.extend(other.jobs);
    }
}

const COLUMNS: &str = "id, client_key, event, url, body, status, attempts, last_status_code, last_error, created_at, delivered_at";

impl Store {
    pub async fn insert_delivery_tx(tx: &mut Transaction<'_, Any>, d: &Delivery) -> Result<()> {
        sqlx::query(sql!("INSERT INTO webhook_deliveries ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"))
            .bind(&d.id)
            .bind(&d.client_key)
            .bind(&d.event)
            .bind(&d.url)
            .bind(&d.body)
            .bind(&d.status)
            .bind(d.attempts)
            .bind(d.last_status_code)
            .bind(&d.last_error)
            .bind(d.created_at)
            .bind(d.delivered_at)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Writes `outbox` inside the caller's transaction.
    pub async fn write_outbox_tx(
        tx: &mut Transaction<'_, Any>,
        outbox: &Outbox,
        now: i64,
    ) -> Result<()> {
        for d in &outbox.deliveries {
            Self::insert_delivery_tx(tx, d).await?;
        }
        for (id, kind, payload, run_at, client_key) in &outbox.jobs {
            Self::enqueue_job_tx(tx, id, kind, payload, *run_at, now, Some(client_key)).await?;
        }
        Ok(())
    }

    pub async fn delivery(&self, id: &str) -> Result<Option<Delivery>> {
        Ok(sqlx::query_as(sql!(
            "SELECT {COLUMNS} FROM webhook_deliveries WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn record_delivery_attempt(
        &self,
        id: &str,
        status: &str,
        code: Option<i64>,
        error: Option<&str>,
        delivered_at: Option<i64>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, last_status_code = $3, last_error = $4, delivered_at = $5 WHERE id = $1",
        )
        .bind(id)
        .bind(status)
        .bind(code)
        .bind(error)
        .bind(delivered_at)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        Ok(())
    }

    pub async fn deliveries_of_app(&self, client_key: &str, limit: i64) -> Result<Vec<Delivery>> {
        Ok(sqlx::query_as(sql!(
            "SELECT {COLUMNS} FROM webhook_deliveries WHERE client_key = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
        ))
        .bind(client_key)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The app's deliveries created at or after `since`, oldest first (a listener's poll).
    pub async fn deliveries_since(
        &self,
        client_key: &str,
        since: i64,
        limit: i64,
    ) -> Result<Vec<Delivery>> {
        Ok(sqlx::query_as(sql!(
            "SELECT {COLUMNS} FROM webhook_deliveries WHERE client_key = $1 AND created_at >= $2 ORDER BY created_at, id LIMIT $3"
        ))
        .bind(client_key)
        .bind(since)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn insert_attempt(&self, a: &Attempt) -> Result<()> {
        sqlx::query("INSERT INTO webhook_attempts (id, delivery_id, client_key, via, url, status_code, error, latency_ms, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(&a.id)
            .bind(&a.delivery_id)
            .bind(&a.client_key)
            .bind(&a.via)
            .bind(&a.url)
            .bind(a.status_code)
            .bind(&a.error)
            .bind(a.latency_ms)
            .bind(a.created_at)
            .execute(&mut *self.writer.acquire().await?)
            .await?;
        Ok(())
    }

    /// An app's latest attempts, newest first.
    pub async fn attempts_of_app(&self, client_key: &str, limit: i64) -> Result<Vec<Attempt>> {
        Ok(sqlx::query_as("SELECT id, delivery_id, client_key, via, url, status_code, error, latency_ms, created_at FROM webhook_attempts WHERE client_key = $1 ORDER BY created_at DESC, id DESC LIMIT $2")
            .bind(client_key)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }

    /// A delivery's attempts, oldest first (bounded: a delivery is retried for days at most).
    pub async fn attempts_of(&self, delivery_id: &str) -> Result<Vec<Attempt>> {
        Ok(sqlx::query_as("SELECT id, delivery_id, client_key, via, url, status_code, error, latency_ms, created_at FROM webhook_attempts WHERE delivery_id = $1 ORDER BY created_at, id LIMIT 1000")
            .bind(delivery_id)
            .fetch_all(&self.pool)
            .await?)
    }
}

/// One attempt at a delivery: by the server (`server`) or forwarded by `reelbox listen`
/// (`listen`).
#[derive(Debug, Clone, PartialEq, Eq, FromRow, serde::Serialize)]
pub struct Attempt {
    pub id: String,
    pub delivery_id: String,
    pub client_key: String,
    pub via: String,
    pub url: String,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub latency_ms: i64,
    pub created_at: i64,
}
