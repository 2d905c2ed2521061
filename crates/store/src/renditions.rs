//! The web-safe renditions of video posts (`jobs::renditions` makes them, pages serve them).
use crate::{Result, Store};

impl Store {
    /// Records a rendition (again: the newer object wins).
    pub async fn add_rendition(
        &self,
        post_id: &str,
        short_side: i64,
        object_key: &str,
        bytes: i64,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO renditions (post_id, short_side, object_key, bytes, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (post_id, short_side) DO UPDATE SET object_key = excluded.object_key, bytes = excluded.bytes, created_at = excluded.created_at",
        )
        .bind(post_id)
        .bind(short_side)
        .bind(object_key)
        .bind(bytes)
        .bind(now)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        Ok(())
    }

    /// A post's renditions, largest first: (short side, object key).
    pub async fn renditions_of(&self, post_id: &str) -> Result<Vec<(i64, String)>> {
        Ok(sqlx::query_as(
            "SELECT short_side, object_key FROM renditions WHERE post_id = $1 ORDER BY short_side DESC",
        )
        .bind(post_id)
        .fetch_all(&self.pool)
        .await?)
    }
}
