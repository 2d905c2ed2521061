//! Publishes: one per init call, from upload or download through processing to a post (or a
//! failure), plus the chunks acknowledged for it.
use sqlx::{Any, FromRow, Transaction};

use reelbox_wire::posting::PublishStatus;

use crate::{Backend, Result, Store};

#[derive(Debug, Clone, PartialEq, Eq, FromRow, serde::Serialize)]
pub struct Publish {
    pub id: String,
    pub client_key: String,
    pub creator_id: String,
    #[serde(skip)]
    pub token_hash: String,
    /// `DIRECT_POST` or `MEDIA_UPLOAD` (inbox).
    pub mode: String,
    /// `VIDEO` or `PHOTO`.
    pub media_type: String,
    pub source: String,
    #[sqlx(try_from = "String")]
    pub status: PublishStatus,
    pub fail_reason: Option<String>,
    /// The post_info as the client sent it (JSON).
    pub post_info: String,
    /// The settings after the rules ran (JSON of `PostSettings`), for Direct Posts.
    pub settings: Option<String>,
    pub video_url: Option<String>,
    pub photo_images: Option<String>,
    pub photo_cover_index: Option<i64>,
    pub video_size: Option<i64>,
    pub chunk_size: Option<i64>,
    pub total_chunk_count: Option<i64>,
    pub uploaded_bytes: i64,
    pub downloaded_bytes: i64,
    #[serde(skip)]
    pub upload_token_hash: Option<String>,
    pub upload_expires_at: Option<i64>,
    #[serde(skip)]
    pub upload_handle: Option<String>,
    pub object_key: Option<String>,
    pub probe: Option<String>,
    pub post_ids: String,
    pub public_post_ids: String,
    /// Inbox drafts: `pending`, `posted`, `discarded`.
    pub inbox_state: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub completed_at: Option<i64>,
}

const COLUMNS: &str = "id, client_key, creator_id, token_hash, mode, media_type, source, status, fail_reason, post_info, settings, video_url, photo_images, photo_cover_index, video_size, chunk_size, total_chunk_count, uploaded_bytes, downloaded_bytes, upload_token_hash, upload_expires_at, upload_handle, object_key, probe, post_ids, public_post_ids, inbox_state, created_at, updated_at, completed_at";

/// Filters of the control API's publish list.
#[derive(Debug, Clone, Default)]
pub struct PublishFilter {
    pub client_key: Option<String>,
    pub creator_id: Option<String>,
    pub status: Option<String>,
    pub limit: i64,
}

/// The counts behind the posting caps (see [`Store::usage_counts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsageCounts {
    pub creator_posts: i64,
    pub app_active_creators: i64,
    pub creator_already_active: bool,
    pub pending_shares: i64,
}

