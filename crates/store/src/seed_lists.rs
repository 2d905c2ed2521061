//! The profile lists and shop research data of a seeded corpus: likes, reposts, pinned videos,
//! playlists, minors and private liked lists among the accounts, shops, per-star rating counts
//! and product reviews. Runs after [`Store::seed`] has written the corpus of the same spec.
//!
//! Set-based: each list is one `INSERT … SELECT` over the seeded posts, with every choice a
//! fixed arithmetic function of the post id's low 32 bits (the seeder's per-video counter; who
//! likes or reposts comes from the middle bits of a multiplicative hash of it, as low bits
//! modulo a small creator count repeat), so
//! the same corpus gives the same rows and the database does the work in one pass. Reviews need
//! text and star draws, so they are generated here and written as multi-row INSERTs. All of it
//! is one transaction.
use std::fmt::Write as _;

use reelbox_core::tts::star_split;

use crate::seed::SeedSpec;
use crate::{Result, Store};

/// What [`Store::seed_lists`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ListsReport {
    pub likes: u64,
    pub reposts: u64,
    pub pins: u64,
    pub playlists: u64,
    pub playlist_items: u64,
    pub shops: u64,
    pub reviews: u64,
    pub elapsed_ms: u64,
}

/// Playlist ids: this base plus the seed (mod 1000) × 10^8 plus the creator's index.
const PLAYLIST_BASE: u64 = 6_900_000_000_000_000_000;

const REVIEW_WORDS: &[&str] = &[
    "great",
    "quality",
    "fast",
    "delivery",
    "love",
    "it",
    "as",
    "described",
    "would",
    "buy",
    "again",
    "good",
    "value",
    "for",
    "money",
    "not",
    "what",
    "expected",
    "smaller",
    "than",
    "pictures",
    "perfect",
    "gift",
    "works",
    "well",
    "nice",
    "colour",
    "fits",
    "true",
    "to",
    "size",
    "cheap",
    "feel",
    "arrived",
    "broken",
    "recommend",
];

/// splitmix64, as the corpus generator uses.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

/// The civil year of an epoch-ms instant (UTC).
fn year_of(ms: i64) -> i64 {
    let day = reelbox_core::research::format_day(reelbox_core::research::day_of(ms));
    day.get(..4).and_then(|y| y.parse().ok()).unwrap_or(2000)
}

