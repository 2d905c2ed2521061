//! A deterministic synthetic corpus: Zipf-distributed creators, hashtags and sounds, weighted
//! regions, diurnal posting times, long-tailed engagement, a few comments and follows, shop
//! products, and the trend buckets of it all. The same spec and seed give the same rows.
//!
//! Rows are generated day by day in time order (so ids arrive in primary-key order) and written
//! as multi-row INSERTs with literal values inside large transactions. Every value is generated
//! here from fixed vocabularies; nothing comes from a request except the numbers of the spec.
use std::collections::HashMap;
use std::fmt::Write as _;

use reelbox_core::research::{DAY_MS, day_of};

use crate::{Backend, Result, Store};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SeedSpec {
    pub creators: u64,
    pub videos: u64,
    pub days: u64,
    pub seed: u64,
    /// The corpus ends here (epoch ms); it starts `days` earlier.
    pub end_ms: i64,
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SeedReport {
    pub creators: u64,
    pub videos: u64,
    pub hashtags: u64,
    pub music: u64,
    pub comments: u64,
    pub follows: u64,
    pub products: u64,
    /// Likes, reposts, pins, playlists, shops and reviews ([`crate::seed_lists`]).
    pub lists: crate::seed_lists::ListsReport,
    /// Of `elapsed_ms`: building the indexes, the profile lists and the statistics after the
    /// bulk load.
    pub indexing_ms: u64,
    pub elapsed_ms: u64,
}

/// splitmix64: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u1 = self.f().max(1e-12);
        let u2 = self.f();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// Samples ranks 0..n with probability ∝ 1/(rank+1)^s.
struct Zipf(Vec<f64>);

impl Zipf {
    fn new(n: usize, s: f64) -> Zipf {
        let mut cdf = Vec::with_capacity(n.max(1));
        let mut acc = 0.0;
        for k in 0..n.max(1) {
            acc += 1.0 / ((k + 1) as f64).powf(s);
            cdf.push(acc);
        }
        for v in cdf.iter_mut() {
            *v /= acc;
        }
        Zipf(cdf)
    }
    fn sample(&self, r: &mut Rng) -> usize {
        let u = r.f();
        self.0.partition_point(|&c| c < u).min(self.0.len() - 1)
    }
}

const REGIONS: &[(&str, u32)] = &[
    ("US", 30),
    ("BR", 9),
    ("ID", 9),
    ("MX", 6),
    ("GB", 5),
    ("DE", 4),
    ("FR", 4),
    ("JP", 4),
    ("PH", 4),
    ("VN", 4),
    ("TR", 3),
    ("TH", 3),
    ("IT", 3),
    ("ES", 3),
    ("PK", 2),
    ("EG", 2),
    ("CA", 2),
    ("AU", 1),
    ("NG", 1),
    ("KR", 1),
];

const TAGS: &[&str] = &[
    "fyp",
    "foryou",
    "viral",
    "trending",
    "dance",
    "comedy",
    "funny",
    "food",
    "recipe",
    "travel",
    "pets",
    "dog",
    "cat",
    "animal",
    "music",
    "fashion",
    "beauty",
    "makeup",
    "fitness",
    "gym",
    "gaming",
    "diy",
    "art",
    "cooking",
    "love",
    "family",
    "football",
    "soccer",
    "nba",
    "anime",
    "books",
    "booktok",
    "learnontiktok",
    "science",
    "history",
    "tech",
    "cars",
    "nature",
    "summer",
    "christmas",
    "halloween",
    "wedding",
    "baby",
    "skincare",
    "outfit",
    "motivation",
    "asmr",
    "prank",
    "challenge",
    "duet",
    "pov",
    "storytime",
    "cleaning",
    "garden",
    "plants",
    "coffee",
    "vegan",
    "bakery",
    "photography",
    "shopping",
];

const WORDS: &[&str] = &[
    "today",
    "my",
    "new",
    "best",
    "day",
    "life",
    "how",
    "to",
    "make",
    "the",
    "easy",
    "quick",
    "morning",
    "routine",
    "first",
    "time",
    "trying",
    "watch",
    "until",
    "end",
    "wait",
    "for",
    "it",
    "little",
    "big",
    "home",
    "with",
    "friends",
    "weekend",
    "vlog",
    "tutorial",
    "tips",
    "hack",
    "review",
    "honest",
    "reaction",
    "cute",
    "crazy",
    "amazing",
    "perfect",
    "simple",
    "recipe",
    "dinner",
    "breakfast",
    "beach",
    "city",
    "night",
    "road",
    "trip",
    "workout",
    "song",
    "cover",
    "phone",
    "case",
    "outfit",
    "ideas",
    "story",
    "part",
    "two",
    "finally",
    "happened",
];

const HOURS: [u32; 24] = [
    3, 2, 1, 1, 1, 1, 2, 3, 4, 5, 5, 6, 7, 7, 7, 8, 9, 10, 11, 12, 12, 10, 7, 5,
];

/// SQL text literal of generated text (no user input reaches here; quotes doubled anyway).
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn weighted<T: Copy>(r: &mut Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|i| i.1).sum();
    let mut x = r.below(total as u64) as u32;
    for (v, w) in items {
        if x < *w {
            return *v;
        }
        x -= w;
    }
    items[0].0
}

