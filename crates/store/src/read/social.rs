//! Who follows whom and what was said: follower and following lists, follow totals, and the
//! comments the Research API lists. Lists page by time with a limit; comment threads apply the
//! research visibility rule ([`VISIBLE`]) to the post they hang on.
use sqlx::FromRow;

use super::research::VISIBLE;
use crate::{Result, Store};

/// One name in a follower/following list.
#[derive(Debug, Clone, FromRow)]
pub struct FollowEntry {
    pub username: String,
    pub nickname: String,
    pub created_at: i64,
}

/// A comment as the Research API returns it.
#[derive(Debug, Clone, FromRow)]
pub struct ResearchComment {
    pub id: String,
    pub post_id: String,
    pub parent_id: Option<String>,
    pub text: String,
    pub like_count: i64,
    pub reply_count: i64,
    pub created_at: i64,
}

impl Store {
    /// How many accounts follow a creator and how many it follows: (followers, following).
    pub(crate) async fn follow_totals(&self, creator_id: &str) -> Result<(i64, i64)> {
        let (followers,): (i64,) =
            sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM follows WHERE followee_id = $1")
                .bind(creator_id)
                .fetch_one(&self.pool)
                .await?;
        let (following,): (i64,) =
            sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM follows WHERE follower_id = $1")
                .bind(creator_id)
                .fetch_one(&self.pool)
                .await?;
        Ok((followers, following))
    }

    /// Followers (`followers = true`) or followed accounts of a creator, newest follow first,
    /// followed at or before `at_or_before_ms`.
    pub async fn follow_list(
        &self,
        creator_id: &str,
        followers: bool,
        at_or_before_ms: i64,
        limit: i64,
    ) -> Result<Vec<FollowEntry>> {
        let (me, other) = if followers {
            ("followee_id", "follower_id")
        } else {
            ("follower_id", "followee_id")
        };
        Ok(sqlx::query_as(sql!(
            "SELECT c.username, c.nickname, f.created_at FROM follows f JOIN creators c ON c.id = f.{other} WHERE f.{me} = $1 AND f.created_at <= $2 ORDER BY f.created_at DESC, c.username LIMIT $3"
        ))
        .bind(creator_id)
        .bind(at_or_before_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Comments of a visible post (top level) or replies to a comment, oldest first, by index.
    pub async fn research_comments(
        &self,
        post_id: Option<&str>,
        parent_id: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ResearchComment>> {
        let (cond, key) = match (post_id, parent_id) {
            (Some(p), _) => ("m.post_id = $1 AND m.parent_id IS NULL", p),
            (None, Some(c)) => ("m.parent_id = $1", c),
            (None, None) => return Ok(vec![]),
        };
        Ok(sqlx::query_as(sql!(
            "SELECT m.id, m.post_id, m.parent_id, m.text, m.like_count, (SELECT CAST(COUNT(*) AS BIGINT) FROM comments r WHERE r.parent_id = m.id) AS reply_count, m.created_at FROM comments m JOIN posts p ON p.id = m.post_id JOIN creators c ON c.id = p.creator_id WHERE {cond} AND {VISIBLE} ORDER BY m.created_at, m.id LIMIT $2 OFFSET $3"
        ))
        .bind(key)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Whether a post is visible to research (public post of a public account).
    pub async fn research_visible(&self, post_id: &str) -> Result<bool> {
        let r: Option<(i64,)> = sqlx::query_as(sql!(
            "SELECT CAST(1 AS BIGINT) FROM posts p JOIN creators c ON c.id = p.creator_id WHERE p.id = $1 AND {VISIBLE}"
        ))
        .bind(post_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(r.is_some())
    }
}