/// The SQL list of `statuses` for `status IN (…)`: the enum's own spellings, safe to write into a
/// statement.
pub(crate) fn status_list(statuses: &[PublishStatus]) -> String {
    statuses
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    pub async fn insert_publish_tx(tx: &mut Transaction<'_, Any>, p: &Publish) -> Result<()> {
        sqlx::query(sql!(
            "INSERT INTO publishes ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30)"
        ))
        .bind(&p.id)
        .bind(&p.client_key)
        .bind(&p.creator_id)
        .bind(&p.token_hash)
        .bind(&p.mode)
        .bind(&p.media_type)
        .bind(&p.source)
        .bind(p.status.as_str())
        .bind(&p.fail_reason)
        .bind(&p.post_info)
        .bind(&p.settings)
        .bind(&p.video_url)
        .bind(&p.photo_images)
        .bind(p.photo_cover_index)
        .bind(p.video_size)
        .bind(p.chunk_size)
        .bind(p.total_chunk_count)
        .bind(p.uploaded_bytes)
        .bind(p.downloaded_bytes)
        .bind(&p.upload_token_hash)
        .bind(p.upload_expires_at)
        .bind(&p.upload_handle)
        .bind(&p.object_key)
        .bind(&p.probe)
        .bind(&p.post_ids)
        .bind(&p.public_post_ids)
        .bind(&p.inbox_state)
        .bind(p.created_at)
        .bind(p.updated_at)
        .bind(p.completed_at)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    pub async fn publish(&self, id: &str) -> Result<Option<Publish>> {
        Ok(
            sqlx::query_as(sql!("SELECT {COLUMNS} FROM publishes WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// The same read on the writer (read-your-writes right after a change).
    pub async fn publish_fresh(&self, id: &str) -> Result<Option<Publish>> {
        Ok(
            sqlx::query_as(sql!("SELECT {COLUMNS} FROM publishes WHERE id = $1"))
                .bind(id)
                .fetch_optional(&mut *self.writer.acquire().await?)
                .await?,
        )
    }

    /// On the read pool: a chunk PUT then takes the single SQLite writer only for its
    /// acknowledgement. A read begun after a commit returned sees it (WAL), so the progress a
    /// client was acknowledged is what the next chunk is checked against.
    pub async fn publish_by_upload_token(&self, token_hash: &str) -> Result<Option<Publish>> {
        Ok(sqlx::query_as(sql!(
            "SELECT {COLUMNS} FROM publishes WHERE upload_token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn publishes(&self, f: &PublishFilter) -> Result<Vec<Publish>> {
        Ok(sqlx::query_as(sql!(
            "SELECT {COLUMNS} FROM publishes WHERE ($1 IS NULL OR client_key = $1) AND ($2 IS NULL OR creator_id = $2) AND ($3 IS NULL OR status = $3) ORDER BY created_at DESC, id DESC LIMIT $4"
        ))
        .bind(&f.client_key)
        .bind(&f.creator_id)
        .bind(&f.status)
        .bind(if f.limit <= 0 { 100 } else { f.limit })
        .fetch_all(&self.pool)
        .await?)
    }

    /// Inbox drafts waiting for the creator.
    pub async fn inbox_drafts(&self, creator_id: &str) -> Result<Vec<Publish>> {
        Ok(sqlx::query_as(sql!(
            "SELECT {COLUMNS} FROM publishes WHERE creator_id = $1 AND mode = 'MEDIA_UPLOAD' AND status = 'SEND_TO_USER_INBOX' AND inbox_state = 'pending' ORDER BY created_at DESC"
        ))
        .bind(creator_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Publishes of a creator through an app that have not reached a final state.
    pub async fn in_flight_publishes(
        &self,
        client_key: &str,
        creator_id: &str,
    ) -> Result<Vec<Publish>> {
        Ok(sqlx::query_as(sql!(
            "SELECT {COLUMNS} FROM publishes WHERE client_key = $1 AND creator_id = $2 AND status IN ('PROCESSING_UPLOAD', 'PROCESSING_DOWNLOAD')"
        ))
        .bind(client_key)
        .bind(creator_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Locks the creator's row for the rest of the transaction (PostgreSQL), so that concurrent
    /// inits of one creator on several nodes see each other's counts. On SQLite the single writer
    /// connection already serialises every write transaction: nothing to send.
    pub async fn lock_creator_tx(
        &self,
        tx: &mut Transaction<'_, Any>,
        creator_id: &str,
    ) -> Result<()> {
        if self.backend == Backend::Sqlite {
            return Ok(());
        }
        sqlx::query(sql!(
            "SELECT id FROM creators WHERE id = $1{}",
            self.backend.for_update()
        ))
        .bind(creator_id)
        .fetch_optional(&mut **tx)
        .await?;
        Ok(())
    }

    /// [`Store::lock_creator_tx`] for the app's row (its active-creator cap).
    pub async fn lock_app_tx(&self, tx: &mut Transaction<'_, Any>, client_key: &str) -> Result<()> {
        if self.backend == Backend::Sqlite {
            return Ok(());
        }
        sqlx::query(sql!(
            "SELECT client_key FROM apps WHERE client_key = $1{}",
            self.backend.for_update()
        ))
        .bind(client_key)
        .fetch_optional(&mut **tx)
        .await?;
        Ok(())
    }

    /// What the posting caps count since `since`, in one statement: on the read pool for
    /// creator_info, inside the init transaction where the caps are enforced.
    /// - `creator_posts`: the creator's API posts, every app: Direct Posts not failed, plus inbox
    ///   drafts the creator posted;
    /// - `app_active_creators`: distinct creators the app direct-posted for, and whether
    ///   `creator_id` is one of them;
    /// - `pending_shares`: the creator's inbox shares not yet posted, discarded or failed.
    pub async fn usage_counts<'e, E: sqlx::Executor<'e, Database = Any>>(
        ex: E,
        creator_id: &str,
        client_key: &str,
        since: i64,
    ) -> Result<UsageCounts> {
        let r: (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT \
               (SELECT CAST(COUNT(*) AS BIGINT) FROM publishes WHERE creator_id = $1 AND ((mode = 'DIRECT_POST' AND status <> 'FAILED' AND created_at >= $3) OR (mode = 'MEDIA_UPLOAD' AND inbox_state = 'posted' AND completed_at >= $3))), \
               (SELECT CAST(COUNT(DISTINCT creator_id) AS BIGINT) FROM publishes WHERE client_key = $2 AND mode = 'DIRECT_POST' AND created_at >= $3), \
               (SELECT CAST(COUNT(*) AS BIGINT) FROM publishes WHERE client_key = $2 AND creator_id = $1 AND mode = 'DIRECT_POST' AND created_at >= $3), \
               (SELECT CAST(COUNT(*) AS BIGINT) FROM publishes WHERE creator_id = $1 AND mode = 'MEDIA_UPLOAD' AND created_at >= $3 AND status <> 'FAILED' AND (inbox_state IS NULL OR inbox_state = 'pending'))",
        )
        .bind(creator_id)
        .bind(client_key)
        .bind(since)
        .fetch_one(ex)
        .await?;
        Ok(UsageCounts {
            creator_posts: r.0,
            app_active_creators: r.1,
            creator_already_active: r.2 > 0,
            pending_shares: r.3,
        })
    }

    /// [`Store::usage_counts`] on the read pool for creator_info, which only reports the caps:
    /// answered from memory when this node created or moved no publish since the last read and
    /// that read is under a second old on the server clock (the lookup cache's time to live when
    /// shorter; none when it is off). Other nodes' publishes are seen within that second.
    pub async fn usage_counts_reported(
        &self,
        creator_id: &str,
        client_key: &str,
        now: i64,
        since: i64,
    ) -> Result<UsageCounts> {
        let ttl_ms = self
            .cache
            .ttl()
            .map_or(0, |t| t.as_millis().min(1_000) as i64);
        if ttl_ms > 0
            && let Some(c) = self.usage.get(creator_id, client_key, now, ttl_ms)
        {
            return Ok(c);
        }
        let generation = self.usage.generation();
        let counts = Self::usage_counts(&self.pool, creator_id, client_key, since).await?;
        if ttl_ms > 0 {
            self.usage
                .put(creator_id, client_key, generation, now, counts);
        }
        Ok(counts)
    }

    /// To be called after committing a transaction that created a publish (the init endpoints
    /// write theirs in their own transaction); this store's own methods that move a publish call
    /// it themselves.
    pub fn publishes_changed(&self) {
        self.usage.changed();
    }

    /// Records an acknowledged chunk and the new upload progress; when `completed_with_job` is
    /// set, also the end of the upload and its processing job, all in one transaction.
    ///
    /// A compare-and-set on the progress: only a chunk that starts where the upload stands, on
    /// an upload still receiving chunks, is recorded. False (nothing written) otherwise, e.g. when
    /// another writer of the same range was acknowledged first.
    #[allow(clippy::too_many_arguments)]
    pub async fn ack_chunk(
        &self,
        publish_id: &str,
        idx: i64,
        offset: i64,
        length: i64,
        etag: Option<&str>,
        now: i64,
        completed_with_job: Option<(&str, &str)>,
    ) -> Result<bool> {
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
        let moved = sqlx::query(
            "UPDATE publishes SET uploaded_bytes = $2, updated_at = $3 WHERE id = $1 AND uploaded_bytes = $4 AND status = 'PROCESSING_UPLOAD'",
        )
        .bind(publish_id)
        .bind(offset + length)
        .bind(now)
        .bind(offset)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO upload_chunks (publish_id, idx, byte_offset, length, etag, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (publish_id, idx) DO UPDATE SET byte_offset = excluded.byte_offset, length = excluded.length, etag = excluded.etag, created_at = excluded.created_at",
        )
        .bind(publish_id)
        .bind(idx)
        .bind(offset)
        .bind(length)
        .bind(etag)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if let Some((job_id, payload)) = completed_with_job {
            let (client_key,): (String,) =
                sqlx::query_as("SELECT client_key FROM publishes WHERE id = $1")
                    .bind(publish_id)
                    .fetch_one(&mut *tx)
                    .await?;
            Self::enqueue_job_tx(
                &mut tx,
                job_id,
                "process",
                payload,
                now,
                now,
                Some(&client_key),
            )
            .await?;
            // Complete: nothing is left for the expiry job to do.
            sqlx::query("UPDATE jobs SET done_at = $2 WHERE id = $1 AND done_at IS NULL")
                .bind(Self::upload_expiry_job_id(publish_id))
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        drop(writer_conn);
        Ok(true)
    }

    /// The acknowledged chunks of an upload, in order: (idx, offset, length, etag).
    pub async fn chunks(&self, publish_id: &str) -> Result<Vec<(i64, i64, i64, Option<String>)>> {
        Ok(sqlx::query_as(
            "SELECT idx, byte_offset, length, etag FROM upload_chunks WHERE publish_id = $1 ORDER BY idx",
        )
        .bind(publish_id)
        .fetch_all(&mut *self.writer.acquire().await?)
        .await?)
    }

    /// Moves a publish to `status` only from one of `from` (a compare-and-set, so concurrent
    /// workers and a cancel cannot both win). Returns whether it moved.
    pub async fn transition(
        &self,
        id: &str,
        from: &[PublishStatus],
        status: PublishStatus,
        fail_reason: Option<&str>,
        now: i64,
    ) -> Result<bool> {
        self.transition_with(id, from, status, fail_reason, now, &Default::default())
            .await
    }

    /// [`Store::transition`] that also writes `outbox` when (and only when) the publish moves.
    pub async fn transition_with(
        &self,
        id: &str,
        from: &[PublishStatus],
        status: PublishStatus,
        fail_reason: Option<&str>,
        now: i64,
        outbox: &crate::webhooks::Outbox,
    ) -> Result<bool> {
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
        let list = status_list(from);
        let r = sqlx::query(sql!(
            "UPDATE publishes SET status = $2, fail_reason = $3, updated_at = $4, completed_at = CASE WHEN $2 IN ('FAILED', 'PUBLISH_COMPLETE') THEN $4 ELSE completed_at END WHERE id = $1 AND status IN ({list})"
        ))
        .bind(id)
        .bind(status.as_str())
        .bind(fail_reason)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 0 {
            return Ok(false);
        }
        Self::write_outbox_tx(&mut tx, outbox, now).await?;
        tx.commit().await?;
        drop(writer_conn);
        self.publishes_changed();
        Ok(true)
    }

    /// Sets free-form processing facts of a publish.
    pub async fn set_publish_media(
        &self,
        id: &str,
        object_key: Option<&str>,
        probe: Option<&str>,
        downloaded_bytes: Option<i64>,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE publishes SET object_key = COALESCE($2, object_key), probe = COALESCE($3, probe), downloaded_bytes = COALESCE($4, downloaded_bytes), updated_at = $5 WHERE id = $1",
        )
        .bind(id)
        .bind(object_key)
        .bind(probe)
        .bind(downloaded_bytes)
        .bind(now)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        Ok(())
    }

    /// Records how much of a pull has arrived, while it is still downloading: a cancelled pull
    /// stops counting. False once the publish has left `PROCESSING_DOWNLOAD`.
    pub async fn record_download_progress(&self, id: &str, bytes: i64, now: i64) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE publishes SET downloaded_bytes = $2, updated_at = $3 WHERE id = $1 AND status = 'PROCESSING_DOWNLOAD'",
        )
        .bind(id)
        .bind(bytes)
        .bind(now)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        Ok(r.rows_affected() > 0)
    }

    pub async fn set_inbox_state(&self, id: &str, state: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE publishes SET inbox_state = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(state)
            .bind(now)
            .execute(&mut *self.writer.acquire().await?)
            .await?;
        self.publishes_changed();
        Ok(())
    }

    pub async fn set_publish_posts(
        &self,
        id: &str,
        post_ids: &str,
        public_post_ids: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query("UPDATE publishes SET post_ids = $2, public_post_ids = $3, updated_at = $4 WHERE id = $1")
            .bind(id)
            .bind(post_ids)
            .bind(public_post_ids)
            .bind(now)
            .execute(&mut *self.writer.acquire().await?)
            .await?;
        Ok(())
    }
}

impl Store {
    /// Ends an upload URL's life now (the `upload_url_expiry` scenario).
    pub async fn expire_upload_url(&self, publish_id: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE publishes SET upload_expires_at = $2 WHERE id = $1")
            .bind(publish_id)
            .bind(now - 1)
            .execute(&mut *self.writer.acquire().await?)
            .await?;
        Ok(())
    }

    /// Adds a post id to `publicaly_available_post_id` (a post that became public later).
    /// `outbox` is written with the change.
    pub async fn add_public_post_id(
        &self,
        publish_id: &str,
        post_id: &str,
        now: i64,
        outbox: &crate::webhooks::Outbox,
    ) -> Result<bool> {
        let Some(p) = self.publish_fresh(publish_id).await? else {
            return Ok(false);
        };
        let mut ids: Vec<String> = crate::from_json(&p.public_post_ids)?;
        if ids.iter().any(|i| i == post_id) {
            return Ok(false);
        }
        ids.push(post_id.to_string());
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
        // Compare-and-set on the list read above: a concurrent run adds the id (and its event) once.
        let r = sqlx::query(
            "UPDATE publishes SET public_post_ids = $2, updated_at = $3 WHERE id = $1 AND public_post_ids = $4",
        )
        .bind(publish_id)
        .bind(crate::to_json(&ids))
        .bind(now)
        .bind(&p.public_post_ids)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 0 {
            return Ok(false);
        }
        Self::write_outbox_tx(&mut tx, outbox, now).await?;
        tx.commit().await?;
        drop(writer_conn);
        Ok(true)
    }
}
