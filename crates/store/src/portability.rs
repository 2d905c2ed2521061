//! Data Portability: data requests, and the pages of a creator's data an archive is built
//! from (keyset pages, so a large creator is read a page at a time).
use sqlx::FromRow;

use crate::webhooks::Outbox;
use crate::{Result, Store};

/// The job kind that builds a request's archive.
pub const ARCHIVE_JOB: &str = "portability_archive";

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct DataRequest {
    pub id: i64,
    pub client_key: String,
    pub creator_id: String,
    pub open_id: String,
    /// The granted scope it was made under.
    pub scope: String,
    pub data_format: String,
    /// JSON list of category values, as requested.
    pub categories: String,
    /// `reelbox_core::portability::Status`'s spelling.
    pub status: String,
    pub apply_time: i64,
    pub collect_time: Option<i64>,
    pub ready_at: Option<i64>,
    pub object_key: Option<String>,
    pub size_bytes: Option<i64>,
}

const COLUMNS: &str = "id, client_key, creator_id, open_id, scope, data_format, categories, status, apply_time, collect_time, ready_at, object_key, size_bytes";

/// One row of a section of a creator's data: when, a key, and up to three values.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ArchiveRow {
    pub at: i64,
    pub k: String,
    pub a: String,
    pub b: String,
}

/// The sections an archive reads, each a keyset-paged query of one creator's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Posts: id, title, privacy level.
    Posts,
    /// Comments written: id, text, post id.
    Comments,
    /// Likes given: post id.
    Likes,
    /// Accounts followed: username.
    Following,
    /// Followers: username.
    Followers,
}

impl Section {
    fn sql(self) -> &'static str {
        match self {
            Section::Posts => {
                "SELECT created_at AS at, id AS k, title AS a, privacy_level AS b FROM posts WHERE creator_id = $1 AND deleted_at IS NULL AND (created_at > $2 OR (created_at = $2 AND id > $3)) ORDER BY created_at, id LIMIT $4"
            }
            Section::Comments => {
                "SELECT created_at AS at, id AS k, text AS a, post_id AS b FROM comments WHERE creator_id = $1 AND (created_at > $2 OR (created_at = $2 AND id > $3)) ORDER BY created_at, id LIMIT $4"
            }
            Section::Likes => {
                "SELECT created_at AS at, post_id AS k, '' AS a, '' AS b FROM likes WHERE creator_id = $1 AND (created_at > $2 OR (created_at = $2 AND post_id > $3)) ORDER BY created_at, post_id LIMIT $4"
            }
            Section::Following => {
                "SELECT f.created_at AS at, c.username AS k, '' AS a, '' AS b FROM follows f JOIN creators c ON c.id = f.followee_id WHERE f.follower_id = $1 AND (f.created_at > $2 OR (f.created_at = $2 AND c.username > $3)) ORDER BY f.created_at, c.username LIMIT $4"
            }
            Section::Followers => {
                "SELECT f.created_at AS at, c.username AS k, '' AS a, '' AS b FROM follows f JOIN creators c ON c.id = f.follower_id WHERE f.followee_id = $1 AND (f.created_at > $2 OR (f.created_at = $2 AND c.username > $3)) ORDER BY f.created_at, c.username LIMIT $4"
            }
        }
    }
}

impl Store {
    /// Stores a request and its archive job (due at `run_at`) in one transaction.
    pub async fn insert_data_request(&self, r: &DataRequest, run_at: i64) -> Result<()> {
        let mut conn = self.writer.acquire().await?;
        let mut tx = conn.begin().await?;
        sqlx::query(sql!(
            "INSERT INTO data_requests ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL, NULL, NULL)"
        ))
        .bind(r.id)
        .bind(&r.client_key)
        .bind(&r.creator_id)
        .bind(&r.open_id)
        .bind(&r.scope)
        .bind(&r.data_format)
        .bind(&r.categories)
        .bind(&r.status)
        .bind(r.apply_time)
        .execute(&mut *tx)
        .await?;
        Self::enqueue_job_tx(
            &mut tx,
            &format!("{ARCHIVE_JOB}:{}", r.id),
            ARCHIVE_JOB,
            &r.id.to_string(),
            run_at,
            r.apply_time,
            Some(&r.client_key),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn data_request(&self, id: i64) -> Result<Option<DataRequest>> {
        Ok(
            sqlx::query_as(sql!("SELECT {COLUMNS} FROM data_requests WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// The scopes an app's requests for a creator were made under (used-up `.single` ones
    /// among them; a cancelled request does not give its scope back).
    pub async fn data_request_scopes(
        &self,
        client_key: &str,
        creator_id: &str,
    ) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT scope FROM data_requests WHERE client_key = $1 AND creator_id = $2",
        )
        .bind(client_key)
        .bind(creator_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// `pending` → `cancelled`; false when it was not pending.
    pub async fn cancel_data_request(&self, id: i64) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE data_requests SET status = 'cancelled' WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// `pending` → `downloading` with its archive, and the webhook `outbox`, in one transaction;
    /// false (nothing written) when it was no longer pending (cancelled meanwhile).
    pub async fn finish_data_request(
        &self,
        id: i64,
        object_key: &str,
        size: i64,
        collect_time: i64,
        now: i64,
        outbox: &Outbox,
    ) -> Result<bool> {
        let mut conn = self.writer.acquire().await?;
        let mut tx = conn.begin().await?;
        let r = sqlx::query(
            "UPDATE data_requests SET status = 'downloading', object_key = $2, size_bytes = $3, collect_time = $4, ready_at = $5 WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(object_key)
        .bind(size)
        .bind(collect_time)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            return Ok(false);
        }
        Self::write_outbox_tx(&mut tx, outbox, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The archives the blob store must keep.
    /// Archives made ready before `ready_before`, sorted: past their download window, the
    /// storage sweeper's to free (their requests stay and answer `expired`).
    pub async fn expired_archive_keys(&self, ready_before: i64) -> Result<Vec<String>> {
        let mut keys: Vec<String> = sqlx::query_scalar(
            "SELECT object_key FROM data_requests WHERE object_key IS NOT NULL AND ready_at < $1",
        )
        .bind(ready_before)
        .fetch_all(&self.pool)
        .await?;
        keys.sort();
        Ok(keys)
    }

    pub async fn data_request_keys(&self) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT object_key FROM data_requests WHERE object_key IS NOT NULL")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Up to `limit` rows of `section` for `creator_id` after `(at, k)`.
    pub async fn archive_page(
        &self,
        section: Section,
        creator_id: &str,
        after: (i64, &str),
        limit: i64,
    ) -> Result<Vec<ArchiveRow>> {
        Ok(sqlx::query_as(section.sql())
            .bind(creator_id)
            .bind(after.0)
            .bind(after.1)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }
}