fn tag_name(k: usize) -> String {
    if k < TAGS.len() {
        TAGS[k].to_string()
    } else {
        format!("{}{}", TAGS[k % TAGS.len()], k / TAGS.len())
    }
}

/// What the generator hands to the writer: a statement, or "commit; this many videos are done".
enum Step {
    Sql(String),
    Commit(u64),
}

/// The writer went away (it failed); generation stops.
struct Closed;

/// The generator's end of the channel to the writer.
struct Out(tokio::sync::mpsc::Sender<Step>);

impl Out {
    fn send(&self, step: Step) -> std::result::Result<(), Closed> {
        self.0.blocking_send(step).map_err(|_| Closed)
    }
}

/// Batches rows of one table into multi-row INSERT statements.
struct Batch {
    head: &'static str,
    tail: &'static str,
    sql: String,
    rows: usize,
    max: usize,
}

impl Batch {
    fn new(head: &'static str, tail: &'static str, max: usize) -> Batch {
        Batch {
            head,
            tail,
            sql: String::new(),
            rows: 0,
            max,
        }
    }
    fn push(&mut self, out: &Out, row: std::fmt::Arguments<'_>) -> std::result::Result<(), Closed> {
        if self.rows == 0 {
            self.sql.reserve(self.max * 160);
            self.sql.push_str(self.head);
            self.sql.push_str(" VALUES ");
        } else {
            self.sql.push_str(", ");
        }
        let _ = self.sql.write_fmt(row);
        self.rows += 1;
        if self.rows >= self.max {
            self.flush(out)?;
        }
        Ok(())
    }
    fn flush(&mut self, out: &Out) -> std::result::Result<(), Closed> {
        if self.rows == 0 {
            return Ok(());
        }
        self.sql.push_str(self.tail);
        self.rows = 0;
        out.send(Step::Sql(std::mem::take(&mut self.sql)))
    }
}

const ON_CONFLICT_NOTHING: &str = " ON CONFLICT DO NOTHING";

/// Tables whose secondary indexes are built after a bulk load into an empty corpus: one sort per
/// index instead of millions of random B-tree inserts.
const BULK_TABLES: &[&str] = &["posts", "post_hashtags", "comments", "follows"];

/// A dropped index or trigger: (type, name, the SQL that creates it).
type Deferred = (String, String, String);

