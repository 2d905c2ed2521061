//! Posts: what a completed publish becomes, and what profiles, watch pages and the read API show.
use reelbox_wire::posting::PublishStatus;
use sqlx::{Any, FromRow, Transaction};

use crate::{Result, Store};

#[derive(Debug, Clone, PartialEq, Eq, FromRow, serde::Serialize)]
pub struct Post {
    pub id: String,
    pub creator_id: String,
    pub publish_id: Option<String>,
    pub client_key: Option<String>,
    pub media_type: String,
    pub title: String,
    pub description: String,
    pub privacy_level: String,
    pub disable_comment: i64,
    pub disable_duet: i64,
    pub disable_stitch: i64,
    pub brand_content_toggle: i64,
    pub brand_organic_toggle: i64,
    pub is_aigc: i64,
    pub auto_add_music: i64,
    pub object_key: Option<String>,
    pub cover_key: Option<String>,
    pub photo_keys: String,
    pub content_type: Option<String>,
    pub duration_ms: i64,
    pub width: i64,
    pub height: i64,
    pub region_code: String,
    pub hashtags: String,
    pub mentions: String,
    pub view_count: i64,
    pub like_count: i64,
    pub comment_count: i64,
    pub share_count: i64,
    pub favorite_count: i64,
    pub created_at: i64,
    pub deleted_at: Option<i64>,
}

/// Columns of a [`Post`] row, in its field order.
pub(crate) const COLUMNS: &str = "id, creator_id, publish_id, client_key, media_type, title, description, privacy_level, disable_comment, disable_duet, disable_stitch, brand_content_toggle, brand_organic_toggle, is_aigc, auto_add_music, object_key, cover_key, photo_keys, content_type, duration_ms, width, height, region_code, hashtags, mentions, view_count, like_count, comment_count, share_count, favorite_count, created_at, deleted_at";

impl Store {
    /// Inserts a post with its hashtag rows and marks the publish complete, in one transaction;
    /// `extra` runs in the same transaction (webhook deliveries, jobs).
    pub async fn insert_post_tx(
        tx: &mut Transaction<'_, Any>,
        p: &Post,
        tags: &[String],
    ) -> Result<()> {
        sqlx::query(sql!(
            "INSERT INTO posts ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32)"
        ))
        .bind(&p.id)
        .bind(&p.creator_id)
        .bind(&p.publish_id)
        .bind(&p.client_key)
        .bind(&p.media_type)
        .bind(&p.title)
        .bind(&p.description)
        .bind(&p.privacy_level)
        .bind(p.disable_comment)
        .bind(p.disable_duet)
        .bind(p.disable_stitch)
        .bind(p.brand_content_toggle)
        .bind(p.brand_organic_toggle)
        .bind(p.is_aigc)
        .bind(p.auto_add_music)
        .bind(&p.object_key)
        .bind(&p.cover_key)
        .bind(&p.photo_keys)
        .bind(&p.content_type)
        .bind(p.duration_ms)
        .bind(p.width)
        .bind(p.height)
        .bind(&p.region_code)
        .bind(&p.hashtags)
        .bind(&p.mentions)
        .bind(p.view_count)
        .bind(p.like_count)
        .bind(p.comment_count)
        .bind(p.share_count)
        .bind(p.favorite_count)
        .bind(p.created_at)
        .bind(p.deleted_at)
        .execute(&mut **tx)
        .await?;
        for t in tags {
            sqlx::query("INSERT INTO post_hashtags (tag, post_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (tag, post_id) DO NOTHING")
                .bind(t)
                .bind(&p.id)
                .bind(p.created_at)
                .execute(&mut **tx)
                .await?;
        }
        Self::trend_on_publish_tx(tx, p, tags).await?;
        Ok(())
    }

