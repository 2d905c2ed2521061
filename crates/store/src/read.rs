//! The read side: research video queries compiled from the typed query language, cached result
//! sets, the research quota, the Display API's listings, social lists, and trend buckets.
//!
//! Research queries run over `posts p JOIN creators c`. A post's id encodes its creation second
//! in the high 32 bits ([`reelbox_core::ids::post_id`]), so the date range also bounds the id
//! range: SQLite then walks the primary key backwards over just that range and stops at the page.
use reelbox_core::research::{Cond, CondValue, DAY_MS, Field, Op, VideoQuery, day_of};
use sqlx::{Any, FromRow, Transaction};

use crate::posts::Post;
use crate::{Result, Store};

/// A bound parameter of an assembled query.
#[derive(Debug, Clone)]
enum P {
    T(String),
    I(i64),
}

/// Collects `$N` placeholders and their values.
#[derive(Default)]
struct Binds(Vec<P>);

impl Binds {
    fn t(&mut self, s: impl Into<String>) -> String {
        self.0.push(P::T(s.into()));
        format!("${}", self.0.len())
    }
    fn i(&mut self, v: i64) -> String {
        self.0.push(P::I(v));
        format!("${}", self.0.len())
    }
}

fn bind_all<'q, O>(
    mut q: sqlx::query::QueryAs<'q, Any, O, sqlx::any::AnyArguments>,
    binds: &'q Binds,
) -> sqlx::query::QueryAs<'q, Any, O, sqlx::any::AnyArguments> {
    for b in &binds.0 {
        q = match b {
            P::T(s) => q.bind(s.as_str()),
            P::I(v) => q.bind(*v),
        };
    }
    q
}

/// Escapes `%`, `_` and `\` for `LIKE … ESCAPE '\'`.
fn like_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            o.push('\\');
        }
        o.push(c);
    }
    o
}

/// The smallest id a post created at `ms` can have, as a 19-digit string (text order = numeric).
fn id_floor(ms: i64) -> String {
    let secs = (ms.max(0) / 1000) as u64;
    let v = secs
        .checked_shl(32)
        .filter(|v| v >> 32 == secs)
        .unwrap_or(u64::MAX);
    format!("{:019}", v.min(9_999_999_999_999_999_999))
}

fn one_value(f: Field, op: Op, v: &CondValue, b: &mut Binds) -> String {
    match (f, v) {
        (Field::CreateDate, CondValue::Day(d)) => {
            let lo = d * DAY_MS;
            let hi = (d + 1) * DAY_MS;
            match op {
                Op::Eq | Op::In => format!(
                    "(p.created_at >= {} AND p.created_at < {})",
                    b.i(lo),
                    b.i(hi)
                ),
                Op::Gt => format!("p.created_at >= {}", b.i(hi)),
                Op::Gte => format!("p.created_at >= {}", b.i(lo)),
                Op::Lt => format!("p.created_at < {}", b.i(lo)),
                Op::Lte => format!("p.created_at < {}", b.i(hi)),
            }
        }
        (Field::Keyword, CondValue::Text(t)) => {
            let pat = format!("%{}%", like_escape(t));
            let a = b.t(pat.clone());
            let c = b.t(pat);
            format!(
                "(LOWER(p.title) LIKE {a} ESCAPE '\\' OR LOWER(p.description) LIKE {c} ESCAPE '\\')"
            )
        }
        (Field::EffectId, CondValue::Text(t)) => {
            format!("p.effect_ids LIKE {}", b.t(format!("%\"{t}\"%")))
        }
        (Field::VideoLength, CondValue::Length(l)) => match l.bounds_ms() {
            (None, Some(hi)) => format!("p.duration_ms <= {}", b.i(hi)),
            (Some(lo), Some(hi)) => format!(
                "(p.duration_ms >= {} AND p.duration_ms <= {})",
                b.i(lo),
                b.i(hi)
            ),
            (Some(lo), None) => format!("p.duration_ms >= {}", b.i(lo)),
            (None, None) => "1 = 1".into(),
        },
        (Field::ViewCount | Field::CommentCount, CondValue::Int(n)) => {
            let col = if f == Field::ViewCount {
                "p.view_count"
            } else {
                "p.comment_count"
            };
            let sym = match op {
                Op::Eq | Op::In => "=",
                Op::Gt => ">",
                Op::Gte => ">=",
                Op::Lt => "<",
                Op::Lte => "<=",
            };
            format!("{col} {sym} {}", b.i(*n))
        }
        _ => "1 = 0".into(),
    }
}

