//! Creators (the accounts that post).
use reelbox_core::rules::CreatorSettings;
use reelbox_wire::posting::PrivacyLevel;
use sqlx::FromRow;

use crate::{Result, Store, conflict, flag, from_json, to_json};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Creator {
    pub id: String,
    pub username: String,
    pub password_hash: Option<String>,
    pub nickname: String,
    pub avatar_url: String,
    pub bio: String,
    pub region_code: String,
    pub private_account: bool,
    pub privacy_level_options: Vec<PrivacyLevel>,
    pub comment_disabled: bool,
    pub duet_disabled: bool,
    pub stitch_disabled: bool,
    pub max_video_post_duration_sec: i64,
    pub banned_from_posting: bool,
    pub daily_post_cap: Option<i64>,
    pub created_at: i64,
}

impl Creator {
    pub fn settings(&self) -> CreatorSettings {
        CreatorSettings {
            private_account: self.private_account,
            privacy_level_options: self.privacy_level_options.clone(),
            comment_disabled: self.comment_disabled,
            duet_disabled: self.duet_disabled,
            stitch_disabled: self.stitch_disabled,
            max_video_post_duration_sec: self.max_video_post_duration_sec,
            banned_from_posting: self.banned_from_posting,
        }
    }
}

#[derive(FromRow)]
struct CreatorRow {
    id: String,
    username: String,
    password_hash: Option<String>,
    nickname: String,
    avatar_url: String,
    bio: String,
    region_code: String,
    private_account: i64,
    privacy_level_options: String,
    comment_disabled: i64,
    duet_disabled: i64,
    stitch_disabled: i64,
    max_video_post_duration_sec: i64,
    banned_from_posting: i64,
    daily_post_cap: Option<i64>,
    created_at: i64,
}

impl TryFrom<CreatorRow> for Creator {
    type Error = crate::StoreError;
    fn try_from(r: CreatorRow) -> Result<Creator> {
        Ok(Creator {
            id: r.id,
            username: r.username,
            password_hash: r.password_hash,
            nickname: r.nickname,
            avatar_url: r.avatar_url,
            bio: r.bio,
            region_code: r.region_code,
            private_account: flag(r.private_account),
            privacy_level_options: from_json(&r.privacy_level_options)?,
            comment_disabled: flag(r.comment_disabled),
            duet_disabled: flag(r.duet_disabled),
            stitch_disabled: flag(r.stitch_disabled),
            max_video_post_duration_sec: r.max_video_post_duration_sec,
            banned_from_posting: flag(r.banned_from_posting),
            daily_post_cap: r.daily_post_cap,
            created_at: r.created_at,
        })
    }
}

const COLUMNS: &str = "id, username, password_hash, nickname, avatar_url, bio, region_code, private_account, privacy_level_options, comment_disabled, duet_disabled, stitch_disabled, max_video_post_duration_sec, banned_from_posting, daily_post_cap, created_at";

impl Store {
    pub async fn insert_creator(&self, c: &Creator) -> Result<()> {
        sqlx::query(sql!(
            "INSERT INTO creators ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        ))
        .bind(&c.id)
        .bind(&c.username)
        .bind(&c.password_hash)
        .bind(&c.nickname)
        .bind(&c.avatar_url)
        .bind(&c.bio)
        .bind(&c.region_code)
        .bind(c.private_account as i64)
        .bind(to_json(&c.privacy_level_options))
        .bind(c.comment_disabled as i64)
        .bind(c.duet_disabled as i64)
        .bind(c.stitch_disabled as i64)
        .bind(c.max_video_post_duration_sec)
        .bind(c.banned_from_posting as i64)
        .bind(c.daily_post_cap)
        .bind(c.created_at)
        .execute(&mut *self.writer.acquire().await?)
        .await
        .map_err(conflict)?;
        Ok(())
    }

    pub async fn update_creator(&self, c: &Creator) -> Result<()> {
        sqlx::query(
            "UPDATE creators SET password_hash = $2, nickname = $3, avatar_url = $4, bio = $5, region_code = $6, private_account = $7, privacy_level_options = $8, comment_disabled = $9, duet_disabled = $10, stitch_disabled = $11, max_video_post_duration_sec = $12, banned_from_posting = $13, daily_post_cap = $14 WHERE id = $1",
        )
        .bind(&c.id)
        .bind(&c.password_hash)
        .bind(&c.nickname)
        .bind(&c.avatar_url)
        .bind(&c.bio)
        .bind(&c.region_code)
        .bind(c.private_account as i64)
        .bind(to_json(&c.privacy_level_options))
        .bind(c.comment_disabled as i64)
        .bind(c.duet_disabled as i64)
        .bind(c.stitch_disabled as i64)
        .bind(c.max_video_post_duration_sec)
        .bind(c.banned_from_posting as i64)
        .bind(c.daily_post_cap)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        self.cache.invalidate();
        Ok(())
    }

    pub async fn creator(&self, id: &str) -> Result<Option<std::sync::Arc<Creator>>> {
        self.cache
            .through(&self.cache.creators, id, || self.creator_where("id", id))
            .await
    }

    pub async fn creator_by_username(&self, username: &str) -> Result<Option<Creator>> {
        self.creator_where("username", username).await
    }

    async fn creator_where(&self, column: &str, value: &str) -> Result<Option<Creator>> {
        let row: Option<CreatorRow> =
            sqlx::query_as(sql!("SELECT {COLUMNS} FROM creators WHERE {column} = $1"))
                .bind(value)
                .fetch_optional(&self.pool)
                .await?;
        row.map(Creator::try_from).transpose()
    }

    pub async fn creators(&self, limit: i64) -> Result<Vec<Creator>> {
        let rows: Vec<CreatorRow> = sqlx::query_as(sql!(
            "SELECT {COLUMNS} FROM creators ORDER BY username LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Creator::try_from).collect()
    }
}