impl Store {
    /// Generates the corpus of `spec`; `progress(videos_done)` is called after each committed
    /// batch. Rows are generated on a thread of their own while this task writes them.
    pub async fn seed(
        &self,
        spec: &SeedSpec,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<SeedReport> {
        let started = std::time::Instant::now();
        if self.backend == Backend::Sqlite {
            // Bulk load: each batch is all-or-nothing per transaction anyway; a large page cache
            // keeps the B-trees being filled in memory.
            sqlx::query("PRAGMA synchronous=OFF")
                .execute(&mut *self.writer.acquire().await?)
                .await?;
            sqlx::query("PRAGMA cache_size=-1048576")
                .execute(&mut *self.writer.acquire().await?)
                .await?;
            // Statement journals and index sorts in memory rather than temporary files.
            sqlx::query("PRAGMA temp_store=MEMORY")
                .execute(&mut *self.writer.acquire().await?)
                .await?;
        }
        let deferred = self.defer_indexes().await?;
        let (sender, mut steps) = tokio::sync::mpsc::channel::<Step>(8);
        let gen_spec = *spec;
        let generator = tokio::task::spawn_blocking(move || generate(&gen_spec, &Out(sender)));
        let written = async {
            let mut writer_conn = self.writer.acquire().await?;
            let mut tx = writer_conn.begin().await?;
            while let Some(step) = steps.recv().await {
                match step {
                    Step::Sql(s) => {
                        sqlx::query(sqlx::AssertSqlSafe(s))
                            .execute(&mut *tx)
                            .await?;
                    }
                    Step::Commit(done) => {
                        tx.commit().await?;
                        progress(done);
                        tx = writer_conn.begin().await?;
                    }
                }
            }
            tx.commit().await?;
            drop(writer_conn);
            Result::Ok(())
        }
        .await;
        // On a write error the channel is dropped above and the generator stops at its next row.
        drop(steps);
        let generated = generator.await;
        let indexing = std::time::Instant::now();
        let rebuilt = self.rebuild_indexes(&deferred).await;
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA cache_size=-2000")
                .execute(&mut *self.writer.acquire().await?)
                .await?;
            sqlx::query("PRAGMA temp_store=DEFAULT")
                .execute(&mut *self.writer.acquire().await?)
                .await?;
            sqlx::query("PRAGMA synchronous=FULL")
                .execute(&mut *self.writer.acquire().await?)
                .await?;
        }
        written?;
        rebuilt?;
        let mut rep = match generated {
            Ok(Some(rep)) => rep,
            _ => {
                return Err(crate::StoreError::Corrupt(
                    "the corpus generator stopped early".into(),
                ));
            }
        };
        rep.lists = self.seed_lists(spec).await?;
        self.analyze().await?;
        rep.indexing_ms = indexing.elapsed().as_millis() as u64;
        rep.elapsed_ms = started.elapsed().as_millis() as u64;
        Ok(rep)
    }

    /// Drops the secondary indexes (and, on SQLite, the keyword-index triggers) of
    /// [`BULK_TABLES`] when they hold no rows yet; returns what recreates them.
    async fn defer_indexes(&self) -> Result<Vec<Deferred>> {
        let (posts,): (i64,) =
            sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT 1 FROM posts LIMIT 1) t")
                .fetch_one(&mut *self.writer.acquire().await?)
                .await?;
        if posts > 0 {
            return Ok(vec![]);
        }
        let list = BULK_TABLES
            .iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows: Vec<Deferred> = match self.backend {
            Backend::Sqlite => sqlx::query_as(sql!(
                "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL AND tbl_name IN ({list}) ORDER BY type, name"
            )),
            Backend::Postgres => sqlx::query_as(sql!(
                "SELECT CAST('index' AS TEXT), CAST(i.indexname AS TEXT), CAST(i.indexdef AS TEXT) FROM pg_indexes i WHERE i.schemaname = current_schema() AND i.tablename IN ({list}) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) ORDER BY i.indexname"
            )),
        }
        .fetch_all(&mut *self.writer.acquire().await?)
        .await?;
        for (kind, name, _) in &rows {
            let kind = if kind == "trigger" {
                "TRIGGER"
            } else {
                "INDEX"
            };
            sqlx::query(sql!("DROP {kind} {name}"))
                .execute(&mut *self.writer.acquire().await?)
                .await?;
        }
        Ok(rows)
    }

    async fn rebuild_indexes(&self, deferred: &[Deferred]) -> Result<()> {
        for (_, _, create) in deferred {
            sqlx::query(sqlx::AssertSqlSafe(create.clone()))
                .execute(&mut *self.writer.acquire().await?)
                .await?;
        }
        if deferred.iter().any(|d| d.1 == "posts_fts_insert") {
            // One statement fills the keyword index: FTS5 builds large segments instead of one
            // small segment per INSERT.
            sqlx::query("INSERT INTO posts_fts (rowid, title, description) SELECT CAST(id AS INTEGER), title, description FROM posts WHERE length(id) = 19 AND id < '9223372036854775808'")
                .execute(&mut *self.writer.acquire().await?)
                .await?;
        }
        Ok(())
    }

    /// Refreshes the planner's statistics after a bulk load.
    async fn analyze(&self) -> Result<()> {
        let stmt = match self.backend {
            // A sampled ANALYZE: row estimates, not exact counts, are all the planner needs.
            Backend::Sqlite => "PRAGMA analysis_limit=2000; PRAGMA optimize=0x10002",
            Backend::Postgres => "ANALYZE",
        };
        sqlx::raw_sql(stmt)
            .execute(&mut *self.writer.acquire().await?)
            .await?;
        Ok(())
    }
}

