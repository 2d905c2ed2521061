//! Research API video queries: the row they return, the visibility rule every research read
//! applies, and the `Store` methods that run a compiled page. What a query becomes is decided in
//! [`compile`], with no database at hand; these methods only bind its values and fetch. Result
//! sets cached between pages live in [`searches`], the daily quota in [`quota`].
use reelbox_core::research::VideoQuery;
use sqlx::FromRow;

use crate::dynamic::bind_all;
use crate::{Backend, Result, Store};

mod compile;
mod quota;
mod searches;

pub use searches::Search;

/// Columns of a research video row ([`ResearchVideo`]) over `posts p JOIN creators c`.
pub(crate) const RESEARCH_COLUMNS: &str = "p.id, c.username, p.region_code, p.title, p.description, p.created_at, p.music_id, p.effect_ids, p.hashtags, p.mentions, p.duration_ms, p.view_count, p.like_count, p.comment_count, p.share_count, p.favorite_count, p.is_aigc, p.brand_content_toggle";

/// What every research query sees: public posts of public accounts, not deleted.
pub const VISIBLE: &str =
    "p.deleted_at IS NULL AND p.privacy_level = 'PUBLIC_TO_EVERYONE' AND c.private_account = 0";

/// A video as the Research API returns it.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ResearchVideo {
    pub id: String,
    pub username: String,
    pub region_code: String,
    pub title: String,
    pub description: String,
    pub created_at: i64,
    pub music_id: Option<String>,
    pub effect_ids: String,
    pub hashtags: String,
    pub mentions: String,
    pub duration_ms: i64,
    pub view_count: i64,
    pub like_count: i64,
    pub comment_count: i64,
    pub share_count: i64,
    pub favorite_count: i64,
    pub is_aigc: i64,
    pub brand_content_toggle: i64,
}

/// Where a page starts in a result set.
#[derive(Debug, Clone, Default)]
pub struct PageAt {
    /// Snapshot bound: only ids ≤ this and created at or before `snapshot_at`.
    pub max_id: Option<String>,
    pub snapshot_at: Option<i64>,
    /// Keyset: ids strictly below this (the last id of the previous page).
    pub after_id: Option<String>,
    /// Offset used when no keyset position is known.
    pub offset: i64,
}

impl Store {
    /// One page of a research video query in decreasing id order (or a random sample).
    pub async fn research_videos(
        &self,
        q: &VideoQuery,
        at: &PageAt,
        limit: i64,
        random: bool,
    ) -> Result<Vec<ResearchVideo>> {
        let c = compile::compile(self.backend, q, at, limit, random);
        let query = sqlx::query_as::<_, ResearchVideo>(sqlx::AssertSqlSafe(c.sql));
        Ok(bind_all(query, &c.binds).fetch_all(&self.pool).await?)
    }

    /// The query plan of a research query (for the benchmark notes).
    pub async fn research_plan(
        &self,
        q: &VideoQuery,
        at: &PageAt,
        limit: i64,
    ) -> Result<Vec<String>> {
        let c = compile::compile(self.backend, q, at, limit, false);
        let prefix = match self.backend {
            Backend::Sqlite => "EXPLAIN QUERY PLAN",
            Backend::Postgres => "EXPLAIN",
        };
        let text = format!("{prefix} {}", c.sql);
        let rows = bind_all(
            sqlx::query_as::<_, PlanRow>(sqlx::AssertSqlSafe(text)),
            &c.binds,
        )
        .fetch_all(&self.pool)
        .await;
        // The two engines answer with different columns; keep the readable one.
        match rows {
            Ok(r) => Ok(r.into_iter().map(|r| r.0).collect()),
            Err(e) => Ok(vec![format!("(no plan: {e})")]),
        }
    }

    /// The largest post id now (the snapshot bound of a new result set).
    pub async fn max_post_id(&self) -> Result<String> {
        let r: Option<(Option<String>,)> = sqlx::query_as("SELECT MAX(id) FROM posts")
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.and_then(|r| r.0).unwrap_or_else(|| "0".into()))
    }
}

/// The last column of an `EXPLAIN` row, whichever engine answered.
struct PlanRow(String);
impl<'r> FromRow<'r, sqlx::any::AnyRow> for PlanRow {
    fn from_row(row: &'r sqlx::any::AnyRow) -> std::result::Result<Self, sqlx::Error> {
        use sqlx::Row;
        let n = row.len();
        let detail: String = row.try_get(n - 1).unwrap_or_default();
        Ok(PlanRow(detail))
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod state_tests;
