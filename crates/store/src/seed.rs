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

/// Batches rows of one table into multi-row INSERT statements.
struct Batch {
    head: String,
    tail: &'static str,
    rows: Vec<String>,
    max: usize,
}

impl Batch {
    fn new(head: &str, tail: &'static str, max: usize) -> Batch {
        Batch {
            head: head.into(),
            tail,
            rows: Vec::with_capacity(max),
            max,
        }
    }
    async fn push(&mut self, tx: &mut sqlx::Transaction<'_, sqlx::Any>, row: String) -> Result<()> {
        self.rows.push(row);
        if self.rows.len() >= self.max {
            self.flush(tx).await?;
        }
        Ok(())
    }
    async fn flush(&mut self, tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let mut s =
            String::with_capacity(self.rows.iter().map(|r| r.len() + 2).sum::<usize>() + 200);
        s.push_str(&self.head);
        s.push_str(" VALUES ");
        s.push_str(&self.rows.join(", "));
        s.push_str(self.tail);
        self.rows.clear();
        sqlx::query(sqlx::AssertSqlSafe(s))
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

const ON_CONFLICT_NOTHING: &str = " ON CONFLICT DO NOTHING";
const BUCKET_TAIL: &str = " ON CONFLICT (kind, key, region, day) DO UPDATE SET videos = trend_buckets.videos + excluded.videos, views = trend_buckets.views + excluded.views";

impl Store {
    /// Generates the corpus of `spec`; `progress(videos_done)` is called after each committed
    /// batch.
    pub async fn seed(
        &self,
        spec: &SeedSpec,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<SeedReport> {
        let started = std::time::Instant::now();
        let mut r = Rng(spec.seed ^ 0x5EED_0000_0000_0000);
        let days = spec.days.max(1);
        let n_creators = spec.creators.max(1) as usize;
        let start_ms = spec.end_ms - days as i64 * DAY_MS;
        let n_tags = TAGS.len() + (spec.videos / 200) as usize;
        let n_music = (spec.videos / 500).max(20) as usize;
        let n_products = (spec.creators / 5).max(10);
        let creator_zipf = Zipf::new(n_creators, 1.0);
        let tag_zipf = Zipf::new(n_tags, 1.1);
        let music_zipf = Zipf::new(n_music, 1.05);
        let mut rep = SeedReport {
            creators: n_creators as u64,
            hashtags: n_tags as u64,
            music: n_music as u64,
            products: n_products,
            ..Default::default()
        };
        if self.backend == Backend::Sqlite {
            // Bulk load: the batch is all-or-nothing per transaction anyway.
            sqlx::query("PRAGMA synchronous=OFF")
                .execute(&self.writer)
                .await?;
        }
        let result = self
            .seed_rows(
                spec,
                &mut r,
                days,
                n_creators,
                start_ms,
                &creator_zipf,
                &tag_zipf,
                &music_zipf,
                n_music,
                n_products,
                &mut rep,
                progress,
            )
            .await;
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA synchronous=FULL")
                .execute(&self.writer)
                .await?;
        }
        result?;
        rep.elapsed_ms = started.elapsed().as_millis() as u64;
        Ok(rep)
    }

    #[allow(clippy::too_many_arguments)]
    async fn seed_rows(
        &self,
        spec: &SeedSpec,
        r: &mut Rng,
        days: u64,
        n_creators: usize,
        start_ms: i64,
        creator_zipf: &Zipf,
        tag_zipf: &Zipf,
        music_zipf: &Zipf,
        n_music: usize,
        n_products: u64,
        rep: &mut SeedReport,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<()> {
        let s = spec.seed;
        let options = crate::to_json(&reelbox_core::rules::default_privacy_options(false));
        // Creators, sounds, products, follows.
        let mut tx = self.writer.begin().await?;
        let mut regions = Vec::with_capacity(n_creators);
        let mut b = Batch::new(
            "INSERT INTO creators (id, username, nickname, avatar_url, bio, region_code, private_account, privacy_level_options, comment_disabled, duet_disabled, stitch_disabled, max_video_post_duration_sec, banned_from_posting, created_at)",
            ON_CONFLICT_NOTHING,
            2000,
        );
        for i in 0..n_creators {
            let region = weighted(r, REGIONS);
            regions.push(region);
            // One account in fifty is private: its videos never reach research.
            let private = (r.below(50) == 0) as i64;
            b.push(
                &mut tx,
                format!(
                    "({}, {}, {}, '', {}, {}, {private}, {}, 0, 0, 0, 600, 0, {})",
                    lit(&format!("seed{s}c{i}")),
                    lit(&format!("user{s}_{i}")),
                    lit(&format!("Creator {i}")),
                    lit(&format!(
                        "{} {}",
                        WORDS[i % WORDS.len()],
                        TAGS[i % TAGS.len()]
                    )),
                    lit(region),
                    lit(&options),
                    start_ms - DAY_MS
                ),
            )
            .await?;
        }
        b.flush(&mut tx).await?;
        let mut b = Batch::new(
            "INSERT INTO music (id, title, author, duration_sec, cover_url, is_original, is_commercial, created_at)",
            ON_CONFLICT_NOTHING,
            2000,
        );
        for m in 0..n_music {
            b.push(
                &mut tx,
                format!(
                    "({}, {}, {}, {}, '', {}, {}, {})",
                    lit(&music_id(s, m)),
                    lit(&format!(
                        "{} {}",
                        WORDS[m % WORDS.len()],
                        WORDS[(m / 7) % WORDS.len()]
                    )),
                    lit(&format!("Artist {}", m % 997)),
                    10 + r.below(50),
                    (r.below(3) == 0) as i64,
                    (r.below(4) == 0) as i64,
                    start_ms - DAY_MS
                ),
            )
            .await?;
        }
        b.flush(&mut tx).await?;
        let mut b = Batch::new(
            "INSERT INTO shop_products (id, shop_id, shop_name, title, description, price, original_price, currency, sold_count, sold_count_7d, rating_x10, review_count, region_code, category, created_at)",
            ON_CONFLICT_NOTHING,
            2000,
        );
        for p in 0..n_products {
            let shop = p / 20;
            let price = 199 + r.below(9800) as i64;
            let sold = (r.normal() * 2.0 + 5.0).exp() as i64;
            b.push(
                &mut tx,
                format!(
                    "({}, {}, {}, {}, {}, {price}, {}, {}, {sold}, {}, {}, {}, {}, {}, {})",
                    lit(&format!(
                        "{}",
                        1_729_000_000_000_000_000u64 + s * 10_000_000 + p
                    )),
                    lit(&format!("{}", 123_000_000 + s * 100_000 + shop)),
                    lit(&format!("Shop {shop}")),
                    lit(&format!(
                        "{} {} {}",
                        WORDS[r.below(WORDS.len() as u64) as usize],
                        WORDS[r.below(WORDS.len() as u64) as usize],
                        TAGS[p as usize % TAGS.len()]
                    )),
                    lit("Synthetic product"),
                    price + r.below(500) as i64,
                    lit(["USD", "GBP", "EUR"][(p % 3) as usize]),
                    sold / 10,
                    30 + r.below(21),
                    sold / 5,
                    lit(REGIONS[(p as usize) % REGIONS.len()].0),
                    lit(&format!(
                        "{{\"l1\":{{\"id\":{0},\"name\":\"{1}\"}}}}",
                        p % 12,
                        TAGS[(p % 12) as usize]
                    )),
                    start_ms
                ),
            )
            .await?;
        }
        b.flush(&mut tx).await?;
        let mut b = Batch::new(
            "INSERT INTO follows (follower_id, followee_id, created_at)",
            ON_CONFLICT_NOTHING,
            3000,
        );
        for i in 0..n_creators {
            for _ in 0..3 {
                let j = creator_zipf.sample(r);
                if j != i {
                    rep.follows += 1;
                    b.push(
                        &mut tx,
                        format!(
                            "({}, {}, {})",
                            lit(&format!("seed{s}c{i}")),
                            lit(&format!("seed{s}c{j}")),
                            start_ms + r.below(days * DAY_MS as u64) as i64
                        ),
                    )
                    .await?;
                }
            }
        }
        b.flush(&mut tx).await?;
        tx.commit().await?;

        // Videos, day by day.
        let hour_w: Vec<(u32, u32)> = HOURS
            .iter()
            .enumerate()
            .map(|(h, w)| (h as u32, *w))
            .collect();
        let mut done = 0u64;
        let mut comment_seq = 0u64;
        let mut idx: u64 = 0;
        for d in 0..days {
            let today = spec.videos * (d + 1) / days - spec.videos * d / days;
            let day_ms = start_ms + d as i64 * DAY_MS;
            let mut times: Vec<i64> = (0..today)
                .map(|_| {
                    let h = weighted(r, &hour_w) as i64;
                    day_ms + h * 3_600_000 + r.below(3_600_000) as i64
                })
                .collect();
            times.sort_unstable();
            let mut buckets: HashMap<(&'static str, String, &'static str), (i64, i64)> =
                HashMap::new();
            let mut tx = self.writer.begin().await?;
            let mut posts = Batch::new(
                "INSERT INTO posts (id, creator_id, media_type, title, description, privacy_level, disable_comment, disable_duet, disable_stitch, brand_content_toggle, brand_organic_toggle, is_aigc, auto_add_music, photo_keys, content_type, duration_ms, width, height, region_code, hashtags, mentions, view_count, like_count, comment_count, share_count, favorite_count, created_at, music_id, effect_ids)",
                ON_CONFLICT_NOTHING,
                400,
            );
            let mut tags_b = Batch::new(
                "INSERT INTO post_hashtags (tag, post_id, created_at)",
                ON_CONFLICT_NOTHING,
                1500,
            );
            let mut comments_b = Batch::new(
                "INSERT INTO comments (id, post_id, creator_id, parent_id, text, like_count, created_at)",
                ON_CONFLICT_NOTHING,
                1000,
            );
            for (k, &at) in times.iter().enumerate() {
                idx += 1;
                let ci = creator_zipf.sample(r);
                let region = regions[ci];
                let secs = (at / 1000) as u64;
                let id =
                    (secs << 32) | (idx.wrapping_add(s.wrapping_mul(2_654_435_761)) & 0xFFFF_FFFF);
                let id = id.to_string();
                let mut tags: Vec<String> = Vec::new();
                for _ in 0..(1 + r.below(4)) {
                    let t = tag_name(tag_zipf.sample(r));
                    if !tags.contains(&t) {
                        tags.push(t);
                    }
                }
                let mut text = String::new();
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
                let music = music_id(s, music_zipf.sample(r));
                let effects = if r.below(5) == 0 {
                    format!("[\"{}\"]", 100 + r.below(50))
                } else {
                    "[]".into()
                };
                posts.push(&mut tx, format!(
                    "({}, {}, 'VIDEO', {}, '', '{privacy}', 0, 0, 0, {}, 0, {}, 0, '[]', 'video/mp4', {duration}, 1080, 1920, '{region}', {}, '[]', {views}, {likes}, {comments}, {shares}, {favs}, {at}, '{music}', {})",
                    lit(&id), lit(&format!("seed{s}c{ci}")), lit(&text), (r.below(50) == 0) as i64, (r.below(100) == 0) as i64,
                    lit(&crate::to_json(&tags)), lit(&effects)
                )).await?;
                for t in &tags {
                    tags_b
                        .push(&mut tx, format!("({}, {}, {at})", lit(t), lit(&id)))
                        .await?;
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
                if idx % 100 == 0 {
                    for c in 0..(1 + r.below(5)) {
                        comment_seq += 1;
                        let cid = ((secs + 1 + c) << 32)
                            | ((comment_seq.wrapping_add(s.wrapping_mul(40_503))) & 0xFFFF_FFFF);
                        comments_b
                            .push(
                                &mut tx,
                                format!(
                                    "({}, {}, {}, NULL, {}, {}, {})",
                                    lit(&cid.to_string()),
                                    lit(&id),
                                    lit(&format!("seed{s}c{}", creator_zipf.sample(r))),
                                    lit(&format!(
                                        "{} {}",
                                        WORDS[r.below(WORDS.len() as u64) as usize],
                                        WORDS[r.below(WORDS.len() as u64) as usize]
                                    )),
                                    r.below(20),
                                    at + 60_000 * (c as i64 + 1)
                                ),
                            )
                            .await?;
                        rep.comments += 1;
                    }
                }
                done += 1;
                if k % 50_000 == 49_999 {
                    posts.flush(&mut tx).await?;
                    tags_b.flush(&mut tx).await?;
                    comments_b.flush(&mut tx).await?;
                    tx.commit().await?;
                    progress(done);
                    tx = self.writer.begin().await?;
                }
            }
            posts.flush(&mut tx).await?;
            tags_b.flush(&mut tx).await?;
            comments_b.flush(&mut tx).await?;
            let day = day_of(day_ms);
            let mut bb = Batch::new(
                "INSERT INTO trend_buckets (kind, key, region, day, videos, views)",
                BUCKET_TAIL,
                1000,
            );
            let mut keys: Vec<_> = buckets.into_iter().collect();
            keys.sort();
            for ((kind, key, reg), (v, w)) in keys {
                bb.push(
                    &mut tx,
                    format!("('{kind}', {}, '{reg}', {day}, {v}, {w})", lit(&key)),
                )
                .await?;
            }
            bb.flush(&mut tx).await?;
            tx.commit().await?;
            progress(done);
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
