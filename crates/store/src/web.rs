//! What the web pages keep: developer accounts, browser sessions (only a SHA-256 of each session
//! id), views counted once per viewer per period, likes, comments, follows and hashtag listings.
//! Engagement counters still change only through [`Store::add_activity`].
use sqlx::FromRow;

use crate::activity::Activity;
use crate::posts::{COLUMNS as POST_COLUMNS, Post};
use crate::{Result, Store, conflict};

/// A developer account of the portal.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Developer {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub created_at: i64,
}

/// A browser session: `kind` is `creator`, `developer` or `admin`; `subject_id` the account.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct WebSession {
    pub id_hash: String,
    pub kind: String,
    pub subject_id: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A comment as a watch page shows it.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct CommentRow {
    pub id: String,
    pub post_id: String,
    pub creator_id: String,
    pub username: String,
    pub text: String,
    pub created_at: i64,
}

/// Follower and following counts of a creator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FollowCounts {
    pub followers: i64,
    pub following: i64,
    pub likes: i64,
}

impl Store {
    /// Registers a developer; `Conflict` when the email is taken.
    pub async fn insert_developer(&self, d: &Developer) -> Result<()> {
        sqlx::query(
            "INSERT INTO developers (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&d.id)
        .bind(&d.email)
        .bind(&d.password_hash)
        .bind(d.created_at)
        .execute(&mut *self.writer.acquire().await?)
        .await
        .map_err(conflict)?;
        Ok(())
    }

    pub async fn developer(&self, id: &str) -> Result<Option<Developer>> {
        Ok(sqlx::query_as(
            "SELECT id, email, password_hash, created_at FROM developers WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn developer_by_email(&self, email: &str) -> Result<Option<Developer>> {
        Ok(sqlx::query_as(
            "SELECT id, email, password_hash, created_at FROM developers WHERE email = $1",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn insert_web_session(&self, s: &WebSession) -> Result<()> {
        sqlx::query(
            "INSERT INTO web_sessions (id_hash, kind, subject_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&s.id_hash)
        .bind(&s.kind)
        .bind(&s.subject_id)
        .bind(s.created_at)
        .bind(s.expires_at)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        Ok(())
    }

    /// The session with this id hash and kind, when it has not expired at `now`.
    pub async fn web_session(
        &self,
        id_hash: &str,
        kind: &str,
        now: i64,
    ) -> Result<Option<WebSession>> {
        Ok(sqlx::query_as(
            "SELECT id_hash, kind, subject_id, created_at, expires_at FROM web_sessions WHERE id_hash = $1 AND kind = $2 AND expires_at > $3",
        )
        .bind(id_hash)
        .bind(kind)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Signs a session out (and drops sessions that expired before `now`).
    pub async fn delete_web_session(&self, id_hash: &str, now: i64) -> Result<()> {
        sqlx::query("DELETE FROM web_sessions WHERE id_hash = $1 OR expires_at <= $2")
            .bind(id_hash)
            .bind(now)
            .execute(&mut *self.writer.acquire().await?)
            .await?;
        Ok(())
    }

    /// Records a view of `post_id` by `viewer` in `period` and adds it to the post's counter;
    /// false (nothing counted) when this viewer was already counted in this period.
    pub async fn count_view(
        &self,
        post_id: &str,
        viewer: &str,
        period: i64,
        now: i64,
    ) -> Result<bool> {
        // A read first: a repeated view (the common case) never takes the writer.
        let seen: Option<(i64,)> = sqlx::query_as(
            "SELECT CAST(1 AS BIGINT) FROM post_views WHERE post_id = $1 AND viewer = $2 AND period = $3",
        )
        .bind(post_id)
        .bind(viewer)
        .bind(period)
        .fetch_optional(&self.pool)
        .await?;
        if seen.is_some() {
            return Ok(false);
        }
        let r = sqlx::query(
            "INSERT INTO post_views (post_id, viewer, period, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (post_id, viewer, period) DO NOTHING",
        )
        .bind(post_id)
        .bind(viewer)
        .bind(period)
        .bind(now)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        if r.rows_affected() == 0 {
            return Ok(false);
        }
        self.add_activity(
            post_id,
            &Activity {
                views: 1,
                ..Default::default()
            },
            now,
        )
        .await?;
        Ok(true)
    }

    pub async fn has_liked(&self, post_id: &str, creator_id: &str) -> Result<bool> {
        let r: Option<(i64,)> = sqlx::query_as(
            "SELECT CAST(1 AS BIGINT) FROM likes WHERE post_id = $1 AND creator_id = $2",
        )
        .bind(post_id)
        .bind(creator_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(r.is_some())
    }

    /// Likes or unlikes; the counter moves only when the like row changed.
    pub async fn set_like(
        &self,
        post_id: &str,
        creator_id: &str,
        on: bool,
        now: i64,
    ) -> Result<()> {
        let changed = if on {
            sqlx::query(
                "INSERT INTO likes (post_id, creator_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (post_id, creator_id) DO NOTHING",
            )
            .bind(post_id)
            .bind(creator_id)
            .bind(now)
            .execute(&mut *self.writer.acquire().await?)
            .await?
            .rows_affected()
        } else {
            sqlx::query("DELETE FROM likes WHERE post_id = $1 AND creator_id = $2")
                .bind(post_id)
                .bind(creator_id)
                .execute(&mut *self.writer.acquire().await?)
                .await?
                .rows_affected()
        };
        if changed > 0 {
            let likes = if on { 1 } else { -1 };
            self.add_activity(
                post_id,
                &Activity {
                    likes,
                    ..Default::default()
                },
                now,
            )
            .await?;
        }
        Ok(())
    }

    pub async fn add_comment(
        &self,
        id: &str,
        post_id: &str,
        creator_id: &str,
        text: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO comments (id, post_id, creator_id, parent_id, text, like_count, created_at) VALUES ($1, $2, $3, NULL, $4, 0, $5)",
        )
        .bind(id)
        .bind(post_id)
        .bind(creator_id)
        .bind(text)
        .bind(now)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        self.add_activity(
            post_id,
            &Activity {
                comments: 1,
                ..Default::default()
            },
            now,
        )
        .await?;
        Ok(())
    }

    /// The newest comments of a post with their authors' usernames.
    pub async fn comments_of_post(&self, post_id: &str, limit: i64) -> Result<Vec<CommentRow>> {
        Ok(sqlx::query_as(
            "SELECT c.id, c.post_id, c.creator_id, u.username, c.text, c.created_at FROM comments c JOIN creators u ON u.id = c.creator_id WHERE c.post_id = $1 ORDER BY c.created_at DESC, c.id DESC LIMIT $2",
        )
        .bind(post_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn follows(&self, follower_id: &str, followee_id: &str) -> Result<bool> {
        let r: Option<(i64,)> = sqlx::query_as(
            "SELECT CAST(1 AS BIGINT) FROM follows WHERE follower_id = $1 AND followee_id = $2",
        )
        .bind(follower_id)
        .bind(followee_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(r.is_some())
    }

    pub async fn set_follow(
        &self,
        follower_id: &str,
        followee_id: &str,
        on: bool,
        now: i64,
    ) -> Result<()> {
        if on {
            sqlx::query(
                "INSERT INTO follows (follower_id, followee_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (follower_id, followee_id) DO NOTHING",
            )
            .bind(follower_id)
            .bind(followee_id)
            .bind(now)
            .execute(&mut *self.writer.acquire().await?)
            .await?;
        } else {
            sqlx::query("DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2")
                .bind(follower_id)
                .bind(followee_id)
                .execute(&mut *self.writer.acquire().await?)
                .await?;
        }
        Ok(())
    }

    /// Followers, following and total likes received, for a profile header.
    pub async fn follow_counts(&self, creator_id: &str) -> Result<FollowCounts> {
        let (followers, following) = self.follow_totals(creator_id).await?;
        let (likes,): (i64,) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(like_count), 0) AS BIGINT) FROM posts WHERE creator_id = $1 AND deleted_at IS NULL",
        )
        .bind(creator_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(FollowCounts {
            followers,
            following,
            likes,
        })
    }

    /// Public posts carrying `tag`, newest first.
    pub async fn public_posts_with_tag(&self, tag: &str, limit: i64) -> Result<Vec<Post>> {
        Ok(sqlx::query_as(sql!(
            "SELECT {POST_COLUMNS} FROM posts WHERE id IN (SELECT post_id FROM post_hashtags WHERE tag = $1) AND privacy_level = 'PUBLIC_TO_EVERYONE' AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT $2"
        ))
        .bind(tag)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The newest public posts of everyone (the home page).
    pub async fn recent_public_posts(&self, limit: i64) -> Result<Vec<Post>> {
        Ok(sqlx::query_as(sql!(
            "SELECT {POST_COLUMNS} FROM posts WHERE privacy_level = 'PUBLIC_TO_EVERYONE' AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Apps waiting for the operator: an audit asked for, or privileges asked for in the portal.
    pub async fn apps_awaiting_review(&self) -> Result<Vec<crate::apps::App>> {
        let apps = self.apps().await?;
        Ok(apps
            .into_iter()
            .filter(|a| {
                (a.audit_requested_at.is_some() && !a.audited)
                    || !a.pending_scopes.is_empty()
                    || !a.pending_url_prefixes.is_empty()
            })
            .collect())
    }
}
