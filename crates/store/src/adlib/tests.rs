//! The ad query's SQL against brute force: random ads and random filters, run through the
//! `Store` on SQLite, select what [`adlib::matches`] selects, in id order, whole or paged.
use proptest::prelude::*;
use reelbox_core::adlib::{self, AdFacts, AdFilter, SearchType};

use super::{Ad, Advertiser};
use crate::Store;

const NAMES: [&str; 3] = ["Awe Food Co.", "Mobile Games 100%", "zed_drinks"];
const TITLES: [&str; 4] = ["Play mobile games", "Fresh FOOD daily", "50% off_now", ""];
const CODES: [&str; 4] = ["FR", "IT", "GB", "DE"];

fn ads_strategy() -> impl Strategy<Value = Vec<AdFacts>> {
    let one = (
        0usize..3,
        0usize..4,
        0i64..5,
        prop::sample::subsequence(CODES.to_vec(), 0..3),
        0i64..3_000_000,
    );
    prop::collection::vec(one, 0..40).prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(i, (adv, title, day, countries, reach))| AdFacts {
                id: 1000 + i as i64 * 7,
                business_id: 1 + adv as i64,
                first_shown_date: 20230101 + day,
                countries: countries.into_iter().map(str::to_string).collect(),
                reach,
                search_text: adlib::search_text(TITLES[title], NAMES[adv]),
            })
            .collect()
    })
}

fn filter_strategy() -> impl Strategy<Value = AdFilter> {
    (
        0i64..5,
        0i64..3,
        prop::option::of(prop::sample::select(CODES.to_vec())),
        prop::sample::subsequence(vec![1i64, 2, 3, 9], 0..3),
        prop::option::of((
            prop::bool::ANY,
            prop::sample::subsequence(vec!["games", "food", "%", "_", "co. fresh", "zed"], 1..3),
        )),
        prop::option::of(0i64..2_000_000),
        prop::option::of(0i64..3_000_000),
    )
        .prop_map(|(from, span, country, ids, terms, min, max)| AdFilter {
            from: 20230101 + from,
            to: 20230101 + from + span,
            country: country.map(str::to_string),
            business_ids: if terms.is_some() { vec![] } else { ids },
            terms: terms.map(|(fuzzy, words)| {
                let kind = if fuzzy {
                    SearchType::FuzzyPhrase
                } else {
                    SearchType::ExactPhrase
                };
                (kind, words.into_iter().map(str::to_string).collect())
            }),
            reach_min: min,
            reach_max: max,
        })
}

async fn load(store: &Store, ads: &[AdFacts]) {
    for (i, name) in NAMES.iter().enumerate() {
        store
            .upsert_advertiser(&Advertiser {
                business_id: 1 + i as i64,
                business_name: (*name).into(),
                paid_by: (*name).into(),
                country_code: "US".into(),
                follower_count: 0,
                avatar_url: String::new(),
                profile_url: String::new(),
                created_at: 0,
            })
            .await
            .expect("advertiser");
    }
    for a in ads {
        store
            .insert_ad(&Ad {
                id: a.id,
                business_id: a.business_id,
                title: String::new(),
                status: "active".into(),
                status_statement: String::new(),
                first_shown_date: a.first_shown_date,
                last_shown_date: a.first_shown_date,
                countries: format!(",{},", a.countries.join(",")),
                reach: a.reach,
                videos: "[]".into(),
                image_urls: "[]".into(),
                search_text: a.search_text.clone(),
                detail: "{}".into(),
                created_at: 0,
            })
            .await
            .expect("ad");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]
    /// Every filter selects exactly what brute force selects, in id order; pages of 3 walked
    /// by the last id served give the same rows; the snapshot bound leaves newer ids out.
    #[test]
    fn ad_query_equals_brute_force(ads in ads_strategy(), filters in prop::collection::vec(filter_strategy(), 1..8)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            let dir = tempfile::tempdir().expect("dir");
            let store = Store::open(&crate::sqlite_url_for(&dir.path().join("t.db"))).await.expect("open");
            load(&store, &ads).await;
            for f in &filters {
                let want: Vec<i64> = ads.iter().filter(|a| adlib::matches(f, a)).map(|a| a.id).collect();
                let got: Vec<i64> = store.query_ads(f, 0, i64::MAX, 1000).await.expect("query").into_iter().map(|r| r.ad.id).collect();
                assert_eq!(&got, &want, "filter {f:?}");
                let mut paged = Vec::new();
                let mut after = 0;
                loop {
                    let page = store.query_ads(f, after, i64::MAX, 3).await.expect("page");
                    let Some(last) = page.last() else { break };
                    after = last.ad.id;
                    paged.extend(page.into_iter().map(|r| r.ad.id));
                }
                assert_eq!(&paged, &want);
                let bound = 1000 + 7 * 10;
                let bounded: Vec<i64> = store.query_ads(f, 0, bound, 1000).await.expect("bounded").into_iter().map(|r| r.ad.id).collect();
                assert_eq!(bounded, want.iter().copied().filter(|id| *id <= bound).collect::<Vec<_>>());
            }
            store.close().await;
        });
    }
}