/// One condition as SQL. Set-like fields use one `IN` list; the rest OR their values.
fn cond_sql(c: &Cond, q: &VideoQuery, b: &mut Binds) -> String {
    let texts = || {
        c.values.iter().filter_map(|v| match v {
            CondValue::Text(t) => Some(t.clone()),
            _ => None,
        })
    };
    let list = |b: &mut Binds| texts().map(|t| b.t(t)).collect::<Vec<_>>().join(", ");
    match c.field {
        Field::Username => format!("c.username IN ({})", list(b)),
        Field::RegionCode => format!("p.region_code IN ({})", list(b)),
        Field::VideoId => format!("p.id IN ({})", list(b)),
        // Never NULL, so that NOT of it holds for posts without a sound.
        Field::MusicId => format!("(p.music_id IS NOT NULL AND p.music_id IN ({}))", list(b)),
        Field::HashtagName => {
            let l = list(b);
            // The (tag, created_at, post_id) index answers this without touching posts.
            format!(
                "p.id IN (SELECT h.post_id FROM post_hashtags h WHERE h.tag IN ({l}) AND h.created_at >= {} AND h.created_at < {})",
                b.i(q.from_ms()),
                b.i(q.to_ms())
            )
        }
        _ => {
            let parts: Vec<String> = c
                .values
                .iter()
                .map(|v| one_value(c.field, c.op, v, b))
                .collect();
            format!("({})", parts.join(" OR "))
        }
    }
}

/// Columns of a research video row.
const RESEARCH_COLUMNS: &str = "p.id, c.username, p.region_code, p.title, p.description, p.created_at, p.music_id, p.effect_ids, p.hashtags, p.mentions, p.duration_ms, p.view_count, p.like_count, p.comment_count, p.share_count, p.favorite_count, p.is_aigc, p.brand_content_toggle";

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

/// What every research query sees: public posts of public accounts, not deleted.
pub const VISIBLE: &str =
    "p.deleted_at IS NULL AND p.privacy_level = 'PUBLIC_TO_EVERYONE' AND c.private_account = 0";

fn where_sql(q: &VideoQuery, at: &PageAt, b: &mut Binds) -> String {
    let mut w = vec![VISIBLE.to_string()];
    w.push(format!(
        "p.created_at >= {} AND p.created_at < {}",
        b.i(q.from_ms()),
        b.i(q.to_ms())
    ));
    w.push(format!(
        "p.id >= {} AND p.id < {}",
        b.t(id_floor(q.from_ms())),
        b.t(id_floor(q.to_ms()))
    ));
    for c in &q.and {
        w.push(cond_sql(c, q, b));
    }
    if !q.or.is_empty() {
        let parts: Vec<String> = q.or.iter().map(|c| cond_sql(c, q, b)).collect();
        w.push(format!("({})", parts.join(" OR ")));
    }
    for c in &q.not {
        w.push(format!("NOT ({})", cond_sql(c, q, b)));
    }
    if let Some(m) = &at.max_id {
        w.push(format!("p.id <= {}", b.t(m.clone())));
    }
    if let Some(s) = at.snapshot_at {
        w.push(format!("p.created_at <= {}", b.i(s)));
    }
    if let Some(a) = &at.after_id {
        w.push(format!("p.id < {}", b.t(a.clone())));
    }
    w.join(" AND ")
}