/// Generates the whole corpus into `out`; `None` when the writer went away.
fn generate(spec: &SeedSpec, out: &Out) -> Option<SeedReport> {
    let mut r = Rng(spec.seed ^ 0x5EED_0000_0000_0000);
    let n_creators = spec.creators.max(1) as usize;
    let n_tags = TAGS.len() + (spec.videos / 200) as usize;
    let n_music = (spec.videos / 500).max(20) as usize;
    let n_products = (spec.creators / 5).max(10);
    let mut rep = SeedReport {
        creators: n_creators as u64,
        hashtags: n_tags as u64,
        music: n_music as u64,
        products: n_products,
        ..Default::default()
    };
    let g = Gen {
        spec,
        days: spec.days.max(1),
        n_creators,
        start_ms: spec.end_ms - spec.days.max(1) as i64 * DAY_MS,
        creator_zipf: Zipf::new(n_creators, 1.0),
        tag_zipf: Zipf::new(n_tags, 1.1),
        music_zipf: Zipf::new(n_music, 1.05),
        n_music,
        n_products,
    };
    let regions = g.accounts(&mut r, &mut rep, out).ok()?;
    g.videos(&mut r, &regions, &mut rep, out).ok()?;
    Some(rep)
}

/// The fixed shape of one corpus.
struct Gen<'a> {
    spec: &'a SeedSpec,
    days: u64,
    n_creators: usize,
    start_ms: i64,
    creator_zipf: Zipf,
    tag_zipf: Zipf,
    music_zipf: Zipf,
    n_music: usize,
    n_products: u64,
}