    pub async fn post(&self, id: &str) -> Result<Option<Post>> {
        Ok(sqlx::query_as(sql!(
            "SELECT {COLUMNS} FROM posts WHERE id = $1 AND deleted_at IS NULL"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Removes a post from every page and read API (it stays in the table, `deleted_at` set),
    /// with the webhook deliveries it causes in the same transaction. False when it was gone.
    pub async fn remove_post(
        &self,
        id: &str,
        now: i64,
        outbox: &crate::webhooks::Outbox,
    ) -> Result<bool> {
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
        let r =
            sqlx::query("UPDATE posts SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL")
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        if r.rows_affected() == 0 {
            return Ok(false);
        }
        Self::write_outbox_tx(&mut tx, outbox, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A creator's posts, newest first.
    pub async fn posts_of_creator(&self, creator_id: &str, limit: i64) -> Result<Vec<Post>> {
        Ok(sqlx::query_as(sql!(
            "SELECT {COLUMNS} FROM posts WHERE creator_id = $1 AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT $2"
        ))
        .bind(creator_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn posts_of_publish(&self, publish_id: &str) -> Result<Vec<Post>> {
        Ok(sqlx::query_as(sql!(
            "SELECT {COLUMNS} FROM posts WHERE publish_id = $1 ORDER BY created_at"
        ))
        .bind(publish_id)
        .fetch_all(&self.pool)
        .await?)
    }
}

impl Store {
    /// Completes a publish with its post in one transaction: the status moves from one of `from`
    /// to `PUBLISH_COMPLETE` (compare-and-set), the post and its hashtags are inserted, and the
    /// publish records the post ids, and `outbox` (its webhooks) is written. Returns false (and
    /// changes nothing) when the publish had already left `from`.
    #[allow(clippy::too_many_arguments)]
    pub async fn complete_with_post(
        &self,
        publish_id: &str,
        from: &[PublishStatus],
        post: &Post,
        tags: &[String],
        public: bool,
        inbox_posted: bool,
        now: i64,
        outbox: &crate::webhooks::Outbox,
    ) -> Result<bool> {
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
        let list = crate::publishes::status_list(from);
        let current: Option<(String, String, String)> = sqlx::query_as(sql!(
            "SELECT status, post_ids, public_post_ids FROM publishes WHERE id = $1{}",
            self.backend.for_update()
        ))
        .bind(publish_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((status, post_ids, public_ids)) = current else {
            return Ok(false);
        };
        if !PublishStatus::parse(&status).is_some_and(|s| from.contains(&s)) {
            return Ok(false);
        }
        let mut ids: Vec<String> = crate::from_json(&post_ids)?;
        ids.push(post.id.clone());
        let mut pub_ids: Vec<String> = crate::from_json(&public_ids)?;
        if public {
            pub_ids.push(post.id.clone());
        }
        let r = sqlx::query(sql!(
            "UPDATE publishes SET status = 'PUBLISH_COMPLETE', fail_reason = NULL, post_ids = $2, public_post_ids = $3, updated_at = $4, completed_at = $4, inbox_state = CASE WHEN $5 = 1 THEN 'posted' ELSE inbox_state END WHERE id = $1 AND status IN ({list})"
        ))
        .bind(publish_id)
        .bind(crate::to_json(&ids))
        .bind(crate::to_json(&pub_ids))
        .bind(now)
        .bind(inbox_posted as i64)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 0 {
            return Ok(false);
        }
        Self::insert_post_tx(&mut tx, post, tags).await?;
        Self::write_outbox_tx(&mut tx, outbox, now).await?;
        tx.commit().await?;
        drop(writer_conn);
        self.publishes_changed();
        Ok(true)
    }
}

impl Store {
    /// Inserts a post made without a publish (a seed file's) with its hashtag rows.
    pub async fn insert_post(&self, p: &Post, tags: &[String]) -> Result<()> {
        let mut conn = self.writer.acquire().await?;
        let mut tx = conn.begin().await?;
        Self::insert_post_tx(&mut tx, p, tags).await?;
        tx.commit().await?;
        Ok(())
    }
}