/// How a research page is fetched. Pure planning: which access path lets the database walk
/// posts in id order and stop at the page, instead of collecting and sorting the whole window.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Plan {
    /// One query over `posts p JOIN creators c`.
    Plain,
    /// SQLite: the keyword's trigram FTS5 index drives the walk (its rowid is the post id).
    Fts { keyword: String, lo: i64, hi: i64 },
    /// An `and` condition on region, sound or username with several values: one ordered walk
    /// per value over its `(value, id)` index, merged.
    Split { cond: usize },
}

/// Ids are 19-digit decimals; as i64 when they fit (FTS rowids).
fn id_as_i64(id: &str) -> Option<i64> {
    if id.len() != 19 {
        return None;
    }
    id.parse::<i64>().ok()
}

fn plan_for(backend: crate::Backend, q: &VideoQuery, at: &PageAt) -> Plan {
    if backend == crate::Backend::Sqlite {
        let keyword = q
            .and
            .iter()
            .find_map(|c| match (c.field, c.values.as_slice()) {
                // Trigrams need three characters; shorter keywords scan.
                (Field::Keyword, [CondValue::Text(t)]) if t.chars().count() >= 3 => Some(t.clone()),
                _ => None,
            });
        if let Some(keyword) = keyword {
            let lo = id_as_i64(&id_floor(q.from_ms()));
            let mut hi = id_as_i64(&id_floor(q.to_ms()));
            if let (Some(h), Some(m)) = (hi, at.max_id.as_deref().and_then(id_as_i64)) {
                hi = Some(h.min(m.saturating_add(1)));
            }
            if let (Some(h), Some(a)) = (hi, at.after_id.as_deref().and_then(id_as_i64)) {
                hi = Some(h.min(a));
            }
            if let (Some(lo), Some(hi)) = (lo, hi) {
                return Plan::Fts { keyword, lo, hi };
            }
        }
    }
    let split = q.and.iter().position(|c| {
        matches!(
            c.field,
            Field::RegionCode | Field::MusicId | Field::Username
        ) && matches!(c.op, Op::In | Op::Eq)
            && (2..=64).contains(&c.values.len())
    });
    match split {
        Some(cond) => Plan::Split { cond },
        None => Plan::Plain,
    }
}