impl Gen<'_> {
    /// Creators, sounds, products and follows; returns each creator's region.
    fn accounts(
        &self,
        r: &mut Rng,
        rep: &mut SeedReport,
        out: &Out,
    ) -> std::result::Result<Vec<&'static str>, Closed> {
        let s = self.spec.seed;
        let start_ms = self.start_ms;
        let options = lit(&crate::to_json(
            &reelbox_core::rules::default_privacy_options(false),
        ));
        let mut regions = Vec::with_capacity(self.n_creators);
        let mut b = Batch::new(
            "INSERT INTO creators (id, username, nickname, avatar_url, bio, region_code, private_account, privacy_level_options, comment_disabled, duet_disabled, stitch_disabled, max_video_post_duration_sec, banned_from_posting, created_at)",
            ON_CONFLICT_NOTHING,
            2000,
        );
        for i in 0..self.n_creators {
            let region = weighted(r, REGIONS);
            regions.push(region);
            // One account in fifty is private: its videos never reach research.
            let private = (r.below(50) == 0) as i64;
            b.push(
                out,
                format_args!(
                    "('seed{s}c{i}', 'user{s}_{i}', 'Creator {i}', '', '{} {}', '{region}', {private}, {options}, 0, 0, 0, 600, 0, {})",
                    WORDS[i % WORDS.len()],
                    TAGS[i % TAGS.len()],
                    start_ms - DAY_MS
                ),
            )?;
        }
        b.flush(out)?;
        let mut b = Batch::new(
            "INSERT INTO music (id, title, author, duration_sec, cover_url, is_original, is_commercial, created_at)",
            ON_CONFLICT_NOTHING,
            2000,
        );
        for m in 0..self.n_music {
            b.push(
                out,
                format_args!(
                    "('{}', '{} {}', 'Artist {}', {}, '', {}, {}, {})",
                    music_id(s, m),
                    WORDS[m % WORDS.len()],
                    WORDS[(m / 7) % WORDS.len()],
                    m % 997,
                    10 + r.below(50),
                    (r.below(3) == 0) as i64,
                    (r.below(4) == 0) as i64,
                    start_ms - DAY_MS
                ),
            )?;
        }
        b.flush(out)?;
        let mut b = Batch::new(
            "INSERT INTO shop_products (id, shop_id, shop_name, title, description, price, original_price, currency, sold_count, sold_count_7d, rating_x10, review_count, region_code, category, created_at)",
            ON_CONFLICT_NOTHING,
            2000,
        );
        for p in 0..self.n_products {
            let shop = p / 20;
            let price = 199 + r.below(9800) as i64;
            let sold = (r.normal() * 2.0 + 5.0).exp() as i64;
            let w1 = WORDS[r.below(WORDS.len() as u64) as usize];
            let w2 = WORDS[r.below(WORDS.len() as u64) as usize];
            b.push(
                out,
                format_args!(
                    "('{}', '{}', 'Shop {shop}', '{w1} {w2} {}', 'Synthetic product', {price}, {}, '{}', {sold}, {}, {}, {}, '{}', '{{\"l1\":{{\"id\":{},\"name\":\"{}\"}}}}', {start_ms})",
                    1_729_000_000_000_000_000u64 + s * 10_000_000 + p,
                    123_000_000 + s * 100_000 + shop,
                    TAGS[p as usize % TAGS.len()],
                    price + r.below(500) as i64,
                    ["USD", "GBP", "EUR"][(p % 3) as usize],
                    sold / 10,
                    30 + r.below(21),
                    sold / 5,
                    REGIONS[(p as usize) % REGIONS.len()].0,
                    p % 12,
                    TAGS[(p % 12) as usize],
                ),
            )?;
        }
        b.flush(out)?;
        let mut b = Batch::new(
            "INSERT INTO follows (follower_id, followee_id, created_at)",
            ON_CONFLICT_NOTHING,
            3000,
        );
        for i in 0..self.n_creators {
            for _ in 0..3 {
                let j = self.creator_zipf.sample(r);
                if j != i {
                    rep.follows += 1;
                    b.push(
                        out,
                        format_args!(
                            "('seed{s}c{i}', 'seed{s}c{j}', {})",
                            start_ms + r.below(self.days * DAY_MS as u64) as i64
                        ),
                    )?;
                }
            }
        }
        b.flush(out)?;
        out.send(Step::Commit(0))?;
        Ok(regions)
    }

    /// Videos day by day, with their hashtags, comments and the day's trend buckets.
    fn videos(
        &self,
        r: &mut Rng,
        regions: &[&'static str],
        rep: &mut SeedReport,
        out: &Out,
    ) -> std::result::Result<(), Closed> {
        let s = self.spec.seed;
        let hour_w: Vec<(u32, u32)> = HOURS
            .iter()
            .enumerate()
            .map(|(h, w)| (h as u32, *w))
            .collect();
        let mut done = 0u64;
        let mut comment_seq = 0u64;
        let mut idx: u64 = 0;
        let mut tags: Vec<String> = Vec::new();
        let mut text = String::new();
        for d in 0..self.days {
            let videos = self.spec.videos;
            let today = videos * (d + 1) / self.days - videos * d / self.days;
            let day_ms = self.start_ms + d as i64 * DAY_MS;
            let mut times: Vec<i64> = (0..today)
                .map(|_| {
                    let h = weighted(r, &hour_w) as i64;
                    day_ms + h * 3_600_000 + r.below(3_600_000) as i64
                })
                .collect();
            times.sort_unstable();
            let mut buckets: HashMap<(&'static str, String, &'static str), (i64, i64)> =
                HashMap::new();
            let mut posts = Batch::new(
                "INSERT INTO posts (id, creator_id, media_type, title, description, privacy_level, disable_comment, disable_duet, disable_stitch, brand_content_toggle, brand_organic_toggle, is_aigc, auto_add_music, photo_keys, content_type, duration_ms, width, height, region_code, hashtags, mentions, view_count, like_count, comment_count, share_count, favorite_count, created_at, music_id, effect_ids)",
                ON_CONFLICT_NOTHING,
                500,
            );
            let mut tags_b = Batch::new(
                "INSERT INTO post_hashtags (tag, post_id, created_at)",
                ON_CONFLICT_NOTHING,
                2000,
            );
            let mut comments_b = Batch::new(
                "INSERT INTO comments (id, post_id, creator_id, parent_id, text, like_count, created_at)",
                ON_CONFLICT_NOTHING,
                1000,
            );
            for (k, &at) in times.iter().enumerate() {
                idx += 1;
                let ci = self.creator_zipf.sample(r);
                let region = regions[ci];
                let secs = (at / 1000) as u64;
                let id =
                    (secs << 32) | (idx.wrapping_add(s.wrapping_mul(2_654_435_761)) & 0xFFFF_FFFF);
                tags.clear();
                for _ in 0..(1 + r.below(4)) {
                    let t = tag_name(self.tag_zipf.sample(r));
                    if !tags.contains(&t) {
                        tags.push(t);
                    }
                }
                text.clear();
                for w in 0..(3 + r.below(6)) {
                    if w > 0 {
                        text.push(' ');
                    }
                    text.push_str(WORDS[r.below(WORDS.len() as u64) as usize]);
                }
                for t in &tags {
                    let _ = write!(text, " #{t}");
                }
                let privacy = match r.below(100) {
                    0..=2 => "SELF_ONLY",
                    3..=4 => "MUTUAL_FOLLOW_FRIENDS",
                    _ => "PUBLIC_TO_EVERYONE",
                };
                let duration = match r.below(10) {
                    0..=3 => 3_000 + r.below(12_000),
                    4..=7 => 15_000 + r.below(45_001),
                    8 => 60_001 + r.below(240_000),
                    _ => 300_001 + r.below(300_000),
                } as i64;
                // Long tails: log-normal views lifted for popular creators.
                let fame = 1.0 + 40.0 / ((ci + 1) as f64).powf(0.6);
                let views = ((r.normal() * 1.6 + 5.0).exp() * fame) as i64;
                let likes = (views as f64 * (0.02 + 0.1 * r.f())) as i64;
                let comments = (likes as f64 * 0.03 * r.f()) as i64;
                let shares = (likes as f64 * 0.05 * r.f()) as i64;
                let favs = (likes as f64 * 0.1 * r.f()) as i64;
                let music = music_id(s, self.music_zipf.sample(r));
                let effects = if r.below(5) == 0 {
                    format!("[\"{}\"]", 100 + r.below(50))
                } else {
                    "[]".into()
                };
                let brand = (r.below(50) == 0) as i64;
                let aigc = (r.below(100) == 0) as i64;
                // Generated words and tags never hold a quote; the JSON list is quoted anyway.
                posts.push(out, format_args!(
                    "('{id}', 'seed{s}c{ci}', 'VIDEO', '{text}', '', '{privacy}', 0, 0, 0, {brand}, 0, {aigc}, 0, '[]', 'video/mp4', {duration}, 1080, 1920, '{region}', {}, '[]', {views}, {likes}, {comments}, {shares}, {favs}, {at}, '{music}', '{effects}')",
                    lit(&crate::to_json(&tags)),
                ))?;
                for t in &tags {
                    tags_b.push(out, format_args!("('{t}', '{id}', {at})"))?;
                }
                if privacy == "PUBLIC_TO_EVERYONE" {
                    for reg in [region, "ALL"] {
                        for t in &tags {
                            let e = buckets.entry(("tag", t.clone(), reg)).or_default();
                            e.0 += 1;
                            e.1 += views;
                        }
                        let e = buckets.entry(("music", music.clone(), reg)).or_default();
                        e.0 += 1;
                        e.1 += views;
                    }
                }
                if idx.is_multiple_of(100) {
                    for c in 0..(1 + r.below(5)) {
                        comment_seq += 1;
                        let cid = ((secs + 1 + c) << 32)
                            | ((comment_seq.wrapping_add(s.wrapping_mul(40_503))) & 0xFFFF_FFFF);
                        comments_b.push(
                            out,
                            format_args!(
                                "('{cid}', '{id}', 'seed{s}c{}', NULL, '{} {}', {}, {})",
                                self.creator_zipf.sample(r),
                                WORDS[r.below(WORDS.len() as u64) as usize],
                                WORDS[r.below(WORDS.len() as u64) as usize],
                                r.below(20),
                                at + 60_000 * (c as i64 + 1)
                            ),
                        )?;
                        rep.comments += 1;
                    }
                }
                done += 1;
                if k % 50_000 == 49_999 {
                    posts.flush(out)?;
                    tags_b.flush(out)?;
                    comments_b.flush(out)?;
                    out.send(Step::Commit(done))?;
                }
            }
            posts.flush(out)?;
            tags_b.flush(out)?;
            comments_b.flush(out)?;
            let day = day_of(day_ms);
            let mut bb = Batch::new(crate::read::BUCKET_INSERT, crate::read::BUCKET_MERGE, 1000);
            let mut keys: Vec<_> = buckets.into_iter().collect();
            keys.sort();
            for ((kind, key, reg), (v, w)) in keys {
                bb.push(
                    out,
                    format_args!("('{kind}', '{key}', '{reg}', {day}, {v}, {w})"),
                )?;
            }
            bb.flush(out)?;
            out.send(Step::Commit(done))?;
        }
        rep.videos = done;
        Ok(())
    }
}

