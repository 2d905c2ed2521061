//! Profile lists the Research API reads: liked, reposted and pinned videos of an account, and
//! playlists. Every listed video passes the research visibility rule ([`VISIBLE`]), so private,
//! friends-only and deleted videos, and videos of private accounts, never appear.
use sqlx::FromRow;

use crate::read::{RESEARCH_COLUMNS as VIDEO_COLUMNS, ResearchVideo, VISIBLE};
use crate::{Result, Store, conflict, flag};

/// A video on a list, with when it was put there (liked, reposted, pinned; epoch ms).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ListedVideo {
    pub listed_at: i64,
    #[sqlx(flatten)]
    pub video: ResearchVideo,
}

/// What research needs to know of an account before listing anything of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListOwner {
    pub id: String,
    pub username: String,
    pub private_account: bool,
    pub birth_date: Option<String>,
    pub liked_list_public: bool,
}

#[derive(FromRow)]
struct OwnerRow {
    id: String,
    username: String,
    private_account: i64,
    birth_date: Option<String>,
    liked_list_public: i64,
}

impl From<OwnerRow> for ListOwner {
    fn from(r: OwnerRow) -> ListOwner {
        ListOwner {
            id: r.id,
            username: r.username,
            private_account: flag(r.private_account),
            birth_date: r.birth_date,
            liked_list_public: flag(r.liked_list_public),
        }
    }
}

/// A playlist and its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Playlist {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub owner: ListOwner,
}

#[derive(FromRow)]
struct PlaylistRow {
    pl_id: String,
    name: String,
    pl_created_at: i64,
    updated_at: i64,
    #[sqlx(flatten)]
    owner: OwnerRow,
}

const OWNER_COLUMNS: &str =
    "c.id, c.username, c.private_account, c.birth_date, c.liked_list_public";