/// The FTS5 query of a keyword for the position-less trigram index: every third trigram and
/// the last one, ANDed. Candidates are a superset of the substring matches (the LIKE rule
/// filters them).
fn fts_trigrams(keyword: &str) -> String {
    let chars: Vec<char> = keyword.chars().collect();
    let last = chars.len().saturating_sub(3);
    let mut starts: Vec<usize> = (0..=last).step_by(3).collect();
    if starts.last() != Some(&last) {
        starts.push(last);
    }
    starts
        .iter()
        .map(|&i| {
            let t: String = chars[i..i + 3].iter().collect();
            format!("\"{}\"", t.replace('"', "\"\""))
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The SQL of one research page and its binds.
fn research_sql(
    backend: crate::Backend,
    q: &VideoQuery,
    at: &PageAt,
    limit: i64,
    random: bool,
) -> (String, Binds) {
    let mut b = Binds::default();
    let offset = if at.after_id.is_some() || random {
        0
    } else {
        at.offset
    };
    let plain = "FROM posts p JOIN creators c ON c.id = p.creator_id";
    let text = match (random, plan_for(backend, q, at)) {
        (true, _) | (false, Plan::Plain) => {
            let w = where_sql(q, at, &mut b);
            let order = if random { "RANDOM()" } else { "p.id DESC" };
            let lim = b.i(limit);
            let off = b.i(offset);
            format!(
                "SELECT {RESEARCH_COLUMNS} {plain} WHERE {w} ORDER BY {order} LIMIT {lim} OFFSET {off}"
            )
        }
        (false, Plan::Fts { keyword, lo, hi }) => {
            let m = b.t(fts_trigrams(&keyword));
            let (lo, hi) = (b.i(lo), b.i(hi));
            let w = where_sql(q, at, &mut b);
            let lim = b.i(limit);
            let off = b.i(offset);
            // CROSS JOIN keeps the FTS walk (newest first) as the outer loop.
            format!(
                "SELECT {RESEARCH_COLUMNS} FROM posts_fts f CROSS JOIN posts p ON p.id = CAST(f.rowid AS TEXT) JOIN creators c ON c.id = p.creator_id WHERE posts_fts MATCH {m} AND f.rowid >= {lo} AND f.rowid < {hi} AND {w} ORDER BY f.rowid DESC LIMIT {lim} OFFSET {off}"
            )
        }
        (false, Plan::Split { cond }) => {
            let mut branches = Vec::new();
            for (i, v) in q.and[cond].values.iter().enumerate() {
                let mut one = q.clone();
                one.and[cond].values = vec![v.clone()];
                let w = where_sql(&one, at, &mut b);
                let lim = b.i(limit + offset);
                branches.push(format!(
                    "SELECT * FROM (SELECT {RESEARCH_COLUMNS} {plain} WHERE {w} ORDER BY p.id DESC LIMIT {lim}) b{i}"
                ));
            }
            let lim = b.i(limit);
            let off = b.i(offset);
            format!(
                "SELECT * FROM ({}) u ORDER BY u.id DESC LIMIT {lim} OFFSET {off}",
                branches.join(" UNION ALL ")
            )
        }
    };
    (text, b)
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
        let (text, b) = research_sql(self.backend, q, at, limit, random);
        let query = sqlx::query_as::<_, ResearchVideo>(sqlx::AssertSqlSafe(text));
        Ok(bind_all(query, &b).fetch_all(&self.pool).await?)
    }

    /// The query plan of a research query (for the benchmark notes).
    pub async fn research_plan(
        &self,
        q: &VideoQuery,
        at: &PageAt,
        limit: i64,
    ) -> Result<Vec<String>> {
        let (text, b) = research_sql(self.backend, q, at, limit, false);
        let prefix = match self.backend {
            crate::Backend::Sqlite => "EXPLAIN QUERY PLAN",
            crate::Backend::Postgres => "EXPLAIN",
        };
        let text = format!("{prefix} {text}");
        let rows = bind_all(sqlx::query_as::<_, PlanRow>(sqlx::AssertSqlSafe(text)), &b)
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

struct PlanRow(String);
impl<'r> FromRow<'r, sqlx::any::AnyRow> for PlanRow {
    fn from_row(row: &'r sqlx::any::AnyRow) -> std::result::Result<Self, sqlx::Error> {
        use sqlx::Row;
        let n = row.len();
        let detail: String = row.try_get(n - 1).unwrap_or_default();
        Ok(PlanRow(detail))
    }
}

/// A cached research result set.
#[derive(Debug, Clone, FromRow)]
pub struct Search {
    pub id: String,
    pub client_key: String,
    pub query: String,
    pub max_id: String,
    pub snapshot_at: i64,
    /// JSON object: cursor index → last id served before it.
    pub pages: String,
    pub created_at: i64,
}

impl Store {
    pub async fn insert_search(&self, s: &Search) -> Result<()> {
        sqlx::query("INSERT INTO research_searches (id, client_key, query, max_id, snapshot_at, pages, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&s.id)
            .bind(&s.client_key)
            .bind(&s.query)
            .bind(&s.max_id)
            .bind(s.snapshot_at)
            .bind(&s.pages)
            .bind(s.created_at)
            .execute(&mut *self.writer.acquire().await?)
            .await?;
        Ok(())
    }

    /// A search of this client created after `since`.
    pub async fn search(&self, id: &str, client_key: &str, since: i64) -> Result<Option<Search>> {
        Ok(sqlx::query_as("SELECT id, client_key, query, max_id, snapshot_at, pages, created_at FROM research_searches WHERE id = $1 AND client_key = $2 AND created_at >= $3")
            .bind(id)
            .bind(client_key)
            .bind(since)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Records where the page at `cursor` starts (the last id before it).
    pub async fn record_search_page(&self, id: &str, cursor: i64, after_id: &str) -> Result<()> {
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
        let cur: Option<(String,)> = sqlx::query_as(sql!(
            "SELECT pages FROM research_searches WHERE id = $1{}",
            self.backend.for_update()
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((pages,)) = cur {
            let mut m: std::collections::BTreeMap<String, String> = crate::from_json(&pages)?;
            // Bounded: a result set remembers its latest 1000 page starts.
            if m.len() < 1000 {
                m.insert(cursor.to_string(), after_id.to_string());
                sqlx::query("UPDATE research_searches SET pages = $2 WHERE id = $1")
                    .bind(id)
                    .bind(crate::to_json(&m))
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        drop(writer_conn);
        Ok(())
    }

    /// Forgets result sets created before `before`.
    pub async fn prune_searches(&self, before: i64) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM research_searches WHERE created_at < $1")
                .bind(before)
                .execute(&mut *self.writer.acquire().await?)
                .await?
                .rows_affected(),
        )
    }

    /// Today's research usage of a client: (requests, records).
    pub async fn research_usage(
        &self,
        client_key: &str,
        day: i64,
        kind: &str,
    ) -> Result<(i64, i64)> {
        let r: Option<(i64, i64)> = sqlx::query_as("SELECT requests, records FROM research_usage WHERE client_key = $1 AND day = $2 AND kind = $3")
            .bind(client_key)
            .bind(day)
            .bind(kind)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.unwrap_or((0, 0)))
    }

    /// Adds served requests and their records: (client_key, day, kind, requests, records),
    /// all in one transaction.
    pub async fn add_research_usage(&self, counts: &[(String, i64, &str, i64, i64)]) -> Result<()> {
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
        for (client_key, day, kind, requests, records) in counts {
            sqlx::query("INSERT INTO research_usage (client_key, day, kind, requests, records) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (client_key, day, kind) DO UPDATE SET requests = research_usage.requests + excluded.requests, records = research_usage.records + excluded.records")
                .bind(client_key)
                .bind(day)
                .bind(*kind)
                .bind(requests)
                .bind(records)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        drop(writer_conn);
        Ok(())
    }
}

const POST_COLUMNS: &str = "id, creator_id, publish_id, client_key, media_type, title, description, privacy_level, disable_comment, disable_duet, disable_stitch, brand_content_toggle, brand_organic_toggle, is_aigc, auto_add_music, object_key, cover_key, photo_keys, content_type, duration_ms, width, height, region_code, hashtags, mentions, view_count, like_count, comment_count, share_count, favorite_count, created_at, deleted_at";

/// Profile counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CreatorStats {
    pub follower_count: i64,
    pub following_count: i64,
    pub likes_count: i64,
    pub video_count: i64,
}

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
        Ok(
            bind_all(sqlx::query_as::<_, Post>(sqlx::AssertSqlSafe(text)), &b)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Followers, following, likes received and public videos.
    pub async fn creator_stats(&self, creator_id: &str) -> Result<CreatorStats> {
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

const BUCKET_UPSERT: &str = "INSERT INTO trend_buckets (kind, key, region, day, videos, views) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (kind, key, region, day) DO UPDATE SET videos = trend_buckets.videos + excluded.videos, views = trend_buckets.views + excluded.views";

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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use reelbox_core::research::{self, RawCondition, RawQuery, VideoFacts};
    use serde_json::json;

    const DAY0: i64 = 19_400; // 2023-02-13

    #[test]
    fn keywords_become_anded_trigrams() {
        assert_eq!(fts_trigrams("recipe"), r#""rec" AND "ipe""#);
        assert_eq!(
            fts_trigrams("honest review"),
            r#""hon" AND "est" AND " re" AND "vie" AND "iew""#
        );
        assert_eq!(fts_trigrams("a\"bc"), r#""a""b" AND """bc""#);
        assert_eq!(fts_trigrams("café"), r#""caf" AND "afé""#);
    }

    fn facts_strategy() -> impl Strategy<Value = Vec<VideoFacts>> {
        let one = (
            0usize..4,
            0usize..3,
            0i64..(4 * DAY_MS),
            prop::sample::subsequence(vec!["cat", "dog", "Fun", "pov"], 0..3),
            0usize..3,
            prop::option::of(0u64..3),
            0i64..400_000,
            0i64..50,
            0i64..5,
            0usize..6,
        );
        prop::collection::vec(one, 0..40).prop_map(|rows| {
            rows.into_iter()
                .enumerate()
                .map(
                    |(i, (u, r, t, tags, kw, music, dur, views, comments, vis))| {
                        let created_at = DAY0 * DAY_MS + t;
                        let id = format!("{:019}", (((created_at / 1000) as u64) << 32) | i as u64);
                        let words = ["Hello World", "a 100% cat_video", "nothing"];
                        VideoFacts {
                            id,
                            username: ["ann", "bob", "cy", "dee"][u].into(),
                            region_code: ["US", "JP", "GB"][r].into(),
                            created_at,
                            title: format!(
                                "{} {}",
                                words[kw],
                                tags.iter()
                                    .map(|t| format!("#{t}"))
                                    .collect::<Vec<_>>()
                                    .join(" ")
                            ),
                            description: String::new(),
                            hashtags: tags.iter().map(|t| t.to_lowercase()).collect(),
                            music_id: music.map(|m| (1000 + m).to_string()),
                            effect_ids: if i % 3 == 0 {
                                vec!["77".into()]
                            } else {
                                vec![]
                            },
                            duration_ms: dur,
                            view_count: views,
                            comment_count: comments,
                            // creators "dee" are private accounts; vis 0 = SELF_ONLY post
                            visible: u != 3 && vis != 0,
                        }
                    },
                )
                .collect()
        })
    }

    fn cond_strategy() -> impl Strategy<Value = RawCondition> {
        let field_vals = prop_oneof![
            Just(("create_date", vec!["20230213", "20230214", "20230215"])),
            Just(("username", vec!["ann", "bob", "dee", "zed"])),
            Just(("region_code", vec!["us", "JP", "GB", "FR"])),
            Just(("hashtag_name", vec!["cat", "DOG", "fun", "none"])),
            Just(("keyword", vec!["hello", "100%", "cat_", "WORLD", "_"])),
            Just(("music_id", vec!["1000", "1001", "1002"])),
            Just(("effect_id", vec!["77", "78"])),
            Just(("video_length", vec!["SHORT", "MID", "LONG", "EXTRA_LONG"])),
            Just(("view_count", vec!["0", "10", "25", "49"])),
            Just(("comment_count", vec!["0", "2", "4"])),
        ];
        (
            field_vals,
            0usize..6,
            prop::collection::vec(0usize..5, 1..3),
        )
            .prop_map(|((f, vals), op, picks)| {
                let ordered = matches!(f, "create_date" | "view_count" | "comment_count");
                let ops = ["EQ", "IN", "GT", "GTE", "LT", "LTE"];
                let op = if ordered { ops[op] } else { ops[op % 2] };
                RawCondition {
                    field_name: Some(f.into()),
                    operation: Some(op.into()),
                    field_values: Some(picks.iter().map(|p| json!(vals[p % vals.len()])).collect()),
                }
            })
    }

    fn query_strategy() -> impl Strategy<Value = RawQuery> {
        let g = || prop::collection::vec(cond_strategy(), 0..3);
        (g(), g(), g()).prop_map(|(a, o, n)| RawQuery {
            and: Some(a),
            or: Some(o),
            not: Some(n),
        })
    }

    async fn load(store: &Store, facts: &[VideoFacts]) {
        for (i, u) in ["ann", "bob", "cy", "dee"].iter().enumerate() {
            sqlx::query("INSERT INTO creators (id, username, nickname, avatar_url, bio, region_code, private_account, privacy_level_options, comment_disabled, duet_disabled, stitch_disabled, max_video_post_duration_sec, banned_from_posting, created_at) VALUES ($1, $2, $2, '', '', 'US', $3, '[]', 0, 0, 0, 600, 0, 0)")
                .bind(format!("c{i}"))
                .bind(*u)
                .bind(if *u == "dee" { 1i64 } else { 0 })
                .execute(&mut *store.writer.acquire().await.unwrap())
                .await
                .expect("creator");
        }
        for f in facts {
            let creator = ["ann", "bob", "cy", "dee"]
                .iter()
                .position(|u| *u == f.username)
                .unwrap_or(0);
            let privacy = if f.visible || f.username == "dee" {
                "PUBLIC_TO_EVERYONE"
            } else {
                "SELF_ONLY"
            };
            sqlx::query("INSERT INTO posts (id, creator_id, media_type, title, description, privacy_level, disable_comment, disable_duet, disable_stitch, brand_content_toggle, brand_organic_toggle, is_aigc, auto_add_music, duration_ms, region_code, hashtags, view_count, comment_count, created_at, music_id, effect_ids) VALUES ($1, $2, 'VIDEO', $3, $4, $5, 0, 0, 0, 0, 0, 0, 0, $6, $7, $8, $9, $10, $11, $12, $13)")
                .bind(&f.id)
                .bind(format!("c{creator}"))
                .bind(&f.title)
                .bind(&f.description)
                .bind(privacy)
                .bind(f.duration_ms)
                .bind(&f.region_code)
                .bind(crate::to_json(&f.hashtags))
                .bind(f.view_count)
                .bind(f.comment_count)
                .bind(f.created_at)
                .bind(&f.music_id)
                .bind(crate::to_json(&f.effect_ids))
                .execute(&mut *store.writer.acquire().await.unwrap())
                .await
                .expect("post");
            for t in &f.hashtags {
                sqlx::query(
                    "INSERT INTO post_hashtags (tag, post_id, created_at) VALUES ($1, $2, $3)",
                )
                .bind(t)
                .bind(&f.id)
                .bind(f.created_at)
                .execute(&mut *store.writer.acquire().await.unwrap())
                .await
                .expect("tag");
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]
        /// Every query the language can express selects exactly what brute force selects, in the
        /// same order, and paging by keyset or by offset gives the same rows.
        #[test]
        fn sql_equals_brute_force(facts in facts_strategy(), queries in prop::collection::vec(query_strategy(), 1..8), start in 0i64..3, span in 0i64..3) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                let dir = tempfile::tempdir().expect("dir");
                let store = Store::open(&crate::sqlite_url_for(&dir.path().join("t.db"))).await.expect("open");
                load(&store, &facts).await;
                for raw in &queries {
                    let s = research::format_day(DAY0 + start);
                    let e = research::format_day(DAY0 + start + span);
                    let Ok(q) = research::validate_query(Some(raw), Some(&s), Some(&e)) else { continue };
                    let want = research::evaluate(&q, &facts);
                    let got: Vec<String> = store.research_videos(&q, &PageAt::default(), 1000, false).await.expect("query").into_iter().map(|v| v.id).collect();
                    assert_eq!(got, want, "query {raw:?}");
                    // Pages of 3 by keyset.
                    let mut paged = Vec::new();
                    let mut after = None;
                    loop {
                        let at = PageAt { after_id: after.clone(), ..Default::default() };
                        let page = store.research_videos(&q, &at, 3, false).await.expect("page");
                        if page.is_empty() { break; }
                        after = page.last().map(|v| v.id.clone());
                        paged.extend(page.into_iter().map(|v| v.id));
                    }
                    assert_eq!(paged, want);
                    let at = PageAt { offset: 2, ..Default::default() };
                    let off: Vec<String> = store.research_videos(&q, &at, 3, false).await.expect("offset").into_iter().map(|v| v.id).collect();
                    assert_eq!(off, want.iter().skip(2).take(3).cloned().collect::<Vec<_>>());
                }
                store.close().await;
            });
        }
    }
}
