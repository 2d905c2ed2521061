//! Engagement counters on posts. Every source of activity (watch pages, likes, comments, the
//! simulation endpoint) goes through [`Store::add_activity`], so counters and the trend buckets
//! built on them move together.
use crate::{Result, Store};

/// Increments to a post's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Activity {
    #[serde(default)]
    pub views: i64,
    #[serde(default)]
    pub likes: i64,
    #[serde(default)]
    pub comments: i64,
    #[serde(default)]
    pub shares: i64,
    #[serde(default)]
    pub favorites: i64,
}

impl Store {
    /// Adds `a` to the post's counters (never below zero). Returns false for an unknown post.
    pub async fn add_activity(&self, post_id: &str, a: &Activity, now: i64) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE posts SET view_count = CASE WHEN view_count + $2 < 0 THEN 0 ELSE view_count + $2 END, like_count = CASE WHEN like_count + $3 < 0 THEN 0 ELSE like_count + $3 END, comment_count = CASE WHEN comment_count + $4 < 0 THEN 0 ELSE comment_count + $4 END, share_count = CASE WHEN share_count + $5 < 0 THEN 0 ELSE share_count + $5 END, favorite_count = CASE WHEN favorite_count + $6 < 0 THEN 0 ELSE favorite_count + $6 END WHERE id = $1",
        )
        .bind(post_id)
        .bind(a.views)
        .bind(a.likes)
        .bind(a.comments)
        .bind(a.shares)
        .bind(a.favorites)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        if r.rows_affected() == 0 {
            return Ok(false);
        }
        // Trends count views on the day they happen, per hashtag and sound of the post.
        self.trend_on_views(post_id, a.views, now).await?;
        Ok(true)
    }
}