impl Store {
    /// The account named `username`, as profile lists see it.
    pub async fn list_owner(&self, username: &str) -> Result<Option<ListOwner>> {
        let row: Option<OwnerRow> = sqlx::query_as(sql!(
            "SELECT {OWNER_COLUMNS} FROM creators c WHERE c.username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(ListOwner::from))
    }

    /// Sets what decides research visibility of an account's lists; `None` leaves a value alone
    /// (`Some(None)` clears the birth date).
    pub async fn set_list_privacy(
        &self,
        creator_id: &str,
        birth_date: Option<Option<&str>>,
        liked_list_public: Option<bool>,
    ) -> Result<()> {
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
        if let Some(b) = birth_date {
            sqlx::query("UPDATE creators SET birth_date = $2 WHERE id = $1")
                .bind(creator_id)
                .bind(b)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(p) = liked_list_public {
            sqlx::query("UPDATE creators SET liked_list_public = $2 WHERE id = $1")
                .bind(creator_id)
                .bind(p as i64)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        drop(writer_conn);
        Ok(())
    }

    /// Visible videos liked by `creator_id` from `since_ms` to `until_ms` (inclusive), newest
    /// like first (ties: post id, descending).
    pub async fn liked_videos(
        &self,
        creator_id: &str,
        since_ms: i64,
        until_ms: i64,
        limit: i64,
    ) -> Result<Vec<ListedVideo>> {
        Ok(sqlx::query_as(sql!(
            "SELECT l.created_at AS listed_at, {VIDEO_COLUMNS} FROM likes l JOIN posts p ON p.id = l.post_id JOIN creators c ON c.id = p.creator_id WHERE l.creator_id = $1 AND l.created_at >= $2 AND l.created_at <= $3 AND {VISIBLE} ORDER BY l.created_at DESC, l.post_id DESC LIMIT $4"
        ))
        .bind(creator_id)
        .bind(since_ms)
        .bind(until_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Visible videos reposted by `creator_id`, newest repost first, by index.
    pub async fn reposted_videos(
        &self,
        creator_id: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ListedVideo>> {
        Ok(sqlx::query_as(sql!(
            "SELECT r.created_at AS listed_at, {VIDEO_COLUMNS} FROM reposts r JOIN posts p ON p.id = r.post_id JOIN creators c ON c.id = p.creator_id WHERE r.creator_id = $1 AND {VISIBLE} ORDER BY r.created_at DESC, r.post_id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(creator_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Visible videos pinned by `creator_id`, in pin order.
    pub async fn pinned_videos(&self, creator_id: &str) -> Result<Vec<ListedVideo>> {
        Ok(sqlx::query_as(sql!(
            "SELECT n.created_at AS listed_at, {VIDEO_COLUMNS} FROM pins n JOIN posts p ON p.id = n.post_id JOIN creators c ON c.id = p.creator_id WHERE n.creator_id = $1 AND {VISIBLE} ORDER BY n.seq, n.post_id"
        ))
        .bind(creator_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Reposts (`on`) or takes a repost back; true when something changed.
    pub async fn set_repost(
        &self,
        creator_id: &str,
        post_id: &str,
        on: bool,
        at_ms: i64,
    ) -> Result<bool> {
        let r = if on {
            sqlx::query(
                "INSERT INTO reposts (creator_id, post_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (creator_id, post_id) DO NOTHING",
            )
            .bind(creator_id)
            .bind(post_id)
            .bind(at_ms)
            .execute(&mut *self.writer.acquire().await?)
            .await?
        } else {
            sqlx::query("DELETE FROM reposts WHERE creator_id = $1 AND post_id = $2")
                .bind(creator_id)
                .bind(post_id)
                .execute(&mut *self.writer.acquire().await?)
                .await?
        };
        Ok(r.rows_affected() > 0)
    }

    /// Replaces the account's pinned videos with `post_ids`, in that order.
    pub async fn set_pins(&self, creator_id: &str, post_ids: &[String], at_ms: i64) -> Result<()> {
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
        sqlx::query("DELETE FROM pins WHERE creator_id = $1")
            .bind(creator_id)
            .execute(&mut *tx)
            .await?;
        for (i, p) in post_ids.iter().enumerate() {
            sqlx::query(
                "INSERT INTO pins (creator_id, post_id, seq, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(creator_id)
            .bind(p)
            .bind(i as i64)
            .bind(at_ms)
            .execute(&mut *tx)
            .await
            .map_err(conflict)?;
        }
        tx.commit().await?;
        drop(writer_conn);
        Ok(())
    }

    /// Creates a playlist of `post_ids` in that order. [`crate::StoreError::Conflict`] when a
    /// video is already in a playlist (or the id is taken); nothing is written then.
    pub async fn create_playlist(
        &self,
        id: &str,
        creator_id: &str,
        name: &str,
        post_ids: &[String],
        at_ms: i64,
    ) -> Result<()> {
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
        sqlx::query(
            "INSERT INTO playlists (id, creator_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(id)
        .bind(creator_id)
        .bind(name)
        .bind(at_ms)
        .execute(&mut *tx)
        .await
        .map_err(conflict)?;
        for (i, p) in post_ids.iter().enumerate() {
            sqlx::query(
                "INSERT INTO playlist_items (playlist_id, post_id, seq, added_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(p)
            .bind(i as i64)
            .bind(at_ms)
            .execute(&mut *tx)
            .await
            .map_err(conflict)?;
        }
        tx.commit().await?;
        drop(writer_conn);
        Ok(())
    }

    /// The playlist of each of `post_ids` that is on one (a video is on one playlist at most).
    pub async fn playlists_of_posts(
        &self,
        post_ids: &[String],
    ) -> Result<std::collections::HashMap<String, String>> {
        if post_ids.is_empty() {
            return Ok(Default::default());
        }
        let params: Vec<String> = (1..=post_ids.len()).map(|i| format!("${i}")).collect();
        let text = format!(
            "SELECT post_id, playlist_id FROM playlist_items WHERE post_id IN ({})",
            params.join(", ")
        );
        let mut q = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(text));
        for id in post_ids {
            q = q.bind(id);
        }
        Ok(q.fetch_all(&self.pool).await?.into_iter().collect())
    }

    /// A playlist and its owner.
    pub async fn playlist(&self, id: &str) -> Result<Option<Playlist>> {
        let row: Option<PlaylistRow> = sqlx::query_as(sql!(
            "SELECT l.id AS pl_id, l.name, l.created_at AS pl_created_at, l.updated_at, {OWNER_COLUMNS} FROM playlists l JOIN creators c ON c.id = l.creator_id WHERE l.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| Playlist {
            id: r.pl_id,
            name: r.name,
            created_at: r.pl_created_at,
            updated_at: r.updated_at,
            owner: r.owner.into(),
        }))
    }

    /// Visible videos of a playlist in playlist order, by index, and how many there are.
    pub async fn playlist_videos(
        &self,
        playlist_id: &str,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<String>, i64)> {
        let ids: Vec<(String,)> = sqlx::query_as(sql!(
            "SELECT p.id FROM playlist_items i JOIN posts p ON p.id = i.post_id JOIN creators c ON c.id = p.creator_id WHERE i.playlist_id = $1 AND {VISIBLE} ORDER BY i.seq LIMIT $2 OFFSET $3"
        ))
        .bind(playlist_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let (total,): (i64,) = sqlx::query_as(sql!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM playlist_items i JOIN posts p ON p.id = i.post_id JOIN creators c ON c.id = p.creator_id WHERE i.playlist_id = $1 AND {VISIBLE}"
        ))
        .bind(playlist_id)
        .fetch_one(&self.pool)
        .await?;
        Ok((ids.into_iter().map(|r| r.0).collect(), total))
    }
}
