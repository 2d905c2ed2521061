//! The Display API's reads of one creator: their public posts before a time or among given ids,
//! and the profile counters. Posts come back as whole [`Post`] rows (the Display API shapes them
//! itself); only public, undeleted posts are listed or counted.
use crate::dynamic::{Binds, bind_all};
use crate::posts::{COLUMNS as POST_COLUMNS, Post};
use crate::{Result, Store};

/// Profile counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CreatorStats {
    pub follower_count: i64,
    pub following_count: i64,
    pub likes_count: i64,
    pub video_count: i64,
}

impl Store {
    /// A creator's public posts created before `before_ms`, newest first.
    pub async fn public_posts_before(
        &self,
        creator_id: &str,
        before_ms: i64,
        limit: i64,
    ) -> Result<Vec<Post>> {
        Ok(sqlx::query_as(sql!(
            "SELECT {POST_COLUMNS} FROM posts WHERE creator_id = $1 AND deleted_at IS NULL AND privacy_level = 'PUBLIC_TO_EVERYONE' AND created_at < $2 ORDER BY created_at DESC, id DESC LIMIT $3"
        ))
        .bind(creator_id)
        .bind(before_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The creator's public posts among `ids`.
    pub async fn public_posts_by_ids(&self, creator_id: &str, ids: &[String]) -> Result<Vec<Post>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut b = Binds::default();
        let c = b.t(creator_id);
        let list: Vec<String> = ids.iter().map(|i| b.t(i.clone())).collect();
        let text = format!(
            "SELECT {POST_COLUMNS} FROM posts WHERE creator_id = {c} AND deleted_at IS NULL AND privacy_level = 'PUBLIC_TO_EVERYONE' AND id IN ({})",
            list.join(", ")
        );
        let binds = b.into_vec();
        Ok(
            bind_all(sqlx::query_as::<_, Post>(sqlx::AssertSqlSafe(text)), &binds)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Followers, following, likes received and public videos.
    pub async fn creator_stats(&self, creator_id: &str) -> Result<CreatorStats> {
        let (followers, following) = self.follow_totals(creator_id).await?;
        let (videos, likes): (i64, i64) = sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(like_count), 0) AS BIGINT) FROM posts WHERE creator_id = $1 AND deleted_at IS NULL AND privacy_level = 'PUBLIC_TO_EVERYONE'")
            .bind(creator_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(CreatorStats {
            follower_count: followers,
            following_count: following,
            likes_count: likes,
            video_count: videos,
        })
    }
}