async fn exec(tx: &mut sqlx::Transaction<'_, sqlx::Any>, stmt: String) -> Result<u64> {
    Ok(sqlx::query(sqlx::AssertSqlSafe(stmt))
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

#[derive(sqlx::FromRow)]
struct ProductRow {
    id: String,
    review_count: i64,
    rating_x10: i64,
    created_at: i64,
}

impl Store {
    /// Adds the profile lists and shop research data to the corpus `spec` generated.
    pub async fn seed_lists(&self, spec: &SeedSpec) -> Result<ListsReport> {
        let started = std::time::Instant::now();
        let s = spec.seed;
        let n = spec.creators.max(1);
        let end = spec.end_ms;
        // Creator index of a seeded `creator_id`, and the per-video counter of a post id.
        let prefix = format!("seed{s}c");
        let from = prefix.len() + 1;
        let ci = |col: &str| format!("CAST(SUBSTR({col}, {from}) AS BIGINT)");
        let lo = "(CAST(p.id AS BIGINT) % 4294967296)";
        let mine = format!("p.creator_id LIKE '{prefix}%'");
        let year = year_of(end);
        let mut rep = ListsReport::default();
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;

        // Every account declares a birth date; one in forty is 14 or 15 at the corpus end, one
        // in five keeps its liked videos to itself.
        exec(&mut tx, format!(
            "UPDATE creators SET birth_date = CAST({} - {} % 35 AS TEXT) || '-06-15' WHERE id LIKE '{prefix}%'",
            year - 19,
            ci("id")
        ))
        .await?;
        exec(&mut tx, format!(
            "UPDATE creators SET birth_date = '{}-06-15' WHERE id LIKE '{prefix}%' AND {} % 40 = 7",
            year - 15,
            ci("id")
        ))
        .await?;
        exec(&mut tx, format!(
            "UPDATE creators SET liked_list_public = 0 WHERE id LIKE '{prefix}%' AND {} % 5 = 3",
            ci("id")
        ))
        .await?;

        // One or two likes per video that others can see, at a time between posting and the end.
        rep.likes = exec(&mut tx, format!(
            "INSERT INTO likes (post_id, creator_id, created_at) SELECT p.id, '{prefix}' || CAST((({lo} * 1103515245 + k.k * 2654435) / 65536) % {n} AS TEXT), p.created_at + ({lo} * 40503 + k.k * 7919) % ({end} - p.created_at + 1) FROM posts p CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k WHERE {mine} AND p.privacy_level <> 'SELF_ONLY' AND p.created_at <= {end} AND ({lo} / 7 + k.k) % 2 = 0 ON CONFLICT DO NOTHING"
        ))
        .await?;

        // One public video in eight is reposted by one account.
        rep.reposts = exec(&mut tx, format!(
            "INSERT INTO reposts (creator_id, post_id, created_at) SELECT '{prefix}' || CAST((({lo} * 69069 + 12345) / 256) % {n} AS TEXT), p.id, p.created_at + ({lo} * 22695477) % ({end} - p.created_at + 1) FROM posts p WHERE {mine} AND p.privacy_level = 'PUBLIC_TO_EVERYONE' AND p.created_at <= {end} AND {lo} % 8 = 5 ON CONFLICT DO NOTHING"
        ))
        .await?;

        // One account in four pins its one to three most viewed public videos.
        rep.pins = exec(&mut tx, format!(
            "INSERT INTO pins (creator_id, post_id, seq, created_at) SELECT t.creator_id, t.id, t.rn - 1, t.created_at FROM (SELECT p.creator_id, p.id, p.created_at, {cip} AS ci, ROW_NUMBER() OVER (PARTITION BY p.creator_id ORDER BY p.view_count DESC, p.id) AS rn FROM posts p WHERE {mine} AND p.privacy_level = 'PUBLIC_TO_EVERYONE' AND {cip} % 4 = 1) t WHERE t.rn <= 1 + t.ci % 3 ON CONFLICT DO NOTHING",
            cip = ci("p.creator_id")
        ))
        .await?;

        // One account in six keeps a playlist of a fifth of its videos, oldest first (private
        // ones included: research leaves them out when reading).
        let base = PLAYLIST_BASE + (s % 1000) * 100_000_000;
        let in_list = format!("{mine} AND {} % 6 = 2 AND {lo} % 5 = 0", ci("p.creator_id"));
        rep.playlists = exec(&mut tx, format!(
            "INSERT INTO playlists (id, creator_id, name, created_at, updated_at) SELECT CAST({base} + {cip} AS TEXT), p.creator_id, 'Series ' || SUBSTR(p.creator_id, {from}), MIN(p.created_at), MAX(p.created_at) FROM posts p WHERE {in_list} GROUP BY p.creator_id ON CONFLICT DO NOTHING",
            cip = ci("p.creator_id")
        ))
        .await?;
        rep.playlist_items = exec(&mut tx, format!(
            "INSERT INTO playlist_items (playlist_id, post_id, seq, added_at) SELECT CAST({base} + t.ci AS TEXT), t.id, t.rn - 1, t.created_at FROM (SELECT p.id, p.created_at, {cip} AS ci, ROW_NUMBER() OVER (PARTITION BY p.creator_id ORDER BY p.created_at, p.id) AS rn FROM posts p WHERE {in_list}) t WHERE t.rn > 0 ON CONFLICT DO NOTHING",
            cip = ci("p.creator_id")
        ))
        .await?;

        // A shop row for every shop that has products but none yet: rating from its products.
        rep.shops = exec(
            &mut tx,
            "INSERT INTO shops (id, name, rating_x10, performance_value, created_at) SELECT shop_id, MIN(shop_name), SUM(rating_x10) / COUNT(*), 40 + CAST(SUM(sold_count) % 61 AS BIGINT), MIN(created_at) FROM shop_products WHERE shop_id NOT IN (SELECT id FROM shops) GROUP BY shop_id".to_string(),
        )
        .await?;

        // Star counts and a few reviews for products that have neither.
        let products: Vec<ProductRow> = sqlx::query_as(
            "SELECT id, review_count, rating_x10, created_at FROM shop_products WHERE review_count > 0 AND rating_1_count + rating_2_count + rating_3_count + rating_4_count + rating_5_count = 0 ORDER BY id",
        )
        .fetch_all(&mut *tx)
        .await?;
        for chunk in products.chunks(500) {
            let mut sql = String::from(
                "UPDATE shop_products SET rating_1_count = v.column2, rating_2_count = v.column3, rating_3_count = v.column4, rating_4_count = v.column5, rating_5_count = v.column6 FROM (VALUES ",
            );
            for (i, p) in chunk.iter().enumerate() {
                let c = star_split(p.review_count, p.rating_x10);
                if i > 0 {
                    sql.push_str(", ");
                }
                // Product ids are the seeder's digits; quoted all the same.
                let _ = write!(
                    sql,
                    "('{}', {}, {}, {}, {}, {})",
                    p.id.replace('\'', "''"),
                    c[0],
                    c[1],
                    c[2],
                    c[3],
                    c[4]
                );
            }
            sql.push_str(") AS v WHERE shop_products.id = v.column1");
            exec(&mut tx, sql).await?;
        }
        let mut rng = Rng(s ^ 0x0005_EED1_1575_0000);
        let mut batch = String::new();
        let mut rows = 0;
        for p in &products {
            let c = star_split(p.review_count, p.rating_x10);
            let k = p.review_count.min(3 + rng.below(6) as i64);
            for seq in 0..k {
                // Stars drawn in proportion to the product's counts.
                let mut x = rng.below(p.review_count as u64) as i64;
                let mut stars = 5;
                for (i, cnt) in c.iter().enumerate() {
                    if x < *cnt {
                        stars = i + 1;
                        break;
                    }
                    x -= cnt;
                }
                let mut text = String::new();
                for w in 0..(2 + rng.below(7)) {
                    if w > 0 {
                        text.push(' ');
                    }
                    text.push_str(REVIEW_WORDS[rng.below(REVIEW_WORDS.len() as u64) as usize]);
                }
                let span = (end - p.created_at).max(0) as u64 + 1;
                let at = p.created_at + rng.below(span) as i64;
                batch.push_str(if rows == 0 {
                    "INSERT INTO product_reviews (product_id, seq, display_name, rating, text, like_count, created_at) VALUES "
                } else {
                    ", "
                });
                let _ = write!(
                    batch,
                    "('{}', {seq}, 'Creator {}', {stars}, '{text}', {}, {at})",
                    p.id.replace('\'', "''"),
                    rng.below(n),
                    rng.below(4) * rng.below(8),
                );
                rows += 1;
                if rows == 1000 {
                    batch.push_str(" ON CONFLICT DO NOTHING");
                    rep.reviews += exec(&mut tx, std::mem::take(&mut batch)).await?;
                    rows = 0;
                }
            }
        }
        if rows > 0 {
            batch.push_str(" ON CONFLICT DO NOTHING");
            rep.reviews += exec(&mut tx, batch).await?;
        }
        tx.commit().await?;
        drop(writer_conn);
        rep.elapsed_ms = started.elapsed().as_millis() as u64;
        Ok(rep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn seeded(dir: &std::path::Path, spec: &SeedSpec) -> (Store, ListsReport) {
        let store = Store::open(&crate::sqlite_url_for(&dir.join("s.db")))
            .await
            .expect("open");
        // `seed` writes the lists too.
        let rep = store.seed(spec, &|_| {}).await.expect("seed").lists;
        (store, rep)
    }

    async fn dump(store: &Store, sql: &str) -> Vec<(String, String, i64)> {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_all(&store.pool)
            .await
            .expect("rows")
    }

    #[tokio::test]
    async fn same_corpus_same_lists_and_sane_rows() {
        let spec = SeedSpec {
            creators: 60,
            videos: 3000,
            days: 10,
            seed: 3,
            end_ms: 1_767_225_600_000,
        };
        let mut dumps = Vec::new();
        for _ in 0..2 {
            let dir = tempfile::tempdir().expect("dir");
            let (store, rep) = seeded(dir.path(), &spec).await;
            assert!(rep.likes > 3000 && rep.reposts > 100, "{rep:?}");
            assert!(rep.pins > 0 && rep.playlists > 0 && rep.playlist_items > 0);
            assert!(rep.shops > 0 && rep.reviews > 0, "{rep:?}");
            let mut all = Vec::new();
            for q in [
                "SELECT post_id, creator_id, created_at FROM likes ORDER BY post_id, creator_id",
                "SELECT post_id, creator_id, created_at FROM reposts ORDER BY post_id, creator_id",
                "SELECT post_id, creator_id, seq FROM pins ORDER BY creator_id, seq",
                "SELECT post_id, playlist_id, seq FROM playlist_items ORDER BY playlist_id, seq",
                "SELECT product_id, text, rating FROM product_reviews ORDER BY product_id, seq",
            ] {
                all.push(dump(&store, q).await);
            }
            // Likes and reposts happen after the post and no later than the corpus end;
            // nobody likes a SELF_ONLY video; at most three pins each.
            let bad = dump(&store, &format!("SELECT l.post_id, l.creator_id, l.created_at FROM likes l JOIN posts p ON p.id = l.post_id WHERE l.created_at < p.created_at OR l.created_at > {} OR p.privacy_level = 'SELF_ONLY'", spec.end_ms)).await;
            assert!(bad.is_empty(), "{bad:?}");
            let bad = dump(&store, "SELECT r.post_id, r.creator_id, r.created_at FROM reposts r JOIN posts p ON p.id = r.post_id WHERE r.created_at < p.created_at OR p.privacy_level <> 'PUBLIC_TO_EVERYONE'").await;
            assert!(bad.is_empty(), "{bad:?}");
            let bad = dump(&store, "SELECT creator_id, MIN(post_id), CAST(COUNT(*) AS BIGINT) FROM pins GROUP BY creator_id HAVING COUNT(*) > 3").await;
            assert!(bad.is_empty(), "{bad:?}");
            // Star counts add up to the review count.
            let bad = dump(&store, "SELECT id, shop_id, review_count FROM shop_products WHERE rating_1_count + rating_2_count + rating_3_count + rating_4_count + rating_5_count <> review_count").await;
            assert!(bad.is_empty(), "{bad:?}");
            // Likes and reposts spread over all accounts.
            for t in ["likes", "reposts"] {
                let (who,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT CAST(COUNT(DISTINCT creator_id) AS BIGINT) FROM {t}"
                )))
                .fetch_one(&store.pool)
                .await
                .expect("count");
                assert!(who >= 55, "{t}: {who} of 60 accounts");
            }
            let minors = dump(
                &store,
                "SELECT id, birth_date, liked_list_public FROM creators WHERE birth_date > '2010'",
            )
            .await;
            assert!(!minors.is_empty());
            // A second run adds nothing new.
            let again = store.seed_lists(&spec).await.expect("again");
            assert_eq!((again.likes, again.reviews, again.shops), (0, 0, 0));
            dumps.push(all);
            store.close().await;
        }
        assert_eq!(dumps[0], dumps[1]);
    }

    /// PostgreSQL (with `REELBOX_TEST_DATABASE_URL=postgres://…`): the same statements run on a
    /// hand-made corpus in the seeder's id scheme.
    #[tokio::test]
    async fn lists_on_postgres_when_configured() {
        let Some(url) = crate::test_support::fresh_postgres("rbl").await else {
            return;
        };
        let store = Store::open(&url).await.expect("open");
        let end: i64 = 1_767_225_600_000;
        let mut sql = String::from(
            "INSERT INTO creators (id, username, nickname, avatar_url, bio, region_code, private_account, privacy_level_options, comment_disabled, duet_disabled, stitch_disabled, max_video_post_duration_sec, banned_from_posting, created_at) VALUES ",
        );
        for i in 0..20 {
            let sep = if i > 0 { ", " } else { "" };
            let _ = write!(
                sql,
                "{sep}('seed5c{i}', 'user5_{i}', 'C', '', '', 'US', 0, '[]', 0, 0, 0, 600, 0, 0)"
            );
        }
        exec_plain(&store, sql).await;
        let mut sql = String::from(
            "INSERT INTO posts (id, creator_id, media_type, title, description, privacy_level, disable_comment, disable_duet, disable_stitch, brand_content_toggle, brand_organic_toggle, is_aigc, auto_add_music, photo_keys, content_type, duration_ms, width, height, region_code, hashtags, mentions, view_count, like_count, comment_count, share_count, favorite_count, created_at, music_id, effect_ids) VALUES ",
        );
        for idx in 1..=400u64 {
            let at = end - 86_400_000 + idx as i64 * 100_000;
            let id =
                ((at as u64 / 1000) << 32) | (idx.wrapping_add(5 * 2_654_435_761) & 0xFFFF_FFFF);
            let privacy = if idx % 20 == 0 {
                "SELF_ONLY"
            } else {
                "PUBLIC_TO_EVERYONE"
            };
            let sep = if idx > 1 { ", " } else { "" };
            let _ = write!(
                sql,
                "{sep}('{id}', 'seed5c{}', 'VIDEO', 't', '', '{privacy}', 0, 0, 0, 0, 0, 0, 0, '[]', 'video/mp4', 1000, 1, 1, 'US', '[]', '[]', {idx}, 0, 0, 0, 0, {at}, NULL, '[]')",
                idx % 20
            );
        }
        exec_plain(&store, sql).await;
        exec_plain(&store, "INSERT INTO shop_products (id, shop_id, shop_name, title, description, price, original_price, currency, sold_count, sold_count_7d, rating_x10, review_count, region_code, category, created_at) VALUES ('1', '9', 'Shop 9', 'a', '', 100, 100, 'GBP', 50, 5, 44, 40, 'GB', '{}', 0), ('2', '9', 'Shop 9', 'b', '', 100, 100, 'GBP', 5, 5, 31, 3, 'GB', '{}', 0)".into()).await;
        let spec = SeedSpec {
            creators: 20,
            videos: 400,
            days: 1,
            seed: 5,
            end_ms: end,
        };
        let rep = store.seed_lists(&spec).await.expect("lists");
        assert!(
            rep.likes > 300 && rep.reposts > 0 && rep.pins > 0,
            "{rep:?}"
        );
        assert!(rep.playlists > 0 && rep.playlist_items > 0, "{rep:?}");
        assert_eq!((rep.shops, rep.reviews > 0), (1, true), "{rep:?}");
        let bad = dump(&store, &format!("SELECT l.post_id, l.creator_id, l.created_at FROM likes l JOIN posts p ON p.id = l.post_id WHERE l.created_at < p.created_at OR l.created_at > {end} OR p.privacy_level = 'SELF_ONLY'")).await;
        assert!(bad.is_empty(), "{bad:?}");
        let bad = dump(&store, "SELECT id, shop_id, review_count FROM shop_products WHERE rating_1_count + rating_2_count + rating_3_count + rating_4_count + rating_5_count <> review_count").await;
        assert!(bad.is_empty(), "{bad:?}");
        let again = store.seed_lists(&spec).await.expect("again");
        assert_eq!((again.likes, again.reviews, again.shops), (0, 0, 0));

        // Every read and write the endpoints use, on this engine.
        let owner = store
            .list_owner("user5_1")
            .await
            .expect("owner")
            .expect("known");
        assert!(owner.liked_list_public && owner.birth_date.is_some());
        store
            .set_list_privacy(&owner.id, Some(None), Some(false))
            .await
            .expect("privacy");
        let o = store
            .list_owner("user5_1")
            .await
            .expect("owner")
            .expect("known");
        assert_eq!((o.birth_date, o.liked_list_public), (None, false));
        let liked = store
            .liked_videos(&owner.id, i64::MIN, end, 5)
            .await
            .expect("liked");
        assert!(!liked.is_empty() && liked.windows(2).all(|w| w[0].listed_at >= w[1].listed_at));
        let some = liked[0].video.id.clone();
        assert!(
            store
                .set_repost(&owner.id, &some, true, end)
                .await
                .expect("repost")
        );
        let reposted = store
            .reposted_videos(&owner.id, 0, 100)
            .await
            .expect("reposted");
        assert!(reposted.iter().any(|r| r.video.id == some));
        let own = dump(&store, "SELECT id, creator_id, view_count FROM posts WHERE creator_id = 'seed5c1' ORDER BY id LIMIT 2").await;
        let own: Vec<String> = own.into_iter().map(|r| r.0).collect();
        store.set_pins(&owner.id, &own, end).await.expect("pins");
        assert_eq!(
            store.pinned_videos(&owner.id).await.expect("pinned").len(),
            2
        );
        store
            .create_playlist("42", &owner.id, "mine", &own, end)
            .await
            .expect("playlist");
        let pl = store
            .playlist("42")
            .await
            .expect("playlist")
            .expect("known");
        assert_eq!(pl.owner.username, "user5_1");
        assert_eq!(
            store.playlist_videos("42", 1, 5).await.expect("items"),
            (vec![own[1].clone()], 2)
        );
        let shops = store.shops_by_name("SHOP", 10).await.expect("shops");
        assert_eq!(
            (shops.len(), shops[0].item_sold_count, shops[0].review_count),
            (1, 55, 43)
        );
        assert!(store.shop("9").await.expect("shop").is_some());
        let products = store.shop_product_page("9", 0, 10).await.expect("products");
        assert_eq!(products[0].id, "1");
        assert_eq!(
            store.product_title("2").await.expect("title").as_deref(),
            Some("b")
        );
        assert!(
            !store
                .review_page("1", 0, 10)
                .await
                .expect("reviews")
                .is_empty()
        );
        store.close().await;
        crate::test_support::drop_postgres(&url).await;
    }

    async fn exec_plain(store: &Store, sql: String) {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *store.writer.acquire().await.unwrap())
            .await
            .expect("insert");
    }
}
