//! The compiled SQL against brute force: random corpora and random queries of the whole
//! language, run through the `Store` on SQLite, select what [`research::evaluate`] selects.
use proptest::prelude::*;
use reelbox_core::research::{self, DAY_MS, RawCondition, RawQuery, VideoFacts};
use serde_json::json;

use super::PageAt;
use crate::Store;

const DAY0: i64 = 19_400; // 2023-02-12

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
            sqlx::query("INSERT INTO post_hashtags (tag, post_id, created_at) VALUES ($1, $2, $3)")
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