/// The 19-digit id of the seed's `m`-th sound.
fn music_id(seed: u64, m: usize) -> String {
    (7_038_000_000_000_000_000u64 + (seed % 1000) * 1_000_000_000 + m as u64).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zipf_prefers_low_ranks() {
        let z = Zipf::new(100, 1.1);
        let mut r = Rng(1);
        let mut counts = [0u32; 100];
        for _ in 0..10_000 {
            counts[z.sample(&mut r)] += 1;
        }
        assert!(counts[0] > counts[10] && counts[10] > counts[99]);
    }

    #[tokio::test]
    async fn same_seed_same_rows() {
        let mut dumps = Vec::new();
        for _ in 0..2 {
            let dir = tempfile::tempdir().expect("dir");
            let store = Store::open(&crate::sqlite_url_for(&dir.path().join("s.db")))
                .await
                .expect("open");
            let spec = SeedSpec {
                creators: 20,
                videos: 300,
                days: 3,
                seed: 7,
                end_ms: 1_700_000_000_000,
            };
            let rep = store.seed(&spec, &|_| {}).await.expect("seed");
            assert_eq!(rep.videos, 300);
            let rows: Vec<(String, String, i64, i64)> =
                sqlx::query_as("SELECT id, title, view_count, created_at FROM posts ORDER BY id")
                    .fetch_all(&store.pool)
                    .await
                    .expect("rows");
            assert_eq!(rows.len(), 300);
            let (tags,): (i64,) =
                sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM post_hashtags")
                    .fetch_one(&store.pool)
                    .await
                    .expect("tags");
            assert!(tags >= 300);
            dumps.push(rows);
            store.close().await;
        }
        assert_eq!(dumps[0], dumps[1]);
    }
}
