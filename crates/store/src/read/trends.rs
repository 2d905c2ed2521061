//! Trend buckets: one row per (kind, key, region, day) counting the videos published and the
//! views gained that day, for hashtags and sounds, in the post's region and in `ALL`. Writers
//! add to a bucket ([`BUCKET_MERGE`]) instead of recounting posts, so a trend over a window reads
//! a few rows per day however many videos it covers; the seeder fills the same rows in bulk.
use reelbox_core::research::day_of;
use sqlx::{Any, FromRow, Transaction};

use crate::posts::Post;
use crate::{Result, Store};

/// One day of a trend: epoch day, videos, views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromRow)]
pub struct TrendPoint {
    pub day: i64,
    pub videos: i64,
    pub views: i64,
}

/// A ranked key over a window.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct TrendRank {
    pub key: String,
    pub videos: i64,
    pub views: i64,
}

/// The bucket rows a post feeds: its hashtags and sound, in its region and globally.
fn bucket_keys(
    tags: &[String],
    music_id: Option<&str>,
    region: &str,
) -> Vec<(&'static str, String, String)> {
    let mut out = Vec::new();
    for r in [region, "ALL"] {
        for t in tags {
            out.push(("tag", t.clone(), r.to_string()));
        }
        if let Some(m) = music_id {
            out.push(("music", m.to_string(), r.to_string()));
        }
    }
    out
}

/// The head and tail of every bucket write, as literals so that [`BUCKET_UPSERT`] is one
/// constant built from them.
macro_rules! bucket_insert {
    () => {
        "INSERT INTO trend_buckets (kind, key, region, day, videos, views)"
    };
}
macro_rules! bucket_merge {
    () => {
        " ON CONFLICT (kind, key, region, day) DO UPDATE SET videos = trend_buckets.videos + excluded.videos, views = trend_buckets.views + excluded.views"
    };
}

/// The head of a bucket insert; rows follow as `VALUES (…)`.
pub(crate) const BUCKET_INSERT: &str = bucket_insert!();

/// The tail of a bucket insert: a row for an existing bucket adds its counts to it.
pub(crate) const BUCKET_MERGE: &str = bucket_merge!();

/// Adds to one bucket: kind, key, region, day, videos, views.
const BUCKET_UPSERT: &str = concat!(
    bucket_insert!(),
    " VALUES ($1, $2, $3, $4, $5, $6)",
    bucket_merge!()
);

impl Store {
    /// A public post was published: one more video in each of its buckets for its day.
    pub async fn trend_on_publish_tx(
        tx: &mut Transaction<'_, Any>,
        p: &Post,
        tags: &[String],
    ) -> Result<()> {
        if p.privacy_level != "PUBLIC_TO_EVERYONE" {
            return Ok(());
        }
        let day = day_of(p.created_at);
        for (kind, key, region) in bucket_keys(tags, None, &p.region_code) {
            sqlx::query(BUCKET_UPSERT)
                .bind(kind)
                .bind(key)
                .bind(region)
                .bind(day)
                .bind(1i64)
                .bind(0i64)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Views added to a post count for its buckets on the day they happen.
    pub(crate) async fn trend_on_views(&self, post_id: &str, views: i64, now: i64) -> Result<()> {
        if views == 0 {
            return Ok(());
        }
        let row: Option<(String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT hashtags, region_code, privacy_level, music_id FROM posts WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(post_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some((tags, region, privacy, music)) = row else {
            return Ok(());
        };
        if privacy != "PUBLIC_TO_EVERYONE" {
            return Ok(());
        }
        let tags: Vec<String> = crate::from_json(&tags)?;
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
        for (kind, key, region) in bucket_keys(&tags, music.as_deref(), &region) {
            sqlx::query(BUCKET_UPSERT)
                .bind(kind)
                .bind(key)
                .bind(region)
                .bind(day_of(now))
                .bind(0i64)
                .bind(views)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        drop(writer_conn);
        Ok(())
    }

    /// Daily points of one key in `[from_day, to_day]`.
    pub async fn trend_series(
        &self,
        kind: &str,
        key: &str,
        region: &str,
        from_day: i64,
        to_day: i64,
    ) -> Result<Vec<TrendPoint>> {
        Ok(sqlx::query_as("SELECT day, videos, views FROM trend_buckets WHERE kind = $1 AND key = $2 AND region = $3 AND day >= $4 AND day <= $5 ORDER BY day")
            .bind(kind)
            .bind(key)
            .bind(region)
            .bind(from_day)
            .bind(to_day)
            .fetch_all(&self.pool)
            .await?)
    }

    /// All-time totals of one key: (videos, views, first day), `None` when never seen.
    pub async fn trend_totals(
        &self,
        kind: &str,
        key: &str,
        region: &str,
    ) -> Result<Option<(i64, i64, i64)>> {
        let r: (i64, i64, Option<i64>) = sqlx::query_as("SELECT CAST(COALESCE(SUM(videos), 0) AS BIGINT), CAST(COALESCE(SUM(views), 0) AS BIGINT), MIN(day) FROM trend_buckets WHERE kind = $1 AND key = $2 AND region = $3")
            .bind(kind)
            .bind(key)
            .bind(region)
            .fetch_one(&self.pool)
            .await?;
        Ok(r.2.map(|d| (r.0, r.1, d)))
    }

    /// Keys ranked by views in `[from_day, to_day]` (ties: videos, then key).
    pub async fn trend_ranking(
        &self,
        kind: &str,
        region: &str,
        from_day: i64,
        to_day: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<TrendRank>> {
        Ok(sqlx::query_as("SELECT key, CAST(SUM(videos) AS BIGINT) AS videos, CAST(SUM(views) AS BIGINT) AS views FROM trend_buckets WHERE kind = $1 AND region = $2 AND day >= $3 AND day <= $4 GROUP BY key ORDER BY SUM(views) DESC, SUM(videos) DESC, key LIMIT $5 OFFSET $6")
            .bind(kind)
            .bind(region)
            .bind(from_day)
            .bind(to_day)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?)
    }
}
